/* Declarations shared inside core/ only; not installed. */
#ifndef GCLAB_CORE_INTERNAL_H
#define GCLAB_CORE_INTERNAL_H

#include "gclab/heap.h"
#include "gclab/mutator.h"

/* The heap as the core sees it: the public struct gc_heap (include/gclab/heap.h: the fields the
 * inline paths read) first, then everything a collector has no business reading. Every heap is
 * allocated as one of these, so gc_core() is a cast. */
typedef struct gc_heap_core {
    gc_heap pub;
    uint32_t globals_cap;
    int64_t countdown_armed;    /* the value countdown was last armed with */
    int64_t trigger_left;       /* bytes until ops->poll; INT64_MAX: none */
    int64_t sample_left;        /* bytes until listener.sample */
    uint64_t sample_every;
    uint64_t heap_limit;
    uint64_t cascade_pause_min;
    bool verify;                /* gc_heap_config.verify */
    gc_listener listener;
    gc_fatal_fn on_fatal;
    void *fatal_ctx;
    gc_error error;
    char error_msg[256];
    /* the spaces (include/gclab/space.h) */
    struct gc_sizeclass_space {
        gc_space space;
        gc_block *blocks[GC_NCLASSES];
        gc_block *unswept[GC_NCLASSES]; /* blocks awaiting a lazy sweep (gc_sweep_lazily) */
        gc_block *empty;        /* blocks emptied by the last collection, kept for reuse */
    } sc;
    struct gc_large_space {
        gc_space space;
        gc_block *blocks;       /* one per object */
    } los;
    gc_space *spaces;           /* every space, in creation order: sc, los, the collector's */
    gc_space *alloc_space;      /* where the mutator's small objects go (gc_heap_set_allocation_space) */
    /* the block layer (core/block.c) */
    unsigned arena;             /* jemalloc arena index */
    struct gc_chunk *chunks;    /* the 2 MiB chunks small blocks are carved from */
    struct gc_chunk *chunks_with_room; /* touched chunks that may have a free block (core/block.c) */
    struct gc_chunk *chunks_fresh; /* chunks no block of which was ever handed out (all free, untouched) */
    uint64_t free_blocks;       /* free 64 KiB blocks in the chunks held (BLOCK-2) */
    uint64_t promised_blocks;   /* of those, promised to copy spaces' reserves (gc_blocks_promise) */
    uint64_t retain_blocks;     /* free blocks kept on hand rather than returned (gc_heap_retain_blocks) */
    /* The largest heap_bytes at a mutator allocation (footprint.heap_bytes_peak). heap_bytes rises
     * only at allocations (and with a collector's copies, inside a pause), so the peak is taken
     * where it is about to fall outside a pause, when a pause begins, and when it is read
     * (gc_heap_bytes_peak): not on the allocation path. */
    uint64_t heap_bytes_peak;
    char *bump_armed;
    char warnings[GC_MAX_WARNINGS][240]; /* gc_heap_warn */
    unsigned nwarnings;           /* h->bump_cursor when the countdown was last settled (gc_heap_bump_settle) */
    uint64_t mark_seq;          /* markings of the mark lane so far; the last one's number */
    uint8_t **block_marks;      /* per 64 KiB of address space, the last epoch that marked a cell there (core/block_marks.c) */
    uint32_t block_marks_lo, block_marks_hi; /* the first-level entries made lie in [lo, hi) */
    uint64_t marked_objects;    /* objects marked by the last gc_mark_from_roots (mark lane) */
    uint64_t marked_bytes;      /* their cell bytes */
    bool mark_incomplete;       /* that marking lost an edge (out of memory): sweep nothing */
    uint64_t block_bytes;       /* bytes held from jemalloc: chunks and large blocks (core/block.c) */
    uint64_t block_bytes_peak;
    uint64_t arena_calls; /* allocations and frees on the heap's jemalloc arena (core/block.c) */
    uint64_t nblocks;
    /* explicit work lists: never the C stack, whatever the graph's depth */
    gc_stack rc_work;           /* objects whose count reached zero, not yet freed */
    gc_stack remset;            /* the logging barrier's logged objects (core/remset.c) */
    gc_stack candidates;        /* candidate cycle roots (GC_BARRIER_RC_CANDIDATES, core/refcount.c) */
    uint64_t promote_blocks;    /* blocks promised for promotions and not yet used (core/promote.c) */
    /* incremental marking (core/incremental.c) */
    uint64_t shaded;            /* objects the SATB or insertion barrier greyed, since the heap began */
    uint64_t black_objects;     /* objects allocated black, since the heap began */
    uint64_t begin_objects, begin_bytes; /* objects_live and heap_bytes when the marking began */
    gc_stack mark_stack;        /* edges (slot values) not yet followed by the mark loop */
    bool in_cascade;
    /* pauses */
    uint64_t t0_ns;             /* CLOCK_MONOTONIC at creation */
    uint64_t pause_seq;
    uint64_t gc_ns;             /* total time inside pauses */
    uint64_t cascade_ns;        /* total time in timed RC cascades (pauses or not) */
    uint64_t lazy_sweep_ns;     /* total time the allocator spent sweeping queued blocks */
    uint64_t pause_depth;       /* nesting guard: a cascade inside a collection is not a pause */
    uint64_t final_verify_failures;
    uint64_t slow_allocs;       /* allocations that reached gc_alloc_slow (tests: what the inline paths serve) */
    struct gc_scratch *scratch; /* workload bookkeeping blocks (gc_heap_scratch), freed with the heap */
} gc_heap_core;

static inline gc_heap_core *gc_core(const gc_heap *h) { return (gc_heap_core *)h; }

/* Take heap_bytes_peak before heap_bytes falls (see the field). */
static inline void gc_note_peak(gc_heap *h) {
    if (h->heap_bytes > gc_core(h)->heap_bytes_peak && gc_core(h)->pause_depth == 0)
        gc_core(h)->heap_bytes_peak = h->heap_bytes;
}

/* block.c: the block layer */
int gc_blocks_init(gc_heap *h, char *err, size_t errlen);
void gc_blocks_destroy(gc_heap *h);
gc_block *gc_block_get(gc_heap *h, gc_space *s);  /* a 64 KiB block; header zeroed but for chunk and space */
void gc_block_put(gc_heap *h, gc_block *b);
/* Promise n more blocks: afterwards gc_block_get_promised can be called n more times and cannot
 * fail, whatever other spaces take meanwhile. The chunks this needs are obtained, not touched (no
 * page is faulted in until a block is handed out). false: out of memory (nothing promised). */
bool gc_blocks_promise(gc_heap *h, uint64_t n);
void gc_blocks_unpromise(gc_heap *h, uint64_t n);   /* drop n blocks of promise (then trim) */
gc_block *gc_block_get_promised(gc_heap *h, gc_space *s); /* one promised block: never NULL */
uint64_t gc_blocks_touched_bytes(const gc_heap *h); /* bytes of the touched chunks held */
int gc_blocks_verify(const gc_heap *h, char *msg, size_t len); /* BLOCK-2, BLOCK-3 */
gc_block *gc_block_get_large(gc_heap *h, gc_space *s, size_t bytes); /* header not initialised */
void gc_block_put_large(gc_heap *h, gc_block *b, size_t bytes);
void gc_block_link(gc_block **list, gc_block *b);   /* at the front of a doubly linked list */
void gc_block_unlink(gc_block **list, gc_block *b);
/* Header bytes before a small or copy block's first cell: the whole census bitmap, rounded to a
 * cache line so that a 16- or 32-byte cell never straddles two (the mark loop prefetches an
 * object's first line only). */
#define GC_SMALL_BLOCK_HEADER ((sizeof(gc_block) + 63) & ~(size_t)63)

/* spaces.c: the heap's list of spaces and what is done to all of them */
void gc_heap_add_space(gc_heap *h, gc_space *s);
void gc_spaces_destroy(gc_heap *h);
int gc_spaces_verify(gc_heap *h, char *msg, size_t len); /* every space, and their sum (HEAP-1) */
void gc_heap_rearm(gc_heap *h);             /* heap.c: re-arm the countdown (the limit's headroom changed) */
/* heap.c: charge the bytes bumped inline since the last settle to the countdown; call before the
 * core moves h->bump_cursor other than by allocating */
void gc_heap_bump_settle(gc_heap *h);
void gc_heap_bump_arm(gc_heap *h); /* heap.c: bump_armed = the cursor; bump_limit from the countdown */
uint64_t gc_heap_copy_reserve(gc_heap *h);  /* the evacuated copy spaces' bytes */
void gc_heap_update_fast_paths(gc_heap *h); /* heap.c */

/* arena.c: the heaps' jemalloc arenas, pooled across heaps (ARENA-1). acquire: 0, or -1 with a
 * one-line message; release: the arena goes back to the pool, empty and purged. */
int gc_arena_acquire(unsigned *arena, char *err, size_t errlen);
void gc_arena_release(unsigned arena);

/* space_sizeclass.c */
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
void gc_sizeclass_release_empty(gc_heap *h);
void gc_sizeclass_walk(gc_heap *h, void (*fn)(gc_object *o, void *ctx), void *ctx);
void gc_sizeclass_clear_census(gc_heap *h);
bool gc_sizeclass_census_clear(gc_heap *h);
bool gc_sizeclass_marks_clear(gc_heap *h, uint8_t next_epoch);
int gc_sizeclass_verify(gc_heap *h, char *msg, size_t len);
void gc_sizeclass_destroy(gc_heap *h);

/* Make b (a block from the block layer) the bump run of class cls in the size-class space. */
void gc_space_start_bump(gc_heap *h, gc_block *b, unsigned cls);
void gc_promote_destroy(gc_heap *h); /* promote.c: drop what is left of the promise */

/* space_large.c */
void *gc_large_alloc(gc_heap *h, uint32_t cell_size); /* counted in the space; NULL: no memory */
void gc_large_free(gc_heap *h, gc_object *o);
void gc_large_walk(gc_heap *h, void (*fn)(gc_object *o, void *ctx), void *ctx);
void gc_large_clear_census(gc_heap *h);
bool gc_large_census_clear(gc_heap *h);
bool gc_large_marks_clear(gc_heap *h, uint8_t next_epoch);
int gc_large_verify(gc_heap *h, char *msg, size_t len);
void gc_large_destroy(gc_heap *h);

/* space_copy.c */
char *gc_copy_cursor(const gc_heap *h, const gc_copy_space *s); /* COPY-2: the heap's cursor for the allocation space */
char *gc_copy_block_end(const gc_heap *h, const gc_copy_space *s, const gc_block *b); /* the end of b's objects */
void *gc_copy_alloc(gc_heap *h, gc_copy_space *s, uint32_t cs); /* the mutator's slow path; NULL: no memory */
void gc_copy_walk(gc_heap *h, gc_copy_space *s, void (*fn)(gc_object *o, void *ctx), void *ctx);
void gc_copy_clear_census(gc_heap *h, gc_copy_space *s);
bool gc_copy_census_clear(gc_heap *h, gc_copy_space *s);
bool gc_copy_marks_clear(gc_heap *h, gc_copy_space *s, uint8_t next_epoch);
int gc_copy_verify(gc_heap *h, gc_copy_space *s, char *msg, size_t len);
void gc_copy_destroy(gc_heap *h, gc_copy_space *s);
bool gc_sweep_pending_refill(gc_heap *h, unsigned cls);
/* Before a marking of the mark lane takes the next epoch: sweep the queued blocks whose dead cells
 * could carry it (core/space_sizeclass.c, block_aged). */
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
/* The byte of p's block in the table `marks` (the heap's block_marks: a parameter so that the mark loop
 * can keep it in a register across its byte stores, which may alias anything). */
static inline uint8_t *gc_block_mark_byte(uint8_t *const *marks, const void *p) {
    uintptr_t a = (uintptr_t)p;
    return &marks[a >> GC_BLOCK_MARKS_LEAF_SHIFT][(a >> GC_BLOCK_MARKS_BLOCK_SHIFT) & (GC_BLOCK_MARKS_LEAF_BYTES - 1)];
}


/* trace.c: marking into a caller's stack (for the census, which must not disturb the heap's). */
uint64_t gc_mark_with(gc_heap *h, unsigned which, gc_stack *stack, uint64_t *bytes);

#endif
