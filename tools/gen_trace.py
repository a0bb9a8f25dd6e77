#!/usr/bin/env python3
"""Write deterministic gclab traces (docs/trace-format.md).

The traces exercise reference counting and the generational cycle collector in the ways the CPython
oracle test (tools/cpython_oracle.py) needs, and are useful on their own for comparing collectors
on exactly the same work:

  trees    GCBench-like acyclic churn: binary trees built top-down and bottom-up and dropped,
           around a long-lived tree (reference counting frees everything; generation 0's count
           rises and falls with each tree)
  cycles   many small cycles (1 to 8 objects, some with acyclic tails), most dropped at once, a
           tenth kept in a table for a while
  growing  a long-lived structure that grows all the time, with cyclic churn: the survivors of
           full collections grow, so CPython's 25% rule spaces full collections further apart
  mix      all of the above interleaved, with explicit collections, disable/enable spans,
           threshold changes and a freeze
  random   random operations on a random graph (needs --seed), with low thresholds so that short
           traces still collect every generation many times

Standard library only; randomness comes from a splitmix64 generator of our own, so a kind, seed
and scale give the same trace on every Python version.

usage: gen_trace.py KIND [--seed N] [--scale X] [-o FILE]
"""
import argparse
import math
import sys

MASK64 = (1 << 64) - 1


class Rng:
    """splitmix64: tiny, and the same on every Python."""

    def __init__(self, seed):
        self.x = seed & MASK64

    def next(self):
        self.x = (self.x + 0x9E3779B97F4A7C15) & MASK64
        z = self.x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def below(self, n):
        return self.next() % n  # the bias is irrelevant here

    def chance(self, p):
        return self.next() < p * (1 << 64)


class Trace:
    """Emits operations and keeps a shadow of the graph, so that every operation it writes is valid
    (no set or get through nil, no slot out of range): the generators below can then choose freely.
    A shadow object is a list of its slots; an atomic object is the empty tuple's stand-in ATOM."""

    ATOM = ()

    def __init__(self, nroots):
        self.regs = [None] * nroots
        self.lines = []

    def alloc(self, r, nslots, nbytes=8):
        self.lines.append(f"alloc {r} {nslots} {nbytes}")
        self.regs[r] = [None] * nslots if nslots else Trace.ATOM

    def set(self, r, s, r2):
        target = self.regs[r]
        assert target is not None and s < len(target), (r, s)
        target[s] = None if r2 is None else self.regs[r2]
        self.lines.append(f"set {r} {s} {'-' if r2 is None else r2}")

    def get(self, r, r2, s):
        src = self.regs[r2]
        assert src is not None and s < len(src), (r2, s)
        self.regs[r] = src[s]
        self.lines.append(f"get {r} {r2} {s}")

    def copy(self, r, r2):
        self.regs[r] = self.regs[r2]
        self.lines.append(f"copy {r} {r2}")

    def drop(self, r):
        self.regs[r] = None
        self.lines.append(f"drop {r}")

    def op(self, text):
        """collect G, disable, enable, freeze, threshold T0 T1 T2: no shadow effect."""
        self.lines.append(text)

    def write(self, out, comment):
        out.write("gclab-trace 1\n")
        for line in comment.splitlines():
            out.write(f"# {line}\n")
        out.write(f"roots {len(self.regs)}\n")
        out.write("\n".join(self.lines))
        out.write("\n")


# --- trees: GCBench in miniature ------------------------------------------------------------

def make_tree(t, r, depth, free):
    """Register r = a new tree of `depth`, children first (GCBench's MakeTree). `free` lists spare
    registers, two per level."""
    if depth <= 0:
        t.alloc(r, 2, 8)
        return
    a, b = free[0], free[1]
    make_tree(t, a, depth - 1, free[2:])
    make_tree(t, b, depth - 1, free[2:])
    t.alloc(r, 2, 8)
    t.set(r, 0, a)
    t.set(r, 1, b)
    t.drop(a)
    t.drop(b)


def populate(t, r, depth, free):
    """Give the node in register r two children, recursively (GCBench's Populate)."""
    if depth <= 0:
        return
    a, b = free[0], free[1]
    t.alloc(a, 2, 8)
    t.set(r, 0, a)
    t.alloc(b, 2, 8)
    t.set(r, 1, b)
    populate(t, a, depth - 1, free[2:])
    populate(t, b, depth - 1, free[2:])
    t.drop(a)
    t.drop(b)


def gen_trees(t, rng, scale, free):
    """Stretch, long-lived tree, then trees of growing depth built both ways and dropped."""
    tmp, long_lived = free[0], free[1]
    free = free[2:]
    stretch = max(4, 10 + round(math.log2(scale)))
    make_tree(t, tmp, stretch + 1, free)
    t.drop(tmp)
    t.alloc(long_lived, 2, 8)
    populate(t, long_lived, stretch - 2, free)
    for depth in range(4, stretch + 1, 2):
        iters = 2 * ((1 << (stretch + 1)) - 1) // ((1 << (depth + 1)) - 1)
        for _ in range(iters):
            t.alloc(tmp, 2, 8)
            populate(t, tmp, depth, free)
            t.drop(tmp)
        for _ in range(iters):
            make_tree(t, tmp, depth, free)
            t.drop(tmp)
    t.drop(long_lived)


# --- cycles ---------------------------------------------------------------------------------

def build_cycle(t, rng, head, cur, nxt, tail):
    """Register head = a new cycle of 1..8 objects; sometimes with an acyclic tail hanging off it
    (freed in the cycle's wake). Uses cur, nxt, tail as scratch; leaves them nil."""
    n = 1 + rng.below(8)
    t.alloc(head, 2, 16)
    t.copy(cur, head)
    for _ in range(n - 1):
        t.alloc(nxt, 2, 16)
        t.set(cur, 0, nxt)
        t.copy(cur, nxt)
    t.set(cur, 0, head)  # close the cycle
    if rng.chance(0.3):  # a tail of 1..4 objects, one of them atomic at the end
        t.copy(tail, cur)
        for k in range(1 + rng.below(4)):
            t.alloc(nxt, 0 if k == 3 else 1, 8)
            t.set(tail, 1 if k == 0 else 0, nxt)
            if k == 3:
                break
            t.copy(tail, nxt)
        t.drop(tail)
    t.drop(cur)
    t.drop(nxt)


def gen_cycles(t, rng, count, regs):
    table, head, cur, nxt, tail = regs
    keep_slots = 200
    t.alloc(table, keep_slots, 0)
    for i in range(count):
        build_cycle(t, rng, head, cur, nxt, tail)
        slot = i % keep_slots
        if rng.chance(0.1):
            t.set(table, slot, head)
        elif t.regs[table][slot] is not None:
            t.set(table, slot, None)
        t.drop(head)
    t.drop(table)


# --- growing --------------------------------------------------------------------------------

def grow_chain(t, last, node):
    t.alloc(node, 2, 8)
    t.set(last, 0, node)
    t.copy(last, node)


def gen_growing(t, rng, initial, steps, regs):
    """A chain of `initial` nodes, made long-lived by a full collection, then `steps` steps of
    cyclic churn during which the chain keeps growing and some cycles hang off it for good. About
    a tenth of what is allocated survives, so each full collection finds more survivors than the
    last, and the 25% rule (long_lived_pending >= long_lived_total / 4) holds the next one back
    for longer: the gaps between full collections widen."""
    first, last, node, head, cur, nxt, tail = regs
    t.alloc(first, 2, 8)
    t.copy(last, first)
    for _ in range(initial):
        grow_chain(t, last, node)
    t.op("collect 2")
    for _ in range(steps):
        if rng.chance(0.2):
            grow_chain(t, last, node)
        build_cycle(t, rng, head, cur, nxt, tail)
        if rng.chance(0.06):  # this cycle hangs off the chain and lives on
            t.set(last, 1, head)
        t.drop(head)
    t.drop(node)


# --- random ---------------------------------------------------------------------------------

def gen_random(t, rng, count, nregs):
    t.op("threshold 60 4 3")  # collect every generation often, even in a short trace
    for _ in range(count):
        r, r2 = rng.below(nregs), rng.below(nregs)
        x = rng.below(100)
        obj = t.regs[r]
        if x < 30:
            nslots = 0 if rng.chance(0.2) else 1 + rng.below(4)
            t.alloc(r, nslots, 8 * rng.below(3))
        elif x < 65:
            if obj is not None and len(obj):
                t.set(r, rng.below(len(obj)), None if rng.chance(0.1) else r2)
        elif x < 80:
            src = t.regs[r2]
            if src is not None and len(src):
                t.get(r, r2, rng.below(len(src)))
        elif x < 90:
            t.copy(r, r2)
        elif x < 99:
            t.drop(r)
        elif rng.chance(0.05):
            t.op(f"collect {rng.below(3)}")


# --- mix ------------------------------------------------------------------------------------

def gen_mix(t, rng, scale):
    regs = list(range(len(t.regs)))
    gen_cycles(t, rng, int(2000 * scale), regs[0:5])
    t.op("collect 1")
    t.op("disable")
    gen_cycles(t, rng, 300, regs[0:5])  # garbage piles up while disabled...
    t.op("enable")  # ...and the next allocation collects
    gen_trees(t, rng, 0.5 * scale, regs[5:])
    t.op("threshold 300 5 4")
    gen_growing(t, rng, int(1000 * scale), int(6000 * scale), regs[0:7])
    t.op("collect 0")
    t.op("freeze")  # everything so far becomes permanent: never examined again
    gen_cycles(t, rng, int(3000 * scale), regs[7:12])
    t.op("collect 2")
    gen_random(t, rng, int(20000 * scale), 12)  # sets thresholds 60 4 3
    t.op("threshold 700")  # only threshold0 changes, as with gc.set_threshold(700)
    gen_cycles(t, rng, int(3000 * scale), regs[0:5])
    t.op("collect 2")


def generate(kind, seed, scale):
    rng = Rng(seed)
    if kind == "trees":
        t = Trace(64)
        gen_trees(t, rng, scale, list(range(64)))
    elif kind == "cycles":
        t = Trace(5)
        gen_cycles(t, rng, int(20000 * scale), list(range(5)))
    elif kind == "growing":
        t = Trace(7)
        gen_growing(t, rng, int(36000 * scale), int(60000 * scale), list(range(7)))
    elif kind == "mix":
        t = Trace(64)
        gen_mix(t, rng, scale)
    elif kind == "random":
        t = Trace(12)
        gen_random(t, rng, int(60000 * scale), 12)
    else:
        raise SystemExit(f"gen_trace.py: unknown kind '{kind}' (trees, cycles, growing, mix, random)")
    return t


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("kind", help="trees, cycles, growing, mix or random")
    ap.add_argument("--seed", type=int, default=1, help="seed of the random choices (default 1)")
    ap.add_argument("--scale", type=float, default=1, help="size multiplier (default 1; 0.1 for a tenth)")
    ap.add_argument("-o", "--output", help="file to write (default: standard output)")
    a = ap.parse_args()
    if not 0 < a.scale <= 100:
        raise SystemExit("gen_trace.py: --scale must be more than 0 and at most 100")
    t = generate(a.kind, a.seed, a.scale)
    comment = f"tools/gen_trace.py {a.kind} --seed {a.seed} --scale {a.scale}: {len(t.lines)} operations"
    if a.output:
        with open(a.output, "w") as out:
            t.write(out, comment)
    else:
        t.write(sys.stdout, comment)


if __name__ == "__main__":
    main()
