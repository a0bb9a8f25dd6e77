/* Dominator trees of object graphs, for the heap-graph workload.
 *
 * Object y dominates x when every path from the roots to x passes through y. The objects x
 * dominates (its dominator subtree) are exactly what becomes garbage when the last reference to x
 * from outside that subtree is dropped: the natural unit of garbage a real program makes, and the
 * unit heap-graph drops and rebuilds. A virtual root stands above all the roots. */
#ifndef GCLAB_WORKLOADS_DOMINATORS_H
#define GCLAB_WORKLOADS_DOMINATORS_H

#include <stdint.h>

#define WL_DOM_NONE UINT32_MAX /* unreachable from the roots */

/* A graph of n nodes as adjacency arrays: node x's neighbours are to[first[x] .. first[x+1]). */
typedef struct wl_adjacency {
    const uint64_t *first;
    const uint32_t *to;
} wl_adjacency;

/* Immediate dominators, by Cooper, Harvey and Kennedy's iterative algorithm ("A Simple, Fast
 * Dominance Algorithm", 2001), without recursion. `succ` and `pred` are the same graph's edges in
 * both directions. idom has n + 1 entries: node n is the virtual root (idom[n] == n), the parent
 * of every root and of every node that no real node dominates; unreachable nodes get WL_DOM_NONE.
 * Returns 0, or -1 if memory for the work arrays ran out. */
int wl_dominators(uint32_t n, wl_adjacency succ, wl_adjacency pred, const uint8_t *is_root, uint32_t *idom);

/* The dominator tree in preorder: order[k] is the k-th node; pre[x] its position (WL_DOM_NONE if
 * unreachable); size[x] the number of nodes x dominates, itself included. The nodes x dominates
 * are order[pre[x] .. pre[x] + size[x]). Each array has n entries (the virtual root is left out).
 * Returns the number of reachable nodes, or -1 if memory ran out. */
int64_t wl_dominator_preorder(uint32_t n, const uint32_t *idom, uint32_t *order, uint32_t *pre, uint32_t *size);

#endif
