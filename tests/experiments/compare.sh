#!/usr/bin/env bash
# `gclab compare` end to end on a tiny sweep: results.csv (one row per cell, the documented
# columns), report.md, the figures in PDF, SVG and PNG; resuming (a re-run runs nothing, a missing
# or half-written cell is redone and only it); refusing a different experiment in the same
# directory; a heap-limit-exceeded cell and a crashed cell are recorded and the others go on.
# Usage: compare.sh GCLAB GCLAB_WITH_CRASH_WORKLOAD
source "$(dirname "$0")/lib.sh"
gclab=$(readlink -f "$1")
crashy=$(readlink -f "$2")
out=$scratch/exp

"$gclab" compare "${SWEEP[@]}" --out "$out" >"$scratch/run1" 2>"$scratch/run1.err" ||
  fail "compare exited with $?: $(cat "$scratch/run1.err")"
grep -q "^gclab: $SWEEP_CELLS cells run, 0 already done, 0 failed" "$scratch/run1" || fail "first run: $(cat "$scratch/run1")"

# --- results.csv ---
csv=$out/results.csv
header="cell,collector,workload,heap_multiple,heap_limit,invocation,seed,status,wall_ns,gc_ns,mutator_ns,gc_share,pause_count,pause_p50_ns,pause_p90_ns,pause_p99_ns,pause_p99_9_ns,pause_max_ns,heap_bytes_peak,block_bytes_peak,jemalloc_resident_peak,rss_peak,allocations,bytes_allocated,leaked_objects,leaked_bytes,mmu_1ms,mmu_10ms,mmu_100ms,live_bytes,cpu_share,involuntary_switches,noisy"
[ "$(head -1 "$csv")" = "$header" ] || fail "results.csv header: $(head -1 "$csv")"
[ "$(rows_of "$csv" | wc -l)" -eq $SWEEP_CELLS ] || fail "results.csv has $(rows_of "$csv" | wc -l) rows"
awk -F, -v n=33 'NF != n { print "row " NR " has " NF " fields"; bad = 1 } END { exit bad }' "$csv" || fail "ragged results.csv"
for c in rc marksweep; do
  for w in gcbench rings; do
    for h in 1.5 3; do
      for i in 1 2; do
        cell=${c}_${w}_x${h}_i$i
        row=$(grep "^$cell,$c,$w,$h,[0-9]*,$i,1," "$csv") || fail "no row for $cell"
        [ "$(grep -c "^$cell," "$csv")" -eq 1 ] || fail "$cell has more than one row"
        status=$(cut -d, -f8 <<<"$row")
        want=ok
        if [ $c = rc ] && [ $w = rings ]; then want=heap-limit-exceeded; fi
        [ "$status" = $want ] || fail "$cell: status $status, expected $want"
        # every finished cell keeps its run's files
        for f in cell.json summary.json events.csv timeline.csv mmu.csv; do
          [ -s "$out/cells/$cell/$f" ] || fail "$cell has no $f"
        done
        # ok cells have a wall time, a GC share in [0, 1] and an MMU in [0, 1]
        if [ $want = ok ]; then
          awk -F, '{ exit !($9 > 0 && $12 >= 0 && $12 <= 1 && $28 >= 0 && $28 <= 1) }' <<<"$row" || fail "$cell: figures out of range: $row"
        fi
      done
    done
  done
done
# the heap limit is the multiple of the minimum heap (marksweep's, one per workload), rounded up
for w in gcbench rings; do
  l15=$(grep "^marksweep_${w}_x1.5_i1," "$csv" | cut -d, -f5)
  l3=$(grep "^marksweep_${w}_x3_i1," "$csv" | cut -d, -f5)
  [ "$l15" -gt 0 ] && [ "$l3" -ge $((2 * l15 - 1)) ] && [ "$l3" -le $((2 * l15)) ] || fail "$w: limits $l15 at 1.5x, $l3 at 3x"
done

# --- the reference collector's minimum heap is taken at its default parameters ---
"$gclab" compare --collectors marksweep --workloads gcbench --param scale=0.01 --param growth=4 --invocations 1 \
  --heap-multiples 2 --no-plots --out "$scratch/ref" >/dev/null 2>&1 || fail "the reference sweep failed"
grep -q '"marksweep|gcbench|seed=1|tol=0.02|scale=0.01"' "$scratch/ref/minheap.json" ||
  fail "the reference collector's minimum heap used a collector parameter: $(cat "$scratch/ref/minheap.json")"

# --- report.md ---
report=$out/report.md
[ -s "$report" ] || fail "no report.md"
grep -q '^## gcbench' "$report" && grep -q '^## rings' "$report" || fail "report.md lacks a workload's table"
grep -q 'heap-limit-exceeded' "$report" || fail "report.md does not say which cells exceeded the heap limit"
grep -q '| 1.5× min heap | marksweep | 2/2 |' "$report" || fail "report.md lacks the 1.5x marksweep row"
# the coverage of a [min, max] bracket of 2 invocations: 1 - 2 (1/2)^2
grep -q 'whose coverage is 50.00% with 2 invocations' "$report" || fail "report.md does not give the brackets' coverage"
# lower-bound overhead: a row per heap setting; a collector's time is never below the least
# distilled cost (its own is among them), so every entry is a percentage >= 0 or a dash
lbo=$(sed -n '/^## Lower-bound overhead/,/^## /p' "$report")
row=$(grep '^| 1.5× min heap |' <<<"$lbo") || fail "report.md lacks the lower-bound overhead row at 1.5x"
[ "$(grep -o '+[0-9.]*%' <<<"$row" | wc -l)" -ge 1 ] || fail "no overhead in the 1.5x row: $row"
if grep -q -- '-[0-9][0-9.]*%' <<<"$lbo"; then fail "a negative lower-bound overhead: $lbo"; fi

# --- figures ---
if command -v gnuplot >/dev/null; then
  ! grep -q 'gnuplot failed' "$report" || fail "report.md says gnuplot failed"
  for w in gcbench rings; do
    for fig in pause-cdf pause-timeline mmu footprint heap-sweep summary; do
      base=$out/plots/$w-$fig
      [ "$(head -c 4 "$base.pdf")" = "%PDF" ] || fail "$base.pdf is not a PDF"
      [ "$(head -c 4 "$base.png" | tail -c 3)" = "PNG" ] || fail "$base.png is not a PNG"
      grep -q '<svg' "$base.svg" || fail "$base.svg is not an SVG"
      grep -qF "(plots/$w-$fig.png)" "$report" || fail "report.md does not show $w-$fig"
    done
  done
  # A collector that finished only at the smaller heap still has its line in the heap sweep,
  # under its own name (the figure's data blocks and legend stay in step).
  cp -r "$out" "$scratch/partial"
  for f in "$scratch"/partial/cells/marksweep_gcbench_x3_i*/summary.json; do
    sed -i 's/"status": "ok"/"status": "error"/' "$f"
  done
  "$gclab" merge "$scratch/partial" >/dev/null 2>&1 || fail "merge of the partial experiment failed"
  blocks=$(awk '/^#/ { name = $2; next } NF { printf "%s:%s ", name, $1 }' "$scratch/partial/plots/data/gcbench.heaps.dat")
  [ "$blocks" = "marksweep:1.5 rc:1.5 rc:3 " ] || fail "heap-sweep data blocks: $blocks"
  grep -q '>marksweep<' "$scratch/partial/plots/gcbench-heap-sweep.svg" || fail "heap sweep lost marksweep's line"
  grep -q '>rc<' "$scratch/partial/plots/gcbench-heap-sweep.svg" || fail "heap sweep lost rc's line"
  # rc keeps its colour (the second of the palette, #D55E00) in a figure without marksweep
  svg=$scratch/partial/plots/gcbench-pause-cdf.svg
  grep -q "stroke='rgb(213,  94,   0)'" "$svg" && ! grep -q "stroke='rgb(  0, 114, 178)'" "$svg" ||
    fail "rc changed colour in a figure without marksweep"
else
  echo "gnuplot is not installed: figure checks skipped (scripts/install-deps.sh installs it)"
fi

# --- resuming ---
before=$(sums_of "$out/cells")
"$gclab" compare "${SWEEP[@]}" --out "$out" >"$scratch/run2" 2>&1 || fail "re-run: $(cat "$scratch/run2")"
grep -q "^gclab: 0 cells run, $SWEEP_CELLS already done" "$scratch/run2" || fail "re-run: $(cat "$scratch/run2")"
[ "$before" = "$(sums_of "$out/cells")" ] || fail "a re-run changed finished cells"

# A half-written cell (NAME.tmp, here a fake with junk in it) and a cell that is gone altogether:
# merge reports them as incomplete and not-run; a re-run redoes exactly those two.
half=marksweep_gcbench_x3_i2
gone=rc_rings_x1.5_i1
rm -rf "${out:?}/cells/$half" "${out:?}/cells/$gone"
mkdir "$out/cells/$half.tmp"
echo junk >"$out/cells/$half.tmp/junk"
"$gclab" merge "$out" --no-plots >/dev/null 2>&1 || fail "merge of a directory with an unfinished cell failed"
[ "$(grep -c "^$half,.*,incomplete," "$csv")" -eq 1 ] || fail "merge: $half is not listed as incomplete"
[ "$(grep -c "^$gone,.*,not-run," "$csv")" -eq 1 ] || fail "merge: $gone is not listed as not-run"
[ "$(rows_of "$csv" | wc -l)" -eq $SWEEP_CELLS ] || fail "merge lost or added rows"
before=$(sums_of "$out/cells" | grep -v -e "\./$half" -e "\./$gone")
"$gclab" compare "${SWEEP[@]}" --out "$out" --no-plots >"$scratch/run3" 2>&1 || fail "re-run: $(cat "$scratch/run3")"
grep -q "^gclab: 2 cells run, $((SWEEP_CELLS - 2)) already done" "$scratch/run3" || fail "redo: $(cat "$scratch/run3")"
[ -d "$out/cells/$half" ] && [ ! -e "$out/cells/$half.tmp" ] && [ ! -e "$out/cells/$half/junk" ] ||
  fail "the half-written cell was not redone cleanly"
[ -s "$out/cells/$gone/summary.json" ] || fail "the missing cell was not redone"
[ "$before" = "$(sums_of "$out/cells" | grep -v -e "\./$half" -e "\./$gone")" ] || fail "the redo touched other cells"
grep -q "^$half,.*,ok," "$csv" && grep -q "^$gone,.*,heap-limit-exceeded," "$csv" || fail "redone cells' rows: $(grep -e "^$half," -e "^$gone," "$csv")"

# --- another experiment in the same directory is refused, and nothing is touched ---
before=$(sums_of "$out")
other=("${SWEEP[@]}")
other[11]=1.5,4 # the --heap-multiples value
[ "${other[10]}" = --heap-multiples ] || fail "test bug: SWEEP changed shape"
expect_error 2 "use another --out" "$gclab" compare "${other[@]}" --out "$out"
[ "$before" = "$(sums_of "$out")" ] || fail "a refused compare changed the directory"

# --- a crashed cell is recorded and the rest go on ---
crash=$scratch/crash
"$crashy" compare --collectors rc,marksweep --workloads crash,gcbench --param scale=0.01 --heap-limits 64M \
  --invocations 1 --no-plots --out "$crash" >"$scratch/crash.out" 2>&1 || fail "compare with crashing cells: $(cat "$scratch/crash.out")"
grep -q "^gclab: 4 cells run, 0 already done, 2 failed" "$scratch/crash.out" || fail "crash run: $(cat "$scratch/crash.out")"
for c in rc marksweep; do
  grep -q "^${c}_crash_limit67108864_i1,$c,crash,,67108864,1,1,crashed," "$crash/results.csv" || fail "$c on crash: not recorded as crashed"
  grep -q "^${c}_gcbench_limit67108864_i1,$c,gcbench,,67108864,1,1,ok," "$crash/results.csv" || fail "$c on gcbench did not go on"
done
grep -q '"signal": 6' "$crash/cells/rc_crash_limit67108864_i1/summary.json" || fail "the crashed cell does not record its signal"
grep -q 'crashed' "$crash/report.md" || fail "report.md does not mention the crashed cells"
"$crashy" compare --collectors rc,marksweep --workloads crash,gcbench --param scale=0.01 --heap-limits 64M \
  --invocations 1 --no-plots --out "$crash" >"$scratch/crash.out" 2>&1 || fail "re-run with crashed cells"
grep -q "^gclab: 0 cells run, 4 already done" "$scratch/crash.out" || fail "crashed cells are not final: $(cat "$scratch/crash.out")"

echo "compare: all checks passed"
