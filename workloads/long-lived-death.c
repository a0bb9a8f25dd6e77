/* long-lived-death: long-lived objects that die steadily, so old generations fill with garbage.
 *
 * A population of `clusters` clusters is built first and lives long. A cluster is cluster_size
 * objects linked in a ring (with probability cyclic_fraction) or an open chain. Then each of
 * `steps` steps makes `temporaries` short-lived objects that die at once (the allocation that
 * drives young collections and promotes survivors), and with probability death_rate kills one
 * random cluster, replacing it by a new one. A cluster thus lives clusters / death_rate steps on
 * average (400,000 with the defaults): old enough to be promoted to the oldest generation before
 * it dies there.
 *
 * What it exposes: a generational collector reclaims these deaths only in full collections, so
 * the oldest generation holds a growing share of garbage; the longer full collections are put off
 * (CPython's 25% long_lived_pending rule, or a large growth factor), the more of the heap is dead
 * old objects. Reported to CPython as gh-98801 ("Memory leak in garbage collector, not running
 * generation collection") and bpo-39061 ("Garbage Collection makes some object live for very
 * long"); the "tenured garbage" of Ungar and Jackson. Cyclic clusters (the default) are the case
 * that matters for CPython, whose reference counting frees acyclic ones at once.
 *
 * Live size (gc_object_size bytes) is constant, exactly:
 *     clusters * cluster_size * (24 + payload) + wl_table_bytes(clusters)
 * plus one cluster in flight while it replaces its victim. */
#include "gclab/workload.h"
#include "workloads/chain.h"
#include "workloads/table.h"

enum { TAG_NODE = 100, TAG_TEMP = 101, TAG_TABLE = 102 };

static const gc_param_desc long_lived_death_params[] = {
    {"steps", GC_PARAM_INT, "30000000", "steps", 1, 1e12, NULL, "number of steps after the build (the size parameter)"},
    {"clusters", GC_PARAM_INT, "20000", "clusters", 1, 1e8, NULL, "long-lived clusters alive at once"},
    {"cluster_size", GC_PARAM_INT, "8", "objects", 1, 1e6, NULL, "objects per cluster"},
    {"cyclic_fraction", GC_PARAM_REAL, "1", "ratio", 0, 1, NULL,
     "probability that a cluster is a ring rather than a chain"},
    {"death_rate", GC_PARAM_REAL, "0.05", "ratio", 0, 1, NULL,
     "probability per step that a random cluster dies (and is replaced)"},
    {"temporaries", GC_PARAM_INT, "4", "objects", 0, 1e6, NULL, "short-lived objects per step"},
    {"payload", GC_PARAM_INT, "16", "bytes", 0, 1 << 20, NULL, "raw bytes in each object"},
    GC_PARAM_END,
};

static int long_lived_death_run(gc_heap *h, const gc_params *p, gc_rng *rng) {
    int64_t steps = gc_param_int(p, "steps"), clusters = gc_param_int(p, "clusters");
    int64_t size = gc_param_int(p, "cluster_size"), temporaries = gc_param_int(p, "temporaries");
    double cyclic = gc_param_real(p, "cyclic_fraction"), death_rate = gc_param_real(p, "death_rate");
    wl_chain_shape shape = {.payload = (uint32_t)gc_param_int(p, "payload"), .tag = TAG_NODE};
    uint32_t f = gc_frame_push(h, 5);
    uint32_t table = f, tmp = f + 1, cluster = f + 2, scratch = f + 3; /* scratch: 2 registers */
    wl_table t;
    wl_table_new(h, &t, table, tmp, (uint64_t)clusters, TAG_TABLE);
    for (int64_t c = 0; c < clusters; c++) {
        shape.ring = gc_rng_real(rng) < cyclic;
        wl_chain_build(h, cluster, scratch, size, &shape);
        wl_table_put(h, &t, (uint64_t)c, cluster);
    }
    gc_drop(h, cluster);
    for (int64_t i = 0; i < steps; i++) {
        for (int64_t k = 0; k < temporaries; k++) gc_new(h, cluster, 1, shape.payload, TAG_TEMP); /* frees the last */
        gc_drop(h, cluster);
        if (gc_rng_real(rng) < death_rate) {
            uint64_t victim = gc_rng_below(rng, (uint64_t)clusters);
            shape.ring = gc_rng_real(rng) < cyclic;
            wl_chain_build(h, cluster, scratch, size, &shape);
            wl_table_put(h, &t, victim, cluster); /* the victim dies old */
            gc_drop(h, cluster);
        }
    }
    gc_frame_pop(h, f);
    return 0;
}

const gc_workload gc_workload_long_lived_death = {
    .name = "long-lived-death",
    .summary = "long-lived clusters (cyclic by default) that die steadily, filling old generations with garbage",
    .cyclic = true,
    .params = long_lived_death_params,
    .test_params = "steps=60000,clusters=500",
    .run = long_lived_death_run,
};
