/* cache: a long-lived table whose entries keep being pointed at young objects (acyclic).
 *
 * First a cache of `entries` entries is built: a table of entry objects, each with a key (an
 * atomic object of 16 bytes) in slot 0 and a value in slot 1. A value is a small object whose
 * one slot refers to an atomic object of value_bytes. Then each of `steps` steps makes a new value;
 * with probability store_rate it is stored into a random entry, replacing that entry's value (an
 * old object made to point at a young one: the store a generational write barrier must remember,
 * and a value that dies old), otherwise the value is a temporary that dies at once.
 *
 * So store_rate sets how many old-to-young pointers each unit of allocation creates: near 0 the
 * young generation is all garbage and the old one never changes; near 1 every young object is
 * reached only from old ones. Reference counting frees every displaced value at once.
 *
 * Live size (gc_object_size bytes) is constant after the build, exactly:
 *     wl_table_bytes(entries) + entries * (32 + 32 + 24 + 16 + value_bytes)
 * (entry, key, value node, value leaf), plus one value in flight: 24 + 16 + value_bytes. */
#include "gclab/workload.h"
#include "workloads/table.h"

enum { TAG_ENTRY = 60, TAG_KEY = 61, TAG_VALUE = 62, TAG_LEAF = 63, TAG_TABLE = 64 };
enum { KEY_BYTES = 16, SLOT_KEY = 0, SLOT_VALUE = 1 };

static const gc_param_desc cache_params[] = {
    {"steps", GC_PARAM_INT, "20000000", "values", 1, 1e12, NULL,
     "number of values made after the build (the size parameter)"},
    {"entries", GC_PARAM_INT, "200000", "entries", 1, 1e8, NULL, "entries in the long-lived cache"},
    {"store_rate", GC_PARAM_REAL, "0.1", "ratio", 0, 1, NULL,
     "probability that a new value is stored into a random entry (else it dies at once)"},
    {"value_bytes", GC_PARAM_INT, "32", "bytes", 0, 1 << 20, NULL, "raw bytes of each value's leaf object"},
    GC_PARAM_END,
};

/* Register val = a new value: a one-slot object referring to an atomic leaf. */
static void make_value(gc_heap *h, uint32_t val, uint32_t leaf, uint32_t value_bytes) {
    gc_new(h, leaf, 0, value_bytes, TAG_LEAF);
    gc_new(h, val, 1, 0, TAG_VALUE);
    gc_set(h, val, 0, leaf);
    gc_drop(h, leaf);
}

static int cache_run(gc_heap *h, const gc_params *p, gc_rng *rng) {
    int64_t steps = gc_param_int(p, "steps"), entries = gc_param_int(p, "entries");
    double store_rate = gc_param_real(p, "store_rate");
    uint32_t value_bytes = (uint32_t)gc_param_int(p, "value_bytes");
    uint32_t f = gc_frame_push(h, 5);
    uint32_t table = f, tmp = f + 1, entry = f + 2, val = f + 3, leaf = f + 4;
    wl_table t;
    wl_table_new(h, &t, table, tmp, (uint64_t)entries, TAG_TABLE);
    for (int64_t e = 0; e < entries; e++) {
        gc_new(h, entry, 2, 0, TAG_ENTRY);
        gc_new(h, leaf, 0, KEY_BYTES, TAG_KEY);
        gc_set(h, entry, SLOT_KEY, leaf);
        make_value(h, val, leaf, value_bytes);
        gc_set(h, entry, SLOT_VALUE, val);
        wl_table_put(h, &t, (uint64_t)e, entry);
    }
    gc_drop(h, entry);
    gc_drop(h, val);
    for (int64_t i = 0; i < steps; i++) {
        make_value(h, val, leaf, value_bytes);
        if (gc_rng_real(rng) < store_rate) {
            wl_table_get(h, &t, entry, gc_rng_below(rng, (uint64_t)entries));
            gc_set(h, entry, SLOT_VALUE, val); /* old to young; the entry's old value dies */
            gc_drop(h, entry);
        }
        gc_drop(h, val);
    }
    gc_frame_pop(h, f);
    return 0;
}

const gc_workload gc_workload_cache = {
    .name = "cache",
    .summary = "a long-lived cache whose entries are replaced by young objects at a set rate (old-to-young stores)",
    .cyclic = false,
    .params = cache_params,
    .test_params = "steps=100000,entries=2000",
    .run = cache_run,
};
