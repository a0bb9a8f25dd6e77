/* The space: size-segregated blocks of cells, obtained from the heap's own jemalloc arena.
 *
 * Small cells (up to GC_SMALL_MAX bytes) come in GC_NCLASSES size classes; each 64 KiB block holds
 * cells of one class after a header with the census bitmap. Larger objects get a block of their
 * own, aligned the same way, so that gc_block_of() works for every object. Cells freed by
 * reference counting go straight back to their class's free list. An eager sweep (gc_sweep)
 * rebuilds the lists in address order and frees empty blocks; a lazy one (gc_sweep_lazily) keeps
 * the blocks a collection emptied in a pool, reused as bump runs and freed at the next collection
 * if still unused, and queues the others for the allocator to sweep. Freed blocks go back to their
 * chunk and chunks to jemalloc, so the arena's statistics show the heap growing and shrinking.
 *
 * Small blocks are carved from 2 MiB chunks, aligned to 2 MiB and advised for transparent huge
 * pages: a large heap then costs the mark loop one TLB entry per chunk rather than one per 4 KiB
 * page (bench's scaling run: marking 1 GiB live went from 504k to 347k ns per live MiB, 10 MiB
 * from 271k to 154k). A chunk goes back to jemalloc as soon as all of its blocks are free.
 *
 * Blocks kept by reference-counting collectors are never returned while cells of theirs sit on a
 * free list (a LIFO list has no cheap way to unthread one block): their footprint only grows. */
#define _DEFAULT_SOURCE /* madvise's MADV_HUGEPAGE */
#include <jemalloc/jemalloc.h>
#include <stdlib.h>
#include <sys/mman.h>
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
#define SMALL_HEADER ((sizeof(gc_block) + 63) & ~(size_t)63)
#define LARGE_HEADER ((offsetof(gc_block, census) + sizeof(uint64_t) + 15) & ~(size_t)15)

static void release_empty(gc_heap *h);

static int block_flags(const gc_heap *h) {
    return MALLOCX_ALIGN(GC_BLOCK_SIZE) | MALLOCX_ARENA(h->arena) | MALLOCX_TCACHE_NONE;
}

int gc_space_init(gc_heap *h, char *err, size_t errlen) {
    if (gc_arena_acquire(&h->arena, err, errlen) != 0) return -1;
    if (gc_block_marks_init(h) != 0) {
        snprintf(err, errlen, "out of memory for the heap's block marks");
        gc_arena_release(h->arena);
        return -1;
    }
    return 0;
}

static void block_link(gc_block **list, gc_block *b) {
    b->prev = NULL;
    b->next = *list;
    if (*list) (*list)->prev = b;
    *list = b;
}

#define CHUNK_SIZE ((size_t)2 * 1024 * 1024)
#define CHUNK_BLOCKS ((unsigned)(CHUNK_SIZE / GC_BLOCK_SIZE)) /* 32: one bit each in free_mask */

typedef struct gc_chunk {
    struct gc_chunk *next;      /* all chunks (h->chunks) */
    struct gc_chunk *next_room; /* chunks that may have a free block (h->chunks_with_room) */
    char *base;
    uint32_t free_mask; /* bit i: block i of the chunk is not in use */
    bool on_room_list;
} gc_chunk;

static void note_block(gc_heap *h, size_t bytes);

/* A small block from a chunk with room, or from a new chunk. */
static gc_block *small_block_get(gc_heap *h) {
    /* The room list holds every chunk with a free block (and, until the next look, some that
     * have filled since): chunks leave it lazily here, so both get and put are O(1). */
    gc_chunk *c;
    while ((c = h->chunks_with_room) != NULL && c->free_mask == 0) {
        h->chunks_with_room = c->next_room;
        c->on_room_list = false;
    }
    if (c == NULL) {
        c = malloc(sizeof *c);
        if (c == NULL) return NULL;
        c->base = mallocx(CHUNK_SIZE, MALLOCX_ALIGN(CHUNK_SIZE) | MALLOCX_ARENA(h->arena) | MALLOCX_TCACHE_NONE);
        h->arena_calls++;
        if (c->base != NULL && gc_block_marks_cover(h, c->base, CHUNK_SIZE) != 0) {
            dallocx(c->base, MALLOCX_TCACHE_NONE);
            c->base = NULL;
        }
        if (c->base == NULL) {
            free(c);
            return NULL;
        }
#ifdef MADV_HUGEPAGE
        madvise(c->base, CHUNK_SIZE, MADV_HUGEPAGE); /* advice only: without it, 4 KiB pages */
#endif
        c->free_mask = (uint32_t)((1ull << CHUNK_BLOCKS) - 1);
        c->next = h->chunks;
        h->chunks = c;
        c->next_room = h->chunks_with_room;
        h->chunks_with_room = c;
        c->on_room_list = true;
        note_block(h, CHUNK_SIZE);
        h->nblocks--; /* note_block counts chunks' bytes; blocks are counted below */
    }
    unsigned i = (unsigned)__builtin_ctz(c->free_mask);
    c->free_mask &= ~(1u << i);
    gc_block *b = (gc_block *)(c->base + (size_t)i * GC_BLOCK_SIZE);
    b->chunk = c;
    h->nblocks++;
    return b;
}

/* Give a small block back to its chunk, and the chunk back to jemalloc once it is all free. */
static void small_block_put(gc_heap *h, gc_block *b) {
    gc_chunk *c = b->chunk;
    /* jemalloc knows nothing of AddressSanitizer: lift the free-cell poisoning before the memory
     * is reused, or the next block or object carved from it faults on its first write. */
    GC_ASAN_UNPOISON(b, GC_BLOCK_SIZE);
    c->free_mask |= 1u << ((size_t)((char *)b - c->base) / GC_BLOCK_SIZE);
    h->nblocks--;
    if (!c->on_room_list) {
        c->next_room = h->chunks_with_room;
        h->chunks_with_room = c;
        c->on_room_list = true;
    }
    if (c->free_mask != (uint32_t)((1ull << CHUNK_BLOCKS) - 1)) return;
    /* All free: off both lists (a rare event, so the walks are acceptable) and back to jemalloc. */
    gc_chunk **p = &h->chunks;
    while (*p != c) p = &(*p)->next;
    *p = c->next;
    for (p = &h->chunks_with_room; *p != c; p = &(*p)->next_room) {
    }
    *p = c->next_room;
    h->block_bytes -= CHUNK_SIZE;
    GC_ASAN_UNPOISON(c->base, CHUNK_SIZE);
    /* Its pages go back to the system now, not after jemalloc's 10 s decay: chunks empty only
     * when a structure dies wholesale, and without this the dead structure's pages would stay
     * resident beside whatever is allocated next (RSS would not follow the heap). Reusing the
     * chunk costs page faults, as a new one would. */
    madvise(c->base, CHUNK_SIZE, MADV_DONTNEED);
    dallocx(c->base, MALLOCX_TCACHE_NONE);
    h->arena_calls++;
    free(c);
}

static void block_release(gc_heap *h, gc_block **list, gc_block *b, size_t bytes) {
    if (b->prev) b->prev->next = b->next;
    else *list = b->next;
    if (b->next) b->next->prev = b->prev;
    if (b->cls < GC_NCLASSES) {
        small_block_put(h, b);
        return;
    }
    h->block_bytes -= bytes;
    h->nblocks--;
    GC_ASAN_UNPOISON(b, bytes); /* see small_block_put */
    dallocx(b, MALLOCX_TCACHE_NONE);
    h->arena_calls++;
}

static size_t large_block_bytes(const gc_block *b) { return LARGE_HEADER + b->cell_size; }

void gc_space_destroy(gc_heap *h) {
    release_empty(h);
    for (unsigned c = 0; c < GC_NCLASSES; c++)
        while (h->blocks[c]) block_release(h, &h->blocks[c], h->blocks[c], GC_BLOCK_SIZE);
    while (h->large) block_release(h, &h->large, h->large, large_block_bytes(h->large));
    gc_arena_release(h->arena);
    gc_block_marks_destroy(h);
}

static void note_block(gc_heap *h, size_t bytes) {
    h->block_bytes += bytes;
    h->nblocks++;
    if (h->block_bytes > h->block_bytes_peak) h->block_bytes_peak = h->block_bytes;
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
static void start_bump(gc_heap *h, gc_block *b, unsigned cls) {
    uint32_t cs = gc_class_bytes(cls);
    GC_ASAN_UNPOISON(b, GC_BLOCK_SIZE); /* an emptied block still has its freed cells poisoned */
    gc_chunk *chunk = b->chunk;
    memset(b, 0, offsetof(gc_block, census));
    b->chunk = chunk;
    memset(b->census, 0, sizeof b->census);
    b->cells = (char *)b + SMALL_HEADER;
    b->cell_size = cs;
    b->ncells = (uint32_t)((GC_BLOCK_SIZE - SMALL_HEADER) / cs);
    b->cls = cls;
    block_link(&h->blocks[cls], b);
    gc_space_retire_bump_class(h, cls); /* the previous run, if any cells are left in it */
    h->bump[cls] = b->cells;
    h->bump_end[cls] = b->cells + (size_t)b->ncells * cs;
}

bool gc_space_refill(gc_heap *h, unsigned cls) {
    if (h->unswept[cls] && gc_sweep_pending_refill(h, cls)) return true;
    gc_block *b = h->empty;
    if (b) h->empty = b->next;
    else if ((b = small_block_get(h)) == NULL) return false;
    start_bump(h, b, cls);
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
    while (h->empty) {
        gc_block *b = h->empty;
        h->empty = b->next;
        small_block_put(h, b);
    }
}

void *gc_space_alloc_large(gc_heap *h, uint32_t cell_size) {
    size_t bytes = LARGE_HEADER + cell_size;
    /* A large object cannot use the pooled empty blocks, and jemalloc can reuse their memory only
     * once it has them back: release them first, so that a structure that died (the pool) and the
     * large object that follows it do not both stay resident (GCBench's array after its stretch
     * tree: 4 MB of peak RSS). Small allocations afterwards find the same memory through jemalloc. */
    release_empty(h);
    gc_block *b = mallocx(bytes, block_flags(h));
    h->arena_calls++;
    if (b != NULL && gc_block_marks_cover(h, b, bytes) != 0) {
        dallocx(b, MALLOCX_TCACHE_NONE);
        b = NULL;
    }
    if (b == NULL) return NULL;
    note_block(h, bytes);
    memset(b, 0, LARGE_HEADER);
    b->cells = (char *)b + LARGE_HEADER;
    b->cell_size = cell_size;
    b->ncells = 1;
    b->cls = GC_NCLASSES;
    block_link(&h->large, b);
    return b->cells;
}

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
    size_t need = gc_cell_need(h->prefix, gc_object_size(o->nslots, o->nbytes));
    h->objects_live--;
    if (o->flags & GC_OBJ_LARGE) {
        h->heap_bytes -= need;
        gc_block *b = gc_block_of(cell);
        block_release(h, &h->large, b, large_block_bytes(b));
        return;
    }
    unsigned cls = gc_class_of[need / GC_CELL_ALIGN];
    uint32_t cs = gc_class_size[cls];
    h->heap_bytes -= cs;
    cell_mark_free(h, cell, cs);
    ((gc_cell *)cell)->next = h->free[cls];
    h->free[cls] = cell;
}

static void clear_census(gc_block *b, size_t words) {
    for (size_t w = 0; w < words; w++) b->census[w] = 0;
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
    if (!h->mark_incomplete) return last_marking(h);
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
    gc_block *b = h->unswept[cls];
    if (b) h->unswept[cls] = b->next_unswept;
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
    h->lazy_sweep_ns += dt;
    if (h->pause_depth == 0) h->gc_ns += dt; /* inside a pause, the pause's time covers it */
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
    return h->mark_seq + 1 - b->queued_seq >= limit; /* the age the next marking would see */
}

void gc_space_sweep_aged(gc_heap *h) {
    if (!h->sweep_queued) return;
    bool left = false;
    for (unsigned c = 0; c < GC_NCLASSES; c++) {
        for (gc_block **p = &h->unswept[c], *b; (b = *p) != NULL;) {
            if (block_aged(h, b)) {
                *p = b->next_unswept;
                sweep_now(h, b, queued_live_epochs(h));
            } else {
                p = &b->next_unswept;
            }
        }
        left |= h->unswept[c] != NULL;
    }
    h->sweep_queued = left;
}

/* A marking that lost an edge (out of memory for the mark stack) may have missed reachable
 * objects, so the sweeps free nothing they did not already know dead: queued blocks are swept
 * keeping what the marking before reached as well as what this one did, and every other cell
 * simply stays. The cells then carry 0 or one of those two epochs, never the next marking's. */
static void sweep_nothing(gc_heap *h) { sweep_queue(h, queued_live_epochs(h)); }

/* Large objects are swept at once: one bit each, and freeing one returns its whole block. Counts
 * are the marking's, as for small blocks. */
static void sweep_large(gc_heap *h) {
    for (gc_block *b = h->large, *next; b; b = next) {
        next = b->next;
        gc_object *o = (gc_object *)(b->cells + h->prefix);
        if (!gc_is_marked(h, o)) block_release(h, &h->large, b, large_block_bytes(b));
    }
}

uint64_t gc_sweep_lazily(gc_heap *h, uint64_t marked_objects) {
    gc_space_retire_bump(h);
    release_empty(h); /* emptied by the previous collection and not needed since */
    if (h->mark_incomplete) { /* a lost edge: something reachable may be unmarked */
        sweep_nothing(h);
        return 0;
    }
    uint64_t dead = h->objects_live - marked_objects;
    h->objects_live = marked_objects;
    h->heap_bytes = h->marked_bytes;
    sweep_large(h);
    for (unsigned c = 0; c < GC_NCLASSES; c++) {
        h->free[c] = NULL; /* every free cell is unmarked: the lazy sweep threads it again */
        h->unswept[c] = NULL;
        for (gc_block *b = h->blocks[c], *next; b; b = next) {
            next = b->next;
            if (*gc_block_mark_byte(h->block_marks, b) != h->mark_epoch) { /* BM-1: nothing in b was marked */
                /* Nothing survived: keep the block for reuse as a bump run (no threading), and give
                 * it back at the next collection if nothing has wanted it by then. */
                if (h->poison) {
                    gc_cell *list = NULL, **tail = &list;
                    uint64_t freed = 0;
                    sweep_block(h, b, last_marking(h), &tail, &freed); /* poison what died in it */
                }
                if (b->prev) b->prev->next = b->next;
                else h->blocks[c] = b->next;
                if (b->next) b->next->prev = b->prev;
                b->next = h->empty;
                h->empty = b;
                /* its cells are all dead: under ASan, any use of them is reported */
                GC_ASAN_POISON(b->cells, (size_t)b->ncells * b->cell_size);
                continue;
            }
            if (!b->unswept) b->queued_seq = h->mark_seq; /* swept since it was last queued */
            b->unswept = true;
            b->next_unswept = h->unswept[c];
            h->unswept[c] = b;
            h->sweep_queued = true;
        }
    }
    return dead;
}

uint64_t gc_sweep(gc_heap *h) {
    gc_space_retire_bump(h);
    release_empty(h);
    if (h->mark_incomplete) { /* a lost edge: something reachable may be unmarked */
        sweep_nothing(h);
        return 0;
    }
    h->sweep_queued = false; /* every queued block is swept below */
    /* After marking, the live objects are exactly the marked ones, queued blocks or not. */
    uint64_t dead = h->objects_live - h->marked_objects;
    h->objects_live = h->marked_objects;
    h->heap_bytes = h->marked_bytes;
    for (unsigned c = 0; c < GC_NCLASSES; c++) {
        h->unswept[c] = NULL;
        gc_cell *list = NULL, **tail = &list;
        for (gc_block *b = h->blocks[c], *next; b; b = next) {
            next = b->next;
            gc_cell **mark = tail;
            uint64_t f = 0;
            if (sweep_block(h, b, last_marking(h), &tail, &f) == 0) {
                tail = mark; /* drop this block's cells from the list, then the block */
                *tail = NULL;
                block_release(h, &h->blocks[c], b, GC_BLOCK_SIZE);
            }
        }
        *tail = NULL;
        h->free[c] = list;
    }
    sweep_large(h);
    return dead;
}

void gc_heap_each(gc_heap *h, void (*fn)(gc_object *o, void *ctx), void *ctx) {
    gc_space_retire_bump(h); /* SPACE-1: unflagged free cells */
    gc_sweep_finish(h);      /* a lazily swept block's dead cells are not FREE yet */
    for (unsigned c = 0; c < GC_NCLASSES; c++)
        for (gc_block *b = h->blocks[c]; b; b = b->next) {
            char *cell = b->cells;
            for (uint32_t i = 0; i < b->ncells; i++, cell += b->cell_size) {
                gc_object *o = (gc_object *)(cell + h->prefix);
                if (!(o->flags & GC_OBJ_FREE)) fn(o, ctx);
            }
        }
    for (gc_block *b = h->large; b; b = b->next) fn((gc_object *)(b->cells + h->prefix), ctx);
}

void gc_space_clear_census(gc_heap *h) {
    for (unsigned c = 0; c < GC_NCLASSES; c++)
        for (gc_block *b = h->blocks[c]; b; b = b->next) clear_census(b, GC_BITMAP_WORDS);
    for (gc_block *b = h->large; b; b = b->next) clear_census(b, 1);
}

static bool census_clear(gc_heap *h) {
    for (unsigned c = 0; c < GC_NCLASSES; c++)
        for (gc_block *b = h->blocks[c]; b; b = b->next)
            for (size_t w = 0; w < GC_BITMAP_WORDS; w++)
                if (b->census[w]) return false;
    for (gc_block *b = h->large; b; b = b->next)
        if (b->census[0]) return false;
    return true;
}

/* HEAP-2 for the mark lane: the next marking's epoch is on no cell that is not free (bump runs
 * hold stale headers and are skipped: SPACE-1), and no queued block is older than the epochs
 * allow (block_aged sweeps it at 61 markings at the latest). */
static bool marks_clear(gc_heap *h) {
    unsigned next = (unsigned)((h->mark_seq % GC_MARK_EPOCHS + 1) << GC_OBJ_EPOCH_SHIFT);
    for (unsigned c = 0; c < GC_NCLASSES; c++) {
        for (gc_block *b = h->unswept[c]; b; b = b->next_unswept)
            if (h->mark_seq + 1 - b->queued_seq > GC_MARK_EPOCHS - 2) return false;
        for (gc_block *b = h->blocks[c]; b; b = b->next) {
            char *cell = b->cells;
            for (uint32_t i = 0; i < b->ncells; i++, cell += b->cell_size) {
                const gc_object *o = (const gc_object *)(cell + h->prefix);
                if ((uintptr_t)cell - (uintptr_t)h->bump[c] < (uintptr_t)(h->bump_end[c] - h->bump[c])) continue;
                if (!(o->flags & GC_OBJ_FREE) && gc_mark_epoch_of(o) == next) return false;
            }
        }
    }
    for (gc_block *b = h->large; b; b = b->next)
        if (gc_mark_epoch_of((const gc_object *)(b->cells + h->prefix)) == next) return false;
    return true;
}

bool gc_space_lane_clear(gc_heap *h, unsigned which) {
    return which == GC_BITS_CENSUS ? census_clear(h) : marks_clear(h);
}
