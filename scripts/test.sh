#!/usr/bin/env bash
# The whole test suite: install what is missing, build, and run every test twice: in the normal
# optimised build and in an AddressSanitizer + UndefinedBehaviorSanitizer build.
# Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build
scripts/build.sh build-asan -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debug

status=0
echo "== test suite (build/) =="
meson test -C build --print-errorlogs --num-processes 2 || status=1
echo "== test suite under AddressSanitizer and UndefinedBehaviorSanitizer (build-asan/) =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C build-asan --print-errorlogs --num-processes 2 --timeout-multiplier 4 || status=1
exit $status
