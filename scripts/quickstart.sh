#!/usr/bin/env bash
# The main job: install what is missing, build, and run a default comparison of the collectors on
# an acyclic and a cyclic workload at three heap sizes, writing results, a report and figures.
# Usage: scripts/quickstart.sh [OUTDIR]      (default results/quickstart)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-results/quickstart}
scripts/install-deps.sh
scripts/build.sh build
# Every collector that frees something (capabilities reclaims-cycles or refcount): one that frees
# nothing (nogc, the lower bound on time) exceeds every heap multiple by construction.
collectors=$(build/gclab list | awk '/^collectors/{c=1; next} /^$/{c=0}
  c && /^  [a-z]/{name=$1} c && /capabilities:/ && /reclaims-cycles|refcount/{print name}' | paste -sd, -)
# GCBench at a quarter of its original work (acyclic), and cycle-mix with half of its garbage cyclic.
build/gclab compare --collectors "$collectors" --workloads gcbench,cycle-mix \
  --param scale=0.25 --param structures=500000 \
  --heap-multiples 1.5,2,4 --invocations 3 --out "$out"
echo "Open $out/report.md (figures in $out/plots/, one row per cell in $out/results.csv)."
