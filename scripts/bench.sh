#!/usr/bin/env bash
# The performance benchmark of docs/performance.md, in one command: install what is missing,
# configure and build build-bench/ (meson -Dbench=true, release), then run
#   1. GCBench side by side: glibc, jemalloc and mimalloc malloc/free, bdwgc, hand-written RC,
#      every gclab collector of the registry (run-time dispatch; compile-time too for marksweep
#      and rc) and the fresh-page floor (nogc's bound), interleaved over rounds; and, if python3
#      is CPython 3.7 or later, CPython's own collector on the same program (bench/gcbench.py, gc
#      enabled and disabled) beside rc-gen, for context (optional: not one of the dependencies);
#   2. instructions per allocation and per store under callgrind, for every collector;
#   3. GC time per live MiB from a 10 MiB to a 1 GiB live heap, for marksweep and (once it
#      exists) semispace, on two workloads (cache: a randomly laid-out heap; trees: one in
#      allocation order), with one figure.
#   4. gen against marksweep on cache at store_rate 0, 0.01, 0.1 and 0.5, with one figure;
#   5. incremental's longest pause and time against pause_target on GCBench, with one figure.
# A target whose collector this build lacks prints "n/a (collector not built)".
# Tables are printed and written, with the raw data and the figure, to results/bench/ (--out).
#
# Why release (-O3, assert() compiled out): the benchmark measures what an optimised build of
# gclab costs, the way bdwgc and the native programs are measured; debugoptimized (the project's
# default) keeps assertions, which no user's production build would time. Every program in
# build-bench/ (native yardsticks included) is compiled with the same flags.
#
# Usage: scripts/bench.sh [--quick] [gclab-bench options...]
#   --quick               3 rounds, 1 scaling run per size, 1 store-rate run, 200,000 callgrind operations
#   --rounds N            GCBench rounds (default 7)
#   --no-cpython          leave out CPython's GCBench (--python PROG: another interpreter)
#   --scaling-runs N      runs per live size (default 3)
#   --sizes LIST          live sizes in MiB (default 10,30,100,300,1000)
#   --scaling-workloads LIST  scaling workloads, of cache and trees (default: both)
#   --collectors LIST     scaling collectors (default: marksweep, and semispace when built)
#   --out DIR             results directory (default results/bench)
#   (build-bench/bench/gclab-bench --help lists every option; `gclab-bench gcbench`, `fastpath`
#    or `scaling` runs one measurement alone.)
set -euo pipefail
cd "$(dirname "$0")/.."

args=()
for a in "$@"; do
  if [ "$a" = "--quick" ]; then
    args+=(--rounds 3 --scaling-runs 1 --storerate-runs 1 --ops 200000)
  else
    args+=("$a")
  fi
done

scripts/install-deps.sh
if [ ! -f build-bench/build.ninja ]; then
  meson setup build-bench --buildtype=release -Dbench=true -Dtests=false >/dev/null
else
  meson configure build-bench --buildtype=release -Dbench=true >/dev/null
fi
ninja -C build-bench >/dev/null
exec build-bench/bench/gclab-bench all ${args[@]+"${args[@]}"}
