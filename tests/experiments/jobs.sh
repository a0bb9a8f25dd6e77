#!/usr/bin/env bash
# `gclab compare --emit-jobs FILE`: one command line per cell in FILE and a Slurm job array in
# FILE.sbatch whose N-th task runs FILE's N-th line; the job file run for real with GNU parallel,
# then `gclab merge`: the same cells as a local run of the same sweep.
# Usage: jobs.sh GCLAB
source "$(dirname "$0")/lib.sh"
gclab=$(readlink -f "$1")

cd "$scratch"
# A relative --out: the emitted commands must still work from anywhere (remote hosts, Slurm).
"$gclab" compare "${SWEEP[@]}" --out sweep --emit-jobs jobs.txt >emit.out 2>&1 || fail "emit-jobs: $(cat emit.out)"
[ "$(wc -l <jobs.txt)" -eq $SWEEP_CELLS ] || fail "jobs.txt has $(wc -l <jobs.txt) lines, not $SWEEP_CELLS"
[ ! -e sweep/results.csv ] && [ -z "$(ls sweep/cells)" ] || fail "--emit-jobs ran cells"
# one line per planned cell, each naming its cell once, with absolute paths
diff <(sed -n "s/.* run-cell '[^']*' '\(.*\)'$/\1/p" jobs.txt | sort) <(ls sweep/plan | sed 's/\.json$//' | sort) ||
  fail "jobs.txt does not name every planned cell exactly once"
grep -qv "run-cell '$scratch/sweep' '" jobs.txt && fail "a job line does not use the absolute experiment path"
grep -q "'$(readlink -f "$gclab")' run-cell" jobs.txt || fail "job lines do not start with the absolute gclab path"

# --- the Slurm script ---
sb=jobs.txt.sbatch
[ -s $sb ] || fail "no $sb"
[ "$(head -1 $sb)" = "#!/bin/bash" ] || fail "$sb has no bash shebang"
grep -qx "#SBATCH --array=1-$SWEEP_CELLS" $sb || fail "$sb: no '#SBATCH --array=1-$SWEEP_CELLS'"
grep -q "^#SBATCH --output=$scratch/sweep/logs/" $sb || fail "$sb: Slurm output not in the experiment's logs/"
# sbatch reads #SBATCH lines only before the first command
first_cmd=$(grep -n -v -e '^#' -e '^$' $sb | head -1 | cut -d: -f1)
last_directive=$(grep -n '^#SBATCH' $sb | tail -1 | cut -d: -f1)
[ "$last_directive" -lt "$first_cmd" ] || fail "$sb: an #SBATCH line comes after a command"
# Task N runs line N: run task 3 as Slurm would (without Slurm), from another directory.
third=$(sed -n "3s/.* '\(.*\)'$/\1/p" jobs.txt)
(cd / && SLURM_ARRAY_TASK_ID=3 bash "$scratch/$sb") >task3.out 2>&1 || [ $? -eq 3 ] || fail "task 3: $(cat task3.out)"
[ -d "sweep/cells/$third" ] || fail "Slurm task 3 did not run line 3's cell ($third)"
[ "$(ls sweep/cells | wc -l)" -eq 1 ] || fail "Slurm task 3 ran more than one cell"

# --- the same sweep run locally: the reference for the cells the jobs must produce ---
"$gclab" compare "${SWEEP[@]}" --out local --no-plots >local.out 2>&1 || fail "local run: $(cat local.out)"
cells_of() { rows_of "$1" | cut -d, -f1-8; } # name, settings and status

# --- without a shared filesystem: two copies of the planned experiment, half the jobs run in
# each, merged: every cell once, none left as not-run ---
"$gclab" compare "${SWEEP[@]}" --out split --emit-jobs split.txt >/dev/null 2>&1 || fail "emit-jobs for split"
cp -r split split-a
mv split split-b
half=$((SWEEP_CELLS / 2))
sed "s|'$scratch/split'|'$scratch/split-a'|" split.txt | head -n $half >a.txt
sed "s|'$scratch/split'|'$scratch/split-b'|" split.txt | tail -n +$((half + 1)) >b.txt
bash a.txt >/dev/null 2>&1 || true # a job file: any failure shows in the merged results
bash b.txt >/dev/null 2>&1 || true
"$gclab" merge split-a split-b --out merged --no-plots >merged.out 2>&1 || fail "merge of two copies: $(cat merged.out)"
diff <(cells_of merged/results.csv) <(cells_of local/results.csv) || fail "the merged copies' cells differ from the local run's"
# a cell finished in both copies is refused ($third, line 3, ran in split-a)
"$gclab" run-cell "$scratch/split-b" "$third" 2>/dev/null || true
expect_error 2 "in two places" "$gclab" merge split-a split-b --out merged2 --no-plots

# --- a sweep beyond Slurm's MaxArraySize: arrays of at most 1000 tasks, each with its offset ---
# 2 collectors x 501 invocations = 1002 cells: arrays of 1000 and 2.
big=(--collectors rc,marksweep --workloads gcbench --param scale=0.001 --heap-limits 64M --invocations 501 --out big)
"$gclab" compare "${big[@]}" --slurm-throttle 50 --emit-jobs big.txt >big.out 2>&1 || fail "big emit-jobs: $(cat big.out)"
[ "$(wc -l <big.txt)" -eq 1002 ] || fail "big.txt has $(wc -l <big.txt) lines"
grep -qx "#SBATCH --array=1-1000%50" big.txt.sbatch || fail "big.txt.sbatch: $(grep array big.txt.sbatch)"
# a fake sbatch that records its arguments and answers a job id, as `sbatch --parsable` does
mkdir fakebin
cat >fakebin/sbatch <<'SH'
#!/bin/bash
echo "$*" >>"$SBATCH_LOG"
echo $((100 + $(wc -l <"$SBATCH_LOG")))
SH
chmod +x fakebin/sbatch
SBATCH_LOG=$scratch/sbatch.log PATH=$scratch/fakebin:$PATH bash big.txt.submit >submit.out 2>&1 || fail "submit: $(cat submit.out)"
want="--parsable --array=1-1000%50 --export=ALL,GCLAB_TASK_OFFSET=0 $scratch/big.txt.sbatch
--parsable --dependency=afterany:101 --array=1-2%50 --export=ALL,GCLAB_TASK_OFFSET=1000 $scratch/big.txt.sbatch"
[ "$(cat sbatch.log)" = "$want" ] || fail "the submitted arrays: $(cat sbatch.log)"
# task 2 of the second array runs line 1002 (as Slurm would run it, without Slurm)
last=$(sed -n "1002s/.* '\(.*\)'$/\1/p" big.txt)
(cd / && SLURM_ARRAY_TASK_ID=2 GCLAB_TASK_OFFSET=1000 bash "$scratch/big.txt.sbatch") >t1002.out 2>&1 || fail "task 1002: $(cat t1002.out)"
[ -d "big/cells/$last" ] && [ "$(ls big/cells | wc -l)" -eq 1 ] || fail "task 2 at offset 1000 did not run line 1002 ($last)"
# without a throttle, the arrays are submitted at once, without dependencies
"$gclab" compare "${big[@]}" --emit-jobs big2.txt >/dev/null 2>&1 || fail "big2 emit-jobs"
grep -qx "#SBATCH --array=1-1000" big2.txt.sbatch || fail "big2.txt.sbatch: $(grep array big2.txt.sbatch)"
[ "$(grep -c '^prev=$(sbatch --parsable --array=1-' big2.txt.submit)" -eq 2 ] || fail "big2.txt.submit: $(cat big2.txt.submit)"

# --- GNU parallel, for real ---
if ! command -v parallel >/dev/null; then
  echo "GNU parallel is not installed (scripts/install-deps.sh installs it): skipped"
  exit 77
fi
# parallel's exit status counts the jobs that exited non-zero; heap-limit cells exit 0 (recorded).
rc=0
parallel --will-cite -j 2 <jobs.txt >parallel.out 2>&1 || rc=$?
[ "$rc" -eq 0 ] || fail "parallel counted $rc failed jobs (heap-limit cells must exit 0): $(cat parallel.out)"
[ "$(ls sweep/cells | grep -vc '\.tmp$')" -eq $SWEEP_CELLS ] || fail "parallel left cells unfinished: $(ls sweep/cells)"
# every job line is idempotent: running the file again runs nothing and succeeds
parallel --will-cite -j 2 <jobs.txt >parallel2.out 2>&1 || fail "re-running the finished jobs failed: $(cat parallel2.out)"
"$gclab" merge sweep >merge.out 2>&1 || fail "merge: $(cat merge.out)"
[ -s sweep/report.md ] || fail "merge wrote no report"
[ "$(rows_of sweep/results.csv | wc -l)" -eq $SWEEP_CELLS ] || fail "merged results.csv has $(rows_of sweep/results.csv | wc -l) rows"

# the same cells with the same settings and outcomes as the local run
diff <(cells_of sweep/results.csv) <(cells_of local/results.csv) || fail "the parallel run's cells differ from the local run's"

echo "jobs: all checks passed"
