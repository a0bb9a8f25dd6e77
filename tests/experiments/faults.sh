#!/usr/bin/env bash
# Faults (issue 17): no input file or finished result is ever destroyed, and every fault is a clean
# exit that says what happened. Each block is one regression: an input named as an output is
# refused; a full disk (simulated with `ulimit -f` in a subshell; gclab ignores SIGXFSZ, so writes
# fail with EFBIG) leaves no partial file, is reported beside an exceeded heap limit, and leaves an
# experiment cell unfinished, to be redone; merge refuses corrupt cells and skips stray files; a
# signal flushes what was recorded; a killed compare leaves no cell running; two compares cannot
# share a directory; seeds round-trip; trace and path messages.
# Usage: faults.sh GCLAB GCLAB_WITH_TEST_WORKLOADS
source "$(dirname "$0")/lib.sh"
gclab=$(readlink -f "$1")
crashy=$(readlink -f "$2")
source_root=$(readlink -f "$(dirname "$0")/../..")
trace=$source_root/tests/traces/worked-example.trace
cd "$scratch"
small=(--param scale=0.01)

# --- an input is never an output (items 1, 2) ---
cp "$trace" T
keep=$(md5sum <T)
expect_error 2 "an input is never overwritten" "$gclab" replay --collector rc T --record-trace T
ln T T-link
expect_error 2 "an input is never overwritten" "$gclab" replay --collector rc T --record-trace ./T-link --quiet
cp "$source_root/data/snapshots/stdlib-imports.snap" S
keep_s=$(md5sum <S)
expect_error 2 "parameter path" "$gclab" run --collector rc --workload heap-graph --param path=S --record-trace S
expect_error 2 "two outputs" "$gclab" replay --collector rc T --out o --record-trace o/summary.json
[ "$keep" = "$(md5sum <T)" ] && [ "$keep_s" = "$(md5sum <S)" ] || fail "an input file was changed"
[ ! -e o ] || fail "a refused run created its --out directory"

# --- a full disk: every status reported, no partial file (items 4, 13) ---
rc=0
(ulimit -f 16; exec "$gclab" run --collector rc --workload rings --param rings=20000 --heap-limit 1M \
  --sample-every 1k --out full --quiet) 2>full.err || rc=$?
[ $rc -eq 3 ] || fail "heap limit + full disk: exit $rc, not 3 (the first status): $(cat full.err)"
grep -q '^gclab: heap limit exceeded' full.err || fail "the heap-limit line is missing: $(cat full.err)"
grep -q '^gclab: cannot write full/timeline.csv: File too large$' full.err || fail "the write failure is hidden: $(cat full.err)"
[ "$(wc -l <full.err)" -eq 2 ] || fail "not one line per status: $(cat full.err)"
[ ! -e full/timeline.csv ] || fail "a truncated timeline.csv was left"
grep -q '"cannot write full/timeline.csv: File too large"' full/summary.json || fail "summary.json does not list the failure"
[ -z "$(ls -A full | grep '^\.')" ] || fail "temporary files left in full/: $(ls -A full)"
rc=0
(ulimit -f 16; exec "$gclab" run --collector rc --workload gcbench "${small[@]}" --record-trace big.trace --quiet) 2>rec.err || rc=$?
[ $rc -eq 5 ] || fail "a failed --record-trace: exit $rc, not 5: $(cat rec.err)"
grep -q 'record-trace.*big.trace: File too large (no trace written)' rec.err || fail "no reason given: $(cat rec.err)"
[ -z "$(ls -A | grep big.trace)" ] || fail "a partial trace was left: $(ls -A)"
expect_error 5 "/nonexistent-dir/t" "$gclab" run --collector rc --workload gcbench "${small[@]}" --record-trace /nonexistent-dir/t

# --- run-cell on a full disk: the cell is left unfinished and redone (item 3) ---
exp=(--collectors rc --workloads gcbench "${small[@]}" --sample-every 1k --heap-limits 64M --invocations 1 --no-plots)
cell=rc_gcbench_limit67108864_i1
(ulimit -f 16; exec "$gclab" compare "${exp[@]}" --out exp) >full-compare.out 2>&1 || true
[ ! -e exp/cells/$cell ] || fail "a cell whose files could not be written was finished"
[ -d exp/cells/$cell.tmp ] || fail "the unfinished cell is missing: $(ls exp/cells)"
grep -q "File too large" exp/logs/$cell.log || fail "the cell's log does not say why: $(cat exp/logs/$cell.log)"
grep -q "^$cell,.*,incomplete," exp/results.csv || fail "merge does not report the cell as incomplete"
"$gclab" compare "${exp[@]}" --out exp >again.out 2>&1 || fail "re-run: $(cat again.out)"
grep -q '^gclab: 1 cells run, 0 already done, 0 failed' again.out || fail "the unfinished cell was not redone: $(cat again.out)"
for f in cell.json summary.json events.csv timeline.csv mmu.csv; do [ -s exp/cells/$cell/$f ] || fail "redone cell has no $f"; done

# --- a heap multiple whose limit would overflow: one line, before any cell is planned (item 6) ---
expect_error 2 "is not a heap limit from 1 byte to 2^63 bytes" "$gclab" compare --collectors rc --workloads gcbench \
  "${small[@]}" --heap-multiples 1e15 --out huge
[ -z "$(ls huge/plan)" ] || fail "cells were planned with an overflowing heap limit"

# --- merge validates every file of a cell; a stray file is skipped (item 11) ---
corrupt() { # corrupt FILE-IN-CELL SED-OR-COMMAND...: a copy of exp with that file changed
  rm -rf bad && cp -r exp bad
  local f=bad/cells/$cell/$1
  shift
  "$@" "$f"
}
corrupt events.csv truncate -s -3
last=$(($(wc -l <bad/cells/$cell/events.csv) + 1)) # the truncated line, which has no newline
expect_error 2 "events.csv:$last: the line is incomplete" "$gclab" merge bad --no-plots
corrupt timeline.csv truncate -s 0
expect_error 2 "timeline.csv:1: the file is empty" "$gclab" merge bad --no-plots
corrupt mmu.csv sed -i '1s/.*/garbage/'
expect_error 2 "mmu.csv:1: the header" "$gclab" merge bad --no-plots
corrupt timeline.csv sed -i '3s/^[0-9]*,/x,/'
expect_error 2 "timeline.csv:3: field 1 'x' is not a whole number" "$gclab" merge bad --no-plots
corrupt events.csv sed -i '2s/$/,7/'
expect_error 2 "events.csv:2: 16 fields" "$gclab" merge bad --no-plots
corrupt mmu.csv sed -i '2s/,.*/,1.5/'
expect_error 2 "mmu.csv:2: field 2" "$gclab" merge bad --no-plots
corrupt summary.json sed -i 's/"wall_ns": [0-9]*/"wall_ns": -5/'
expect_error 2 "time.wall_ns is negative" "$gclab" merge bad --no-plots
rm -rf bad && cp -r exp bad
echo stray >bad/cells/notes.txt
"$gclab" merge bad --no-plots >stray.out 2>stray.err || fail "a stray file failed the merge: $(cat stray.err)"
grep -q "warning: bad/cells/notes.txt is not a cell directory: skipped" stray.err || fail "no warning: $(cat stray.err)"

# --- a signal during run --out flushes what was recorded (item 12) ---
for sig in 15:143 2:130; do
  rm -rf int
  rc=0
  "$crashy" run --collector marksweep --workload self-interrupt --param signal=${sig%:*} --out int --quiet 2>int.err || rc=$?
  [ $rc -eq ${sig#*:} ] || fail "signal ${sig%:*}: exit $rc, not ${sig#*:}: $(cat int.err)"
  grep -q '^gclab: interrupted by SIG' int.err || fail "signal ${sig%:*}: $(cat int.err)"
  grep -q '"status": "interrupted"' int/summary.json || fail "summary.json is not marked interrupted"
  [ "$(wc -l <int/events.csv)" -ge 2 ] && [ "$(wc -l <int/timeline.csv)" -ge 3 ] || fail "what was recorded is lost"
done

# --- seeds: what summary.json records, --seed accepts (item 9) ---
for s in 0 9223372036854775807; do
  rm -rf seed
  "$gclab" run --collector rc --workload gcbench "${small[@]}" --seed $s --out seed --quiet || fail "--seed $s refused"
  recorded=$(sed -n 's/^  "seed": \(.*\),$/\1/p' seed/summary.json)
  [ "$recorded" = $s ] || fail "--seed $s recorded as '$recorded'"
  "$gclab" run --collector rc --workload gcbench "${small[@]}" --seed "$recorded" --quiet || fail "recorded seed refused"
done
for s in " -1" -1 +1 18446744073709551615 9223372036854775808 1e3 0x10 ""; do
  expect_error 2 "--seed" "$gclab" run --collector rc --workload gcbench --seed "$s"
  expect_error 2 "--seed" "$gclab" compare --collectors rc --workloads gcbench --seed "$s" --out never
  expect_error 2 "--seed" "$gclab" minheap --collector rc --workload gcbench --seed "$s"
done
[ ! -e never ] || fail "a refused compare created its directory"
expect_error 2 "--heap-limit" "$gclab" run --collector rc --workload gcbench --heap-limit 9000000000G
expect_error 2 "--sample-every" "$gclab" run --collector rc --workload gcbench --sample-every 9000000000G

# --- messages (item 13) ---
expect_error 2 "--out: empty path" "$gclab" run --collector rc --workload gcbench --out ""
expect_error 2 "--record-trace: empty path" "$gclab" run --collector rc --workload gcbench --record-trace ""
expect_error 2 "--out: empty path" "$gclab" compare --collectors rc --workloads gcbench --out ""
expect_error 2 "--out: empty path" "$gclab" merge exp --out ""
expect_error 2 "scale: 1e-320 is out of range" "$gclab" run --collector rc --workload gcbench --param scale=1e-320
expect_error 2 "scale: 1e999 is out of range" "$gclab" run --collector rc --workload gcbench --param scale=1e999
printf 'gclab-trace 1\nroots 2\nalloc 0 1 8\000 drop 0\n' >nul.trace
expect_error 2 "nul.trace:3: the line contains a NUL byte" "$gclab" replay --collector rc nul.trace
printf 'gclab-trace 1\nroots 0\nalloc 0 1 8\n' >noroots.trace
expect_error 2 "noroots.trace:3: root r0 is out of range: the trace declares no roots ('roots 0')" "$gclab" replay --collector rc noroots.trace
expect_error 2 "cannot open trace missing.trace" "$gclab" replay --collector rc missing.trace --out never
[ ! -e never ] || fail "the replay of an unopenable trace created its --out directory"

# --- a killed compare leaves no cell running; one compare per directory (item 8) ---
mkfifo ready
hang=(--collectors rc --workloads hang --param fifo="$scratch/ready" --invocations 1 --no-plots)
"$crashy" compare "${hang[@]}" --out hung >hung.out 2>&1 &
compare_pid=$!
# The cell writes its pid to the FIFO once it runs: a handshake, no timing (bounded by read -t).
read -r -t 120 cell_pid <ready || fail "the hanging cell did not start: $(cat hung.out)"
expect_error 2 "another gclab compare is running on hung" "$crashy" compare "${hang[@]}" --out hung
if command -v flock >/dev/null; then
  ! flock -n hung/plan/rc_hang_nolimit_i1.json true || fail "the running cell does not hold its plan's lock"
fi
kill -9 $compare_pid
wait $compare_pid 2>/dev/null || true
gone=
for _ in $(seq 200000); do # the kernel's SIGKILL arrives at once; this only bounds the wait
  state=Z
  { read -r _ _ state _ </proc/$cell_pid/stat; } 2>/dev/null || true
  if [ "$state" = Z ]; then gone=1; break; fi
done
if [ -z "$gone" ]; then
  kill -9 "$cell_pid" 2>/dev/null || true
  fail "the cell (pid $cell_pid) outlived its killed compare"
fi
# the lock went with the compare: the same experiment can be planned again at once
"$crashy" compare "${hang[@]}" --out hung --emit-jobs hung.jobs >/dev/null 2>hung2.err || fail "lock not released: $(cat hung2.err)"
echo "faults: all passed"
