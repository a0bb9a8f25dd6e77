/* rings: cycles of ring_size objects, built and dropped; a fraction survive for a while.
 *
 * Each of `rings` iterations builds a ring (object k's slot 0 refers to object k+1, the last to
 * the first). With probability keep_fraction the ring is kept in a long-lived table for keep_for
 * iterations (the table is a ring buffer of keep_for slots: storing ring i overwrites the ring
 * kept at iteration i - keep_for); otherwise it is dropped at once. Every dropped ring is cyclic
 * garbage: reference counting alone never frees it, a tracing or cycle collector does. At the end
 * the table still holds the rings kept in the last keep_for iterations. */
#include "gclab/workload.h"

enum { TAG_RING = 3, TAG_TABLE = 4 };

static const gc_param_desc rings_params[] = {
    {"rings", GC_PARAM_INT, "200000", "rings", 1, 1e12, NULL, "number of rings built"},
    {"ring_size", GC_PARAM_INT, "5", "objects", 1, 1e9, NULL, "objects per ring"},
    {"payload", GC_PARAM_INT, "16", "bytes", 0, 1 << 20, NULL, "raw bytes in each ring object"},
    {"keep_fraction", GC_PARAM_REAL, "0.1", "ratio", 0, 1, NULL, "probability that a ring is kept alive"},
    {"keep_for", GC_PARAM_INT, "1000", "rings", 1, 1e8, NULL, "how many iterations a kept ring lives"},
    GC_PARAM_END,
};

/* Register `head` = a new ring of n objects. */
static void build_ring(gc_heap *h, uint32_t head, uint32_t cur, uint32_t next, int64_t n, uint32_t payload) {
    gc_new(h, head, 1, payload, TAG_RING);
    gc_copy(h, cur, head);
    for (int64_t k = 1; k < n; k++) {
        gc_new(h, next, 1, payload, TAG_RING);
        gc_set(h, cur, 0, next);
        gc_copy(h, cur, next);
    }
    gc_set(h, cur, 0, head); /* close the cycle */
    gc_drop(h, cur);
    gc_drop(h, next);
}

static int rings_run(gc_heap *h, const gc_params *p, gc_rng *rng) {
    int64_t rings = gc_param_int(p, "rings"), n = gc_param_int(p, "ring_size");
    uint32_t payload = (uint32_t)gc_param_int(p, "payload");
    double keep = gc_param_real(p, "keep_fraction");
    int64_t keep_for = gc_param_int(p, "keep_for");
    uint32_t f = gc_frame_push(h, 4);
    uint32_t table = f, head = f + 1, cur = f + 2, next = f + 3;
    gc_new(h, table, (uint32_t)keep_for, 0, TAG_TABLE);
    for (int64_t i = 0; i < rings; i++) {
        build_ring(h, head, cur, next, n, payload);
        uint32_t slot = (uint32_t)(i % keep_for);
        if (gc_rng_real(rng) < keep) gc_set(h, table, slot, head);
        else if (!gc_slot_is_nil(h, table, slot)) gc_set(h, table, slot, GC_NIL); /* its time is up */
        gc_drop(h, head);
    }
    gc_frame_pop(h, f);
    return 0;
}

const gc_workload gc_workload_rings = {
    .name = "rings",
    .summary = "cycles of ring_size objects built and dropped, a fraction kept alive for a while (cyclic)",
    .cyclic = true,
    .params = rings_params,
    .test_params = "rings=5000,keep_for=100",
    .run = rings_run,
};
