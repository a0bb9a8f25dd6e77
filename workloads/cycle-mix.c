/* cycle-mix: garbage of which a chosen fraction is cyclic, with chosen cycle sizes and lifetimes.
 *
 * Each of `structures` iterations builds one structure of n objects, n drawn from the size
 * distribution (workloads/dist.h, at least 1). With probability cyclic_fraction it is a ring
 * (slot 0 of each object refers to the next, the last to the first; a ring of one refers to
 * itself), otherwise a chain of the same shape without the closing link. The two kinds differ
 * only in that one link, so the fraction moves garbage between "reference counting frees it" and
 * "only a cycle collector or a trace frees it" while the amount and shape of garbage stay put.
 *
 * Structures live in a table of `live` entries. `replace` sets their lifetimes: fifo replaces the
 * entry written `live` iterations ago (every structure lives exactly `live` iterations); random
 * replaces a uniformly chosen entry (lifetimes are geometric with mean `live` iterations: the
 * memoryless case). With live = 0 every structure is garbage as soon as it is built. When the run
 * ends the table is dropped, so every structure ever built ends as garbage.
 *
 * Expectations the tests check: at cyclic_fraction 0 reference counting frees everything; at 1 it
 * frees none of the structures, so the objects it still holds at the end are exactly
 * allocations - wl_table_objects(max(live, 1)).
 *
 * Peak live (gc_object_size bytes, expected): (live + 1) * E[n] * (24 + payload) plus the table,
 * wl_table_bytes(max(live, 1)). Under rc the heap also keeps cyclic_fraction of all garbage. */
#include "gclab/workload.h"
#include "workloads/chain.h"
#include "workloads/dist.h"
#include "workloads/table.h"

enum { TAG_NODE = 30, TAG_TABLE = 31 };

static const gc_param_desc cycle_mix_params[] = {
    {"structures", GC_PARAM_INT, "12000000", "structures", 1, 1e12, NULL,
     "number of structures built (the size parameter)"},
    {"cyclic_fraction", GC_PARAM_REAL, "0.5", "ratio", 0, 1, NULL,
     "probability that a structure is a cycle rather than an acyclic chain of the same size"},
    {"size_dist", GC_PARAM_CHOICE, "exponential", "", 0, 0, WL_DIST_CHOICES, "distribution of structure (cycle) sizes"},
    {"size_mean", GC_PARAM_REAL, "4", "objects", 1, 1e9, NULL, "mean objects per structure"},
    {"size_max", GC_PARAM_INT, "1000", "objects", 1, 1e9, NULL, "largest structure (draws are clamped to it)"},
    {"live", GC_PARAM_INT, "10000", "structures", 0, 1e8, NULL, "structures alive at once (0: each dies at once)"},
    {"replace", GC_PARAM_CHOICE, "random", "", 0, 0, "fifo|random",
     "which live structure a new one replaces: the oldest (fixed lifetimes) or a random one (geometric)"},
    {"payload", GC_PARAM_INT, "16", "bytes", 0, 1 << 20, NULL, "raw bytes in each object"},
    GC_PARAM_END,
};

static int cycle_mix_run(gc_heap *h, const gc_params *p, gc_rng *rng) {
    wl_dist size;
    if (wl_dist_from_params(h, &size, p, "size", 1) != 0) return -1;
    int64_t structures = gc_param_int(p, "structures"), live = gc_param_int(p, "live");
    double cyclic = gc_param_real(p, "cyclic_fraction");
    bool fifo = gc_param_choice(p, "replace") == 0;
    wl_chain_shape shape = {.payload = (uint32_t)gc_param_int(p, "payload"), .tag = TAG_NODE};
    uint32_t f = gc_frame_push(h, 5);
    uint32_t table = f, tmp = f + 1, head = f + 2, scratch = f + 3; /* scratch: 2 registers */
    wl_table t;
    wl_table_new(h, &t, table, tmp, live > 0 ? (uint64_t)live : 1, TAG_TABLE);
    for (int64_t i = 0; i < structures; i++) {
        /* draw order: kind, size, victim (the same on every collector) */
        shape.ring = gc_rng_real(rng) < cyclic;
        wl_chain_build(h, head, scratch, wl_dist_draw(&size, rng), &shape);
        if (live > 0) {
            uint64_t victim = fifo || i < live ? (uint64_t)(i % live) : gc_rng_below(rng, (uint64_t)live);
            wl_table_put(h, &t, victim, head);
        }
        gc_drop(h, head);
    }
    gc_frame_pop(h, f);
    return 0;
}

const gc_workload gc_workload_cycle_mix = {
    .name = "cycle-mix",
    .summary = "garbage of which a chosen fraction is cyclic, with chosen cycle sizes and lifetimes",
    .cyclic = true,
    .params = cycle_mix_params,
    .test_params = "structures=60000,live=500",
    .run = cycle_mix_run,
};
