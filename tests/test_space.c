/* Unit tests of the space's size classes (core/space.c): the tables the allocation fast path
 * indexes without checks, and what an allocation of every small size costs in cell bytes. */
#include "gclab/mutator.h"
#include "tests/support.h"

Test(size_classes, sizes_increase_in_granules) {
    for (unsigned c = 0; c < GC_NCLASSES; c++) {
        cr_expect(gc_class_size[c] % GC_CELL_ALIGN == 0, "class %u: size %u is not a multiple of %u", c,
                  gc_class_size[c], GC_CELL_ALIGN);
        if (c > 0)
            cr_expect(gc_class_size[c] > gc_class_size[c - 1], "class %u: size %u does not exceed class %u's %u", c,
                      gc_class_size[c], c - 1, gc_class_size[c - 1]);
    }
    cr_expect(gc_class_size[0] >= sizeof(gc_object), "the smallest cell cannot hold an object header");
    cr_expect_eq(gc_class_size[GC_NCLASSES - 1], GC_SMALL_MAX, "the largest class must be GC_SMALL_MAX");
}

/* gc_class_of[n] is the smallest class whose cells hold n*8 bytes. */
Test(size_classes, class_of_is_the_smallest_that_fits) {
    for (unsigned n = 0; n <= GC_SMALL_MAX / GC_CELL_ALIGN; n++) {
        unsigned c = gc_class_of[n];
        uint32_t need = n * GC_CELL_ALIGN;
        cr_assert(c < GC_NCLASSES, "gc_class_of[%u] = %u is not a class", n, c);
        cr_expect(gc_class_size[c] >= need, "gc_class_of[%u]: class %u holds %u bytes, %u needed", n, c,
                  gc_class_size[c], need);
        if (c > 0)
            cr_expect(gc_class_size[c - 1] < need, "gc_class_of[%u] = %u, but class %u (%u bytes) already fits %u bytes",
                      n, c, c - 1, gc_class_size[c - 1], need);
    }
}

/* The waste of rounding up to a class stays bounded: at most a quarter of the cell, for cells
 * past the fine-grained range (which wastes at most 8 bytes). */
Test(size_classes, rounding_waste_is_bounded) {
    for (unsigned n = 2; n <= GC_SMALL_MAX / GC_CELL_ALIGN; n++) {
        uint32_t need = n * GC_CELL_ALIGN, got = gc_class_size[gc_class_of[n]];
        cr_expect(got - need <= 8 || (got - need) * 4 <= got, "%u bytes round up to %u", need, got);
    }
}

/* Allocate one object of every small shape on each collector, in an otherwise empty heap: the
 * heap's byte accounting is exactly the class size of the cell (collector prefix included). */
TST_FOR_EACH_COLLECTOR(size_classes, allocation_uses_the_class) {
    const gc_collector_ops *c = gc_collectors[*collector_index];
    if (!(c->caps & (GC_CAP_RECLAIMS_CYCLES | GC_CAP_REFCOUNT))) cr_skip_test("%s reclaims nothing", c->name);
    gc_heap *h = tst_heap_new(c, true);
    uint32_t r = gc_frame_push(h, 1);
    for (uint32_t nbytes = 0; gc_object_size(0, nbytes) + h->prefix <= GC_SMALL_MAX; nbytes += 8) {
        gc_drop(h, r);
        gc_collect(h, -1);
        cr_assert(h->objects_live == 0 && h->heap_bytes == 0, "%s: the heap is not empty after a collection",
                  c->name);
        gc_new(h, r, 0, nbytes, 1);
        size_t need = (gc_object_size(0, nbytes) + h->prefix + GC_CELL_ALIGN - 1) / GC_CELL_ALIGN;
        cr_expect_eq(h->heap_bytes, gc_class_size[gc_class_of[need]], "%s: a %u-byte payload", c->name, nbytes);
        cr_expect_eq(h->objects_live, 1);
    }
    tst_verify(h, "after one allocation of every small size");
    gc_heap_destroy(h);
}

/* The core computes size classes by arithmetic (gc_size_class, gc_class_bytes, gc_cell_bytes);
 * the tables above are their specification: they must agree for every cell size and class. */
Test(space, class_arithmetic_matches_the_tables) {
    for (unsigned n = 0; n <= GC_SMALL_MAX / GC_CELL_ALIGN; n++)
        cr_assert_eq(gc_size_class((size_t)n * GC_CELL_ALIGN), gc_class_of[n], "need %u bytes: class %u, table says %u",
                     n * GC_CELL_ALIGN, gc_size_class((size_t)n * GC_CELL_ALIGN), gc_class_of[n]);
    for (unsigned c = 0; c < GC_NCLASSES; c++)
        cr_assert_eq(gc_class_bytes(c), gc_class_size[c], "class %u: %u bytes, table says %u", c, gc_class_bytes(c),
                     gc_class_size[c]);
    cr_assert_eq(gc_cell_bytes(0, GC_SMALL_MAX + 1), GC_SMALL_MAX + 8, "a large cell is its size rounded to 8");
}

/* footprint.heap_bytes_peak is the largest heap_bytes seen right after any mutator allocation,
 * though the allocation path no longer records it (core/internal.h, heap_bytes_peak): the oracle
 * here reads heap_bytes after every allocation, over waves of growth and death with collections
 * between them, on every collector. */
TST_FOR_EACH_COLLECTOR(space, heap_bytes_peak_is_the_largest_after_an_allocation) {
    const gc_collector_ops *c = gc_collectors[*collector_index];
    gc_heap *h = tst_heap_new(c, false);
    uint32_t f = gc_frame_push(h, 2);
    uint64_t oracle = 0;
    for (int wave = 0; wave < 6; wave++) {
        uint32_t n = 2000u + 1500u * (uint32_t)(wave % 3); /* the waves rise and fall */
        gc_new(h, f + 1, 0, 9000, 2); /* a large object too, dropped at once */
        if (h->heap_bytes > oracle) oracle = h->heap_bytes;
        gc_drop(h, f + 1);
        for (uint32_t i = 0; i < n; i++) {
            gc_new(h, f + 1, 1, 24, 1);
            if (h->heap_bytes > oracle) oracle = h->heap_bytes;
            gc_set(h, f + 1, 0, f);
            gc_copy(h, f, f + 1);
        }
        gc_drop(h, f + 1);
        gc_drop(h, f); /* the wave dies */
        gc_collect(h, -1);
    }
    cr_expect_eq(gc_heap_bytes_peak(h), oracle, "%s: heap_bytes_peak %llu, the largest after an allocation %llu",
                 c->name, (unsigned long long)gc_heap_bytes_peak(h), (unsigned long long)oracle);
    gc_heap_destroy(h);
}

/* A frame too large for 32-bit root indices fails the heap (out of memory) and pushes nothing:
 * base + n must not wrap round to an index the root array already has. */
Test(space, a_frame_past_the_root_limit_fails_and_pushes_nothing) {
    gc_heap *h = tst_heap_new(gc_collectors[0], false);
    uint32_t f = gc_frame_push(h, 8);
    gc_new(h, f, 0, 8, 1);
    uint32_t before = h->nroots;
    gc_frame_push(h, UINT32_MAX - 4); /* would wrap to base + n = 3 */
    cr_expect_eq(h->nroots, before, "the frame was pushed: %u roots", h->nroots);
    cr_expect_eq(gc_heap_error(h), GC_ERR_NOMEM, "the heap did not fail");
    cr_expect_not_null(gc_reg(h, f), "a root of the frame below was overwritten");
    gc_heap_destroy(h);
}
