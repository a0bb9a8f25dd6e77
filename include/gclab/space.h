/* Spaces: where objects live. A collector composes the spaces it wants in its init and states its
 * policy over them; the mechanism (allocating, copying, sweeping, walking, verifying, counting)
 * lives here and in core/, after MMTk's policies and Whippet's space headers.
 *
 * Every heap has two spaces from its creation:
 *   - the size-class space (core/space_sizeclass.c): segregated free lists with bump runs, mark
 *     epochs in the headers, eager or lazy sweeping. Non-moving. It is the allocation space unless
 *     the collector chooses another;
 *   - the large-object space (core/space_large.c): every object above GC_SMALL_MAX, whatever the
 *     collector, each in a block of its own; non-moving; marked like the size-class space and swept
 *     with gc_large_sweep (or freed one by one by reference counting).
 * A collector may add copy spaces (core/space_copy.c): contiguous bump allocation in 64 KiB
 * blocks, a Cheney scan cursor, copying with forwarding, release of a whole space at once.
 *
 * Every space's blocks come from the block layer (core/block.c), and each block header names its
 * space, so gc_space_of(o) is one masked load. Cells are sized alike in every space: a small
 * object's cell is its size class's (gc_cell_bytes), so an object's accounting moves with it when
 * it is copied.
 *
 * Counts (HEAP-1 per space): each space counts the objects it holds and their cell bytes; the heap's
 * totals (objects_live, heap_bytes) are their sum. The inline allocation path (and a
 * reference-counting free in the allocation space) counts only into the heap's totals, so between
 * syncs the allocation space's own counts lag by what those did: gc_space_objects and gc_space_bytes sync first, and so do every walk, verification
 * and collection start (gc_heap_sync). */
#ifndef GCLAB_SPACE_H
#define GCLAB_SPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gclab/object.h"

struct gc_heap;
struct gc_block;

typedef enum gc_space_kind {
    GC_SPACE_SIZECLASS, /* free lists and bump runs per size class; mark, sweep */
    GC_SPACE_COPY,      /* bump allocation, copying, release whole */
    GC_SPACE_LARGE,     /* one block per object; mark, sweep */
} gc_space_kind;

typedef struct gc_space {
    gc_space_kind kind;
    const char *name;        /* for messages and summary.json ("sizeclass", "large", "tospace", ...) */
    struct gc_space *next;   /* the heap's spaces, in creation order */
    uint64_t objects, bytes; /* live objects and their cell bytes: HEAP-1 (see above) */
    uint64_t block_bytes, block_bytes_peak; /* blocks held from the block layer (footprint) */
} gc_space;

/* A copy space. Its fields are the core's; a collector reads them through the verbs below. */
typedef struct gc_copy_space {
    gc_space space;
    struct gc_block *first, *last; /* its blocks in allocation order (b->next) */
    char *cursor, *limit;          /* the bump cursor in `last`; while the space is the heap's
                                    * allocation space, the heap's own cursor stands for it */
    struct gc_block *scan_block;   /* Cheney: the next copied object to scan is at scan_block, scan */
    char *scan;
    uint64_t reserve_blocks;       /* blocks promised to it for copies and not yet used (gc_copy_reserve) */
    bool evacuated;                /* collected by copying everything out: its bytes count twice
                                    * against the heap limit (the copy reserve) */
} gc_copy_space;

/* --- the heap's spaces --- */
gc_space *gc_heap_sizeclass_space(struct gc_heap *h);
gc_space *gc_heap_large_space(struct gc_heap *h);
/* The heap's spaces in creation order (size-class, large, then the collector's own). */
gc_space *gc_heap_spaces(struct gc_heap *h);
/* Make s the space that the mutator's allocations of small objects go to: the size-class space
 * (free-list allocation) or a copy space (bump allocation). Both fast paths are inline; which one
 * serves is chosen here, at run time. */
void gc_heap_set_allocation_space(struct gc_heap *h, gc_space *s);
gc_space *gc_heap_allocation_space(const struct gc_heap *h);
/* Bring every space's counts and the allocation cursor up to date with the inline paths. */
void gc_heap_sync(struct gc_heap *h);
/* Keep up to `bytes` of free blocks on hand (resident) instead of giving all-free 2 MiB chunks
 * back to the system: for a collector that frees many blocks at once and needs them again soon
 * (a semispace's from-space, at a flip). 0, the default: chunks go back as soon as they are free.
 * Memory kept so is counted in the footprint (block_bytes), not against the heap limit. */
void gc_heap_retain_blocks(struct gc_heap *h, uint64_t bytes);

/* --- every space's verbs --- */
uint64_t gc_space_objects(struct gc_heap *h, gc_space *s);
uint64_t gc_space_bytes(struct gc_heap *h, gc_space *s);      /* cell bytes in use */
uint64_t gc_space_footprint(const gc_space *s);               /* bytes of blocks held */
bool gc_space_contains(const gc_space *s, const gc_object *o); /* by the block header */
/* Visit every live object of s. The callback must not allocate or free. */
void gc_space_walk(struct gc_heap *h, gc_space *s, void (*fn)(gc_object *o, void *ctx), void *ctx);
/* Check s's own invariants and its counts against a walk (HEAP-1). 0, or -1 with a message. */
int gc_space_verify(struct gc_heap *h, gc_space *s, char *msg, size_t len);

/* --- copy spaces (core/space_copy.c) --- */
/* A new, empty copy space, owned by the heap (destroyed with it). NULL: out of memory. */
gc_copy_space *gc_copy_space_create(struct gc_heap *h, const char *name);
/* Say whether s is collected by evacuation: while it is, its bytes are counted once more against
 * the heap limit, as the copy reserve its collection needs (docs/metrics.md). */
void gc_copy_space_set_evacuated(struct gc_heap *h, gc_copy_space *s, bool evacuated);
/* Reserve blocks in `to` for copying `bytes` of cells (and the block ends lost to cells that do
 * not fit), before the first object moves, so that no copy can fail half way. The blocks are
 * promised by the block layer, not touched: a copy faults in only the blocks it fills. false: out
 * of memory (nothing has moved; the caller fails the heap). */
bool gc_copy_reserve(struct gc_heap *h, gc_copy_space *to, uint64_t bytes);
/* gc_copy_object(h, to, o) (inline, gclab/tracer.h): copy o (not forwarded, in any space but
 * `to`) into `to`'s reserve, leave a forwarding address in o, and return the copy. The copy is
 * counted in `to` (and in the heap's totals) at once; the original's space gives its counts up
 * when it is released. Never counts as a mutator allocation, never polls, samples or checks the
 * heap limit. */
/* Empty s and drop its counts (after its live objects were copied out). Its blocks go back to the
 * block layer, free for any space (with gc_heap_retain_blocks, kept resident for the allocations
 * and copies that come next); in poison mode its cells are overwritten with GC_POISON_BYTE, and
 * under AddressSanitizer made unaddressable until reused. */
void gc_copy_space_release(struct gc_heap *h, gc_copy_space *s);
/* Drop what is left of s's reserve (after a collection: what its copies did not need). */
void gc_copy_reserve_trim(struct gc_heap *h, gc_copy_space *s);
/* Sliding compaction (core/compact.c), after a marking of the mark lane (gc_mark_from_roots):
 * slide every marked object of s towards the start of its blocks, in allocation order, update
 * every root and every slot of every marked object (all spaces) that refers into s, give back the
 * blocks left empty, and make s's counts what was marked (COMPACT-1: s is then one dense run with
 * no forwarding state). Uses the `word` of s's objects during the call. Returns the objects that
 * died. If the marking lost an edge, nothing moves and nothing is freed. */
uint64_t gc_copy_space_compact(struct gc_heap *h, gc_copy_space *s);
/* Check COMPACT-1 for s (verify hooks): 0, or -1 with a message. */
int gc_copy_space_verify_dense(struct gc_heap *h, gc_copy_space *s, char *msg, size_t len);
/* Cheney scanning: start scanning at the next object copied into s from now on; then
 * gc_copy_scan_next (inline, gclab/tracer.h) takes the next copied object not yet scanned (NULL
 * when the scan has caught up with the copies). */
void gc_copy_scan_start(struct gc_heap *h, gc_copy_space *s);

/* --- promotion into the size-class space (core/promote.c): a generational collector's old
 * generation --- */
/* Reserve blocks so that promoting `bytes` of cells cannot fail, before the first object moves
 * (a promise of the block layer's, as gc_copy_reserve's). false: out of memory, nothing moved. */
bool gc_promote_reserve(struct gc_heap *h, uint64_t bytes);
/* Copy o (not forwarded, not in the size-class space) into a free cell of its size class, leave
 * a forwarding address in o, and return the copy, counted in the size-class space at once (o's
 * space gives its counts up when it is released). The copy's mark epoch is 0 (never marked: PROMOTE-1). */
struct gc_object *gc_promote_object(struct gc_heap *h, gc_object *o);
/* Drop what is left of the promotion reserve. */
void gc_promote_reserve_trim(struct gc_heap *h);

/* --- forwarding: a forwarded object's header holds its copy's address in its first 8 bytes and
 * GC_OBJ_FORWARDED in its flags (a state no live or free cell has). Forwarded objects exist only
 * during a copying collection, in the space being evacuated. */
static inline bool gc_is_forwarded(const gc_object *o) { return (o->flags & GC_OBJ_FORWARDED) == GC_OBJ_FORWARDED; }
static inline gc_object *gc_forwarded(const gc_object *o) {
    uintptr_t address;
    memcpy(&address, o, sizeof address);
    return (gc_object *)address;
}
static inline void gc_forward(gc_object *o, gc_object *to) {
    uintptr_t address = (uintptr_t)to;
    memcpy(o, &address, sizeof address);
    o->flags = GC_OBJ_FORWARDED;
}

/* --- the large-object space (core/space_large.c) --- */
/* Free every large object the last marking of the mark lane did not reach; returns how many. */
uint64_t gc_large_sweep(struct gc_heap *h);

#endif
