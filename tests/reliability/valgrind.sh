#!/usr/bin/env bash
# Valgrind's memcheck over a few small runs: every collector on an acyclic and a cyclic workload,
# with --verify and --poison, a recording, a replay and a snapshot workload. Any memcheck error
# (an invalid read or write, a use of an uninitialised value, a definitely lost block) fails the
# test. Memcheck sees the harness's malloc'd memory (the recorder, the stacks, the roots, the
# readers) block by block; the heap's own blocks come from its jemalloc arena (mallocx), which
# memcheck sees only as mapped memory: AddressSanitizer's build covers those (GC_ASAN_POISON).
# Not run in sanitizer builds (the two cannot share a process); skipped (77) without valgrind.
# Usage: valgrind.sh GCLAB TRACE
set -euo pipefail
gclab=$(readlink -f "$1")
trace=$(readlink -f "$2")
command -v valgrind >/dev/null || { echo "valgrind is not installed: skipped"; exit 77; }
scratch=$(mktemp -d "${TMPDIR:-/tmp}/gclab-valgrind.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"

memcheck() {
  local rc=0
  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
    --soname-synonyms=somalloc='libjemalloc.so*' "$gclab" "$@" >stdout 2>stderr || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "FAIL: memcheck (exit $rc): gclab $*" >&2
    cat stderr >&2
    exit 1
  fi
  echo "ok: gclab $*"
}

for c in rc rc-gen marksweep; do
  memcheck run --collector "$c" --workload gcbench --param scale=0.001 --verify --poison --out "out-$c"
  memcheck run --collector "$c" --workload rings --param rings=300 --param keep_for=50 --verify --poison --quiet
done
memcheck run --collector rc-gen --workload cycle-mix --param structures=2000 --record-trace cm.trace --quiet
memcheck replay --collector marksweep cm.trace --verify --quiet
memcheck replay --collector rc-gen "$trace" --verify --quiet
memcheck run --collector marksweep --workload heap-graph --param snapshot=ast-inspect --param steps=2 --quiet
