/* parent-trees: trees whose children point back to their parents (cyclic).
 *
 * Each of `trees` iterations builds a tree of the given depth in which every internal node has a
 * number of children drawn uniformly from 1 .. 2 * fanout - 1 (mean fanout) and every leaf is at
 * the full depth. Slot 0 of a node refers to its parent (nil at the root), slots 1 .. k to its k
 * children: the shape of ASTs with parent links, DOM trees, widget hierarchies. The tree then
 * enters a queue of live_trees trees, replacing the one made live_trees iterations earlier (with
 * live_trees = 0 it is dropped at once). Every parent-child pair is a 2-cycle, so a dropped tree
 * is one strongly connected lump: reference counting frees none of it, a trace frees it all.
 *
 * Trees are built depth first without C recursion: the path from the root to the current node
 * is held in depth + 1 registers, and the per-level child counters in a small scratch array.
 *
 * Peak live (gc_object_size bytes, expected): (live_trees + 1) * (N * (32 + payload) - 8) plus the
 * queue, wl_table_bytes(max(live_trees, 1)), where N = sum over d = 0 .. depth of fanout^d is the
 * expected node count of a tree (1,093 with the defaults). */
#include <math.h>

#include "gclab/workload.h"
#include "workloads/table.h"

enum { TAG_NODE = 70, TAG_QUEUE = 71, SLOT_PARENT = 0 };

static const gc_param_desc parent_trees_params[] = {
    {"trees", GC_PARAM_INT, "20000", "trees", 1, 1e12, NULL, "number of trees built (the size parameter)"},
    {"depth", GC_PARAM_INT, "6", "levels", 0, 1000, NULL, "depth of every tree (0: a lone root)"},
    {"fanout", GC_PARAM_INT, "3", "children", 1, 1000, NULL,
     "mean children of an internal node (uniform 1 .. 2*fanout-1)"},
    {"live_trees", GC_PARAM_INT, "16", "trees", 0, 1e7, NULL,
     "trees kept alive at once; each lives this many iterations"},
    {"payload", GC_PARAM_INT, "16", "bytes", 0, 1 << 20, NULL, "raw bytes in each node"},
    GC_PARAM_END,
};

/* Expected nodes of one tree: sum of fanout^d for d = 0 .. depth. */
static double expected_nodes(int64_t depth, int64_t fanout) {
    return fanout == 1 ? (double)(depth + 1) : (pow((double)fanout, (double)depth + 1) - 1) / (double)(fanout - 1);
}

typedef struct level {
    uint32_t kids, next; /* children of the node on the path at this level, and the next to make */
} level;

/* Register path[0] (== path) = a new tree; registers path + 1 .. path + depth are scratch. */
static void build_tree(gc_heap *h, uint32_t path, level *lv, int64_t depth, int64_t fanout, uint32_t payload,
                       gc_rng *rng) {
    uint32_t span = (uint32_t)(2 * fanout - 1);
    int64_t d = 0;
    lv[0] = (level){depth > 0 ? 1 + (uint32_t)gc_rng_below(rng, span) : 0, 0};
    gc_new(h, path, 1 + lv[0].kids, payload, TAG_NODE);
    while (d >= 0) {
        level *cur = &lv[d];
        if (cur->next < cur->kids) {
            uint32_t kids = d + 1 < depth ? 1 + (uint32_t)gc_rng_below(rng, span) : 0;
            uint32_t parent = path + (uint32_t)d, child = parent + 1;
            gc_new(h, child, 1 + kids, payload, TAG_NODE);
            gc_set(h, child, SLOT_PARENT, parent);
            gc_set(h, parent, 1 + cur->next, child);
            cur->next++;
            lv[++d] = (level){kids, 0};
        } else {
            if (d > 0) gc_drop(h, path + (uint32_t)d); /* finished: its parent holds it */
            d--;
        }
    }
}

static int parent_trees_run(gc_heap *h, const gc_params *p, gc_rng *rng) {
    int64_t trees = gc_param_int(p, "trees"), depth = gc_param_int(p, "depth"), fanout = gc_param_int(p, "fanout");
    int64_t live = gc_param_int(p, "live_trees");
    uint32_t payload = (uint32_t)gc_param_int(p, "payload");
    if (expected_nodes(depth, fanout) > 1e9) {
        gc_fail(h, GC_ERR_USAGE, "parameters depth (%lld) and fanout (%lld) give trees of %.3g nodes (at most 1e9)",
                (long long)depth, (long long)fanout, expected_nodes(depth, fanout));
        return -1;
    }
    level *lv = gc_heap_scratch(h, (size_t)(depth + 1) * sizeof *lv);
    if (lv == NULL) return -1;
    uint32_t f = gc_frame_push(h, 2 + (uint32_t)depth + 1);
    uint32_t queue = f, tmp = f + 1, path = f + 2;
    wl_table q;
    wl_table_new(h, &q, queue, tmp, live > 0 ? (uint64_t)live : 1, TAG_QUEUE);
    for (int64_t i = 0; i < trees; i++) {
        build_tree(h, path, lv, depth, fanout, payload, rng);
        if (live > 0) wl_table_put(h, &q, (uint64_t)(i % live), path); /* the oldest tree dies */
        gc_drop(h, path);
    }
    gc_frame_pop(h, f);
    return 0;
}

const gc_workload gc_workload_parent_trees = {
    .name = "parent-trees",
    .summary = "trees whose children point back to their parents (ASTs, DOMs), built and dropped in a queue (cyclic)",
    .cyclic = true,
    .params = parent_trees_params,
    .test_params = "trees=500,depth=5,live_trees=8",
    .run = parent_trees_run,
};
