"""A tiny program for the pyheap-snapshot round trip (tests/workloads/pyheap_roundtrip.sh).

It builds a tree of 1000 Node objects whose children point back to their parents. Run with the
argument "inside", it takes the snapshot itself while the tree is alive and then drops the tree
(which the end-of-script snapshot would then no longer contain)."""
import sys


class Node:
    def __init__(self, index, parent):
        self.index = index
        self.parent = parent
        self.children = []


nodes = [Node(0, None)]
for i in range(1, 1000):
    node = Node(i, nodes[(i - 1) // 3])
    node.parent.children.append(node)
    nodes.append(node)

if sys.argv[1:] == ["inside"]:
    import pyheap_snapshot

    pyheap_snapshot.snapshot()
    del nodes, node
