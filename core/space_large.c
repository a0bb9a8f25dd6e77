/* The large-object space: every object above GC_SMALL_MAX bytes, whatever the collector, in a
 * block of its own from the block layer (aligned like small blocks, so gc_block_of works for it).
 * Non-moving: a copying collector marks large objects in place (gc_mark_object) and sweeps them
 * with gc_large_sweep; reference counting frees them one by one (gc_free_object).
 *
 * LOS-1: each block on gc_core(h)->los.blocks holds exactly one live object, flagged GC_OBJ_LARGE, whose
 * cell is the block's cells; the space's counts are the number of blocks and the sum of their
 * cell sizes. */
#include <stdio.h>
#include <string.h>

#include "core/internal.h"

/* A large block's header: its fields and one word of the census lane (the object starts in the
 * block's first 64 granules). */
#define LARGE_HEADER ((offsetof(gc_block, census) + sizeof(uint64_t) + 15) & ~(size_t)15)

static size_t large_block_bytes(const gc_block *b) { return LARGE_HEADER + b->cell_size; }

void *gc_large_alloc(gc_heap *h, uint32_t cell_size) {
    size_t bytes = LARGE_HEADER + cell_size;
    /* A large object cannot use the size-class space's pooled empty blocks, and jemalloc can
     * reuse their memory only once it has them back: release them first, so that a structure
     * that died (the pool) and the large object that follows it do not both stay resident
     * (GCBench's array after its stretch tree: 4 MB of peak RSS). */
    gc_sizeclass_release_empty(h);
    gc_block *b = gc_block_get_large(h, &gc_core(h)->los.space, bytes);
    if (b == NULL) return NULL;
    memset(b, 0, LARGE_HEADER);
    b->space = &gc_core(h)->los.space;
    b->cells = (char *)b + LARGE_HEADER;
    b->cell_size = cell_size;
    b->ncells = 1;
    b->cls = GC_NCLASSES;
    gc_block_link(&gc_core(h)->los.blocks, b);
    gc_core(h)->los.space.objects++;
    gc_core(h)->los.space.bytes += cell_size;
    return b->cells;
}

static void release(gc_heap *h, gc_block *b) {
    gc_core(h)->los.space.objects--;
    gc_core(h)->los.space.bytes -= b->cell_size;
    gc_block_unlink(&gc_core(h)->los.blocks, b);
    gc_block_put_large(h, b, large_block_bytes(b));
}

void gc_large_free(gc_heap *h, gc_object *o) {
    gc_block *b = gc_block_of(o);
    gc_note_peak(h);
    h->objects_live--;
    h->heap_bytes -= b->cell_size;
    release(h, b);
}

uint64_t gc_large_sweep(gc_heap *h) {
    uint64_t freed = 0;
    gc_note_peak(h);
    for (gc_block *b = gc_core(h)->los.blocks, *next; b; b = next) {
        next = b->next;
        gc_object *o = (gc_object *)(b->cells + h->prefix);
        if (!gc_is_marked(h, o)) {
            h->objects_live--;
            h->heap_bytes -= b->cell_size;
            release(h, b);
            freed++;
        }
    }
    return freed;
}

void gc_large_walk(gc_heap *h, void (*fn)(gc_object *o, void *ctx), void *ctx) {
    for (gc_block *b = gc_core(h)->los.blocks; b; b = b->next) fn((gc_object *)(b->cells + h->prefix), ctx);
}

void gc_large_clear_census(gc_heap *h) {
    for (gc_block *b = gc_core(h)->los.blocks; b; b = b->next) b->census[0] = 0;
}

bool gc_large_census_clear(gc_heap *h) {
    for (gc_block *b = gc_core(h)->los.blocks; b; b = b->next)
        if (b->census[0]) return false;
    return true;
}

bool gc_large_marks_clear(gc_heap *h, uint8_t next) {
    for (gc_block *b = gc_core(h)->los.blocks; b; b = b->next)
        if (gc_mark_epoch_of((const gc_object *)(b->cells + h->prefix)) == next) return false;
    return true;
}

int gc_large_verify(gc_heap *h, char *msg, size_t len) {
    for (gc_block *b = gc_core(h)->los.blocks; b; b = b->next) {
        const gc_object *o = (const gc_object *)(b->cells + h->prefix);
        if (b->space != &gc_core(h)->los.space || !(o->flags & GC_OBJ_LARGE) || (o->flags & GC_OBJ_FREE)) {
            snprintf(msg, len, "a large-object block holds no live large object (LOS-1)");
            return -1;
        }
    }
    return 0;
}

void gc_large_destroy(gc_heap *h) {
    while (gc_core(h)->los.blocks) release(h, gc_core(h)->los.blocks);
}
