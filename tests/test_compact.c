/* Sliding compaction (core/compact.c) and markcompact (collectors/markcompact.c): live objects
 * keep their contents and their allocation order, slide to the start of the space, the emptied
 * blocks go back, references from roots, objects and large objects are updated, the space needs
 * no copy reserve under a heap limit, and verify catches forwarding state left behind. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/internal.h"
#include "gclab/mutator.h"
#include "tests/support.h"

extern const gc_collector_ops gc_collector_markcompact;

/* Registers: r holds the newest kept object; every kept object's slot 0 is the one kept before
 * it. Of every `every` objects allocated, one is kept; the others die at once. Kept object i
 * holds i in its raw bytes. */
static void build(gc_heap *h, uint32_t r, uint32_t tmp, uint32_t kept, uint32_t every) {
    for (uint32_t i = 0; i < kept * every; i++) {
        gc_new(h, tmp, 1, 8, 7);
        if (i % every) continue;
        uint32_t k = i / every;
        memcpy(gc_raw(gc_reg(h, tmp)), &k, sizeof k);
        gc_set(h, tmp, 0, r);
        gc_copy(h, r, tmp);
    }
    gc_drop(h, tmp);
}

Test(compact, slides_the_live_objects_in_allocation_order) {
    gc_heap *h = tst_heap_new(&gc_collector_markcompact, true);
    uint32_t r = gc_frame_push(h, 3);
    build(h, r, r + 1, 20000, 5);
    gc_new(h, r + 2, 600, 0, 9); /* a large object referring into the space */
    gc_store(h, gc_reg(h, r + 2), 0, gc_reg(h, r));
    gc_space *space = gc_heap_allocation_space(h);
    uint64_t before = gc_space_footprint(space);
    gc_collect(h, -1);
    cr_assert_eq(gc_space_objects(h, space), 20000, "the compacted space holds the live objects only");
    cr_assert_lt(gc_space_footprint(space), before / 3, "the emptied blocks were not given back: %llu of %llu bytes",
                 (unsigned long long)gc_space_footprint(space), (unsigned long long)before);
    cr_assert_eq(gc_slots(gc_reg(h, r + 2))[0], gc_reg(h, r), "the large object's slot was not updated");
    /* newest first along the chain: each step goes to an older object, at a lower address */
    gc_object *o = gc_reg(h, r);
    for (uint32_t k = 20000; k-- > 0;) {
        cr_assert_not_null(o);
        uint32_t v;
        memcpy(&v, gc_raw(o), sizeof v);
        cr_assert_eq(v, k, "kept object %u holds %u", k, v);
        gc_object *next = gc_slots(o)[0];
        if (next) cr_assert(gc_block_of(next) != gc_block_of(o) || next < o, "allocation order was not kept");
        o = next;
    }
    tst_verify(h, "after a compaction");
    /* allocation goes on after the compacted run, and a second compaction keeps everything */
    build(h, r, r + 1, 1000, 3);
    gc_collect(h, -1);
    cr_assert_eq(gc_space_objects(h, space), 21000);
    tst_verify(h, "after a second compaction");
    gc_heap_destroy(h);
}

Test(compact, needs_no_copy_reserve_under_a_heap_limit) {
    /* 3 MiB of 32-byte cells live under a 4 MiB limit: a copying collector would need 6 MiB */
    gc_heap_config cfg = {.collector = &gc_collector_markcompact, .heap_limit = 4u << 20};
    gc_heap *h = tst_heap_create(&cfg);
    uint32_t r = gc_frame_push(h, 2);
    build(h, r, r + 1, (3u << 20) / 32, 4);
    cr_assert_eq(gc_heap_error(h), GC_OK, "%s", gc_heap_error_message(h));
    cr_assert_leq(gc_heap_bytes_peak(h), 4u << 20);
    tst_verify(h, "under the limit");
    gc_heap_destroy(h);
}

Test(compact, verify_catches_forwarding_state_left_behind) {
    gc_heap *h = tst_heap_new(&gc_collector_markcompact, false);
    uint32_t r = gc_frame_push(h, 2);
    build(h, r, r + 1, 100, 2);
    gc_collect(h, -1);
    tst_verify(h, "after a compaction");
    gc_reg(h, r)->word = 12345; /* a forwarding address a broken compaction left */
    char msg[256] = "";
    cr_assert_neq(gc_verify(h, msg, sizeof msg), 0, "leftover forwarding state passed verify");
    cr_assert(strstr(msg, "COMPACT-1") != NULL, "the message names the invariant: %s", msg);
    gc_heap_destroy(h);
}
