#!/usr/bin/env bash
# Out of memory is a clean exit: under every address-space limit (`ulimit -v`) from 10 to 48 MB,
# a small run, a replay and a recording end with exit 0 or 4 (out of memory) and, for 4, one line
# on standard error; never a signal. Before the thread-cache workaround in cli/main.c, jemalloc
# 5.3 died of SIGSEGV in its calloc between about 12 and 16 MB, and the trace reader's own
# out-of-memory exited 2 (bad input). Not run in sanitizer builds (their shadow memory needs
# terabytes of address space).
# Usage: oom_ulimit.sh GCLAB TRACE
set -euo pipefail
gclab=$(readlink -f "$1")
trace=$(readlink -f "$2")
scratch=$(mktemp -d "${TMPDIR:-/tmp}/gclab-oom.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# an experiment for merge to read (made without a limit)
"$gclab" compare --collectors marksweep --workloads gcbench --param scale=0.001 --heap-multiples 2 \
  --invocations 1 --out exp >/dev/null 2>&1 || fail "compare without a limit failed"
cases=(
  "merge --no-plots --out merged exp"
  "run --collector rc --workload gcbench --param scale=0.001"
  "run --collector rc-gen --workload rings --param rings=2000"
  "run --collector marksweep --workload gcbench --param scale=0.001 --record-trace t.trace --out out"
  "replay --collector rc-gen $trace --out replayed"
)
runs=0 oom=0 ok=0
for limit_mb in $(seq 10 2 48); do
  for c in "${cases[@]}"; do
    rc=0
    # shellcheck disable=SC2086 # each case is a list of words
    (ulimit -v $((limit_mb * 1024)); exec "$gclab" $c) >stdout 2>stderr || rc=$?
    runs=$((runs + 1))
    case $rc in
      0) ok=$((ok + 1)) ;;
      4) oom=$((oom + 1))
         [ "$(wc -l <stderr)" -eq 1 ] || fail "${limit_mb} MB, gclab $c: not one line on stderr: $(cat stderr)"
         grep -q '^gclab: .*out of memory' stderr || fail "${limit_mb} MB, gclab $c: exit 4 without 'out of memory': $(cat stderr)" ;;
      127) grep -q 'error while loading shared libraries' stderr ||
             fail "${limit_mb} MB, gclab $c: exit 127: $(cat stderr)" ;; # the loader, before gclab runs
      *) fail "${limit_mb} MB, gclab $c: exit $rc (a signal if above 128): $(head -c 300 stderr)" ;;
    esac
    rm -rf out replayed t.trace merged
  done
done
# The sweep must cover both sides: limits that run out and limits that suffice.
[ "$oom" -gt 0 ] || fail "no limit ran out of memory: the sweep proves nothing"
[ "$ok" -gt 0 ] || fail "no limit sufficed: the sweep proves nothing"
echo "ok: $runs runs, $ok completed, $oom out of memory (exit 4), none killed by a signal"
