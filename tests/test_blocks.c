/* The block layer (core/block.c): promised blocks touch no memory and no other space can take
 * them (BLOCK-2), all-free chunks go back to the system unless promised or retained (BLOCK-3),
 * and a semispace heap, which retains one semispace's blocks, keeps a resident set near one
 * semispace plus the survivors instead of two whole semispaces. */
#include <criterion/criterion.h>

#include "core/internal.h"
#include "gclab/mutator.h"
#include "tests/support.h"

extern const gc_collector_ops gc_collector_marksweep;
extern const gc_collector_ops gc_collector_semispace;

#define CHUNK ((uint64_t)2 << 20)

static void verify_blocks(gc_heap *h, const char *when) {
    char msg[256] = "";
    cr_assert(gc_blocks_verify(h, msg, sizeof msg) == 0, "%s: %s", when, msg);
}

Test(blocks, a_promise_touches_nothing_and_is_given_back) {
    gc_heap *h = tst_heap_new(&gc_collector_marksweep, false);
    uint64_t held = gc_core(h)->block_bytes, touched = gc_blocks_touched_bytes(h);
    cr_assert(gc_blocks_promise(h, 100));
    cr_assert_geq(gc_core(h)->block_bytes, held + 100 * GC_BLOCK_SIZE, "the promise holds no chunks");
    cr_assert_eq(gc_blocks_touched_bytes(h), touched, "promising touched a chunk");
    verify_blocks(h, "after the promise");
    gc_blocks_unpromise(h, 100);
    cr_assert_eq(gc_core(h)->block_bytes, held, "the unused promise's chunks were kept");
    verify_blocks(h, "after dropping it");
    gc_heap_destroy(h);
}

Test(blocks, promised_blocks_survive_other_takers) {
    gc_heap *h = tst_heap_new(&gc_collector_marksweep, false);
    gc_space *s = gc_heap_sizeclass_space(h);
    cr_assert(gc_blocks_promise(h, 40));
    gc_block *taken[100];
    for (int i = 0; i < 100; i++) cr_assert_not_null(taken[i] = gc_block_get(h, s));
    uint64_t held = gc_core(h)->block_bytes;
    gc_block *promised[40];
    for (int i = 0; i < 40; i++) promised[i] = gc_block_get_promised(h, s);
    cr_assert_eq(gc_core(h)->block_bytes, held, "a promised block needed a new chunk: others took it");
    verify_blocks(h, "after taking the promise");
    for (int i = 0; i < 100; i++) gc_block_put(h, taken[i]);
    for (int i = 0; i < 40; i++) gc_block_put(h, promised[i]);
    verify_blocks(h, "after giving all back");
    gc_heap_destroy(h);
}

Test(blocks, retained_blocks_stay_until_released) {
    gc_heap *h = tst_heap_new(&gc_collector_marksweep, false);
    gc_space *s = gc_heap_sizeclass_space(h);
    uint64_t held = gc_core(h)->block_bytes;
    enum { N = 96 }; /* three chunks */
    gc_block *b[N];
    gc_heap_retain_blocks(h, N * GC_BLOCK_SIZE);
    for (int i = 0; i < N; i++) b[i] = gc_block_get(h, s);
    uint64_t touched = gc_blocks_touched_bytes(h);
    cr_assert_geq(touched, 3 * CHUNK);
    for (int i = 0; i < N; i++) gc_block_put(h, b[i]);
    cr_assert_eq(gc_blocks_touched_bytes(h), touched, "retained chunks were released");
    for (int i = 0; i < N; i++) b[i] = gc_block_get(h, s);
    cr_assert_eq(gc_blocks_touched_bytes(h), touched, "the retained blocks were not the ones reused");
    for (int i = 0; i < N; i++) gc_block_put(h, b[i]);
    gc_heap_retain_blocks(h, 0);
    cr_assert_eq(gc_core(h)->block_bytes, held, "all-free chunks stayed once nothing was retained");
    verify_blocks(h, "at the end");
    gc_heap_destroy(h);
}

/* `garbage` objects, each dropped at once, allocated through register tmp. */
static void churn(gc_heap *h, uint32_t tmp, uint64_t garbage) {
    for (uint64_t i = 0; i < garbage; i++) {
        gc_new(h, tmp, 2, 8, 1);
        gc_drop(h, tmp);
    }
}

Test(blocks, semispace_resident_set_is_one_semispace_plus_survivors) {
    const gc_collector_ops *c = &gc_collector_semispace;
    gc_params cp;
    char err[256];
    cr_assert(gc_params_init(&cp, c->params, err, sizeof err) == 0, "%s", err);
    cr_assert(gc_params_set(&cp, "min_heap", "32M", err, sizeof err) == 0, "%s", err);
    gc_heap_config cfg = {.collector = c, .collector_params = &cp};
    gc_heap *h = tst_heap_create(&cfg);
    uint32_t f = gc_frame_push(h, 2);
    for (int i = 0; i < 20000; i++) { /* about 0.8 MB of survivors */
        gc_new(h, f + 1, 2, 8, 1);
        gc_set(h, f + 1, 0, f);
        gc_copy(h, f, f + 1);
    }
    uint64_t touched_at[12] = {0};
    for (int k = 0; k < 12; k++) {
        churn(h, f + 1, 1000000); /* 40 MB of garbage: more than one collection's worth */
        gc_collect(h, -1);
        touched_at[k] = gc_blocks_touched_bytes(h);
    }
    cr_assert_eq(touched_at[11], touched_at[3], "the resident set still grows after 4 collections: %llu then %llu",
                 (unsigned long long)touched_at[3], (unsigned long long)touched_at[11]);
    /* one semispace (32 MiB), the survivors, and the block ends and chunk rounding: well under two */
    cr_assert_leq(touched_at[11], (uint64_t)32 * 1024 * 1024 * 5 / 4 + 4 * CHUNK,
                  "%llu bytes of chunks touched: both semispaces stay resident", (unsigned long long)touched_at[11]);
    verify_blocks(h, "after the collections");
    tst_verify(h, "after the collections");
    gc_heap_destroy(h);
}
