/* The size-class space: size-segregated blocks of cells, from the block layer (core/block.c).
 *
 * Small cells (up to GC_SMALL_MAX bytes) come in GC_NCLASSES size classes; each 64 KiB block holds
 * cells of one class after a header with the census bitmap. Larger objects live in the large-object
 * space (core/space_large.c), whose blocks are aligned the same way. Cells freed by
 * reference counting go straight back to their class's free list. An eager sweep (gc_sweep)
 * rebuilds the lists in address order and frees empty blocks; a lazy one (gc_sweep_lazily) keeps
 * the blocks a collection emptied in a pool, reused as bump runs and freed at the next collection
 * if still unused, and queues the others for the allocator to sweep. Freed blocks go back to the
 * block layer, so the arena's statistics show the heap growing and shrinking.
 *
 * Counts: the space's objects and bytes (HEAP-1) change here on every free and sweep; allocation
 * counts into them in core/heap.c (slow path) and gc_heap_sync (what the inline path allocated).
 *
 * Blocks kept by reference-counting collectors are never returned while cells of theirs sit on a
 * free list (a LIFO list has no cheap way to unthread one block): their footprint only grows. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/internal.h"

const uint32_t gc_class_size[GC_NCLASSES] = {
    16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120, 128, 160, 192, 224, 256, 320, 384, 448, 512, 640, 768, 896, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096,
};

/* gc_class_of[n]: the smallest class whose cells hold n*8 bytes (generated once; checked by
 * tests/test_space.c). */
const uint8_t gc_class_of[GC_SMALL_MAX / GC_CELL_ALIGN + 1] = {
    0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 15, 15, 15, 16, 16, 16, 16, 17, 17,
    17, 17, 18, 18, 18, 18, 19, 19, 19, 19, 19, 19, 19, 19, 20, 20, 20, 20, 20, 20, 20, 20, 21, 21,
    21, 21, 21, 21, 21, 21, 22, 22, 22, 22, 22, 22, 22, 22, 23, 23, 23, 23, 23, 23, 23, 23, 23, 23,
    23, 23, 23, 23, 23, 23, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 25, 25,
    25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26,
    26, 26, 26, 26, 26, 26, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27,
    27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
    28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 29, 29,
    29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29,
    29, 29, 29, 29, 29, 29, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31,
    31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31,
    31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31,
    31, 31, 31, 31, 31, 31, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32,
    32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32,
    32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 33, 33,
    33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33,
    33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33,
    33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34,
    34, 34, 34, 34, 34, 34,
};

/* Header bytes before the first cell: small blocks carry the whole census bitmap, large ones one
 * word of it. Small blocks' cells start on a cache line, so that a 16- or 32-byte cell never
 * straddles two lines (the mark loop prefetches an object's first line only). */
#define SMALL_HEADER GC_SMALL_BLOCK_HEADER

static void release_empty(gc_heap *h);

void gc_block_link(gc_block **list, gc_block *b) {
    b->prev = NULL;
    b->next = *list;
    if (*list) (*list)->prev = b;
    *list = b;
}

void gc_block_unlink(gc_block **list, gc_block *b) {
    if (b->prev) b->prev->next = b->next;
    else *list = b->next;
    if (b->next) b->next->prev = b->prev;
}

/* Give a small block of this space back to the block layer. */
static void block_release(gc_heap *h, unsigned cls, gc_block *b) {
    gc_block_unlink(&gc_core(h)->sc.blocks[cls], b);
    gc_block_put(h, b);
}


/* Mark a cell free: the FREE flag, and in poison mode the poison pattern over everything but the
 * free-list link. Under AddressSanitizer all but the cell's link and header is made unaddressable,
 * so a use of a freed object's slots or bytes is reported where it happens. */
static void cell_mark_free(gc_heap *h, void *cell, uint32_t cs) {
    gc_object *o = (gc_object *)((char *)cell + h->prefix);
    if (h->poison) memset((char *)cell + sizeof(gc_cell), GC_POISON_BYTE, cs - sizeof(gc_cell));
    o->flags = GC_OBJ_FREE;
    size_t keep = h->prefix + sizeof(gc_object);
    if (cs > keep) GC_ASAN_POISON((char *)cell + keep, cs - keep);
}

/* Make `b` the bump run of class cls: every cell of it is free and unflagged (SPACE-1). */
void gc_space_start_bump(gc_heap *h, gc_block *b, unsigned cls) {
    uint32_t cs = gc_class_bytes(cls);
    GC_ASAN_UNPOISON(b, GC_BLOCK_SIZE); /* an emptied block still has its freed cells poisoned */
    struct gc_chunk *chunk = b->chunk;
    memset(b, 0, offsetof(gc_block, census));
    b->chunk = chunk;
    b->space = &gc_core(h)->sc.space;
    memset(b->census, 0, sizeof b->census);
    b->cells = (char *)b + SMALL_HEADER;
    b->cell_size = cs;
    b->ncells = (uint32_t)((GC_BLOCK_SIZE - SMALL_HEADER) / cs);
    b->cls = cls;
    /* During an incremental marking its cells are allocated black: the block holds marked cells
     * (BM-1), so the sweep after the marking must not take it for an empty one. */
    if (h->marking) *gc_block_mark_byte(gc_core(h)->block_marks, b) = h->mark_epoch;
    gc_block_link(&gc_core(h)->sc.blocks[cls], b);
    gc_space_retire_bump_class(h, cls); /* the previous run, if any cells are left in it */
    h->bump[cls] = b->cells;
    h->bump_end[cls] = b->cells + (size_t)b->ncells * cs;
}

bool gc_space_refill(gc_heap *h, unsigned cls) {
    if (gc_core(h)->sc.unswept[cls] && gc_sweep_pending_refill(h, cls)) return true;
    gc_block *b = gc_core(h)->sc.empty;
    if (b) gc_core(h)->sc.empty = b->next;
    else if ((b = gc_block_get(h, &gc_core(h)->sc.space)) == NULL) return false;
    gc_space_start_bump(h, b, cls);
    return true;
}

void gc_space_retire_bump_class(gc_heap *h, unsigned cls) {
    if (h->bump[cls] == NULL) return;
    uint32_t cs = gc_class_bytes(cls);
    gc_cell *head = h->free[cls];
    /* thread the run's cells in address order in front of the free list */
    for (char *cell = h->bump_end[cls]; cell - h->bump[cls] >= (ptrdiff_t)cs;) {
        cell -= cs;
        cell_mark_free(h, cell, cs);
        ((gc_cell *)cell)->next = head;
        head = (gc_cell *)cell;
    }
    h->free[cls] = head;
    h->bump[cls] = h->bump_end[cls] = NULL;
}

void gc_space_retire_bump(gc_heap *h) {
    for (unsigned c = 0; c < GC_NCLASSES; c++)
        if (h->bump[c]) gc_space_retire_bump_class(h, c);
}

/* Give back the blocks that the last collection emptied and nothing has reused since. */
static void release_empty(gc_heap *h) {
    while (gc_core(h)->sc.empty) {
        gc_block *b = gc_core(h)->sc.empty;
        gc_core(h)->sc.empty = b->next;
        gc_block_put(h, b);
    }
}

void gc_sizeclass_release_empty(gc_heap *h) { release_empty(h); }

void gc_poison_check(gc_heap *h, void *cell, uint32_t cs) {
    GC_ASAN_UNPOISON(cell, cs); /* it is about to be reused anyway */
    const uint8_t *p = cell;
    size_t flag = h->prefix + offsetof(gc_object, flags);
    for (size_t i = sizeof(gc_cell); i < cs; i++)
        if (i != flag && p[i] != GC_POISON_BYTE) {
            gc_fail(h, GC_ERR_VERIFY, "a freed %u-byte cell at %p was written after it was freed (byte %zu)", cs, cell, i);
            return;
        }
}

void gc_free_object(gc_heap *h, gc_object *o) {
    if (GC_UNLIKELY(h->sweep_queued) && !(o->flags & GC_OBJ_LARGE)) {
        /* An object the last marking found dead is already off the counts and its queued block's
         * sweep will free it: freeing it here too would thread its cell twice. Anything else in
         * a queued block is live: sweep the queue first, so that no cell is threaded twice. */
        gc_block *b = gc_block_of(o);
        if (b->unswept && !gc_is_marked(h, o)) return;
        gc_sweep_finish(h);
    }
    void *cell = gc_cell_of(h, o);
    /* The bytes the cell was allocated for; a small cell's class and size by table lookup, once
     * each (the arithmetic of gc_cell_bytes followed by gc_size_class's would compute the class
     * twice: this runs on every reference-counting free). */
    if (o->flags & GC_OBJ_LARGE) {
        gc_large_free(h, o);
        return;
    }
    size_t need = gc_cell_need(h->prefix, gc_object_size(o->nslots, o->nbytes));
    unsigned cls = gc_class_of[need / GC_CELL_ALIGN];
    uint32_t cs = gc_class_size[cls];
    gc_note_peak(h);
    h->objects_live--;
    h->heap_bytes -= cs;
    /* The space's own counts, unless it is the allocation space: then gc_heap_sync attributes
     * the totals' difference to it, frees included (one test instead of two counts on every
     * reference-counting free). */
    if (GC_UNLIKELY(gc_core(h)->alloc_space != &gc_core(h)->sc.space)) {
        gc_core(h)->sc.space.objects--;
        gc_core(h)->sc.space.bytes -= cs;
    }
    cell_mark_free(h, cell, cs);
    ((gc_cell *)cell)->next = h->free[cls];
    h->free[cls] = cell;
}

/* Mark epochs as a set: bit e for epoch number e (flags >> GC_OBJ_EPOCH_SHIFT). A sweep keeps the
 * cells whose epoch is in its set. Normally that is the last marking's epoch alone; after a
 * marking that lost an edge, the one before it too (see sweep_nothing). */
static uint64_t epoch_bit(unsigned flags_epoch) { return (uint64_t)1 << (flags_epoch >> GC_OBJ_EPOCH_SHIFT); }
static uint64_t last_marking(const gc_heap *h) { return epoch_bit(h->mark_epoch); }
/* The epochs whose cells a sweep of queued blocks outside gc_sweep/gc_sweep_lazily keeps: the last
 * marking's, and, if that marking lost an edge (it may even have been cut short, when the heap's
 * fatal handler escaped from it: a census after a failed run then walks the heap), the epoch
 * before it too, which every object still reachable carried or carries. */
static uint64_t queued_live_epochs(const gc_heap *h) {
    if (!gc_core(h)->mark_incomplete) return last_marking(h);
    unsigned e = h->mark_epoch >> GC_OBJ_EPOCH_SHIFT;
    unsigned prev = e == 1 ? GC_MARK_EPOCHS : e - 1;
    return last_marking(h) | (uint64_t)1 << prev;
}

/* Sweep one small block: thread its cells that carry no epoch of `live` (dead or already free)
 * onto *tail in address order, and mark the dead ones FREE (poisoning them in poison mode). Live
 * cells keep their epoch: the next marking's epoch differs, so nothing needs clearing. The heap's
 * counts are not touched: the marking already set them (gc_sweep, gc_sweep_lazily). Returns the
 * number of live cells left; *freed grows by the dead cells found. */
static uint32_t sweep_block(gc_heap *h, gc_block *b, uint64_t live_epochs, gc_cell ***tail, uint64_t *freed) {
    uint32_t cs = b->cell_size, live = 0;
    char *cell = b->cells;
    for (uint32_t i = 0; i < b->ncells; i++, cell += cs) {
        gc_object *o = (gc_object *)(cell + h->prefix);
        if (live_epochs & epoch_bit(gc_mark_epoch_of(o))) {
            live++;
            continue;
        }
        if (!(o->flags & GC_OBJ_FREE)) {
            (*freed)++;
            cell_mark_free(h, cell, cs);
        }
        **tail = (gc_cell *)cell;
        *tail = &((gc_cell *)cell)->next;
    }
    b->unswept = false;
    return live;
}

/* Take a block off its class's queue of blocks awaiting a lazy sweep. */
static gc_block *sweep_queue_pop(gc_heap *h, unsigned cls) {
    gc_block *b = gc_core(h)->sc.unswept[cls];
    if (b) gc_core(h)->sc.unswept[cls] = b->next_unswept;
    return b;
}

bool gc_sweep_pending_refill(gc_heap *h, unsigned cls) {
    /* called when cls's free list is empty: sweep queued blocks until one yields a free cell.
     * This is the collector's work done on the allocator's time: it is timed and counted in
     * gc_ns (as lazy_sweep_ns), though it is no pause event (a block takes microseconds). */
    uint64_t t0 = gc_now_ns();
    bool found = false;
    gc_block *b;
    while ((b = sweep_queue_pop(h, cls)) != NULL) {
        gc_cell *list = NULL, **tail = &list;
        uint64_t freed = 0;
        sweep_block(h, b, queued_live_epochs(h), &tail, &freed);
        *tail = NULL;
        if (list != NULL) {
            h->free[cls] = list;
            found = true;
            break;
        }
    }
    uint64_t dt = gc_now_ns() - t0;
    gc_core(h)->lazy_sweep_ns += dt;
    if (gc_core(h)->pause_depth == 0) gc_core(h)->gc_ns += dt; /* inside a pause, the pause's time covers it */
    return found;
}

/* Sweep one queued block now, keeping the cells with an epoch in `live`; its free cells go in
 * front of its class's free list. */
static void sweep_now(gc_heap *h, gc_block *b, uint64_t live_epochs) {
    gc_cell *list = NULL, **tail = &list;
    uint64_t freed = 0;
    sweep_block(h, b, live_epochs, &tail, &freed);
    *tail = h->free[b->cls];
    h->free[b->cls] = list;
}

static void sweep_queue(gc_heap *h, uint64_t live_epochs) {
    h->sweep_queued = false;
    for (unsigned c = 0; c < GC_NCLASSES; c++) {
        gc_block *b;
        while ((b = sweep_queue_pop(h, c)) != NULL) sweep_now(h, b, live_epochs);
    }
}

void gc_sweep_finish(gc_heap *h) { sweep_queue(h, queued_live_epochs(h)); }

uint64_t gc_sweep_step(gc_heap *h, uint64_t budget) {
    uint64_t swept = 0;
    uint64_t live = queued_live_epochs(h);
    for (unsigned c = 0; c < GC_NCLASSES && swept < budget; c++) {
        gc_block *b;
        while (swept < budget && (b = sweep_queue_pop(h, c)) != NULL) {
            sweep_now(h, b, live);
            swept++;
        }
    }
    bool left = false;
    for (unsigned c = 0; c < GC_NCLASSES && !left; c++) left = gc_core(h)->sc.unswept[c] != NULL;
    h->sweep_queued = left;
    return swept;
}

/* A queued block's dead cells keep the epochs they had, which can be any of the markings' since
 * the block was last swept: with 63 epochs in turn, the marking that reuses one of them must not
 * find it on a dead cell of a block still queued. A block queued by marking q (after its last
 * sweep) holds epochs of markings q-1 .. s-1 and 0 when marking s starts, so it must be swept
 * before s - q reaches GC_MARK_EPOCHS - 1. Blocks of a size class that is never allocated again
 * would otherwise stay queued for ever (the cache workload's entries), so they are swept here,
 * in the pause, each after 30 to 61 markings: the age is spread by the block's address so that
 * such blocks, queued at once, are not all swept by one pause. Each is swept at most once per 30
 * collections, under the epoch of the last marking, as the allocator would have swept it. */
static bool block_aged(const gc_heap *h, const gc_block *b) {
    const unsigned spread = (GC_MARK_EPOCHS - 1) / 2; /* 31 */
    uint64_t limit = GC_MARK_EPOCHS - 2 - ((uintptr_t)b / GC_BLOCK_SIZE) % spread;
    return gc_core(h)->mark_seq + 1 - b->queued_seq >= limit; /* the age the next marking would see */
}

void gc_space_sweep_aged(gc_heap *h) {
    if (!h->sweep_queued) return;
    bool left = false;
    for (unsigned c = 0; c < GC_NCLASSES; c++) {
        for (gc_block **p = &gc_core(h)->sc.unswept[c], *b; (b = *p) != NULL;) {
            if (block_aged(h, b)) {
                *p = b->next_unswept;
                sweep_now(h, b, queued_live_epochs(h));
            } else {
                p = &b->next_unswept;
            }
        }
        left |= gc_core(h)->sc.unswept[c] != NULL;
    }
    h->sweep_queued = left;
}

/* A marking that lost an edge (out of memory for the mark stack) may have missed reachable
 * objects, so the sweeps free nothing they did not already know dead: queued blocks are swept
 * keeping what the marking before reached as well as what this one did, and every other cell
 * simply stays. The cells then carry 0 or one of those two epochs, never the next marking's. */
static void sweep_nothing(gc_heap *h) { sweep_queue(h, queued_live_epochs(h)); }

/* After a marking and the large objects' sweep: the size-class space holds what the marking
 * reached outside the large-object space. Precondition (gclab/space.h): the marking reached no
 * object in another space, so the heap's totals are the spaces' sums again. */
static void set_counts_to_marking(gc_heap *h, uint64_t marked_objects) {
    gc_heap_sync(h);
    gc_note_peak(h);
    gc_core(h)->sc.space.objects = marked_objects - gc_core(h)->los.space.objects;
    gc_core(h)->sc.space.bytes = gc_core(h)->marked_bytes - gc_core(h)->los.space.bytes;
    uint64_t objects = 0, bytes = 0;
    for (gc_space *s = gc_core(h)->spaces; s; s = s->next) {
        objects += s->objects;
        bytes += s->bytes;
    }
    h->objects_live = objects;
    h->heap_bytes = bytes;
}

uint64_t gc_sweep_lazily(gc_heap *h, uint64_t marked_objects) {
    gc_space_retire_bump(h);
    release_empty(h); /* emptied by the previous collection and not needed since */
    if (gc_core(h)->mark_incomplete) { /* a lost edge: something reachable may be unmarked */
        sweep_nothing(h);
        return 0;
    }
    uint64_t dead = h->objects_live - marked_objects;
    gc_large_sweep(h);
    set_counts_to_marking(h, marked_objects);
    for (unsigned c = 0; c < GC_NCLASSES; c++) {
        h->free[c] = NULL; /* every free cell is unmarked: the lazy sweep threads it again */
        gc_core(h)->sc.unswept[c] = NULL;
        for (gc_block *b = gc_core(h)->sc.blocks[c], *next; b; b = next) {
            next = b->next;
            if (*gc_block_mark_byte(gc_core(h)->block_marks, b) != h->mark_epoch) { /* BM-1: nothing in b was marked */
                /* Nothing survived: keep the block for reuse as a bump run (no threading), and give
                 * it back at the next collection if nothing has wanted it by then. */
                if (h->poison) {
                    gc_cell *list = NULL, **tail = &list;
                    uint64_t freed = 0;
                    sweep_block(h, b, last_marking(h), &tail, &freed); /* poison what died in it */
                }
                if (b->prev) b->prev->next = b->next;
                else gc_core(h)->sc.blocks[c] = b->next;
                if (b->next) b->next->prev = b->prev;
                b->next = gc_core(h)->sc.empty;
                gc_core(h)->sc.empty = b;
                /* its cells are all dead: under ASan, any use of them is reported */
                GC_ASAN_POISON(b->cells, (size_t)b->ncells * b->cell_size);
                continue;
            }
            if (!b->unswept) b->queued_seq = gc_core(h)->mark_seq; /* swept since it was last queued */
            b->unswept = true;
            b->next_unswept = gc_core(h)->sc.unswept[c];
            gc_core(h)->sc.unswept[c] = b;
            h->sweep_queued = true;
        }
    }
    return dead;
}

uint64_t gc_sweep(gc_heap *h) {
    gc_space_retire_bump(h);
    release_empty(h);
    if (gc_core(h)->mark_incomplete) { /* a lost edge: something reachable may be unmarked */
        sweep_nothing(h);
        return 0;
    }
    h->sweep_queued = false; /* every queued block is swept below */
    /* After marking, the live objects are exactly the marked ones, queued blocks or not. */
    uint64_t dead = h->objects_live - gc_core(h)->marked_objects;
    gc_large_sweep(h);
    set_counts_to_marking(h, gc_core(h)->marked_objects);
    for (unsigned c = 0; c < GC_NCLASSES; c++) {
        gc_core(h)->sc.unswept[c] = NULL;
        gc_cell *list = NULL, **tail = &list;
        for (gc_block *b = gc_core(h)->sc.blocks[c], *next; b; b = next) {
            next = b->next;
            gc_cell **mark = tail;
            uint64_t f = 0;
            if (sweep_block(h, b, last_marking(h), &tail, &f) == 0) {
                tail = mark; /* drop this block's cells from the list, then the block */
                *tail = NULL;
                block_release(h, c, b);
            }
        }
        *tail = NULL;
        h->free[c] = list;
    }
    return dead;
}

void gc_sizeclass_walk(gc_heap *h, void (*fn)(gc_object *o, void *ctx), void *ctx) {
    gc_space_retire_bump(h); /* SPACE-1: unflagged free cells */
    gc_sweep_finish(h);      /* a lazily swept block's dead cells are not FREE yet */
    for (unsigned c = 0; c < GC_NCLASSES; c++)
        for (gc_block *b = gc_core(h)->sc.blocks[c]; b; b = b->next) {
            char *cell = b->cells;
            for (uint32_t i = 0; i < b->ncells; i++, cell += b->cell_size) {
                gc_object *o = (gc_object *)(cell + h->prefix);
                if (!(o->flags & GC_OBJ_FREE)) fn(o, ctx);
            }
        }
}

void gc_sizeclass_clear_census(gc_heap *h) {
    for (unsigned c = 0; c < GC_NCLASSES; c++)
        for (gc_block *b = gc_core(h)->sc.blocks[c]; b; b = b->next) memset(b->census, 0, sizeof b->census);
}

bool gc_sizeclass_census_clear(gc_heap *h) {
    for (unsigned c = 0; c < GC_NCLASSES; c++)
        for (gc_block *b = gc_core(h)->sc.blocks[c]; b; b = b->next)
            for (size_t w = 0; w < GC_BITMAP_WORDS; w++)
                if (b->census[w]) return false;
    return true;
}

/* HEAP-2 for the mark lane: the next marking's epoch is on no cell that is not free (bump runs
 * hold stale headers and are skipped: SPACE-1), and no queued block is older than the epochs
 * allow (block_aged sweeps it at 61 markings at the latest). */
bool gc_sizeclass_marks_clear(gc_heap *h, uint8_t next) {
    for (unsigned c = 0; c < GC_NCLASSES; c++) {
        for (gc_block *b = gc_core(h)->sc.unswept[c]; b; b = b->next_unswept)
            if (gc_core(h)->mark_seq + 1 - b->queued_seq > GC_MARK_EPOCHS - 2) return false;
        for (gc_block *b = gc_core(h)->sc.blocks[c]; b; b = b->next) {
            char *cell = b->cells;
            for (uint32_t i = 0; i < b->ncells; i++, cell += b->cell_size) {
                const gc_object *o = (const gc_object *)(cell + h->prefix);
                if ((uintptr_t)cell - (uintptr_t)h->bump[c] < (uintptr_t)(h->bump_end[c] - h->bump[c])) continue;
                if (!(o->flags & GC_OBJ_FREE) && gc_mark_epoch_of(o) == next) return false;
            }
        }
    }
    return true;
}

/* The free lists hold free cells of their own class only. */
int gc_sizeclass_verify(gc_heap *h, char *msg, size_t len) {
    for (unsigned c = 0; c < GC_NCLASSES; c++)
        for (gc_cell *fc = h->free[c]; fc; fc = fc->next) {
            const gc_object *o = (const gc_object *)((char *)fc + h->prefix);
            if (!(o->flags & GC_OBJ_FREE) || gc_block_of(fc)->cls != c || gc_block_of(fc)->space != &gc_core(h)->sc.space) {
                snprintf(msg, len, "free list %u holds a cell that is live, of another class or of another space", c);
                return -1;
            }
        }
    return 0;
}

void gc_sizeclass_destroy(gc_heap *h) {
    release_empty(h);
    for (unsigned c = 0; c < GC_NCLASSES; c++)
        while (gc_core(h)->sc.blocks[c]) block_release(h, c, gc_core(h)->sc.blocks[c]);
}
