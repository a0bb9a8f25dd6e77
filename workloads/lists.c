/* lists: singly linked lists built and dropped first-in first-out (acyclic).
 *
 * Each of `lists` iterations builds a list whose length is drawn from the length distribution
 * (workloads/dist.h), then stores it in a queue of live_lists entries, replacing the list stored
 * live_lists iterations earlier: so every list lives exactly live_lists iterations, and lists die
 * in the order they were made. With live_lists = 0 each list is dropped as soon as it is built.
 * `build` chooses the direction of the links: prepend makes each new node point at the previous
 * one (young to old, as consing does), append makes the previous node point at the new one (old to
 * young: a store a generational barrier must record).
 *
 * Nothing is cyclic: reference counting frees each list when it leaves the queue, in one cascade
 * as long as the list. Peak live (gc_object_size bytes, expected):
 *     (live_lists + 1) * E[length] * (24 + payload) + wl_table_bytes(max(live_lists, 1))
 * where the + 1 is the list being built while the oldest is still queued. */
#include "gclab/workload.h"
#include "workloads/chain.h"
#include "workloads/dist.h"

enum { TAG_NODE = 10, TAG_QUEUE = 11 };

static const gc_param_desc lists_params[] = {
    {"lists", GC_PARAM_INT, "4000000", "lists", 1, 1e12, NULL, "number of lists built (the size parameter)"},
    {"length_dist", GC_PARAM_CHOICE, "exponential", "", 0, 0, WL_DIST_CHOICES, "distribution of list lengths"},
    {"length_mean", GC_PARAM_REAL, "50", "nodes", 1, 1e9, NULL, "mean list length"},
    {"length_max", GC_PARAM_INT, "100000", "nodes", 1, 1e9, NULL, "longest list (draws are clamped to it)"},
    {"live_lists", GC_PARAM_INT, "1000", "lists", 0, 1e8, NULL,
     "lists kept alive at once; each lives this many iterations"},
    {"payload", GC_PARAM_INT, "16", "bytes", 0, 1 << 20, NULL, "raw bytes in each node"},
    {"build", GC_PARAM_CHOICE, "prepend", "", 0, 0, "prepend|append",
     "prepend: new nodes point at older ones; append: older nodes point at new ones"},
    GC_PARAM_END,
};

static int lists_run(gc_heap *h, const gc_params *p, gc_rng *rng) {
    wl_dist length;
    if (wl_dist_from_params(h, &length, p, "length", 1) != 0) return -1;
    int64_t lists = gc_param_int(p, "lists"), live = gc_param_int(p, "live_lists");
    wl_chain_shape shape = {
        .payload = (uint32_t)gc_param_int(p, "payload"),
        .tag = TAG_NODE,
        .prepend = gc_param_choice(p, "build") == 0,
    };
    wl_chain_queue_run(h, rng, lists, live, &length, &shape, TAG_QUEUE);
    return 0;
}

const gc_workload gc_workload_lists = {
    .name = "lists",
    .summary = "singly linked lists of random length built and dropped first-in first-out (acyclic)",
    .cyclic = false,
    .params = lists_params,
    .test_params = "lists=5000,live_lists=100",
    .run = lists_run,
};
