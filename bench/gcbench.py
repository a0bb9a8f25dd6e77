#!/usr/bin/env python3
"""Boehm's GCBench (Ellis, Kovac, Boehm) in Python, to time CPython's own collector.

    python3 bench/gcbench.py on     # CPython's generational cycle collector enabled (its default)
    python3 bench/gcbench.py off    # gc.disable(): reference counting alone

The same program as gclab's `gcbench` workload with its defaults (workloads/gcbench.c) and the
native yardsticks (bench/gcbench_native.c):
  1. a stretch tree of depth 18, built bottom-up and dropped;
  2. a long-lived tree of depth 16, built top-down, and a long-lived array of 500,000 doubles,
     half filled;
  3. for depth d = 4, 6, ... 16: NumIters(d) = 2 * TreeSize(18) / TreeSize(d) trees of depth d
     built top-down (populate) and as many bottom-up (make_tree), each dropped at once;
  4. a check that the long-lived tree and array survived (array[1000] == 1/1000).
A node is an instance of a class with __slots__ (two references and two ints, no per-node dict):
one tracked container per node, like a gclab object with two slots, which rc-gen tracks. The
array is an array.array('d'): one untracked object holding raw doubles, like gclab's atomic array
(a list of floats would be one tracked container of 500,000 untracked floats).

Both modes first collect and freeze (gc.collect(); gc.freeze()), so that the interpreter's own
objects are in the permanent generation, which no collection examines: the generations then hold
only the benchmark's objects, as rc-gen's do, and CPython's schedule is the one rc-gen models.
Then `off` disables automatic collection.

Prints one line of JSON, read by gclab-bench (bench/bench_gcbench.c), with these keys:
  benchmark, gc    "gcbench", and "on" or "off";
  wall_ns          the benchmark from its first allocation to its check (perf_counter_ns), so
                   interpreter start-up and the set-up above are outside it;
  collections      per generation [0, 1, 2]: gc.get_stats() after minus before;
  collected        per generation, the same way (0 on this acyclic program);
  collection_ns    per generation, the time between gc.callbacks' "start" and "stop" calls,
                   summed; max_pause_ns the longest such interval;
  python           the implementation and version ("CPython 3.11.7").
The callback itself is installed in both modes and costs a little on every collection (a
Python call and an info dict at start and at stop): that cost is in wall_ns of `on`.
Exits 2 with a one-line message on a bad argument, 3 if this is not CPython 3.7 or later, 1 if
the long-lived data did not survive.
"""

import array
import gc
import json
import platform
import sys
import time

STRETCH_DEPTH = 18
LONG_LIVED_DEPTH = 16
ARRAY_SIZE = 500000
MIN_DEPTH = 4
MAX_DEPTH = 16


class Node:
    """A tree node: two references and two ints, no per-instance dict."""

    __slots__ = ("left", "right", "i", "j")

    def __init__(self, left=None, right=None):
        self.left = left
        self.right = right
        self.i = 0
        self.j = 0


def tree_size(depth):
    """Nodes in a complete binary tree of this depth."""
    return (1 << (depth + 1)) - 1


def num_iters(depth):
    """Trees of this depth built per half of a step: twice the stretch tree's nodes in all."""
    return 2 * tree_size(STRETCH_DEPTH) // tree_size(depth)


def populate(depth, node):
    """Top-down: give node two children, then recurse into them (depth <= 18)."""
    if depth <= 0:
        return
    depth -= 1
    node.left = Node()
    node.right = Node()
    populate(depth, node.left)
    populate(depth, node.right)


def make_tree(depth):
    """Bottom-up: the children first, then their parent."""
    if depth <= 0:
        return Node()
    return Node(make_tree(depth - 1), make_tree(depth - 1))


def time_construction(depth):
    """NumIters(depth) trees built top-down, then as many bottom-up, each dropped at once."""
    iters = num_iters(depth)
    for _ in range(iters):
        temp = Node()
        populate(depth, temp)
        temp = None
    for _ in range(iters):
        temp = make_tree(depth)
        temp = None


def run_benchmark():
    """The timed body. Returns True if the long-lived data survived."""
    temp = make_tree(STRETCH_DEPTH)  # stretch the heap, then drop it
    temp = None
    long_lived = Node()
    populate(LONG_LIVED_DEPTH, long_lived)
    doubles = array.array("d", bytes(8 * ARRAY_SIZE))
    doubles[0] = float("inf")  # 1.0 / 0, as the C versions compute it
    for i in range(1, ARRAY_SIZE // 2):
        doubles[i] = 1.0 / i
    for depth in range(MIN_DEPTH, MAX_DEPTH + 1, 2):
        time_construction(depth)
    return long_lived.left is not None and doubles[1000] == 1.0 / 1000


class CollectionClock:
    """A gc.callbacks hook: time spent in each generation's collections, and the longest."""

    def __init__(self):
        self.ns = [0, 0, 0]
        self.max_ns = 0
        self.started = 0

    def __call__(self, phase, info):
        now = time.perf_counter_ns()
        if phase == "start":
            self.started = now
            return
        took = now - self.started
        self.ns[info["generation"]] += took
        if took > self.max_ns:
            self.max_ns = took


def main(argv):
    if len(argv) != 2 or argv[1] not in ("on", "off"):
        got = " ".join(argv[1:]) or "nothing"
        print(f"gcbench.py: expected one argument, 'on' or 'off', got: {got}", file=sys.stderr)
        return 2
    if platform.python_implementation() != "CPython" or not hasattr(gc, "freeze"):
        print("gcbench.py: needs CPython 3.7 or later (gc.freeze, gc.callbacks, time.perf_counter_ns), "
              f"this is {platform.python_implementation()} {platform.python_version()}", file=sys.stderr)
        return 3
    clock = CollectionClock()
    gc.collect()
    gc.freeze()
    gc.callbacks.append(clock)
    if argv[1] == "off":
        gc.disable()
    before = gc.get_stats()
    t0 = time.perf_counter_ns()
    ok = run_benchmark()
    t1 = time.perf_counter_ns()
    after = gc.get_stats()
    gc.callbacks.remove(clock)
    if not ok:
        print("gcbench.py: the long-lived data did not survive", file=sys.stderr)
        return 1
    result = {
        "benchmark": "gcbench",
        "gc": argv[1],
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "wall_ns": t1 - t0,
        "collections": [a["collections"] - b["collections"] for a, b in zip(after, before)],
        "collected": [a["collected"] - b["collected"] for a, b in zip(after, before)],
        "collection_ns": clock.ns,
        "max_pause_ns": clock.max_ns,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
