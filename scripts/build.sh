#!/usr/bin/env bash
# Configure (once) and build gclab in build/ (optimised, with debug info).
# Usage: scripts/build.sh [builddir] [extra meson options...]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
if [ ! -f "$dir/build.ninja" ]; then
  meson setup "$dir" --buildtype=debugoptimized "$@" >/dev/null
fi
ninja -C "$dir" >/dev/null
