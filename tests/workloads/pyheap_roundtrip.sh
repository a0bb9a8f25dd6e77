#!/bin/sh
# Round trip of a real program's heap: tools/pyheap-snapshot.py on a tiny script, then the
# heap-graph workload on the file. Skipped (exit 77) without python3.
# usage: pyheap_roundtrip.sh GCLAB TOOL SCRIPT
set -eu
command -v python3 >/dev/null 2>&1 || { echo "python3 not found: skipped"; exit 77; }
gclab=$1 tool=$2 script=$3
dir=$(mktemp -d "${TMPDIR:-/tmp}/gclab-pyheap-XXXXXX")
trap 'rm -rf "$dir"' EXIT

# Check a snapshot: exactly $2 Node records; with "drop", no atom records and every edge to a record.
check() {
    python3 - "$1" "$2" "${3:-atoms}" <<'PY'
import sys
path, want_nodes, untracked = sys.argv[1], int(sys.argv[2]), sys.argv[3]
types, kinds, edges, counts = {}, {}, [], None
with open(path) as f:
    assert f.readline() == "gclab-pyheap-snapshot 1\n", "bad header"
    for line in f:
        w = line.split()
        if w[0] == "counts": counts = [int(x) for x in w[1:]]
        elif w[0] == "type": types[w[1]] = w[2]
        elif w[0] in "ora": kinds[int(w[1])] = (w[0], types[w[2]]); edges += [int(x) for x in w[4:]]
nodes = sum(1 for k, t in kinds.values() if t == "__main__.Node")
assert nodes == want_nodes, "%s: %d Node records, expected %d" % (path, nodes, want_nodes)
assert counts == [len(kinds), len(edges), sum(1 for k, t in kinds.values() if k == "r"), len(types)], "counts"
assert all(e in kinds for e in edges), "an edge to no record"
atoms = sum(1 for k, t in kinds.values() if k == "a")
assert (atoms == 0) == (untracked == "drop"), "%d atoms with --untracked %s" % (atoms, untracked)
print(path, "ok:", counts[0], "objects,", counts[1], "edges,", atoms, "atoms")
PY
}

# heap-graph rebuilds the file: the run's live objects are the file's objects, on rc and marksweep.
load() {
    objects=$(sed -n 's/^counts \([0-9]*\) .*/\1/p' "$1")
    for c in rc marksweep; do
        "$gclab" run --quiet --collector $c --workload heap-graph --param "path=$1" --param steps=5 \
            --out "$dir/run-$c"
        live=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["final"]["live_objects"])' \
            "$dir/run-$c/summary.json")
        [ "$live" = "$objects" ] || { echo "$1 on $c: $live live objects, file has $objects"; exit 1; }
    done
    echo "$1 loads: $objects objects live on rc and marksweep"
}

python3 "$tool" --out "$dir/end.snap" -- "$script"
check "$dir/end.snap" 1000
load "$dir/end.snap"

python3 "$tool" --out "$dir/inside.snap" -- "$script" inside
check "$dir/inside.snap" 1000

python3 "$tool" --untracked drop --out "$dir/drop.snap" -- "$script"
check "$dir/drop.snap" 1000 drop
load "$dir/drop.snap"

# The same program twice gives the same file (PYTHONHASHSEED is fixed by the tool). The output
# path is part of the heap (it is in sys.argv), so both paths have the same length.
mkdir "$dir/a" "$dir/b"
python3 "$tool" --out "$dir/a/heap.snap" -- "$script" 2>/dev/null
python3 "$tool" --out "$dir/b/heap.snap" -- "$script" 2>/dev/null
cmp "$dir/a/heap.snap" "$dir/b/heap.snap"

# Used inside a program by path, with no command around it.
python3 - "$tool" "$dir/lib.snap" <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("pyheap_snapshot", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
keep = [dict(n=i) for i in range(500)]
counts = mod.snapshot(sys.argv[2])
assert counts["objects"] > 500 and counts["edges"] > 500, counts
print("library mode ok:", counts)
PY
"$gclab" run --quiet --collector marksweep --workload heap-graph --param "path=$dir/lib.snap" --param steps=3
echo "round trip ok"
