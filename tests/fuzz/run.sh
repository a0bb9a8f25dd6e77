#!/usr/bin/env bash
# Build the fuzz targets with clang and libFuzzer (AddressSanitizer and UndefinedBehaviorSanitizer
# on) in build-fuzz/, and run each one: by default for a fixed number of executions (what .ci/run
# does: about a minute in all), or for a time per target in a longer campaign. A crash, a leak,
# a sanitizer report or a failed check stops the target, leaves the input in build-fuzz/findings/
# and fails this script. docs/fuzzing.md says how to turn a finding into a regression test.
# Usage: tests/fuzz/run.sh [--runs N | --seconds S] [--jobs J] [TARGET...]
#   --runs N      executions per target (default: each target's CI budget below)
#   --seconds S   run each target for S seconds instead (a campaign)
#   --jobs J      parallel libFuzzer jobs per target in a campaign (default 1)
#   TARGET        trace, snapshot, params, run_args, merge, merge_csv (default: all)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
dir=build-fuzz

# Executions per target for CI: about 12 s each on one core of the reference machine (the
# snapshot and trace targets replay every input on all three collectors, so they are slower).
declare -A ci_runs=([trace]=20000 [snapshot]=100000 [params]=25000 [run_args]=1000000 [merge]=400000 [merge_csv]=200000)
all=(trace snapshot params run_args merge merge_csv)
runs="" seconds="" jobs=1 targets=()
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

if [ ! -f "$dir/build.ninja" ]; then
  CC=clang meson setup "$dir" -Dfuzz=true -Dtests=false -Db_sanitize=address,undefined -Db_lundef=false \
    --buildtype=debugoptimized >/dev/null
fi
ninja -C "$dir" >/dev/null

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
mkdir -p "$dir/findings"
status=0
for t in "${targets[@]}"; do
  [ -n "${ci_runs[$t]:-}" ] || { echo "run.sh: unknown target $t (one of: ${all[*]})" >&2; exit 2; }
  # The corpus: the seeds and regression inputs (read only), and a working directory that keeps
  # what libFuzzer adds between runs of this script.
  corpus="$dir/corpus/$t"
  mkdir -p "$corpus"
  seeds=("tests/fuzz/seeds/$t" "tests/fuzz/regressions/$t")
  [ "$t" = trace ] && seeds+=(tests/traces)
  # Limits: inputs up to 64 KiB; 2 GB of RSS and 10 s per input (a hang is a finding).
  opts=(-max_len=65536 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -close_fd_mask=3
        "-artifact_prefix=$root/$dir/findings/$t-")
  if [ -n "$seconds" ]; then
    opts+=("-max_total_time=$seconds")
    [ "$jobs" -gt 1 ] && opts+=("-jobs=$jobs" "-workers=$jobs")
  else
    opts+=("-runs=${runs:-${ci_runs[$t]}}")
  fi
  log="$dir/fuzz-$t.log"
  start=$SECONDS
  if "$dir/tests/fuzz/fuzz_$t" "${opts[@]}" "$corpus" "${seeds[@]}" >"$log" 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz_$t: ${execs:-?} executions in $((SECONDS - start)) s, no failure (${opts[*]: -1}; log $log)" >&2
  else
    echo "FAIL: fuzz_$t found a problem (input in $dir/findings/); its log, $log:" >&2
    tail -40 "$log" >&2
    status=1
  fi
done
exit $status
