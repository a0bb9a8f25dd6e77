#!/usr/bin/env bash
# Install what gclab needs from Debian's packages, and only what is missing.
# Usage: scripts/install-deps.sh        (as root on Debian 12; uses sudo if not root)
set -euo pipefail

packages=(
  gcc pkg-config meson ninja-build   # build
  libjemalloc-dev libjansson-dev     # backing allocator and its statistics; JSON output
  libcriterion-dev                   # tests
  gnuplot-nox                        # plots (PDF, SVG, PNG)
  parallel                           # running sweeps of cells (gclab compare --emit-jobs)
  libgc-dev                          # bdwgc, the reference collector of the benchmarks in bench/
  libmimalloc-dev                    # mimalloc, an explicit allocator of the GCBench table (bench/)
  valgrind                           # memcheck (tests/reliability), callgrind (scripts/bench.sh)
  clang libclang-rt-14-dev           # libFuzzer for the fuzz targets (tests/fuzz/run.sh, .ci/run)
  python3                            # the CPython oracle and snapshot tools
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "gclab: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
