/* lifetimes: a live set in which each new object replaces ones whose lifetimes have expired.
 *
 * Time is counted in allocations. Each of `objects` allocations draws a lifetime L (in
 * allocations) from the chosen distribution and puts the new object in a free entry of the live
 * table; it is dropped again at the first allocation at least L later. By Little's law the live
 * set then holds `live` objects on average, because every distribution below has mean `live`:
 *   exponential  memoryless: an object's age says nothing about its remaining life;
 *   pareto       Lomax with shape pareto_shape: most objects die far younger than the mean and a
 *                few live very long (the older an object, the longer it is likely to live on);
 *   bimodal      "most die young, some live (almost) forever": a young_fraction of objects live
 *                an exponential young_mean allocations, the rest an exponential
 *                (live - young_fraction * young_mean) / (1 - young_fraction), so long that they
 *                outlive many young collections.
 * This is the generational-hypothesis knob: the same allocation volume and mean live size, with
 * the distribution of ages at death chosen.
 *
 * The table has 2 * live + 64 entries. Expiry times are kept outside the heap (a binary min-heap
 * of entry indices, in gc_heap_scratch memory); if the table is full when an object is due, the
 * object closest to expiry dies early (rare: the live set fluctuates around `live`). Objects have
 * `slots` nil pointer slots (scanned, never followed) and `payload` raw bytes. Acyclic.
 *
 * Peak live (gc_object_size bytes): about live * (16 + 8 * slots + payload) once the live set
 * has filled (a heavy Pareto tail fills it slowly), bounded by (2 * live + 64) objects, plus the
 * table, wl_table_bytes(2 * live + 64). */
#include <math.h>

#include "gclab/workload.h"
#include "workloads/dist.h"
#include "workloads/table.h"

enum { TAG_OBJECT = 40, TAG_TABLE = 41 };
enum { LIFE_EXPONENTIAL, LIFE_PARETO, LIFE_BIMODAL };

static const gc_param_desc lifetimes_params[] = {
    {"objects", GC_PARAM_INT, "30000000", "objects", 1, 1e13, NULL, "number of objects allocated (the size parameter)"},
    {"live", GC_PARAM_INT, "100000", "objects", 1, 1e7, NULL, "mean live-set size = mean lifetime in allocations"},
    {"lifetime", GC_PARAM_CHOICE, "bimodal", "", 0, 0, "exponential|pareto|bimodal", "distribution of lifetimes"},
    {"pareto_shape", GC_PARAM_REAL, "1.5", "", 1.05, 10, NULL,
     "tail index of pareto lifetimes (smaller: heavier tail)"},
    {"young_fraction", GC_PARAM_REAL, "0.9", "ratio", 0, 0.999, NULL, "bimodal: share of objects that die young"},
    {"young_mean", GC_PARAM_REAL, "10", "allocations", 0, 1e12, NULL, "bimodal: mean lifetime of the young (<= live)"},
    {"slots", GC_PARAM_INT, "2", "slots", 0, 1000, NULL, "nil pointer slots per object"},
    {"payload", GC_PARAM_INT, "16", "bytes", 0, 1 << 20, NULL, "raw bytes per object"},
    GC_PARAM_END,
};

/* When each occupied table entry expires: a binary min-heap on the expiry time. */
typedef struct pending {
    uint64_t expiry; /* allocation index at which the entry's object is dropped */
    uint32_t entry;
} pending;

typedef struct expiry_heap {
    pending *items;
    size_t len;
} expiry_heap;

static void heap_push(expiry_heap *q, pending x) {
    size_t i = q->len++;
    while (i > 0 && q->items[(i - 1) / 2].expiry > x.expiry) {
        q->items[i] = q->items[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    q->items[i] = x;
}

static pending heap_pop(expiry_heap *q) {
    pending top = q->items[0], last = q->items[--q->len];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= q->len) break;
        if (c + 1 < q->len && q->items[c + 1].expiry < q->items[c].expiry) c++;
        if (q->items[c].expiry >= last.expiry) break;
        q->items[i] = q->items[c];
        i = c;
    }
    if (q->len) q->items[i] = last;
    return top;
}

typedef struct lifetime_model {
    int kind;
    double mean, shape, young_fraction, young_mean, old_mean;
} lifetime_model;

/* A lifetime in allocations, at least 1. */
static uint64_t draw_lifetime(const lifetime_model *m, gc_rng *rng) {
    double x;
    switch (m->kind) {
    case LIFE_EXPONENTIAL: x = wl_draw_exponential(rng, m->mean); break;
    case LIFE_PARETO: x = wl_draw_lomax(rng, m->mean * (m->shape - 1), m->shape); break; /* mean m->mean */
    default: {
        bool young = gc_rng_real(rng) < m->young_fraction;
        x = wl_draw_exponential(rng, young ? m->young_mean : m->old_mean);
    }
    }
    if (!(x < 1e15)) x = 1e15; /* beyond any run: the object outlives it */
    return x < 1 ? 1 : (uint64_t)llround(x);
}

static int lifetimes_run(gc_heap *h, const gc_params *p, gc_rng *rng) {
    int64_t objects = gc_param_int(p, "objects"), live = gc_param_int(p, "live");
    lifetime_model m = {
        .kind = gc_param_choice(p, "lifetime"),
        .mean = (double)live,
        .shape = gc_param_real(p, "pareto_shape"),
        .young_fraction = gc_param_real(p, "young_fraction"),
        .young_mean = gc_param_real(p, "young_mean"),
    };
    if (m.kind == LIFE_BIMODAL && m.young_mean > (double)live) {
        gc_fail(h, GC_ERR_USAGE, "parameter young_mean (%g) must not exceed live (%lld)", m.young_mean,
                (long long)live);
        return -1;
    }
    m.old_mean = ((double)live - m.young_fraction * m.young_mean) / (1 - m.young_fraction);
    uint32_t nslots = (uint32_t)gc_param_int(p, "slots"), payload = (uint32_t)gc_param_int(p, "payload");

    uint64_t cap = 2 * (uint64_t)live + 64;
    expiry_heap q = {gc_heap_scratch(h, cap * sizeof(pending)), 0};
    uint32_t *free_entries = gc_heap_scratch(h, cap * sizeof(uint32_t));
    if (q.items == NULL || free_entries == NULL) return -1;
    size_t nfree = 0;
    for (uint64_t e = cap; e-- > 0;) free_entries[nfree++] = (uint32_t)e; /* entry 0 is used first */

    uint32_t f = gc_frame_push(h, 3);
    uint32_t table = f, tmp = f + 1, obj = f + 2;
    wl_table t;
    wl_table_new(h, &t, table, tmp, cap, TAG_TABLE);
    for (uint64_t now = 0; now < (uint64_t)objects; now++) {
        /* Expired objects die first; if none left room, the one closest to expiry dies early. */
        while (q.len > 0 && (q.items[0].expiry <= now || nfree == 0)) {
            uint32_t e = heap_pop(&q).entry;
            wl_table_put(h, &t, e, GC_NIL);
            free_entries[nfree++] = e;
        }
        uint64_t life = draw_lifetime(&m, rng);
        uint32_t e = free_entries[--nfree];
        gc_new(h, obj, nslots, payload, TAG_OBJECT);
        wl_table_put(h, &t, e, obj);
        gc_drop(h, obj);
        heap_push(&q, (pending){now + life, e});
    }
    gc_frame_pop(h, f);
    return 0;
}

const gc_workload gc_workload_lifetimes = {
    .name = "lifetimes",
    .summary = "a live set whose objects die when drawn lifetimes expire: exponential, Pareto or bimodal (acyclic)",
    .cyclic = false,
    .params = lifetimes_params,
    .test_params = "objects=200000,live=2000",
    .run = lifetimes_run,
};
