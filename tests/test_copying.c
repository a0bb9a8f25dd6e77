/* Spaces, copying and the tracer (core/space_copy.c, core/spaces.c, core/mark.c; collectors
 * semispace and nogc): objects move and keep their contents, the counts move with them (HEAP-1
 * per space), large objects stay, the heap limit counts the copy reserve, nogc frees nothing, a
 * marking run in small steps marks what one run marks, and verify catches a slot left pointing
 * into a released semispace. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/internal.h"
#include "gclab/mutator.h"
#include "gclab/tracer.h"
#include "tests/support.h"

extern const gc_collector_ops gc_collector_semispace;
extern const gc_collector_ops gc_collector_nogc;
extern const gc_collector_ops gc_collector_marksweep;

/* A chain of n objects of 1 slot and 8 raw bytes holding i, rooted at register r. */
static void make_chain(gc_heap *h, uint32_t r, uint32_t tmp, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        gc_new(h, tmp, 1, 8, 7);
        memcpy(gc_raw(gc_reg(h, tmp)), &i, sizeof i);
        gc_set(h, tmp, 0, r);
        gc_copy(h, r, tmp);
    }
    gc_drop(h, tmp);
}

/* The chain from register r holds n, n-1, ..., 1, 0 (built newest first). */
static void expect_chain(gc_heap *h, uint32_t r, uint32_t n) {
    gc_object *o = gc_reg(h, r);
    for (uint32_t i = n; i-- > 0;) {
        cr_assert_not_null(o, "the chain ends early at %u", i);
        uint32_t v;
        memcpy(&v, gc_raw(o), sizeof v);
        cr_assert_eq(v, i, "element %u holds %u", i, v);
        cr_assert_eq(o->tag, 7);
        o = gc_slots(o)[0];
    }
    cr_assert_null(o, "the chain is longer than built");
}

Test(copying, semispace_moves_and_preserves) {
    gc_heap *h = tst_heap_new(&gc_collector_semispace, false);
    uint32_t base = gc_frame_push(h, 3);
    make_chain(h, base, base + 1, 5000);
    gc_new(h, base + 2, 0, 8, 3); /* garbage once dropped */
    gc_drop(h, base + 2);
    gc_object *before = gc_reg(h, base);
    gc_space *space_before = gc_space_of(before);
    gc_collect(h, -1);
    gc_object *after = gc_reg(h, base);
    cr_assert_neq(after, before, "the rooted object did not move");
    cr_assert_neq(gc_space_of(after), space_before, "it is still in the same semispace");
    cr_assert_eq(gc_space_of(after), gc_heap_allocation_space(h), "the mutator allocates where the copies went");
    expect_chain(h, base, 5000);
    cr_assert_eq(h->objects_live, 5000, "the garbage object survived: %llu live", (unsigned long long)h->objects_live);
    cr_assert_eq(gc_space_objects(h, gc_space_of(after)), 5000);
    tst_verify(h, "after a flip");
    gc_collect(h, -1); /* and back */
    expect_chain(h, base, 5000);
    cr_assert_eq(gc_space_of(gc_reg(h, base)), space_before, "the second flip returns to the first semispace");
    tst_verify(h, "after two flips");
    gc_heap_destroy(h);
}

Test(copying, large_objects_stay_and_are_swept) {
    gc_heap *h = tst_heap_new(&gc_collector_semispace, true);
    uint32_t base = gc_frame_push(h, 3);
    gc_new(h, base, 2, 3 * GC_SMALL_MAX, 1); /* large, with slots */
    gc_new(h, base + 1, 0, 8, 2);             /* small, held only by the large object */
    gc_set(h, base, 1, base + 1);
    gc_drop(h, base + 1);
    gc_new(h, base + 2, 0, 2 * GC_SMALL_MAX, 1); /* large garbage */
    gc_drop(h, base + 2);
    gc_object *large = gc_reg(h, base), *small = gc_slots(large)[1];
    cr_assert(gc_space_contains(gc_heap_large_space(h), large));
    gc_collect(h, -1);
    cr_assert_eq(gc_reg(h, base), large, "a large object moved");
    cr_assert_neq(gc_slots(large)[1], small, "the small object it holds did not move");
    cr_assert_eq(gc_slots(large)[1]->tag, 2);
    cr_assert_eq(gc_space_objects(h, gc_heap_large_space(h)), 1, "the large garbage was not swept");
    cr_assert_eq(h->objects_live, 2);
    tst_verify(h, "after a collection with large objects");
    gc_heap_destroy(h);
}

/* Under a limit, a semispace's committed bytes (in use + the copy reserve) never pass it, so its
 * minimum heap is about twice the live data. */
Test(copying, limit_counts_the_copy_reserve) {
    const uint64_t limit = 4u << 20;
    gc_heap_config cfg = {.collector = &gc_collector_semispace, .heap_limit = limit};
    gc_heap *h = tst_heap_create(&cfg);
    uint32_t base = gc_frame_push(h, 2);
    make_chain(h, base, base + 1, 30000); /* 32-byte cells: ~0.9 MiB live */
    uint64_t live = h->heap_bytes;
    uint32_t t = gc_frame_push(h, 1);
    uint64_t peak_committed = 0;
    for (int i = 0; i < 200000; i++) { /* 6 MiB of garbage through a 4 MiB limit */
        gc_new(h, t, 1, 8, 0);
        uint64_t committed = h->heap_bytes + gc_heap_copy_reserve(h);
        if (committed > peak_committed) peak_committed = committed;
    }
    cr_assert_eq(gc_core(h)->error, GC_OK, "%s", gc_core(h)->error_msg);
    cr_assert_leq(peak_committed, limit, "committed %llu > limit %llu", (unsigned long long)peak_committed,
                  (unsigned long long)limit);
    cr_assert_geq(peak_committed, limit - limit / 8, "the limit was not used: %llu", (unsigned long long)peak_committed);
    cr_assert_gt(live, 0);
    expect_chain(h, base, 30000);
    gc_heap_destroy(h);

    /* live data over half the limit cannot be copied: the run fails at the limit */
    h = tst_heap_create(&cfg);
    base = gc_frame_push(h, 2);
    make_chain(h, base, base + 1, 80000); /* ~2.4 MiB live */
    cr_assert_eq(gc_core(h)->error, GC_ERR_HEAP_LIMIT, "2.4 MiB live fit a semispace under a 4 MiB limit");
    gc_heap_destroy(h);
}

Test(copying, nogc_never_frees) {
    gc_heap *h = tst_heap_new(&gc_collector_nogc, false);
    uint32_t base = gc_frame_push(h, 1);
    for (int i = 0; i < 100000; i++) gc_new(h, base, 2, 16, 0);
    gc_new(h, base, 0, 3 * GC_SMALL_MAX, 0);
    gc_collect(h, -1);
    cr_assert_eq(h->objects_live, 100001);
    cr_assert_eq(gc_space_objects(h, gc_heap_allocation_space(h)), 100000);
    cr_assert_eq(gc_space_objects(h, gc_heap_large_space(h)), 1);
    tst_verify(h, "nogc");
    gc_heap_destroy(h);
}

/* The copy space's walk sees every object, in allocation order, across blocks. */
struct seen {
    uint64_t n;
    bool ordered;
    int32_t last;
};
static void note(gc_object *o, void *ctx) {
    struct seen *s = ctx;
    int32_t v;
    memcpy(&v, gc_raw(o), sizeof v);
    if (v != s->last + 1) s->ordered = false;
    s->last = v;
    s->n++;
}
Test(copying, walk_in_allocation_order) {
    gc_heap *h = tst_heap_new(&gc_collector_nogc, false);
    uint32_t r = gc_frame_push(h, 1);
    for (int32_t i = 0; i < 50000; i++) { /* mixed sizes: block ends are left unused */
        gc_new(h, r, 0, 8 + (uint32_t)(i % 7) * 200, 0);
        memcpy(gc_raw(gc_reg(h, r)), &i, sizeof i);
    }
    struct seen s = {0, true, -1};
    gc_space_walk(h, gc_heap_allocation_space(h), note, &s);
    cr_assert_eq(s.n, 50000);
    cr_assert(s.ordered, "the walk is out of allocation order");
    cr_assert_gt(gc_space_footprint(gc_heap_allocation_space(h)), 50000u * 8, "footprint");
    gc_heap_destroy(h);
}

/* A marking in steps of a few edges marks exactly what one marking marks. */
Test(copying, mark_steps_equal_one_marking) {
    gc_heap *h = tst_heap_new(&gc_collector_marksweep, false);
    uint32_t base = gc_frame_push(h, 4);
    make_chain(h, base, base + 1, 3000);
    make_chain(h, base + 2, base + 3, 500);
    gc_drop(h, base + 2);
    uint64_t at_once = gc_mark_from_roots(h, GC_BITS_MARK);
    gc_sweep(h);
    gc_mark_begin(h);
    gc_mark_roots(h);
    uint64_t steps = 0, work = 0;
    while (!gc_mark_done(h)) {
        uint64_t w = gc_mark_step(h, 7);
        cr_assert_leq(w, 7, "a step did more than its budget");
        work += w;
        steps++;
    }
    uint64_t in_steps = gc_mark_end(h);
    cr_assert_eq(in_steps, at_once, "%llu marked in steps, %llu at once", (unsigned long long)in_steps,
                 (unsigned long long)at_once);
    cr_assert_eq(at_once, 3000);
    cr_assert_gt(steps, 3000 / 7, "too few steps: %llu", (unsigned long long)steps);
    cr_assert_geq(work, 3000);
    gc_sweep(h);
    tst_verify(h, "after a stepped marking");
    gc_heap_destroy(h);
}

/* verify catches a heap whose slot still refers to the released semispace. */
Test(copying, verify_catches_a_stale_slot) {
    gc_heap *h = tst_heap_new(&gc_collector_semispace, false);
    uint32_t base = gc_frame_push(h, 2);
    make_chain(h, base, base + 1, 10);
    gc_object *old = gc_reg(h, base);
    gc_collect(h, -1);
    char msg[256];
    cr_assert_eq(gc_verify(h, msg, sizeof msg), 0, "%s", msg);
    h->roots[base] = old; /* a collector that forgot to update a root */
    cr_assert_neq(gc_verify(h, msg, sizeof msg), 0, "a root into the released semispace passed verify");
    cr_assert(strstr(msg, "SS-2") != NULL, "%s", msg);
    h->roots[base] = NULL;
    gc_heap_destroy(h);
}

/* Per-space accounting: a space's counts disagreeing with its walk fails verify (HEAP-1). */
Test(copying, verify_catches_space_counts) {
    gc_heap *h = tst_heap_new(&gc_collector_semispace, false);
    uint32_t base = gc_frame_push(h, 1);
    for (int i = 0; i < 100; i++) gc_new(h, base, 0, 8, 0);
    char msg[256];
    cr_assert_eq(gc_verify(h, msg, sizeof msg), 0, "%s", msg);
    gc_space *s = gc_heap_allocation_space(h);
    s->objects++;
    h->objects_live++;
    cr_assert_neq(gc_verify(h, msg, sizeof msg), 0, "an object too many passed verify");
    cr_assert(strstr(msg, "HEAP-1") != NULL, "%s", msg);
    s->objects--;
    h->objects_live--;
    gc_heap_destroy(h);
}

/* A collector with a constant prefix and no hooks is served inline (not by the slow path), its
 * prefix zeroed, in a size-class space and in a copy space alike; copying moves the prefix. */
static void prefixed_case(const gc_collector_ops *base_ops) {
    gc_collector_ops ops = *base_ops;
    ops.prefix = 16;
    gc_heap *h = tst_heap_new(&ops, false);
    uint32_t base = gc_frame_push(h, 2);
    make_chain(h, base, base + 1, 20000);
    uint64_t slow = gc_core(h)->slow_allocs;
    cr_assert_lt(slow, 20000 / 20, "%s with a prefix: %llu of 20000 allocations took the slow path", ops.name,
                 (unsigned long long)slow);
    for (gc_object *o = gc_reg(h, base); o; o = gc_slots(o)[0]) {
        const uint8_t *p = gc_cell_of(h, o);
        for (int i = 0; i < 16; i++) cr_assert_eq(p[i], 0, "%s: a prefix byte is not zero", ops.name);
    }
    gc_collect(h, -1);
    expect_chain(h, base, 20000);
    tst_verify(h, "with a prefix");
    gc_heap_destroy(h);
}

Test(copying, prefix_served_inline) {
    prefixed_case(&gc_collector_marksweep);
    prefixed_case(&gc_collector_semispace);
}

/* The visiting tracer without a reservation: a marking visitor over a chain of 100,000 objects
 * greys them one by one through the step's own stack, which must grow (gc_tracer_grow) and lose
 * nothing; every object is visited once. */
static gc_object *count_visit(gc_tracer *t, gc_object **slot, void *ctx) {
    gc_object *o = *slot;
    if (gc_mark_object(t->h, o)) return NULL;
    ++*(uint64_t *)ctx;
    return o;
}

/* A marksweep heap holding a chain of n objects, a mark epoch begun, and a tracer on it. */
static gc_heap *chain_to_trace(uint32_t n, gc_tracer *t) {
    gc_heap *h = tst_heap_new(&gc_collector_marksweep, false);
    uint32_t base = gc_frame_push(h, 2);
    make_chain(h, base, base + 1, n);
    gc_mark_begin(h);
    gc_tracer_init(t, h, NULL);
    return h;
}

Test(copying, tracer_grows_its_stack_and_visits_each_object_once) {
    gc_tracer t;
    gc_heap *h = chain_to_trace(100000, &t);
    uint64_t visited = 0, steps = 0;
    gc_tracer_roots(&t, count_visit, &visited);
    while (gc_tracer_step(&t, 1000, count_visit, &visited) == 1000) steps++;
    cr_expect(!gc_tracer_failed(&t), "the grey stack lost an object");
    cr_expect_eq(visited, 100000, "%llu objects visited of 100000", (unsigned long long)visited);
    cr_expect_eq(t.scanned, 100000);
    cr_expect_geq(steps, 99, "the budget was not respected");
    gc_tracer_destroy(&t);
    gc_heap_destroy(h);
}

/* A visitor that pushes (the old way) inside a step would lose what it pushes: the heap fails
 * instead, naming the misuse. */
static gc_object *pushing_visit(gc_tracer *t, gc_object **slot, void *ctx) {
    (void)ctx;
    if (!gc_mark_object(t->h, *slot)) gc_tracer_push(t, *slot);
    return NULL;
}

Test(copying, a_visitor_that_pushes_inside_a_step_fails_the_heap) {
    gc_tracer t;
    gc_heap *h = chain_to_trace(10, &t);
    gc_tracer_roots(&t, pushing_visit, NULL);
    gc_tracer_step(&t, UINT64_MAX, pushing_visit, NULL);
    cr_expect_eq(gc_heap_error(h), GC_ERR_VERIFY, "the misuse went unnoticed");
    cr_expect(strstr(gc_heap_error_message(h), "gc_tracer_push") != NULL, "message: %s", gc_heap_error_message(h));
    gc_tracer_destroy(&t);
    gc_heap_destroy(h);
}
