/* The census on a small hand-built graph, on every collector, and several heaps alive at once in
 * one process.
 *
 * The graph (every figure below is worked out by hand; an object's size is gc_object_size:
 * 16 header bytes + 8 per slot + raw bytes):
 *
 *     register a -> A(2 slots, 8 B) = 40        A.0 -> B
 *                   B(2 slots, 16 B) = 48       B.0 -> C, B.1 -> D
 *                   C(1 slot, 24 B) = 48        C.0 -> A        (A B C is a reachable cycle)
 *                   D(atomic, 100 B) = 116
 *     global 0   -> H(atomic, 8 B) = 24
 *     garbage:      E(1 slot) = 24 <-> F(1 slot) = 24   (an unreachable cycle)
 *                   G(atomic, 40 B) = 56                (acyclic garbage)
 *
 * Reachable: A B C D H, 5 objects, 276 bytes. Garbage: E F G, of which reference counting frees
 * G at once and can never free E F (48 bytes). */
#include "core/internal.h"
#include "gclab/mutator.h"
#include "tests/support.h"

enum { RA, RT, RU, RV, NREGS };

static void build_graph(gc_heap *h, uint32_t f, uint32_t g) {
    gc_new(h, f + RA, 2, 8, 'A');
    gc_new(h, f + RT, 2, 16, 'B');
    gc_set(h, f + RA, 0, f + RT);
    gc_new(h, f + RU, 1, 24, 'C');
    gc_set(h, f + RT, 0, f + RU);
    gc_set(h, f + RU, 0, f + RA);
    gc_new(h, f + RV, 0, 100, 'D');
    gc_set(h, f + RT, 1, f + RV);
    gc_new(h, f + RV, 0, 8, 'H');
    gc_global_write(h, g, gc_reg(h, f + RV));
    gc_new(h, f + RT, 1, 0, 'E');
    gc_new(h, f + RU, 1, 0, 'F');
    gc_set(h, f + RT, 0, f + RU);
    gc_set(h, f + RU, 0, f + RT);
    gc_new(h, f + RV, 0, 40, 'G');
    gc_drop(h, f + RT);
    gc_drop(h, f + RU);
    gc_drop(h, f + RV);
}

static gc_census_result census_twice(gc_heap *h, const char *when) {
    gc_census_result a, b;
    gc_census(h, &a);
    gc_census(h, &b);
    cr_expect(a.reachable_objects == b.reachable_objects && a.reachable_bytes == b.reachable_bytes &&
                  a.unreachable_objects == b.unreachable_objects && a.unreachable_bytes == b.unreachable_bytes,
              "%s, %s: a second census disagrees with the first", h->ops->name, when);
    cr_expect_eq(a.reachable_objects + a.unreachable_objects, h->objects_live, "%s, %s: census misses objects",
                 h->ops->name, when);
    tst_verify(h, when); /* the census left no bits behind (HEAP-2) */
    return a;
}

static void expect_census(gc_heap *h, const char *when, gc_census_result c, uint64_t ro, uint64_t rb, uint64_t uo,
                          uint64_t ub) {
    cr_expect(c.reachable_objects == ro && c.reachable_bytes == rb,
              "%s, %s: reachable %llu objects / %llu bytes, expected %llu / %llu", h->ops->name, when,
              (unsigned long long)c.reachable_objects, (unsigned long long)c.reachable_bytes,
              (unsigned long long)ro, (unsigned long long)rb);
    cr_expect(c.unreachable_objects == uo && c.unreachable_bytes == ub,
              "%s, %s: unreachable %llu objects / %llu bytes, expected %llu / %llu", h->ops->name, when,
              (unsigned long long)c.unreachable_objects, (unsigned long long)c.unreachable_bytes,
              (unsigned long long)uo, (unsigned long long)ub);
}

TST_FOR_EACH_COLLECTOR(census, hand_built_graph) {
    const gc_collector_ops *c = gc_collectors[*collector_index];
    bool counts_only = (c->caps & GC_CAP_REFCOUNT) && !(c->caps & GC_CAP_RECLAIMS_CYCLES);
    gc_heap *h = tst_heap_new(c, true);
    uint32_t g = gc_globals_reserve(h, 1);
    uint32_t f = gc_frame_push(h, NREGS);
    build_graph(h, f, g);

    gc_census_result r = census_twice(h, "after building");
    cr_expect_eq(r.reachable_objects, 5, "%s: reachable objects", c->name);
    cr_expect_eq(r.reachable_bytes, 276, "%s: reachable bytes", c->name);
    if (c->caps & GC_CAP_REFCOUNT) expect_census(h, "after building", r, 5, 276, 2, 48);
    else if (gc_core(h)->pause_seq == 0) expect_census(h, "after building, before any collection", r, 5, 276, 3, 104);

    gc_collect(h, -1);
    r = census_twice(h, "after a full collection");
    if (c->caps & GC_CAP_RECLAIMS_CYCLES) expect_census(h, "after a full collection", r, 5, 276, 0, 0);
    if (counts_only) expect_census(h, "after a full collection", r, 5, 276, 2, 48);

    /* Drop the register: A B C become a garbage cycle holding D; H stays, through the global. */
    gc_drop(h, f + RA);
    gc_collect(h, -1);
    r = census_twice(h, "after dropping register a");
    if (c->caps & GC_CAP_RECLAIMS_CYCLES) expect_census(h, "after dropping register a", r, 1, 24, 0, 0);
    if (counts_only) expect_census(h, "after dropping register a", r, 1, 24, 6, 300);

    gc_global_write(h, g, NULL);
    gc_collect(h, -1);
    r = census_twice(h, "after clearing the global");
    if (c->caps & GC_CAP_RECLAIMS_CYCLES) cr_expect_eq(h->objects_live, 0, "%s: objects left", c->name);
    if (counts_only) expect_census(h, "after clearing the global", r, 0, 0, 6, 300);
    gc_heap_destroy(h);
    tst_expect_no_leaks();
}

/* --- several heaps in one process --- */

enum { HEAPS_PER_COLLECTOR = 2, LIST_UNIT = 3000 };

/* Heap k holds a list of (k + 1) * LIST_UNIT nodes, each with 8 raw bytes saying (k, position). */
static void push_node(gc_heap *h, uint32_t head, uint32_t tmp, uint64_t k, uint64_t i) {
    gc_new(h, tmp, 1, 8, (uint16_t)k);
    uint64_t mark = k << 32 | i;
    memcpy(gc_raw(gc_reg(h, tmp)), &mark, sizeof mark);
    gc_set(h, tmp, 0, head);
    gc_copy(h, head, tmp);
}

/* Walk heap k's list: its length and every node's mark must be its own. */
static void check_list(gc_heap *h, uint32_t head, uint64_t k, uint64_t len) {
    uint64_t n = 0;
    for (gc_object *o = gc_reg(h, head); o; o = gc_slots(o)[0], n++) {
        uint64_t mark;
        memcpy(&mark, gc_raw(o), sizeof mark);
        cr_assert(!(o->flags & GC_OBJ_FREE) && mark == (k << 32 | (len - 1 - n)),
                  "heap %llu (%s): node %llu is freed or belongs elsewhere", (unsigned long long)k, h->ops->name,
                  (unsigned long long)n);
    }
    cr_expect_eq(n, len, "heap %llu: list length", (unsigned long long)k);
}

Test(heaps, several_alive_at_once) {
    size_t nc = 0;
    while (gc_collectors[nc]) nc++;
    size_t n = nc * HEAPS_PER_COLLECTOR;
    gc_heap *heaps[TST_MAX_COLLECTORS * HEAPS_PER_COLLECTOR];
    uint32_t base[TST_MAX_COLLECTORS * HEAPS_PER_COLLECTOR];
    for (size_t k = 0; k < n; k++) {
        heaps[k] = tst_heap_new(gc_collectors[k % nc], true);
        base[k] = gc_frame_push(heaps[k], 2);
        for (size_t j = 0; j < k; j++)
            cr_expect(gc_core(heaps[j])->arena != gc_core(heaps[k])->arena, "heaps %zu and %zu share jemalloc arena %u", j, k,
                      gc_core(heaps[k])->arena);
    }
    /* Interleave: one node in every heap that still wants one, round after round. */
    for (uint64_t i = 0; i < n * LIST_UNIT; i++)
        for (size_t k = 0; k < n; k++)
            if (i < (k + 1) * LIST_UNIT) push_node(heaps[k], base[k], base[k] + 1, k, i);
    for (size_t k = 0; k < n; k++) {
        gc_drop(heaps[k], base[k] + 1);
        gc_collect(heaps[k], -1);
        check_list(heaps[k], base[k], k, (k + 1) * LIST_UNIT);
        gc_census_result c;
        gc_census(heaps[k], &c);
        cr_expect_eq(c.reachable_objects, (k + 1) * LIST_UNIT, "heap %zu (%s): census", k, heaps[k]->ops->name);
        tst_verify(heaps[k], "several heaps, lists built");
    }
    /* Destroy every other heap; drop the lists of the rest: the survivors are untouched. */
    for (size_t k = 0; k < n; k += 2) {
        gc_heap_destroy(heaps[k]);
        heaps[k] = NULL;
    }
    for (size_t k = 1; k < n; k += 2) {
        check_list(heaps[k], base[k], k, (k + 1) * LIST_UNIT);
        gc_drop(heaps[k], base[k]);
        gc_collect(heaps[k], -1);
        const gc_collector_ops *c = heaps[k]->ops;
        if (c->caps & (GC_CAP_RECLAIMS_CYCLES | GC_CAP_REFCOUNT))
            cr_expect_eq(heaps[k]->objects_live, 0, "heap %zu (%s): a dropped list is still held", k, c->name);
        for (size_t j = k + 2; j < n; j += 2)
            cr_expect_eq(heaps[j]->objects_live, (j + 1) * LIST_UNIT, "heap %zu changed when heap %zu was emptied", j, k);
        tst_verify(heaps[k], "several heaps, list dropped");
    }
    for (size_t k = 1; k < n; k += 2) gc_heap_destroy(heaps[k]);
    tst_expect_no_leaks();
}
