/* long-build: one huge long-lived structure built incrementally (acyclic).
 *
 * The program builds a structure of `records` records and keeps all of it to the end, as a
 * program does that loads a large data set into a list of tuples. A record is a container of
 * record_slots slots, each referring to an atomic leaf of leaf_bytes (a tuple of strings or
 * numbers). Records are appended to the newest chunk of the structure; a chunk holds `chunk`
 * records in slots 1 .. chunk and the previous chunk in slot 0, so the newest chunk reaches
 * everything. Between records the program makes `temporaries` short-lived containers that die at
 * once, so that allocation-count triggers keep firing while the structure grows.
 *
 * Nothing ever dies except the temporaries, so every full collection of a growing heap traces the
 * whole structure built so far. A collector that runs full collections at a fixed allocation
 * interval therefore does work quadratic in the structure's size; CPython's gc avoids this by
 * skipping a full collection until the objects that survived younger collections since the last
 * one exceed 25% of those that survived it (long_lived_pending > long_lived_total / 4, added for
 * issue #4074, "Building a list of tuples has non-linear performance"). Heap-proportional triggers
 * (marksweep's `growth`) avoid it too.
 *
 * Peak live (gc_object_size bytes) is reached at the end, exactly:
 *     records * (16 + 8 * record_slots + record_slots * (16 + leaf_bytes))
 *   + ceil(records / chunk) * (16 + 8 * (1 + chunk)). */
#include "gclab/workload.h"

enum { TAG_RECORD = 90, TAG_LEAF = 91, TAG_CHUNK = 92, TAG_TEMP = 93, SLOT_PREVIOUS = 0 };

static const gc_param_desc long_build_params[] = {
    {"records", GC_PARAM_INT, "8000000", "records", 1, 1e12, NULL,
     "records in the final structure (the size parameter)"},
    {"record_slots", GC_PARAM_INT, "2", "slots", 0, 1000, NULL,
     "slots per record, each referring to its own atomic leaf"},
    {"leaf_bytes", GC_PARAM_INT, "16", "bytes", 0, 1 << 20, NULL, "raw bytes of each leaf"},
    {"temporaries", GC_PARAM_INT, "2", "objects", 0, 1e6, NULL, "short-lived containers made (and dropped) per record"},
    {"chunk", GC_PARAM_INT, "1000", "records", 1, 1e6, NULL, "records per chunk of the structure"},
    GC_PARAM_END,
};

static int long_build_run(gc_heap *h, const gc_params *p, gc_rng *rng) {
    (void)rng; /* the pathology needs no randomness */
    int64_t records = gc_param_int(p, "records"), chunk = gc_param_int(p, "chunk");
    int64_t temporaries = gc_param_int(p, "temporaries");
    uint32_t nslots = (uint32_t)gc_param_int(p, "record_slots"), leaf_bytes = (uint32_t)gc_param_int(p, "leaf_bytes");
    uint32_t f = gc_frame_push(h, 4);
    uint32_t top = f, fresh = f + 1, record = f + 2, leaf = f + 3;
    for (int64_t i = 0; i < records; i++) {
        uint32_t at = (uint32_t)(i % chunk);
        if (at == 0) { /* a new chunk, linked to the full one */
            gc_new(h, fresh, 1 + (uint32_t)chunk, 0, TAG_CHUNK);
            gc_set(h, fresh, SLOT_PREVIOUS, top);
            gc_copy(h, top, fresh);
            gc_drop(h, fresh);
        }
        for (int64_t k = 0; k < temporaries; k++) gc_new(h, fresh, nslots, 0, TAG_TEMP); /* each frees the last */
        gc_drop(h, fresh);
        gc_new(h, record, nslots, 0, TAG_RECORD);
        for (uint32_t s = 0; s < nslots; s++) {
            gc_new(h, leaf, 0, leaf_bytes, TAG_LEAF);
            gc_set(h, record, s, leaf);
        }
        gc_drop(h, leaf);
        gc_set(h, top, 1 + at, record);
    }
    gc_frame_pop(h, f);
    return 0;
}

const gc_workload gc_workload_long_build = {
    .name = "long-build",
    .summary = "one huge long-lived structure built incrementally (CPython issue 4074's quadratic full collections)",
    .cyclic = false,
    .params = long_build_params,
    .test_params = "records=60000",
    .run = long_build_run,
};
