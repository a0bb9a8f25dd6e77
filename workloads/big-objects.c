/* big-objects: large pointer arrays and atomic objects of widely varied sizes (acyclic).
 *
 * A window of `live` objects is turned over `objects` times: each new object replaces one entry
 * (`replace`: the oldest, or a random one, so that objects of different sizes die out of
 * allocation order and leave holes of mixed sizes: fragmentation). A new object is, with
 * probability array_fraction, a pointer array of array_slots .. 2 * array_slots - 1 slots
 * (uniform), else an atomic object whose raw size is drawn from the size distribution
 * (workloads/dist.h; 0 bytes and up). Each array slot, with probability array_fill, is made to
 * refer to a random window entry if that entry is atomic (else left nil), so arrays are scanned
 * for real references and keep some atomic objects alive after they leave the window. Arrays only
 * refer to atomic objects: nothing is cyclic.
 *
 * With the defaults most atomic objects are small but the Pareto tail reaches past the 4 KiB
 * small-object limit into objects of their own blocks, and every array (8 KiB and more) is large.
 *
 * Peak live (gc_object_size bytes): about live * (a * E[array] + (1 - a) * E[atomic]) with
 * a = array_fraction, E[array] = 16 + 8 * 1.5 * array_slots and E[atomic] = 16 + size_mean, plus
 * the atomic objects that arrays alone keep alive and the table, wl_table_bytes(live). The
 * figures in docs/workloads.md are measured (rc's peak, which for acyclic work is the live peak). */
#include "gclab/workload.h"
#include "workloads/dist.h"
#include "workloads/table.h"

enum { TAG_ARRAY = 50, TAG_ATOM = 51, TAG_TABLE = 52 };

static const gc_param_desc big_objects_params[] = {
    {"objects", GC_PARAM_INT, "3000000", "objects", 1, 1e12, NULL, "number of objects allocated (the size parameter)"},
    {"live", GC_PARAM_INT, "2000", "objects", 1, 1e7, NULL, "objects in the window"},
    {"replace", GC_PARAM_CHOICE, "random", "", 0, 0, "fifo|random",
     "which window entry a new object replaces: the oldest or a random one"},
    {"array_fraction", GC_PARAM_REAL, "0.05", "ratio", 0, 1, NULL, "probability that a new object is a pointer array"},
    {"array_slots", GC_PARAM_INT, "1000", "slots", 1, 1e7, NULL, "an array has array_slots .. 2*array_slots-1 slots"},
    {"array_fill", GC_PARAM_REAL, "0.5", "ratio", 0, 1, NULL,
     "probability that an array slot is aimed at a window entry"},
    {"size_dist", GC_PARAM_CHOICE, "pareto", "", 0, 0, WL_DIST_CHOICES, "distribution of atomic objects' raw sizes"},
    {"size_mean", GC_PARAM_REAL, "512", "bytes", 0, 1e9, NULL, "mean raw size of an atomic object"},
    {"size_max", GC_PARAM_SIZE, "4M", "bytes", 0, 1e9, NULL, "largest atomic object (draws are clamped to it)"},
    GC_PARAM_END,
};

static int big_objects_run(gc_heap *h, const gc_params *p, gc_rng *rng) {
    wl_dist size;
    if (wl_dist_from_params(h, &size, p, "size", 0) != 0) return -1;
    int64_t objects = gc_param_int(p, "objects"), live = gc_param_int(p, "live");
    bool fifo = gc_param_choice(p, "replace") == 0;
    double array_fraction = gc_param_real(p, "array_fraction"), fill = gc_param_real(p, "array_fill");
    uint64_t array_slots = (uint64_t)gc_param_int(p, "array_slots");
    bool *atomic = gc_heap_scratch(h, (size_t)live * sizeof(bool)); /* is window entry e atomic? */
    if (atomic == NULL) return -1;

    uint32_t f = gc_frame_push(h, 4);
    uint32_t table = f, tmp = f + 1, obj = f + 2, target = f + 3;
    wl_table t;
    wl_table_new(h, &t, table, tmp, (uint64_t)live, TAG_TABLE);
    for (int64_t i = 0; i < objects; i++) {
        uint64_t e = fifo || i < live ? (uint64_t)(i % live) : gc_rng_below(rng, (uint64_t)live);
        if (gc_rng_real(rng) < array_fraction) {
            uint32_t n = (uint32_t)(array_slots + gc_rng_below(rng, array_slots));
            gc_new(h, obj, n, 0, TAG_ARRAY);
            for (uint32_t k = 0; k < n; k++) {
                if (!(gc_rng_real(rng) < fill)) continue;
                uint64_t j = gc_rng_below(rng, (uint64_t)live);
                if (!atomic[j]) continue; /* an array, or an entry not yet filled */
                wl_table_get(h, &t, target, j);
                gc_set(h, obj, k, target);
            }
            gc_drop(h, target);
            atomic[e] = false;
        } else {
            gc_new(h, obj, 0, (uint32_t)wl_dist_draw(&size, rng), TAG_ATOM);
            atomic[e] = true;
        }
        wl_table_put(h, &t, e, obj);
        gc_drop(h, obj);
    }
    gc_frame_pop(h, f);
    return 0;
}

const gc_workload gc_workload_big_objects = {
    .name = "big-objects",
    .summary = "pointer arrays of 1,000+ slots and atomic objects of widely varied sizes, dying out of order (acyclic)",
    .cyclic = false,
    .params = big_objects_params,
    .test_params = "objects=10000,live=200",
    .run = big_objects_run,
};
