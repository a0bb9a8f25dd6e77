/* dlists: doubly linked lists built and dropped first-in first-out (cyclic).
 *
 * The same life cycle as `lists` (a queue of live_lists lists, each living live_lists iterations,
 * lengths from the length distribution), but every node links to its predecessor as well as its
 * successor, so each neighbour pair is a 2-cycle: every dropped list of two or more nodes is
 * cyclic garbage that reference counting alone never frees, while a tracing collector sees the
 * same amount of garbage as for `lists`. Nodes are appended (slot 0 next, slot 1 prev).
 *
 * Peak live (gc_object_size bytes, expected): (live_lists + 1) * E[length] * (32 + payload) plus
 * the queue, wl_table_bytes(max(live_lists, 1)). Under rc the heap also keeps every dropped list
 * of length >= 2: about lists * E[length] * (32 + payload) by the end. */
#include "gclab/workload.h"
#include "workloads/chain.h"
#include "workloads/dist.h"

enum { TAG_NODE = 20, TAG_QUEUE = 21 };

static const gc_param_desc dlists_params[] = {
    {"lists", GC_PARAM_INT, "500000", "lists", 1, 1e12, NULL, "number of lists built (the size parameter)"},
    {"length_dist", GC_PARAM_CHOICE, "exponential", "", 0, 0, WL_DIST_CHOICES, "distribution of list lengths"},
    {"length_mean", GC_PARAM_REAL, "50", "nodes", 1, 1e9, NULL, "mean list length"},
    {"length_max", GC_PARAM_INT, "100000", "nodes", 1, 1e9, NULL, "longest list (draws are clamped to it)"},
    {"live_lists", GC_PARAM_INT, "1000", "lists", 0, 1e8, NULL,
     "lists kept alive at once; each lives this many iterations"},
    {"payload", GC_PARAM_INT, "16", "bytes", 0, 1 << 20, NULL, "raw bytes in each node"},
    GC_PARAM_END,
};

static int dlists_run(gc_heap *h, const gc_params *p, gc_rng *rng) {
    wl_dist length;
    if (wl_dist_from_params(h, &length, p, "length", 1) != 0) return -1;
    int64_t lists = gc_param_int(p, "lists"), live = gc_param_int(p, "live_lists");
    wl_chain_shape shape = {.payload = (uint32_t)gc_param_int(p, "payload"), .tag = TAG_NODE, .doubly = true};
    wl_chain_queue_run(h, rng, lists, live, &length, &shape, TAG_QUEUE);
    return 0;
}

const gc_workload gc_workload_dlists = {
    .name = "dlists",
    .summary = "doubly linked lists (every neighbour pair a 2-cycle) built and dropped first-in first-out (cyclic)",
    .cyclic = true,
    .params = dlists_params,
    .test_params = "lists=4000,live_lists=100",
    .run = dlists_run,
};
