/* Tracing: mark everything reachable from the roots, with an explicit stack.
 *
 * This is the mark loop of every tracing collector and of the census. Marks live in the blocks'
 * side bitmaps (lane `which`), so testing a child touches only its block header's bitmap, never
 * the child itself. Objects popped from the mark stack pass through a small FIFO before they are
 * scanned, and are prefetched as they enter it (the prefetch buffer of Cher, Hosking and Vijaykumar,
 * ASPLOS 2004): by the time an object's header and slots are read, they have usually arrived, so
 * the loop overlaps its cache misses instead of waiting on each. A plain LIFO stack would scan the
 * object it just pushed, long before any prefetch of it completes.
 *
 * Postcondition: every object reachable from a root has its bit set in lane `which`; no other bit
 * in that lane was set by this call; *bytes has grown by the marked objects' cell bytes. */
#include "core/internal.h"

enum { PREFETCH_DEPTH = 16 }; /* objects in flight: enough to cover a memory latency of scanning */

static inline uint64_t mark_one(gc_heap *h, gc_object *o, unsigned which, gc_stack *stack) {
    if (gc_bit_test_and_set(o, which)) return 0;
    if (!gc_stack_push(stack, o)) gc_fail(h, GC_ERR_NOMEM, "out of memory for the mark stack");
    return 1;
}

static uint64_t mark_roots(gc_heap *h, unsigned which, gc_stack *stack, gc_object **roots, uint32_t n) {
    uint64_t marked = 0;
    for (uint32_t i = 0; i < n; i++)
        if (roots[i]) marked += mark_one(h, roots[i], which, stack);
    return marked;
}

uint64_t gc_mark_with(gc_heap *h, unsigned which, gc_stack *stack, uint64_t *bytes) {
    uint64_t marked = mark_roots(h, which, stack, h->roots, h->nroots);
    marked += mark_roots(h, which, stack, h->globals, h->nglobals);
    uint64_t b = 0;
    gc_object *fifo[PREFETCH_DEPTH];
    unsigned head = 0, count = 0;
    for (;;) {
        while (count < PREFETCH_DEPTH && stack->len) {
            gc_object *p = stack->items[--stack->len];
            __builtin_prefetch(p);
            fifo[(head + count++) % PREFETCH_DEPTH] = p;
        }
        if (count == 0) break;
        gc_object *o = fifo[head];
        head = (head + 1) % PREFETCH_DEPTH;
        count--;
        b += gc_cell_size_of(h, o);
        gc_object **slot = gc_slots(o), **end = slot + o->nslots;
        for (; slot < end; slot++) {
            gc_object *c = *slot;
            if (c) marked += mark_one(h, c, which, stack);
        }
    }
    *bytes += b;
    return marked;
}

uint64_t gc_mark_from_roots(gc_heap *h, unsigned which) {
    if (which == GC_BITS_MARK) gc_space_unmark_queued(h);
    h->marked_bytes = 0;
    return gc_mark_with(h, which, &h->mark_stack, &h->marked_bytes);
}
