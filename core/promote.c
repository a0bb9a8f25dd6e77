/* Promotion: copying an object into the size-class space (a generational collector's old
 * generation), with forwarding, as gc_copy_object copies into a copy space.
 *
 * A promoted object takes a free cell of its size class as a mutator allocation would (a block
 * queued for a lazy sweep is swept first), so the old generation reuses what its last marking
 * freed. A collection cannot stop half way, so the collector first reserves blocks for the worst
 * case (gc_promote_reserve: every candidate promoted); the reserve is a promise of the block
 * layer's (core/block.c), obtained but not touched, and what the promotions did not use is
 * dropped afterwards (gc_promote_reserve_trim).
 *
 * PROMOTE-1: a promoted copy carries mark epoch 0 (never marked since it arrived), so that
 * HEAP-2 holds for it and a lazy sweep, which keeps only the last marking's epoch, never takes it
 * for one of its own dead cells: it lies in a cell of a block already swept. */
#include <stdio.h>

#include "core/internal.h"
#include "gclab/tracer.h"

/* A size-class block's cells end less than one cell (at most GC_SMALL_MAX bytes) before its end. */
#define CELL_ROOM ((uint64_t)GC_BLOCK_SIZE - GC_SMALL_BLOCK_HEADER - GC_SMALL_MAX)

bool gc_promote_reserve(gc_heap *h, uint64_t bytes) {
    /* every class may start a block of its own: one more per class */
    uint64_t need = (bytes + CELL_ROOM - 1) / CELL_ROOM + GC_NCLASSES;
    if (need <= gc_core(h)->promote_blocks) return true;
    if (!gc_blocks_promise(h, need - gc_core(h)->promote_blocks)) return false;
    gc_core(h)->promote_blocks = need;
    return true;
}

void gc_promote_reserve_trim(gc_heap *h) {
    gc_blocks_unpromise(h, gc_core(h)->promote_blocks);
    gc_core(h)->promote_blocks = 0;
}

void gc_promote_destroy(gc_heap *h) { gc_promote_reserve_trim(h); }

/* Cells for class cls: a queued block swept, an emptied block, a promised one, or the block
 * layer's. */
static bool refill(gc_heap *h, unsigned cls) {
    if (gc_core(h)->sc.unswept[cls] && gc_sweep_pending_refill(h, cls)) return true;
    if (gc_core(h)->promote_blocks > 0 && gc_core(h)->sc.empty == NULL) {
        gc_core(h)->promote_blocks--;
        gc_space_start_bump(h, gc_block_get_promised(h, &gc_core(h)->sc.space), cls);
        return true;
    }
    return gc_space_refill(h, cls);
}

gc_object *gc_promote_object(gc_heap *h, gc_object *o) {
    uint32_t cs = gc_cell_size_of(h, o);
    unsigned cls = gc_size_class(cs);
    if (h->poison && h->free[cls]) gc_poison_check(h, h->free[cls], cs);
    void *cell = gc_space_take(h, cls);
    if (cell == NULL) {
        if (!refill(h, cls)) {
            /* only a collector that promotes without gc_promote_reserve gets here */
            gc_fail(h, GC_ERR_NOMEM, "out of memory for a %zu-byte block to promote into", GC_BLOCK_SIZE);
            return o;
        }
        cell = gc_space_take(h, cls);
    }
    GC_ASAN_UNPOISON(cell, cs);
    gc_copy_words(cell, (const uint64_t *)gc_cell_of(h, o), cs / sizeof(uint64_t));
    gc_object *copy = (gc_object *)((char *)cell + h->prefix);
    copy->flags &= (uint8_t)~GC_OBJ_EPOCH_MASK; /* PROMOTE-1 */
    gc_forward(o, copy);
    gc_core(h)->sc.space.objects++;
    gc_core(h)->sc.space.bytes += cs;
    h->objects_live++;
    h->heap_bytes += cs;
    return copy;
}
