/* gcbench: Boehm's GCBench (Ellis, Kovac, Boehm), faithful by default.
 *
 * What it does, with the original's constants as defaults:
 *   1. stretch the heap: build a complete binary tree of depth stretch_depth (18) and drop it;
 *   2. build a long-lived tree of depth long_lived_depth (16) top-down, and a long-lived array
 *      of array_size (500,000) doubles, half filled;
 *   3. for depth d = min_depth (4), +2, ... up to max_depth (16): build NumIters(d) trees of depth
 *      d top-down (Populate) and as many bottom-up (MakeTree), dropping each at once, where
 *      NumIters(d) = 2 * TreeSize(stretch_depth) / TreeSize(d) and TreeSize(d) = 2^(d+1) - 1;
 *   4. check the long-lived tree and array are intact (array[1000] == 1/1000, or the last filled
 *      element of a shorter array).
 * A node has two pointer slots and 8 raw bytes (the original's two ints): 40 bytes. Acyclic: RC
 * frees everything, and a tracing collector's live set is the long-lived tree plus the array.
 *
 * `scale` in (0, 1] shrinks the run for tests: every depth drops by log2(1/scale) (rounded) and
 * the array by the factor, so the work scales by about `scale`. The C recursion here is bounded
 * by the tree depth (at most 30 by the parameter ranges); the collectors never recurse. */
#include <math.h>
#include <string.h>

#include "gclab/workload.h"

enum { TAG_NODE = 1, TAG_ARRAY = 2, NODE_BYTES = 8 };

static const gc_param_desc gcbench_params[] = {
    {"scale", GC_PARAM_REAL, "1", "ratio", 1e-6, 1, NULL,
     "fraction of the original's work: depths drop by log2(1/scale), the array shrinks by it"},
    {"stretch_depth", GC_PARAM_INT, "18", "levels", 1, 30, NULL, "depth of the stretch tree"},
    {"long_lived_depth", GC_PARAM_INT, "16", "levels", 1, 30, NULL, "depth of the long-lived tree"},
    {"array_size", GC_PARAM_INT, "500000", "doubles", 1001, 5e8, NULL, "length of the long-lived array"},
    {"min_depth", GC_PARAM_INT, "4", "levels", 1, 30, NULL, "depth of the smallest short-lived trees"},
    {"max_depth", GC_PARAM_INT, "16", "levels", 1, 30, NULL, "depth of the largest short-lived trees"},
    GC_PARAM_END,
};

static uint64_t tree_size(int64_t depth) { return ((uint64_t)1 << (depth + 1)) - 1; }

/* Top-down: give the node in register r two children, recursively. */
static void populate(gc_heap *h, uint32_t r, int64_t depth) {
    if (depth <= 0) return;
    depth--;
    uint32_t f = gc_frame_push(h, 2);
    gc_new(h, f, 2, NODE_BYTES, TAG_NODE);
    gc_set(h, r, 0, f);
    gc_new(h, f + 1, 2, NODE_BYTES, TAG_NODE);
    gc_set(h, r, 1, f + 1);
    populate(h, f, depth);
    populate(h, f + 1, depth);
    gc_frame_pop(h, f);
}

/* Bottom-up: register r = a new tree of the given depth, children allocated first. */
static void make_tree(gc_heap *h, uint32_t r, int64_t depth) {
    if (depth <= 0) {
        gc_new(h, r, 2, NODE_BYTES, TAG_NODE);
        return;
    }
    uint32_t f = gc_frame_push(h, 2);
    make_tree(h, f, depth - 1);
    make_tree(h, f + 1, depth - 1);
    gc_new(h, r, 2, NODE_BYTES, TAG_NODE);
    gc_set(h, r, 0, f);
    gc_set(h, r, 1, f + 1);
    gc_frame_pop(h, f);
}

static void time_construction(gc_heap *h, uint32_t tmp, int64_t depth, int64_t stretch) {
    uint64_t iters = 2 * tree_size(stretch) / tree_size(depth);
    for (uint64_t i = 0; i < iters; i++) {
        gc_new(h, tmp, 2, NODE_BYTES, TAG_NODE);
        populate(h, tmp, depth);
        gc_drop(h, tmp);
    }
    for (uint64_t i = 0; i < iters; i++) {
        make_tree(h, tmp, depth);
        gc_drop(h, tmp);
    }
}

static int64_t scaled_depth(int64_t depth, int64_t shrink) { return depth - shrink < 1 ? 1 : depth - shrink; }

static int gcbench_run(gc_heap *h, const gc_params *p, gc_rng *rng) {
    (void)rng; /* GCBench is fully deterministic without randomness */
    double scale = gc_param_real(p, "scale");
    int64_t shrink = (int64_t)llround(log2(1.0 / scale));
    int64_t stretch = scaled_depth(gc_param_int(p, "stretch_depth"), shrink);
    int64_t long_lived = scaled_depth(gc_param_int(p, "long_lived_depth"), shrink);
    int64_t min_depth = scaled_depth(gc_param_int(p, "min_depth"), shrink);
    int64_t max_depth = scaled_depth(gc_param_int(p, "max_depth"), shrink);
    int64_t array_size = (int64_t)((double)gc_param_int(p, "array_size") * scale);
    if (array_size < 1001) array_size = 1001;

    uint32_t f = gc_frame_push(h, 3);
    uint32_t tmp = f, long_tree = f + 1, array = f + 2;

    make_tree(h, tmp, stretch); /* stretch the memory space quickly */
    gc_drop(h, tmp);

    gc_new(h, long_tree, 2, NODE_BYTES, TAG_NODE);
    populate(h, long_tree, long_lived);

    gc_new(h, array, 0, (uint32_t)(array_size * (int64_t)sizeof(double)), TAG_ARRAY);
    for (int64_t i = 0; i < array_size / 2; i++) {
        double v = 1.0 / (double)i;
        memcpy(gc_raw(gc_reg(h, array)) + i * (int64_t)sizeof v, &v, sizeof v);
    }

    for (int64_t d = min_depth; d <= max_depth; d += 2) time_construction(h, tmp, d, stretch);

    /* The original checks element 1000; a shorter array (array_size < 2002, or a small `scale`)
     * has fewer filled elements, so check its last filled one instead. */
    int64_t probe = array_size / 2 - 1 < 1000 ? array_size / 2 - 1 : 1000;
    double check;
    memcpy(&check, gc_raw(gc_reg(h, array)) + probe * (int64_t)sizeof check, sizeof check);
    int ok = gc_reg(h, long_tree) != NULL && check == 1.0 / (double)probe;
    gc_frame_pop(h, f);
    return ok ? 0 : -1;
}

const gc_workload gc_workload_gcbench = {
    .name = "gcbench",
    .summary = "Boehm's GCBench: binary trees built top-down and bottom-up around a long-lived tree and array (acyclic)",
    .cyclic = false,
    .params = gcbench_params,
    .test_params = "scale=0.0625",
    .run = gcbench_run,
};
