/* Deep structures, on every collector: a 10-million-node list, a 10-million-node ring and a deep
 * chain through many slots, built through registers and dropped. Nothing in the core may recurse
 * over the graph (marking, the census, reference counting's free cascade, verification), so these
 * must complete without a crash whatever their depth; the figures afterwards must be exact.
 * (Full size in the AddressSanitizer build too: the whole file takes about 20 s there.) */
#include "gclab/mutator.h"
#include "tests/support.h"

#define DEEP_N 10000000u
#define CHAIN_N (DEEP_N / 10)
#define CHAIN_SLOTS 16u

static bool reclaims(const gc_collector_ops *c) { return (c->caps & GC_CAP_RECLAIMS_CYCLES) != 0; }
static bool counts_only(const gc_collector_ops *c) {
    return (c->caps & GC_CAP_REFCOUNT) && !(c->caps & GC_CAP_RECLAIMS_CYCLES);
}

static void expect_census(gc_heap *h, const char *when, uint64_t reachable, uint64_t unreachable) {
    gc_census_result c;
    gc_census(h, &c);
    cr_expect(c.reachable_objects == reachable && c.unreachable_objects == unreachable,
              "%s, %s: census %llu reachable / %llu unreachable, expected %llu / %llu", h->ops->name, when,
              (unsigned long long)c.reachable_objects, (unsigned long long)c.unreachable_objects,
              (unsigned long long)reachable, (unsigned long long)unreachable);
}

/* Register `first` = a chain of n one-slot nodes, each pointing to the next; the last node stays in
 * register `last`. Built front to back, so that the chain is as deep as it is long. */
static void build_chain(gc_heap *h, uint32_t first, uint32_t last, uint32_t tmp, uint32_t n) {
    gc_new(h, first, 1, 0, 1);
    gc_copy(h, last, first);
    for (uint32_t i = 1; i < n; i++) {
        gc_new(h, tmp, 1, 0, 1);
        gc_set(h, last, 0, tmp);
        gc_copy(h, last, tmp);
    }
    gc_drop(h, tmp);
}

static uint64_t chain_length(gc_heap *h, uint32_t first, uint64_t limit) {
    uint64_t n = 0;
    for (gc_object *o = gc_reg(h, first); o && n <= limit; o = gc_slots(o)[0]) {
        cr_assert(!(o->flags & GC_OBJ_FREE), "%s: node %llu of a live list is free", h->ops->name,
                  (unsigned long long)n);
        n++;
    }
    return n;
}

TST_FOR_EACH_COLLECTOR(deep, list_10M) {
    const gc_collector_ops *c = gc_collectors[*collector_index];
    tst_note("deep list on %s", c->name);
    gc_heap *h = tst_heap_new(c, true);
    uint32_t f = gc_frame_push(h, 3);
    build_chain(h, f, f + 1, f + 2, DEEP_N);
    gc_drop(h, f + 1);
    gc_collect(h, -1); /* a full collection (where there is one) with the list live */
    cr_expect_eq(chain_length(h, f, DEEP_N), DEEP_N, "%s: list length", c->name);
    if (reclaims(c) || counts_only(c)) cr_expect_eq(h->objects_live, DEEP_N, "%s: objects while live", c->name);
    expect_census(h, "list live", DEEP_N, h->objects_live - DEEP_N);
    gc_drop(h, f); /* rc frees all of it here, in one cascade */
    gc_collect(h, -1);
    if (reclaims(c) || counts_only(c)) /* a list is acyclic: reference counting frees it too */
        cr_expect_eq(h->objects_live, 0, "%s: %llu objects of a dropped list are still held", c->name,
                     (unsigned long long)h->objects_live);
    expect_census(h, "list dropped", 0, h->objects_live);
    tst_verify(h, "after dropping a deep list");
    gc_heap_destroy(h);
    tst_expect_no_leaks();
}

TST_FOR_EACH_COLLECTOR(deep, ring_10M) {
    const gc_collector_ops *c = gc_collectors[*collector_index];
    tst_note("deep ring on %s", c->name);
    gc_heap *h = tst_heap_new(c, true);
    uint32_t f = gc_frame_push(h, 3);
    build_chain(h, f, f + 1, f + 2, DEEP_N);
    gc_set(h, f + 1, 0, f); /* close the ring */
    gc_drop(h, f + 1);
    gc_collect(h, -1);
    expect_census(h, "ring live", DEEP_N, h->objects_live - DEEP_N);
    gc_drop(h, f);
    gc_collect(h, -1);
    if (reclaims(c)) cr_expect_eq(h->objects_live, 0, "%s: a dropped ring is still held", c->name);
    if (counts_only(c)) expect_census(h, "ring dropped", 0, DEEP_N); /* exactly the cycle leaks */
    tst_verify(h, "after dropping a deep ring");
    gc_heap_destroy(h);
    tst_expect_no_leaks();
}

/* A chain of CHAIN_N nodes of CHAIN_SLOTS slots; node i links to node i+1 through slot
 * (7 i) mod 16, and two other slots hold leaves (one-slot objects), so that a marker working
 * depth-first keeps every pending leaf on its stack: the stack grows with the depth. */
TST_FOR_EACH_COLLECTOR(deep, chain_through_many_slots) {
    const gc_collector_ops *c = gc_collectors[*collector_index];
    tst_note("deep chain through many slots on %s", c->name);
    gc_heap *h = tst_heap_new(c, true);
    uint32_t f = gc_frame_push(h, 4);
    uint32_t first = f, last = f + 1, tmp = f + 2, leaf = f + 3;
    gc_new(h, first, CHAIN_SLOTS, 8, 2);
    gc_copy(h, last, first);
    for (uint32_t i = 0; i < CHAIN_N; i++) {
        uint32_t link = (7 * i) % CHAIN_SLOTS;
        for (uint32_t k = 1; k <= 2; k++) {
            gc_new(h, leaf, 1, 8, 3);
            gc_set(h, last, (link + 4 * k) % CHAIN_SLOTS, leaf);
        }
        if (i + 1 == CHAIN_N) break;
        gc_new(h, tmp, CHAIN_SLOTS, 8, 2);
        gc_set(h, last, link, tmp);
        gc_copy(h, last, tmp);
    }
    gc_drop(h, tmp);
    gc_drop(h, leaf);
    gc_drop(h, last);
    const uint64_t total = 3ull * CHAIN_N;
    gc_collect(h, -1);
    if (reclaims(c) || counts_only(c)) cr_expect_eq(h->objects_live, total, "%s: objects while live", c->name);
    expect_census(h, "chain live", total, h->objects_live - total);
    tst_verify(h, "deep chain live");
    gc_drop(h, first);
    gc_collect(h, -1);
    if (reclaims(c) || counts_only(c))
        cr_expect_eq(h->objects_live, 0, "%s: %llu objects of a dropped chain are still held", c->name,
                     (unsigned long long)h->objects_live);
    tst_verify(h, "after dropping a deep chain");
    gc_heap_destroy(h);
    tst_expect_no_leaks();
}
