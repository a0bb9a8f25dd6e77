/* Lazy sweeping and its neighbours (core/space.c): the emptied-block pool, the queue carried
 * across collections, the counts between collections (HEAP-1), freeing an object the last marking
 * found dead, and an eager sweep after a lazy one. Each case builds the situation by hand on a
 * marksweep heap, where the collector sweeps lazily. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/internal.h"
#include "gclab/mutator.h"
#include "tests/support.h"

extern const gc_collector_ops gc_collector_marksweep;

/* n objects of one size class in a frame; returns the frame's base. */
static uint32_t make_objects(gc_heap *h, uint32_t n) {
    uint32_t base = gc_frame_push(h, n);
    for (uint32_t i = 0; i < n; i++) gc_new(h, base + i, 1, 0, 1);
    return base;
}

Test(sweep, counts_are_exact_between_collections) {
    gc_heap *h = tst_heap_new(&gc_collector_marksweep, true);
    uint32_t base = make_objects(h, 1000);
    for (uint32_t i = 0; i < 1000; i += 2) gc_drop(h, base + i);
    gc_collect(h, -1); /* lazily: the blocks are queued, nothing swept yet */
    cr_assert(h->sweep_queued, "a collection with survivors queues their blocks");
    cr_assert_eq(h->objects_live, 500, "the counts are the marking's at once: %llu", (unsigned long long)h->objects_live);
    tst_verify(h, "after a lazy collection"); /* walks the heap: sweeps the queue first */
    cr_assert(!h->sweep_queued);
    cr_assert_eq(h->objects_live, 500);
    gc_heap_destroy(h);
}

Test(sweep, queue_carried_across_collections) {
    gc_heap *h = tst_heap_new(&gc_collector_marksweep, true);
    uint32_t base = make_objects(h, 2000);
    gc_collect(h, -1); /* all live: queued */
    for (uint32_t i = 0; i < 1000; i++) gc_drop(h, base + i);
    gc_collect(h, -1); /* the queue from the first collection is still there: marks restart */
    cr_assert_eq(h->objects_live, 1000, "objects_live %llu", (unsigned long long)h->objects_live);
    for (uint32_t i = 1000; i < 2000; i++) cr_assert_not_null(gc_reg(h, base + i));
    uint32_t more = make_objects(h, 3000); /* allocation sweeps queued blocks to find room */
    (void)more;
    cr_assert_eq(h->objects_live, 4000);
    tst_verify(h, "after allocating through a queue carried across two collections");
    gc_heap_destroy(h);
}

Test(sweep, emptied_blocks_are_reused_then_released) {
    gc_heap *h = tst_heap_new(&gc_collector_marksweep, true);
    uint32_t base = make_objects(h, 20000); /* several blocks */
    uint64_t held = gc_core(h)->block_bytes;
    gc_frame_pop(h, base);
    gc_collect(h, -1); /* every block is empty: pooled, not yet given back */
    cr_assert_not_null(gc_core(h)->sc.empty, "emptied blocks wait in the pool");
    cr_assert_eq(h->objects_live, 0);
    base = make_objects(h, 5000); /* reuses pooled blocks as bump runs */
    cr_assert_eq(gc_core(h)->block_bytes, held, "no new memory while pooled blocks remain");
    gc_frame_pop(h, base);
    gc_collect(h, -1); /* the pool's unused blocks go back now */
    gc_collect(h, -1);
    cr_assert(gc_core(h)->block_bytes < held, "the footprint shrinks: %llu of %llu", (unsigned long long)gc_core(h)->block_bytes,
              (unsigned long long)held);
    tst_verify(h, "after the pool was released");
    gc_heap_destroy(h);
}

Test(sweep, freeing_an_object_found_dead_is_not_a_double_free) {
    gc_heap *h = tst_heap_new(&gc_collector_marksweep, false);
    uint32_t base = make_objects(h, 2);
    gc_object *dead = gc_reg(h, base + 1);
    gc_drop(h, base + 1);
    gc_collect(h, -1); /* `dead` is unmarked in a queued block, already off the counts */
    gc_free_object(h, dead); /* a hybrid collector might do this: it must change nothing */
    cr_assert_eq(h->objects_live, 1);
    gc_new(h, base + 1, 1, 0, 1);
    uint32_t third = gc_frame_push(h, 1);
    gc_new(h, third, 1, 0, 1);
    cr_assert_neq(gc_reg(h, base + 1), gc_reg(h, third), "one cell handed out twice");
    tst_verify(h, "after freeing an object the marking had found dead");
    gc_heap_destroy(h);
}

Test(sweep, eager_sweep_after_a_lazy_one) {
    gc_heap *h = tst_heap_new(&gc_collector_marksweep, false);
    uint32_t base = make_objects(h, 100);
    gc_collect(h, -1); /* lazy: one queued block, all marked */
    for (uint32_t i = 0; i < 50; i++) gc_drop(h, base + i);
    gc_mark_from_roots(h, GC_BITS_MARK);
    cr_assert_eq(gc_sweep(h), 50, "the eager sweep reports the deaths in the queued block");
    cr_assert_eq(h->objects_live, 50);
    tst_verify(h, "after an eager sweep following a lazy one");
    gc_heap_destroy(h);
}

/* Mark epochs come round again after GC_MARK_EPOCHS markings (include/gclab/object.h). A block
 * that stays queued that long (nothing of its size class is allocated) keeps dead cells with the
 * epoch of the marking before they died: when that epoch is reused they must not pass for marked.
 * Here half a block dies after the first collection and the block is never swept by an
 * allocation; the collections go on until the epoch the dead cells carry is current again. */
Test(sweep, dead_cells_outlive_no_epoch) {
    gc_heap *h = tst_heap_new(&gc_collector_marksweep, false);
    uint32_t base = make_objects(h, 100);
    gc_collect(h, -1); /* all marked: the block is queued with every cell carrying this epoch */
    uint64_t first = gc_core(h)->mark_seq;
    for (uint32_t i = 0; i < 50; i++) gc_drop(h, base + i);
    do {
        gc_collect(h, -1);
        cr_assert_eq(h->objects_live, 50, "collection %llu: objects_live %llu", (unsigned long long)gc_core(h)->mark_seq,
                     (unsigned long long)h->objects_live);
        cr_assert(gc_space_lane_clear(h, GC_BITS_MARK),
                  "collection %llu: a cell carries the next marking's epoch, or a block is queued too long",
                  (unsigned long long)gc_core(h)->mark_seq);
    } while (gc_core(h)->mark_seq % GC_MARK_EPOCHS != first % GC_MARK_EPOCHS);
    tst_verify(h, "with the dead cells' epoch current again"); /* sweeps the queue: HEAP-1 */
    cr_assert_eq(h->objects_live, 50);
    for (uint32_t i = 50; i < 100; i++) cr_assert_not_null(gc_reg(h, base + i));
    gc_heap_destroy(h);
}

/* Poison mode: a write into a freed cell is reported when the cell is next handed out. */
extern const gc_collector_ops gc_collector_rc;

Test(sweep, poison_catches_a_write_after_free) {
#if defined(__SANITIZE_ADDRESS__)
    cr_skip_test("under AddressSanitizer the freed cell is unaddressable: ASan reports the write itself");
#endif
    gc_heap *h = tst_heap_new(&gc_collector_rc, true);
    uint32_t r = gc_frame_push(h, 1);
    gc_new(h, r, 2, 8, 1);
    gc_object *o = gc_reg(h, r);
    gc_drop(h, r); /* count zero: freed, poisoned, first on its class's free list */
    cr_assert_eq(gc_core(h)->error, GC_OK);
    gc_raw(o)[0] = 42; /* the bug a collector or workload could have: a write after free */
    gc_new(h, r, 2, 8, 1); /* reuses that cell: the check must see the write */
    cr_assert_eq(gc_core(h)->error, GC_ERR_VERIFY, "the write after free went unnoticed");
    cr_assert(strstr(gc_core(h)->error_msg, "written after it was freed") != NULL, "message: %s", gc_core(h)->error_msg);
    gc_heap_destroy(h);
}

Test(sweep, poison_accepts_clean_reuse) {
    gc_heap *h = tst_heap_new(&gc_collector_rc, true);
    uint32_t r = gc_frame_push(h, 1);
    for (int i = 0; i < 10000; i++) {
        gc_new(h, r, 2, 8, 1);
        gc_drop(h, r);
    }
    cr_assert_eq(gc_core(h)->error, GC_OK, "a clean free and reuse was reported: %s", gc_core(h)->error_msg);
    tst_verify(h, "after 10,000 clean reuses");
    gc_heap_destroy(h);
}

/* A marking cut short after losing an edge (the mark stack's memory ran out and the heap's fatal
 * handler escaped from the loop): the epoch has advanced but nothing, or only part, is marked
 * with it. A later whole-heap walk (the census of a failed run) sweeps the queue first; it must
 * keep what the previous marking reached. Simulated: a queued block, then the epoch advanced by
 * hand with mark_incomplete set, as gc_mark_from_roots leaves them when it is cut short. */
Test(sweep, a_cut_short_marking_frees_nothing_reachable) {
    gc_heap *h = tst_heap_new(&gc_collector_marksweep, false);
    uint32_t base = make_objects(h, 1000);
    for (uint32_t i = 0; i < 1000; i += 2) gc_drop(h, base + i);
    gc_collect(h, -1); /* the block is queued with the survivors' epoch */
    cr_assert(h->sweep_queued);
    gc_core(h)->mark_seq++;
    h->mark_epoch = (uint8_t)(((gc_core(h)->mark_seq - 1) % GC_MARK_EPOCHS + 1) << GC_OBJ_EPOCH_SHIFT);
    gc_core(h)->mark_incomplete = true;
    gc_sweep_finish(h);
    for (uint32_t i = 1; i < 1000; i += 2) {
        gc_object *o = gc_reg(h, base + i);
        cr_assert(!(o->flags & GC_OBJ_FREE), "object %u, still referenced from a root, was freed", i);
    }
    cr_assert_eq(h->objects_live, 500, "objects_live %llu", (unsigned long long)h->objects_live);
    gc_heap_destroy(h);
}

/* BM-1 (core/block_marks.c): after a marking, the block-mark byte of every block holding a marked
 * object is the marking's epoch, for small objects of several classes and for large ones; the
 * blocks of a dropped frame keep an older byte and are pooled as empty. */
Test(block_marks, every_survivor_block_carries_the_epoch) {
    gc_heap *h = tst_heap_new(&gc_collector_marksweep, true);
    enum { N = 6000 };
    uint32_t keep = gc_frame_push(h, N);
    for (uint32_t i = 0; i < N; i++) gc_new(h, keep + i, i % 3, (i % 7) * 24 + (i % 500 == 0 ? 9000 : 0), 1);
    uint32_t dead = make_objects(h, 20000); /* whole blocks of their own, all dying */
    gc_frame_pop(h, dead);
    for (int round = 0; round < 70; round++) { /* past one turn of the 63 epochs */
        gc_collect(h, -1);
        for (uint32_t i = 0; i < N; i++) {
            gc_object *o = gc_reg(h, keep + i);
            cr_assert_eq(*gc_block_mark_byte(gc_core(h)->block_marks, o), h->mark_epoch,
                         "round %d: object %u's block does not carry the marking's epoch", round, i);
        }
        cr_assert_not_null(gc_core(h)->sc.empty, "round %d: the dead frame's blocks are pooled", round);
        dead = make_objects(h, 20000);
        gc_frame_pop(h, dead);
    }
    tst_verify(h, "after 70 markings");
    gc_heap_destroy(h);
}

/* The table covers what it is asked to, a range across a 4 GiB boundary included, and refuses
 * what it cannot index (an address beyond 48 bits, an empty or wrapping range). Only the
 * first-level entries are made: no address in the ranges is touched. */
Test(block_marks, cover_makes_the_leaves_it_needs_and_refuses_the_rest) {
    gc_heap *h = tst_heap_new(&gc_collector_marksweep, true);
    uintptr_t boundary = (uintptr_t)0x7e5400000000; /* a 4 GiB boundary, far from the heap's chunks */
    uintptr_t i = boundary >> GC_BLOCK_MARKS_LEAF_SHIFT;
    cr_assert_null(gc_core(h)->block_marks[i - 1]);
    cr_assert_null(gc_core(h)->block_marks[i]);
    cr_assert_eq(gc_block_marks_cover(h, (void *)(boundary - GC_BLOCK_SIZE), 2 * GC_BLOCK_SIZE), 0);
    cr_assert_not_null(gc_core(h)->block_marks[i - 1], "the leaf below the boundary");
    cr_assert_not_null(gc_core(h)->block_marks[i], "the leaf above the boundary");
    *gc_block_mark_byte(gc_core(h)->block_marks, (void *)(boundary + 5)) = 7; /* writable, and found again */
    cr_assert_eq(gc_core(h)->block_marks[i][0], 7);
    cr_assert_eq(gc_block_marks_cover(h, (void *)((uintptr_t)1 << 48), GC_BLOCK_SIZE), -1, "beyond 48 bits");
    cr_assert_eq(gc_block_marks_cover(h, (void *)(((uintptr_t)1 << 48) - 8), 64), -1, "crossing 2^48");
    cr_assert_eq(gc_block_marks_cover(h, (void *)boundary, 0), -1, "an empty range");
    cr_assert_eq(gc_block_marks_cover(h, (void *)UINTPTR_MAX, 2), -1, "a wrapping range");
    gc_heap_destroy(h); /* unmaps the leaves made here too (ASan/LSan would report a leak) */
}
