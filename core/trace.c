/* Tracing: mark everything reachable from the roots, with an explicit stack.
 *
 * This is the mark loop of every tracing collector and of the census. Marks live in the blocks'
 * side bitmaps (lane `which`), so testing a child touches only its block header's bitmap, never
 * the child itself; atomic objects are marked but never pushed, since they have nothing to scan.
 *
 * Postcondition: every object reachable from a root has its bit set in lane `which`; no other bit
 * in that lane was set by this call. */
#include "core/internal.h"

static inline bool mark_one(gc_heap *h, gc_object *o, unsigned which, gc_stack *stack) {
    if (gc_bit_test_and_set(o, which)) return false;
    if (o->nslots && !gc_stack_push(stack, o)) gc_fail(h, GC_ERR_NOMEM, "out of memory for the mark stack");
    return true;
}

static uint64_t mark_roots(gc_heap *h, unsigned which, gc_stack *stack, gc_object **roots, uint32_t n) {
    uint64_t marked = 0;
    for (uint32_t i = 0; i < n; i++)
        if (roots[i]) marked += mark_one(h, roots[i], which, stack);
    return marked;
}

uint64_t gc_mark_with(gc_heap *h, unsigned which, gc_stack *stack) {
    uint64_t marked = mark_roots(h, which, stack, h->roots, h->nroots);
    marked += mark_roots(h, which, stack, h->globals, h->nglobals);
    while (stack->len) {
        gc_object *o = stack->items[--stack->len];
        gc_object **slot = gc_slots(o), **end = slot + o->nslots;
        for (; slot < end; slot++) {
            gc_object *c = *slot;
            if (c) marked += mark_one(h, c, which, stack);
        }
    }
    return marked;
}

uint64_t gc_mark_from_roots(gc_heap *h, unsigned which) { return gc_mark_with(h, which, &h->mark_stack); }
