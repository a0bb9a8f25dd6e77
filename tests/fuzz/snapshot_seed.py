#!/usr/bin/env python3
"""Write a small valid snapshot from a shipped one, for the snapshot fuzz target's seed corpus:
its first N object records, with the edges to objects beyond N dropped and the counts redone, so
that libFuzzer starts from the real programs' record shapes at a size it can mutate quickly.
Usage: snapshot_seed.py SHIPPED.snap N OUT.snap"""
import sys

src, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
meta, types, objects = [], [], []
with open(src) as f:
    assert f.readline().startswith("gclab-pyheap-snapshot 1")
    for line in f:
        w = line.split()
        if not w or w[0] in ("counts", "end"):
            continue
        if w[0] == "meta":
            meta.append(line.rstrip("\n"))
        elif w[0] == "type":
            types.append(w[2])
        elif w[0] in ("o", "r", "a") and len(objects) < n:
            refs = [x for x in w[4:] if int(x) < n]
            objects.append((w[0], w[2], w[3], refs))
used = sorted({int(t) for _, t, _, _ in objects})
renum = {t: i for i, t in enumerate(used)}  # only the types the prefix uses, renumbered
edges = sum(len(r) for _, _, _, r in objects)
roots = sum(1 for k, _, _, _ in objects if k == "r")
with open(out, "w") as f:
    f.write("gclab-pyheap-snapshot 1\n")
    f.write("\n".join(meta[:2]) + "\n" if meta else "")
    f.write("counts %d %d %d %d\n" % (len(objects), edges, roots, len(used)))
    for t in used:
        f.write("type %d %s\n" % (renum[t], types[t]))
    for i, (k, t, size, refs) in enumerate(objects):
        f.write(" ".join([k, str(i), str(renum[int(t)]), size] + refs) + "\n")
    f.write("end\n")
