/* Building linked chains and rings (see chain.h). */
#include "workloads/chain.h"
#include "workloads/table.h"

enum { NEXT = 0, PREV = 1 };

static uint32_t slots_of(const wl_chain_shape *s) { return s->doubly ? 2 : 1; }

/* Link the object in register `from` forwards to the object in register `to`. */
static void link(gc_heap *h, const wl_chain_shape *s, uint32_t from, uint32_t to) {
    gc_set(h, from, NEXT, to);
    if (s->doubly) gc_set(h, to, PREV, from);
}

/* Allocation goes in list order (appending) or against it (prepending); either way the register
 * `end` tracks the object that is last in list order, which a ring links back to the head. */
void wl_chain_build(gc_heap *h, uint32_t head, uint32_t scratch, int64_t n, const wl_chain_shape *s) {
    uint32_t end = scratch, fresh = scratch + 1;
    gc_new(h, head, slots_of(s), s->payload, s->tag);
    gc_copy(h, end, head); /* the far end: the tail when appending, the first-made object when prepending */
    for (int64_t k = 1; k < n; k++) {
        gc_new(h, fresh, slots_of(s), s->payload, s->tag);
        if (s->prepend) {
            link(h, s, fresh, head);
            gc_copy(h, head, fresh);
        } else {
            link(h, s, end, fresh);
            gc_copy(h, end, fresh);
        }
    }
    if (s->ring) link(h, s, end, head);
    gc_drop(h, end);
    gc_drop(h, fresh);
}

void wl_chain_queue_run(gc_heap *h, gc_rng *rng, int64_t count, int64_t live, const wl_dist *length,
                        const wl_chain_shape *shape, uint16_t queue_tag) {
    uint32_t f = gc_frame_push(h, 5);
    uint32_t queue = f, tmp = f + 1, head = f + 2, scratch = f + 3; /* scratch: 2 registers */
    wl_table q;
    wl_table_new(h, &q, queue, tmp, live > 0 ? (uint64_t)live : 1, queue_tag);
    for (int64_t i = 0; i < count; i++) {
        wl_chain_build(h, head, scratch, wl_dist_draw(length, rng), shape);
        if (live > 0) wl_table_put(h, &q, (uint64_t)(i % live), head); /* the oldest chain dies */
        gc_drop(h, head);
    }
    gc_frame_pop(h, f);
}
