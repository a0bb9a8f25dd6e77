#!/usr/bin/env bash
# `gclab minheap`: the smallest heap limit (bytes of cells in use) at which a run completes, by
# bisection to a relative tolerance, cached with --out.
# Usage: minheap.sh GCLAB
source "$(dirname "$0")/lib.sh"
gclab=$(readlink -f "$1")
wl=(--workload rings --param rings=2000 --param keep_for=100)
# minheap prints "5.03 MiB (5277641 bytes)": the bytes, for the arithmetic below
bytes_of() { sed -n 's/^[0-9.]* MiB (\([0-9]*\) bytes)$/\1/p'; }

out=$("$gclab" minheap --collector marksweep "${wl[@]}" --tolerance 0.05 --out "$scratch/cache") || fail "minheap exited $?"
m=$(bytes_of <<<"$out")
[[ "$m" =~ ^[0-9]+$ ]] && [ "$m" -gt 0 ] || fail "minheap printed '$out'"
mib=$(awk -v b="$m" 'BEGIN { printf "%.2f", b / 1048576 }')
[ "$out" = "$mib MiB ($m bytes)" ] || fail "minheap printed '$out', not '$mib MiB ($m bytes)'"
# The answer completes; a limit below it by more than the tolerance does not (the bisection's
# failing bound is within 5% of the answer, and completion is monotonic in the limit here).
"$gclab" run --collector marksweep "${wl[@]}" --heap-limit "$m" --quiet || fail "no completion at the minimum heap $m"
below=$((m * 95 / 100 - 1))
rc=0
"$gclab" run --collector marksweep "${wl[@]}" --heap-limit "$below" --quiet 2>/dev/null || rc=$?
[ "$rc" -eq 3 ] || fail "a limit of $below (below the minimum heap $m by more than 5%) exited $rc, not 3"
# the unlimited run's peak is an upper bound
"$gclab" run --collector marksweep "${wl[@]}" --out "$scratch/free" --quiet
peak=$(sed -n 's/.*"heap_bytes_peak": \([0-9]*\).*/\1/p' "$scratch/free/summary.json")
[ "$m" -le "$peak" ] || fail "minimum heap $m above the unlimited peak $peak"

# A copying collector's limit also counts its copy reserve, so its minimum heap lies above the
# unlimited run's peak of cells in use: the answer must still complete, and a semispace needs
# about twice marksweep's (it was once reported as the peak itself, which exits 3).
ss=$("$gclab" minheap --collector semispace "${wl[@]}" --tolerance 0.05 | bytes_of) || fail "semispace minheap exited $?"
"$gclab" run --collector semispace "${wl[@]}" --heap-limit "$ss" --quiet ||
  fail "semispace does not complete at its minimum heap $ss"
[ "$ss" -ge $((m * 3 / 2)) ] || fail "semispace's minimum heap $ss is not well above marksweep's $m"

# The cache answers the same question without running: prove it by planting a value.
cache=$scratch/cache/minheap.json
[ -s "$cache" ] || fail "no cache written"
sed -i "s/: $m/: 12345/" "$cache"
[ "$("$gclab" minheap --collector marksweep "${wl[@]}" --tolerance 0.05 --out "$scratch/cache" | bytes_of)" = 12345 ] ||
  fail "the cached answer was not used"
# another tolerance is another question
m2=$("$gclab" minheap --collector marksweep "${wl[@]}" --tolerance 0.2 --out "$scratch/cache" | bytes_of)
[ "$m2" != 12345 ] && [ "$m2" -ge "$m" ] || fail "tolerance 0.2 gave $m2 (tolerance 0.05 gave $m)"

# a corrupt cache is refused, not overwritten
echo '{"broken' >"$cache"
expect_error 2 "minheap.json" "$gclab" minheap --collector marksweep "${wl[@]}" --out "$scratch/cache"
[ "$(cat "$cache")" = '{"broken' ] || fail "a corrupt cache was overwritten"

# A tolerance below one byte's share of the answer: the bisection stops when the bounds are one
# byte apart (it used to loop for ever once hi - lo = 1). The answer completes, one byte less does not.
fine=$("$gclab" minheap --collector marksweep --workload gcbench --param scale=0.001 --tolerance 1e-5 | bytes_of) ||
  fail "minheap with --tolerance 1e-5 exited $?"
"$gclab" run --collector marksweep --workload gcbench --param scale=0.001 --heap-limit "$fine" --quiet ||
  fail "no completion at the 1e-5 minimum heap $fine"
rc=0
"$gclab" run --collector marksweep --workload gcbench --param scale=0.001 --heap-limit $((fine - 1)) --quiet 2>/dev/null || rc=$?
[ "$rc" -eq 3 ] || fail "one byte below the exact minimum heap $fine exited $rc, not 3"

# bad input
for t in 0 1 -0.1 nan "" 0.5x; do
  expect_error 2 "--tolerance" "$gclab" minheap --collector marksweep "${wl[@]}" --tolerance "$t"
  expect_error 2 "--tolerance" "$gclab" compare --collectors rc --workloads gcbench --tolerance "$t" --out "$scratch/never"
done
expect_error 2 "unknown collector 'nope'" "$gclab" minheap --collector nope "${wl[@]}"
expect_error 2 "unknown workload 'nope'" "$gclab" minheap --collector rc --workload nope
expect_error 2 "--tolerance" "$gclab" minheap --collector rc "${wl[@]}" --tolerance 1.5
expect_error 2 "required" "$gclab" minheap --collector rc
echo "minheap: all checks passed"
