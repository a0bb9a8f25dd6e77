/* Declarations shared inside core/ only; not installed. */
#ifndef GCLAB_CORE_INTERNAL_H
#define GCLAB_CORE_INTERNAL_H

#include "gclab/heap.h"
#include "gclab/mutator.h"

/* space.c */
int gc_space_init(gc_heap *h, char *err, size_t errlen);
void gc_space_destroy(gc_heap *h);
bool gc_space_refill(gc_heap *h, unsigned cls);        /* a new block on cls's free list */
void *gc_space_alloc_large(gc_heap *h, uint32_t cell_size);
uint32_t gc_cell_size_of(const gc_heap *h, const gc_object *o);
void gc_space_clear_lane(gc_heap *h, unsigned which);

/* A growable stack of object pointers (the mark stack, the RC work list). */
bool gc_stack_grow(gc_stack *s);
static inline bool gc_stack_push(gc_stack *s, gc_object *o) {
    if (GC_UNLIKELY(s->len == s->cap) && !gc_stack_grow(s)) return false;
    s->items[s->len++] = o;
    return true;
}
void gc_stack_free(gc_stack *s);

/* trace.c: marking into a caller's stack (for the census, which must not disturb the heap's). */
uint64_t gc_mark_with(gc_heap *h, unsigned which, gc_stack *stack);

#endif
