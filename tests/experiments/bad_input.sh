#!/usr/bin/env bash
# Bad input to compare and merge: a one-line error naming the problem, a non-zero exit code, and
# nothing already written lost or overwritten.
# Usage: bad_input.sh GCLAB
source "$(dirname "$0")/lib.sh"
gclab=$(readlink -f "$1")
cd "$scratch"
small=(--workloads gcbench --param scale=0.01 --heap-limits 64M --invocations 2 --no-plots)

# --- lists ---
expect_error 2 "unknown collector 'nope'" "$gclab" compare --collectors rc,nope "${small[@]}" --out a
expect_error 2 "unknown workload 'nope'" "$gclab" compare --collectors rc --workloads gcbench,nope --out a
expect_error 2 "--collectors" "$gclab" compare --collectors "" "${small[@]}" --out a
expect_error 2 "--collectors" "$gclab" compare --collectors , "${small[@]}" --out a
expect_error 2 "empty item" "$gclab" compare --collectors rc,,marksweep "${small[@]}" --out a
expect_error 2 "empty item" "$gclab" compare --collectors rc, "${small[@]}" --out a
expect_error 2 "--workloads" "$gclab" compare --collectors rc --workloads "" --out a
expect_error 2 "'rc' is listed twice" "$gclab" compare --collectors rc,marksweep,rc "${small[@]}" --out a
expect_error 2 "--heap-multiples" "$gclab" compare --collectors rc --workloads gcbench --heap-multiples 2,x --out a
expect_error 2 "--heap-multiples: '2' is listed twice" "$gclab" compare --collectors rc --workloads gcbench --heap-multiples 2,2.0 --out a
expect_error 2 "--heap-limits" "$gclab" compare --collectors rc --workloads gcbench --heap-limits 0 --out a
# a multiple whose limit cannot be a uint64_t (or a plan's JSON integer): refused, not wrapped to "no limit"
expect_error 2 "--heap-multiples: '1e30' is too large" "$gclab" compare --collectors rc --workloads gcbench --heap-multiples 1e30 --out a
expect_error 2 "--heap-multiples: '9.3e18' is too large" "$gclab" compare --collectors rc --workloads gcbench --heap-multiples 2,9.3e18 --out a
expect_error 2 "--heap-limits" "$gclab" compare --collectors rc --workloads gcbench --heap-limits 9000000000G --out a
expect_error 2 "--slurm-throttle" "$gclab" compare --collectors rc --workloads gcbench --slurm-throttle 0 --out a
expect_error 2 "--emit-jobs: empty path" "$gclab" compare --collectors rc --workloads gcbench --emit-jobs "" --out a
mkdir -p jobsdir && echo '{"kept": true}' >jobsdir/experiment.json
expect_error 2 "is also the experiment's experiment.json" "$gclab" compare --collectors rc "${small[@]}" --out jobsdir --emit-jobs jobsdir/experiment.json
[ "$(cat jobsdir/experiment.json)" = '{"kept": true}' ] || fail "--emit-jobs overwrote experiment.json"
rm -r jobsdir
expect_error 2 "not both" "$gclab" compare --collectors rc "${small[@]}" --heap-multiples 2 --out a
expect_error 2 "--invocations" "$gclab" compare --collectors rc --workloads gcbench --invocations 0 --out a
expect_error 2 "--out" "$gclab" compare --collectors rc --workloads gcbench
expect_error 2 "belongs to none" "$gclab" compare --collectors rc "${small[@]}" --param nope=1 --out a
expect_error 2 "unknown option '--bogus'" "$gclab" compare --collectors rc "${small[@]}" --bogus 1 --out a
[ ! -e a ] || fail "a refused compare created its output directory"

# --- unwritable output ---
echo "a regular file" >file
expect_error 5 "file/out" "$gclab" compare --collectors rc "${small[@]}" --out file/out
expect_error 5 "file/jobs" "$gclab" compare --collectors rc "${small[@]}" --out emit --emit-jobs file/jobs
[ "$(cat file)" = "a regular file" ] || fail "the regular file was changed"

# --- a finished experiment to break ---
"$gclab" compare --collectors rc,marksweep "${small[@]}" --out exp >exp.out 2>&1 || fail "compare: $(cat exp.out)"
keep=$(sums_of exp)

# another experiment's settings, or an unreadable experiment.json: refused, nothing touched
expect_error 2 "use another --out" "$gclab" compare --collectors marksweep "${small[@]}" --out exp
[ "$keep" = "$(sums_of exp)" ] || fail "a refused compare changed the experiment"
cp -r exp broken-settings
echo '{"collectors": [' >broken-settings/experiment.json
keep_broken=$(sums_of broken-settings)
expect_error 2 "experiment.json" "$gclab" compare --collectors rc,marksweep "${small[@]}" --out broken-settings
[ "$keep_broken" = "$(sums_of broken-settings)" ] || fail "an unreadable experiment.json was overwritten"

# merge: a corrupt cell (malformed summary.json, then cell.json) is an error naming it, and the
# results and report already there are left as they were
for f in summary.json cell.json; do
  rm -rf corrupt
  cp -r exp corrupt
  echo '{"status": ' >corrupt/cells/rc_gcbench_limit67108864_i2/$f
  keep_corrupt=$(sums_of corrupt)
  expect_error 2 "rc_gcbench_limit67108864_i2" "$gclab" merge corrupt
  grep -qF "$f" stderr || fail "the error does not name $f"
  [ "$keep_corrupt" = "$(sums_of corrupt)" ] || fail "a failing merge changed the directory (corrupt $f)"
  expect_error 2 "rc_gcbench_limit67108864_i2" "$gclab" merge corrupt --out elsewhere
  [ ! -e elsewhere ] || fail "a failing merge created its output directory"
done
expect_error 2 "not an experiment directory" "$gclab" merge file
expect_error 2 "not an experiment directory" "$gclab" merge nowhere
expect_error 2 "at least one" "$gclab" merge
expect_error 2 "--out needs a value" "$gclab" merge exp --out
expect_error 2 "in two places" "$gclab" merge exp exp --out twice
[ ! -e twice ] || fail "a refused merge created its output directory"
expect_error 5 "file/merged" "$gclab" merge exp --out file/merged --no-plots
[ "$keep" = "$(sums_of exp)" ] || fail "the experiment changed"

# run-cell: an unknown cell
expect_error 2 "nope" "$gclab" run-cell exp nope
grep -q '^gclab: cell nope: ' "$scratch/stderr" || fail "run-cell's message does not name the cell first: $(cat "$scratch/stderr")"
expect_error 2 "usage" "$gclab" run-cell exp

echo "bad input: all checks passed"
