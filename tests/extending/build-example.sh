#!/usr/bin/env bash
# Install the current build into a temporary DESTDIR, build examples/extending against it with
# pkg-config (as a researcher's own tree would), and run the result: the installed headers must
# stand alone, and `mygclab run` must write a results directory whose summary says "ok".
#
# Usage: build-example.sh BUILD_ROOT SOURCE_ROOT B_SANITIZE MESON CC
# Exit 0 on success, 77 (skip) only if a needed tool is missing, 1 with a message otherwise.
set -euo pipefail

build=$1 src=$2 sanitize=$3 meson=$4 cc=$5

fail() { echo "build-example: $*" >&2; exit 1; }
for tool in "$meson" pkg-config ninja; do
  command -v "$tool" >/dev/null 2>&1 || { echo "build-example: skipped: $tool not found" >&2; exit 77; }
done

# meson test points LD_LIBRARY_PATH at the build directory; the example must use the installed library.
unset LD_LIBRARY_PATH

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gclab-extending.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest

# 1. Install. --no-rebuild: `meson test` has built everything, and a second ninja must not run in
#    the build directory while the tests do.
"$meson" install -C "$build" --destdir "$dest" --no-rebuild --quiet >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log" >&2; fail "meson install failed"; }
pc=$(find "$dest" -name gclab.pc -print -quit)
[ -n "$pc" ] || fail "meson install wrote no gclab.pc"
export PKG_CONFIG_PATH=${pc%/*} PKG_CONFIG_SYSROOT_DIR=$dest
pkg-config --exists gclab || fail "pkg-config cannot use the installed gclab.pc"
incdir=$(pkg-config --variable=includedir gclab)
incdir=$dest${incdir#"$dest"} # pkgconf prefixes the sysroot to variables, pkg-config does not

# 2. Every public header is installed and compiles on its own against the installed tree.
read -ra cc_cmd <<<"$cc"                              # the compiler may be a command ("ccache cc")
read -ra gclab_cflags <<<"$(pkg-config --cflags gclab)"
for h in "$src"/include/gclab/*.h; do
  name=${h##*/}
  [ -f "$incdir/gclab/$name" ] || fail "include/gclab/$name is not installed (add it to install_headers)"
  echo "#include <gclab/$name>" | "${cc_cmd[@]}" -std=c17 -Wall -Wextra -Werror -fsyntax-only "${gclab_cflags[@]}" -x c - ||
    fail "installed <gclab/$name> does not compile on its own"
done

# 3. The example, copied out of the source tree as a researcher's own tree would be, built with
#    its meson.build (in the sanitizer build, with the same sanitizers as the library).
cp -R "$src/examples/extending" "$tmp/example"
opts=()
if [ "$sanitize" != none ]; then opts=(-Db_sanitize="$sanitize" -Db_lundef=false); fi
CC=$cc "$meson" setup "$tmp/example-build" "$tmp/example" "${opts[@]}" >"$tmp/setup.log" 2>&1 ||
  { cat "$tmp/setup.log" >&2; fail "meson setup of examples/extending failed"; }
ninja -C "$tmp/example-build" >"$tmp/ninja.log" 2>&1 ||
  { cat "$tmp/ninja.log" >&2; fail "examples/extending does not build against the installed gclab"; }
prog=$tmp/example-build/mygclab

# 4. Its collector and workload are listed beside the built-in ones, and run.
list=$("$prog" list) || fail "mygclab list failed"
grep -q '^  mine  *example: mark-sweep' <<<"$list" || fail "mygclab list does not show collector mine"
grep -q '^  mine  *example: a FIFO queue' <<<"$list" || fail "mygclab list does not show workload mine"
grep -q '^  marksweep ' <<<"$list" || fail "mygclab list lost the built-in collectors"

# run NAME ARGS...: one tiny run into $tmp/NAME; it must succeed and say so in summary.json.
run() {
  local out=$tmp/$1
  shift
  "$prog" run "$@" --out "$out" --quiet --verify || fail "mygclab run $* exited with $?"
  for f in summary.json events.csv timeline.csv mmu.csv; do [ -s "$out/$f" ] || fail "mygclab run $* wrote no $f"; done
  grep -Eq '"status": "ok"' "$out/summary.json" || fail "mygclab run $*: status is not ok"
}
# The example collector on the example workload: about 1.7 MB of cells with a 256 KiB budget must
# collect several times.
run mine-mine --collector mine --workload mine --param items=30000 --param length=500 --param every=256k
grep -Eq '"collections": [1-9]' "$tmp/mine-mine/summary.json" || fail "collector mine never collected"
grep -q ',full,-1,trigger,' "$tmp/mine-mine/events.csv" || fail "collector mine recorded no triggered collection"
# A built-in collector on the example workload: the queue is acyclic, so rc leaks nothing.
run rc-mine --collector rc --workload mine --param items=30000 --param length=500
grep -Eq '"leaked_objects": 0,' "$tmp/rc-mine/summary.json" || fail "rc leaked objects of the acyclic queue"
# The example collector on a built-in cyclic workload: a mark-sweep reclaims the rings.
run mine-rings --collector mine --workload rings --param rings=5000 --param keep_for=100 --param every=64k
grep -Eq '"leaked_objects": 0,' "$tmp/mine-rings/summary.json" || fail "collector mine leaked rings"
echo "build-example: ok"
