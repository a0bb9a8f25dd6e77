/* Declarations shared inside core/ only; not installed. */
#ifndef GCLAB_CORE_INTERNAL_H
#define GCLAB_CORE_INTERNAL_H

#include "gclab/heap.h"
#include "gclab/mutator.h"

/* arena.c: the heaps' jemalloc arenas, pooled across heaps (ARENA-1). acquire: 0, or -1 with a
 * one-line message; release: the arena goes back to the pool, empty and purged. */
int gc_arena_acquire(unsigned *arena, char *err, size_t errlen);
void gc_arena_release(unsigned arena);

/* space.c */
int gc_space_init(gc_heap *h, char *err, size_t errlen);
void gc_space_destroy(gc_heap *h);
bool gc_space_refill(gc_heap *h, unsigned cls); /* cells for cls: a queued block swept, or a bump run */
void gc_space_retire_bump(gc_heap *h);          /* thread every bump run onto its free list (SPACE-1) */
void gc_space_retire_bump_class(gc_heap *h, unsigned cls);
/* A free cell of class cls from its free list or bump run, or NULL. */
static inline void *gc_space_take(gc_heap *h, unsigned cls) {
    gc_cell *cell = h->free[cls];
    if (cell) {
        h->free[cls] = cell->next;
        __builtin_prefetch(cell->next, 1); /* the next allocation of this size writes it */
        return cell;
    }
    uint32_t cs = gc_class_bytes(cls);
    char *b = h->bump[cls];
    if ((size_t)(h->bump_end[cls] - b) < cs) return NULL;
    h->bump[cls] = b + cs;
    return b;
}
void *gc_space_alloc_large(gc_heap *h, uint32_t cell_size);
bool gc_sweep_pending_refill(gc_heap *h, unsigned cls);
/* Before a marking of the mark lane takes the next epoch: sweep the queued blocks whose dead cells
 * could carry it (core/space.c, block_aged). */
void gc_space_sweep_aged(gc_heap *h);
void gc_space_clear_census(gc_heap *h);

/* block_marks.c: one byte per 64 KiB block, indexed by address, off the blocks' own headers. */
int gc_block_marks_init(gc_heap *h);
void gc_block_marks_destroy(gc_heap *h);
/* Make the bytes of every block in [base, base + bytes) exist; -1 if they cannot. */
int gc_block_marks_cover(gc_heap *h, const void *base, size_t bytes);
/* The table's layout: one first-level entry per 4 GiB of a 48-bit address space, one byte per
 * 64 KiB block in each second-level table. */
enum {
    GC_BLOCK_MARKS_LEAF_SHIFT = 32,
    GC_BLOCK_MARKS_ADDRESS_BITS = 48,
    GC_BLOCK_MARKS_ROOT_ENTRIES = 1 << (GC_BLOCK_MARKS_ADDRESS_BITS - GC_BLOCK_MARKS_LEAF_SHIFT),
    GC_BLOCK_MARKS_BLOCK_SHIFT = 16, /* log2(GC_BLOCK_SIZE) */
    GC_BLOCK_MARKS_LEAF_BYTES = 1 << (GC_BLOCK_MARKS_LEAF_SHIFT - GC_BLOCK_MARKS_BLOCK_SHIFT),
};
static_assert(sizeof(uintptr_t) == 8, "the block-mark table indexes 64-bit addresses");
static_assert((size_t)1 << GC_BLOCK_MARKS_BLOCK_SHIFT == GC_BLOCK_SIZE, "one byte per block");
/* The byte of p's block in the table `marks` (h->block_marks: a parameter so that the mark loop
 * can keep it in a register across its byte stores, which may alias anything). */
static inline uint8_t *gc_block_mark_byte(uint8_t *const *marks, const void *p) {
    uintptr_t a = (uintptr_t)p;
    return &marks[a >> GC_BLOCK_MARKS_LEAF_SHIFT][(a >> GC_BLOCK_MARKS_BLOCK_SHIFT) & (GC_BLOCK_MARKS_LEAF_BYTES - 1)];
}

/* A growable stack of object pointers (the mark stack, the RC work list). */
bool gc_stack_grow(gc_stack *s);
static inline bool gc_stack_push(gc_stack *s, gc_object *o) {
    if (GC_UNLIKELY(s->len == s->cap) && !gc_stack_grow(s)) return false;
    s->items[s->len++] = o;
    return true;
}
void gc_stack_free(gc_stack *s);

/* trace.c: marking into a caller's stack (for the census, which must not disturb the heap's). */
uint64_t gc_mark_with(gc_heap *h, unsigned which, gc_stack *stack, uint64_t *bytes);

#endif
