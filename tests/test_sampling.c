/* Footprint samples (core/metrics.c): jemalloc's figures of the heap's arena are refreshed only
 * when the heap has allocated or freed on that arena since the last refresh (gc_core(h)->arena_calls);
 * otherwise the last figures are reused. These tests check that reusing them gives exactly what a
 * refresh would, and that a call on the arena does force one. */
#include "core/internal.h"
#include "core/metrics.h"
#include "gclab/mutator.h"
#include "tests/support.h"

extern const gc_collector_ops gc_collector_marksweep;

/* A sample taken now with a forced refresh, without disturbing r's cache. */
static gc_sample fresh_sample(gc_recorder *r, gc_heap *h) {
    r->je_valid = false;
    gc_recorder_sample(r, h);
    return r->samples[r->nsamples - 1];
}

Test(sampling, reused_figures_equal_a_refresh) {
    gc_heap *h = tst_heap_new(&gc_collector_marksweep, false);
    gc_recorder r = {0};
    uint32_t base = gc_frame_push(h, 1000);
    for (uint32_t i = 0; i < 1000; i++) gc_new(h, base + i, 1, 0, 1); /* takes a chunk */
    gc_recorder_sample(&r, h);
    uint64_t calls = gc_core(h)->arena_calls;
    for (uint32_t i = 0; i < 1000; i += 2) gc_new(h, base + i, 1, 0, 1); /* same chunk */
    cr_assert_eq(gc_core(h)->arena_calls, calls, "the test meant to stay within one chunk");
    gc_recorder_sample(&r, h);
    gc_sample reused = r.samples[r.nsamples - 1];
    gc_sample fresh = fresh_sample(&r, h);
    cr_expect_eq(reused.je_allocated, fresh.je_allocated);
    cr_expect_eq(reused.je_active, fresh.je_active);
    cr_expect_eq(reused.je_resident, fresh.je_resident);
    gc_recorder_free(&r);
    gc_heap_destroy(h);
}

Test(sampling, an_arena_call_forces_a_refresh) {
    gc_heap *h = tst_heap_new(&gc_collector_marksweep, false);
    gc_recorder r = {0};
    uint32_t base = gc_frame_push(h, 2);
    gc_new(h, base, 1, 0, 1);
    gc_recorder_sample(&r, h);
    gc_sample before = r.samples[r.nsamples - 1];
    gc_new(h, base + 1, 0, 1u << 20, 1); /* a large object: its own block from the arena */
    gc_recorder_sample(&r, h);
    gc_sample after = r.samples[r.nsamples - 1];
    cr_expect_geq(after.je_allocated, before.je_allocated + (1u << 20), "allocated %llu -> %llu",
                  (unsigned long long)before.je_allocated, (unsigned long long)after.je_allocated);
    gc_sample fresh = fresh_sample(&r, h);
    cr_expect_eq(after.je_allocated, fresh.je_allocated);
    cr_expect_eq(after.je_resident, fresh.je_resident);
    gc_recorder_free(&r);
    gc_heap_destroy(h);
}
