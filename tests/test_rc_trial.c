/* rc-trial (collectors/rc_trial.c) and the core's candidate buffer (GC_BARRIER_RC_CANDIDATES,
 * core/refcount.c): a garbage ring survives reference counting and is freed by a cycle
 * collection; a buffered object whose count reaches zero is kept, with its slots cleared, until
 * the collection frees it; a live structure reached from a candidate is left alone with its counts
 * restored; and verify catches a buffer that disagrees with the buffered bits. */
#include <criterion/criterion.h>
#include <string.h>

#include "gclab/mutator.h"
#include "tests/support.h"

extern const gc_collector_ops gc_collector_rc_trial;

static gc_heap *trial_heap(void) {
    return tst_heap_with(&gc_collector_rc_trial, "buffer=1000000000", true); /* no automatic collection */
}

/* A ring of n objects of one slot, held by register r (its first object). */
static void make_ring(gc_heap *h, uint32_t r, uint32_t tmp, uint32_t n) {
    gc_new(h, r, 1, 8, 1);
    gc_copy(h, tmp, r);
    for (uint32_t i = 1; i < n; i++) {
        gc_new(h, tmp + 1, 1, 8, 1);
        gc_set(h, tmp, 0, tmp + 1);
        gc_copy(h, tmp, tmp + 1);
    }
    gc_set(h, tmp, 0, r); /* close it */
    gc_drop(h, tmp);
    gc_drop(h, tmp + 1);
}

Test(rc_trial, a_garbage_ring_is_freed_by_a_cycle_collection_only) {
    gc_heap *h = trial_heap();
    uint32_t r = gc_frame_push(h, 3);
    make_ring(h, r, r + 1, 1000);
    uint64_t live = gc_heap_objects(h);
    gc_drop(h, r); /* the ring's first object falls to 1: buffered */
    cr_assert_eq(gc_heap_objects(h), live, "reference counting alone freed part of a cycle");
    cr_assert_gt(gc_rc_candidates_size(h), 0, "the decrement buffered no candidate");
    tst_verify(h, "with the ring buffered");
    gc_collect(h, -1);
    cr_assert_eq(gc_heap_objects(h), 0, "%llu objects of the garbage ring survived", (unsigned long long)gc_heap_objects(h));
    cr_assert_eq(gc_rc_candidates_size(h), 0);
    tst_verify(h, "after the cycle collection");
    gc_heap_destroy(h);
}

Test(rc_trial, a_live_structure_reached_from_a_candidate_keeps_its_counts) {
    gc_heap *h = trial_heap();
    uint32_t r = gc_frame_push(h, 4);
    make_ring(h, r, r + 1, 500);
    gc_copy(h, r + 3, r); /* a second root to the ring */
    gc_drop(h, r);        /* a decrement to non-zero: a candidate, but the ring is live */
    gc_collect(h, -1);
    cr_assert_eq(gc_heap_objects(h), 500, "a live ring lost objects to trial deletion");
    tst_verify(h, "after trial deletion of a live ring (HEAP-4: counts restored)");
    gc_drop(h, r + 3);
    gc_collect(h, -1);
    cr_assert_eq(gc_heap_objects(h), 0);
    gc_heap_destroy(h);
}

Test(rc_trial, a_buffered_object_at_zero_is_kept_until_the_collection) {
    gc_heap *h = trial_heap();
    uint32_t r = gc_frame_push(h, 3);
    gc_new(h, r, 1, 0, 1);
    gc_new(h, r + 1, 0, 8, 2);
    gc_set(h, r, 0, r + 1); /* r -> leaf */
    gc_copy(h, r + 2, r);
    gc_drop(h, r + 2); /* r's object falls to 1: buffered */
    gc_object *kept = gc_reg(h, r);
    cr_assert(kept->cflags & GC_CFLAG_BUFFERED);
    gc_drop(h, r + 1);
    gc_drop(h, r); /* now 0: the core keeps it for the collector, its child released */
    cr_assert_eq(gc_heap_objects(h), 1, "the buffered object was freed by the cascade, or its child was not");
    cr_assert_null(gc_slots(kept)[0], "the kept object's slots were not cleared");
    tst_verify(h, "with a kept zero-count object (HEAP-4)");
    gc_collect(h, -1);
    cr_assert_eq(gc_heap_objects(h), 0);
    gc_heap_destroy(h);
}

Test(rc_trial, verify_catches_a_buffer_that_disagrees_with_the_bits) {
    gc_heap *h = trial_heap();
    uint32_t r = gc_frame_push(h, 3);
    make_ring(h, r, r + 1, 10);
    gc_copy(h, r + 2, r);
    gc_drop(h, r + 2);
    cr_assert_gt(gc_rc_candidates_size(h), 0);
    gc_object *c = gc_rc_candidates(h)[0];
    c->cflags &= (uint8_t)~GC_CFLAG_BUFFERED; /* a broken collector's bookkeeping */
    char msg[256] = "";
    cr_assert_neq(gc_verify(h, msg, sizeof msg), 0, "a buffered object without its bit passed verify");
    cr_assert(strstr(msg, "RC") != NULL, "the message names the invariant: %s", msg);
    c->cflags |= GC_CFLAG_BUFFERED;
    gc_heap_destroy(h);
}
