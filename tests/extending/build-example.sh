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
grep -q '^  my-cheney  *example: copying' <<<"$list" || fail "mygclab list does not show collector my-cheney"
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

# The example copying collector (cheney.c), written against the installed headers alone, with
# --poison (the emptied semispace is poisoned at every flip) and verify_each=on (the core's checks
# of every space and its CH-1..3 after every collection: --verify alone sees only what is left
# after the final collection, which for these workloads is nothing).
# figure NAME KEY: the figure KEY of collector_stats in run NAME.
figure() { sed -n "s/^ *\"$2\": \([0-9][0-9]*\),\{0,1\}$/\1/p" "$tmp/$1/summary.json" | head -n 1; }
copied() { [ "$(figure "$1" objects_copied)" -gt 0 ] 2>/dev/null || fail "collector my-cheney copied no object in run $1"; }
# The queue, about 1.7 MB of cells through a 128 KiB semispace, in both orders: the same
# collections at the same allocations must copy the same objects, whichever order they are copied in.
run cheney-mine --collector my-cheney --workload mine --param items=30000 --param length=500 --param semispace=128k \
  --param verify_each=on --poison
run cheney-mine-depth --collector my-cheney --workload mine --param items=30000 --param length=500 --param semispace=128k \
  --param order=depth --param verify_each=on --poison
copied cheney-mine
[ "$(figure cheney-mine objects_copied)" = "$(figure cheney-mine-depth objects_copied)" ] ||
  fail "my-cheney copied $(figure cheney-mine objects_copied) objects breadth first but $(figure cheney-mine-depth objects_copied) depth first"
# Pointer arrays above GC_SMALL_MAX stay in the large-object space, marked in place and swept.
run cheney-big --collector my-cheney --workload big-objects --param objects=10000 --param live=200 --param size_max=64k \
  --param semispace=1M --param order=depth --param verify_each=on --poison
copied cheney-big
[ "$(figure cheney-big large_objects_freed)" -gt 0 ] 2>/dev/null || fail "my-cheney freed no large object"
# Cycles are reclaimed, with the emptied semispace's blocks given back at every flip.
run cheney-rings --collector my-cheney --workload rings --param rings=5000 --param keep_for=100 --param semispace=64k \
  --param idle=return --param verify_each=on --poison
copied cheney-rings
grep -Eq '"leaked_objects": 0,' "$tmp/cheney-rings/summary.json" || fail "collector my-cheney leaked rings"
# Through a heap limit: the queue holds about 270 KB of cells, and a copying collector needs as
# much again for its copies, so 256 KiB cannot hold it (exit 3, with the results written) and
# 1 MiB can, collecting at the limit (the semispace is left at its 8M default).
set +e
"$prog" run --collector my-cheney --workload mine --param items=30000 --param length=5000 --heap-limit 256k \
  --out "$tmp/cheney-limit-small" --quiet --verify --poison 2>"$tmp/cheney-limit-small.err"
code=$?
set -e
[ "$code" = 3 ] || fail "my-cheney under a 256k heap limit exited with $code, not 3: $(cat "$tmp/cheney-limit-small.err")"
grep -q '"status": "heap-limit-exceeded"' "$tmp/cheney-limit-small/summary.json" ||
  fail "my-cheney under a 256k heap limit: summary.json does not say heap-limit-exceeded"
run cheney-limit --collector my-cheney --workload mine --param items=30000 --param length=5000 --heap-limit 1M --poison
copied cheney-limit
grep -q ',full,-1,heap-limit,' "$tmp/cheney-limit/events.csv" || fail "my-cheney never collected at the heap limit"
echo "build-example: ok"
