/* The heap: cells, roots, the allocation fast path and the store barrier.
 *
 * Read this file first. Everything the mutator does to the object graph passes through the inline
 * functions at the bottom: gc_alloc (one allocation chokepoint, counting objects and bytes) and
 * the store barrier (gc_store, with gc_set's inline shortcut for the two common barriers, and
 * gc_root_write for roots). They are inline so that the common case is a handful of
 * instructions; the collector is chosen at run time, so the fast paths test plain fields of the
 * heap (`fast_alloc`, `barrier`) and call the collector only on slow paths.
 *
 * Memory layout: 64 KiB blocks carved from 2 MiB chunks of a jemalloc arena of the heap's own
 * (core/block.c), each block holding objects of one space (include/gclab/space.h) and naming it
 * in its header, which also holds the census's side bitmap (one bit per 8-byte granule), so
 * that gc_block_of() is a mask. The mark lane of tracing collectors is in the object header
 * instead: a mark epoch (include/gclab/object.h). Objects above GC_SMALL_MAX get a block of their
 * own in the large-object space. In the size-class space, free cells are threaded through
 * per-class free lists; a fresh or emptied block is a bump run (SPACE-1); mark-sweep collectors
 * may sweep lazily, queueing blocks that the allocator sweeps when it needs cells
 * (gc_sweep_lazily). A copy space is bump-allocated with one cursor (gc_alloc's bump path).
 *
 * Invariants:
 *  HEAP-1  objects_live and heap_bytes count exactly the cells that hold live objects: every cell
 *          not FREE, except, in a block queued for a lazy sweep, the cells its marking left
 *          unmarked (already off the counts; gc_heap_each sweeps the queue before it walks).
 *  HEAP-2  Outside a collection, no cell carries the mark epoch the next marking will use, so
 *          that a marking starts with nothing marked without clearing anything (a block queued
 *          for a lazy sweep is swept before its stale epochs could wrap round: core/space_sizeclass.c), and
 *          no census bit is set (the census clears its own).
 *  HEAP-3  Roots are precise: every pointer the mutator holds is in a root slot (frames or
 *          globals); a workload never keeps a raw object pointer across an allocation.
 *  HEAP-4  With GC_BARRIER_RC, an object's `word` equals the number of slots and root slots that
 *          refer to it, for every object reachable or not, outside the RC functions themselves. */
#ifndef GCLAB_HEAP_H
#define GCLAB_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gclab/collector.h"
#include "gclab/events.h"
#include "gclab/object.h"
#include "gclab/space.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define GC_ASAN_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define GC_ASAN_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define GC_ASAN_POISON(p, n) ((void)(p), (void)(n))
#define GC_ASAN_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* Run-time dispatch of the fast paths. A build may fix them at compile time (bench/ does, to
 * measure what choosing the collector at run time costs): define GCLAB_FIXED_BARRIER to the
 * collector's GC_BARRIER_* bits and GCLAB_FIXED_HOOKED to 0 or 1, and the heap refuses any other
 * collector, and any unhooked collector with a prefix (core/heap.c); GCLAB_FIXED_BUMP (default 0)
 * fixes the allocation kind: 1 for a copy space's bump cursor, 0 for free lists. Such a build's inline
 * allocation path also skips poison mode's reuse check (benchmarks do not poison). */
#if defined(GCLAB_FIXED_BARRIER) && !defined(GCLAB_FIXED_BUMP)
#define GCLAB_FIXED_BUMP 0
#endif
#ifdef GCLAB_FIXED_BARRIER
#define gc_heap_barrier(h) ((void)(h), (unsigned)(GCLAB_FIXED_BARRIER))
#define gc_heap_fast_alloc(h) ((void)(h), !(GCLAB_FIXED_HOOKED) && !(GCLAB_FIXED_BUMP))
#define gc_heap_fast_bump(h) ((void)(h), !(GCLAB_FIXED_HOOKED) && (GCLAB_FIXED_BUMP))
#define gc_heap_fast_link(h) ((void)(h), false) /* fixed builds serve no tracking collector */
#define gc_heap_fast_prefixed(h) ((void)(h), 0)  /* nor a collector with a prefix */
#define gc_heap_alloc_black(h) ((void)(h), (GCLAB_FIXED_BARRIER) & (GC_BARRIER_SATB | GC_BARRIER_INSERT) ? (h)->alloc_black : 0)
#else
#define gc_heap_barrier(h) ((h)->barrier)
#define gc_heap_fast_alloc(h) ((h)->fast_alloc)
#define gc_heap_fast_bump(h) ((h)->fast_bump)
#define gc_heap_fast_link(h) ((h)->fast_link)
#define gc_heap_fast_prefixed(h) ((h)->fast_prefixed)
#define gc_heap_alloc_black(h) ((h)->alloc_black)
#endif
/* Is a trace being recorded? GCLAB_FIXED_RECORDER 0 compiles code for runs that record none (the
 * workloads' specialised copies: workloads/variants.c picks them only then). */
#if defined(GCLAB_FIXED_RECORDER) && !(GCLAB_FIXED_RECORDER)
#define gc_heap_recording(h) ((void)(h), false)
#else
#define gc_heap_recording(h) ((h)->recorder != NULL)
#endif

#define GC_LIKELY(x) __builtin_expect(!!(x), 1)
#define GC_UNLIKELY(x) __builtin_expect(!!(x), 0)

#define GC_BLOCK_SIZE ((size_t)64 * 1024)
#define GC_CELL_ALIGN 8u                          /* cells are multiples of 8 bytes */
#define GC_SMALL_MAX 4096u                        /* larger cells get a block of their own */
#define GC_NCLASSES 35                            /* see gc_class_size in core/space_sizeclass.c */
#define GC_BITMAP_WORDS (GC_BLOCK_SIZE / GC_CELL_ALIGN / 64)

/* Which mark lane: the collector's (mark epochs in the object headers) or the census's (side
 * bitmaps in the block headers, so that a census leaves a collector's marks alone). */
enum { GC_BITS_MARK = 0, GC_BITS_CENSUS = 1 };

typedef struct gc_cell {
    struct gc_cell *next; /* free-list link, at the cell's start */
} gc_cell;

/* A tracked object's list link: the whole prefix of a collector that tracks objects
 * (gc_track_objects). `prev` is the previous link's address, except while the collector borrows
 * the word during one of its collections (a CPython-style collector keeps gc_refs there); the core reads
 * and writes it only outside collections. */
typedef struct gc_link {
    struct gc_link *next;
    uintptr_t prev;
} gc_link;

typedef struct gc_block {
    struct gc_block *next, *prev; /* the blocks of one size class, of a copy space, or the large blocks */
    struct gc_space *space;       /* the space holding it (gc_space_of) */
    char *cells;                  /* first cell */
    uint32_t cell_size;           /* bytes per cell */
    uint32_t ncells;
    uint32_t cls;                 /* size class, or GC_NCLASSES for a large block */
    bool unswept;                 /* queued for a lazy sweep: its cells' epochs are the last marking's */
    struct gc_chunk *chunk;       /* the 2 MiB chunk a small block was carved from (core/block.c) */
    struct gc_block *next_unswept;
    uint64_t queued_seq;          /* while unswept: the marking that queued it after its last sweep */
    uint32_t used;                /* a copy space's block: bytes of cells from `cells` (core/space_copy.c) */
    /* The census lane: granule g is bit g%64 of word g/64. A large block is allocated with only
     * census[0]: its object starts in the first 64 granules. */
    uint64_t census[GC_BITMAP_WORDS];
} gc_block;

extern const uint32_t gc_class_size[GC_NCLASSES];
extern const uint8_t gc_class_of[GC_SMALL_MAX / GC_CELL_ALIGN + 1]; /* by cell size / 8 */

/* The size class of a cell of `need` bytes (need <= GC_SMALL_MAX, a multiple of 8), and a class's
 * cell size, by arithmetic rather than the tables above, so that the compiler folds them away when
 * the object's shape is a constant (most allocation sites). Classes: 16, 24, ..., 128 by 8 bytes,
 * then four per power of two up to 4096. The tables are the specification; the allocation paths
 * compute classes with these (gc_free_object, where no shape is constant, looks the tables up),
 * and tests/test_space.c checks that the two agree everywhere. */
static inline unsigned gc_size_class(size_t need) {
    if (need <= 128) return need <= 16 ? 0 : (unsigned)(need / 8 - 2);
    unsigned k = 63u - (unsigned)__builtin_clzll((unsigned long long)(need - 1)); /* 2^k < need <= 2^(k+1) */
    size_t step = (size_t)1 << (k - 2);
    unsigned idx = (unsigned)((need - ((size_t)1 << k) + step - 1) / step) - 1;
    return 15 + 4 * (k - 7) + idx;
}

static inline uint32_t gc_class_bytes(unsigned cls) {
    if (cls < 15) return (cls + 2) * 8;
    unsigned g = (cls - 15) / 4, idx = (cls - 15) % 4;
    return (1u << (g + 7)) + (idx + 1) * (1u << (g + 5));
}

static inline gc_block *gc_block_of(const void *p) {
    return (gc_block *)((uintptr_t)p & ~(uintptr_t)(GC_BLOCK_SIZE - 1));
}

/* The space holding object o: its block header's (one masked load). */
static inline gc_space *gc_space_of(const gc_object *o) { return gc_block_of(o)->space; }

/* The census bit of the object at p: its word in the block's bitmap, and the bit's mask. */
static inline uint64_t *gc_census_word(const void *p, uint64_t *mask) {
    uintptr_t g = ((uintptr_t)p & (GC_BLOCK_SIZE - 1)) / GC_CELL_ALIGN;
    *mask = (uint64_t)1 << (g % 64);
    return &gc_block_of(p)->census[g / 64];
}

static inline bool gc_census_test(const void *p) {
    uint64_t mask, *w = gc_census_word(p, &mask);
    return (*w & mask) != 0;
}

/* The epoch an object's header carries (GC_OBJ_EPOCH_MASK bits of its flags, unshifted). */
static inline unsigned gc_mark_epoch_of(const gc_object *o) { return o->flags & GC_OBJ_EPOCH_MASK; }

/* Error codes (also the CLI's exit codes where they end a run). */
typedef enum gc_error {
    GC_OK = 0,
    GC_ERR_USAGE = 2,      /* bad input: unknown name, bad parameter, malformed file */
    GC_ERR_HEAP_LIMIT = 3, /* the heap limit was exceeded after a full collection */
    GC_ERR_NOMEM = 4,      /* the backing allocator refused */
    GC_ERR_IO = 5,         /* results could not be written */
    GC_ERR_VERIFY = 6,     /* a collector's invariants failed */
    GC_ERR_INTERRUPTED = 7, /* stopped by SIGINT or SIGTERM (gc_run_catch_signals; exit code 128 + signal) */
} gc_error;

typedef struct gc_heap gc_heap;

/* A growable stack of object pointers (core/stack.c): the explicit work lists that replace
 * recursion everywhere. */
typedef struct gc_stack {
    gc_object **items;
    size_t len, cap;
} gc_stack;
bool gc_stack_grow(gc_stack *s);
bool gc_stack_reserve(gc_stack *s, size_t n); /* room for n more items */
static inline bool gc_stack_push(gc_stack *s, gc_object *o) {
    if (GC_UNLIKELY(s->len == s->cap) && !gc_stack_grow(s)) return false;
    s->items[s->len++] = o;
    return true;
}
static inline gc_object *gc_stack_pop(gc_stack *s) { return s->len ? s->items[--s->len] : NULL; }
void gc_stack_free(gc_stack *s);

/* Called when the heap cannot go on (heap limit, out of memory). The run driver longjmps out of
 * the workload from here; if the handler returns, the failing gc_alloc returns NULL. */
typedef void (*gc_fatal_fn)(gc_heap *h, gc_error e, const char *message, void *ctx);

typedef struct gc_heap_config {
    const gc_collector_ops *collector;
    const struct gc_params *collector_params; /* NULL: the collector's defaults */
    uint64_t heap_limit;          /* bytes of cells in use; 0 for none */
    uint64_t sample_every;        /* bytes allocated between listener samples; 0 for none */
    uint64_t cascade_pause_min;   /* RC free cascades of at least this many objects are pauses */
    bool poison;                  /* fill freed cells with GC_POISON_BYTE; check it on reuse */
    bool verify;                  /* verify mode (--verify): collectors may check their invariants as they go (gc_heap_verifying) */
    gc_listener listener;
    gc_fatal_fn on_fatal;
    void *fatal_ctx;
} gc_heap_config;

#define GC_POISON_BYTE 0xdb
#define GC_CASCADE_PAUSE_MIN_DEFAULT 16

/* The mutator's operation counts. They depend only on the workload, its parameters and seed, so
 * they are identical on every collector (the tests check this). */
typedef struct gc_mutator_counts {
    uint64_t allocs, sets, gets, copies, drops;
    uint64_t bytes_allocated; /* sum of gc_object_size() over all allocations */
} gc_mutator_counts;

struct gc_trace_writer;

/* The public part of a heap: the fields that the inline paths below read. A collector reads them
 * and writes only `cstate` (its own state) and, if it tracks objects, `track_list` and
 * `tracked_limit` (gc_track_objects); every other change goes through a function of this header,
 * space.h or tracer.h. The rest of the heap is the core's (core/internal.h, gc_heap_core). */
struct gc_heap {
    /* --- hot: the allocation fast path and the barrier read these --- */
    gc_cell *free[GC_NCLASSES]; /* per size class */
    /* Per size class, a run of never-used cells [bump, bump_end) in a fresh or emptied block:
     * allocated by bumping, never threaded (invariant SPACE-1: they are free but carry no FREE
     * flag; every whole-heap walk and sweep first calls gc_space_retire_bump). */
    char *bump[GC_NCLASSES], *bump_end[GC_NCLASSES];
    bool sweep_queued;          /* some block awaits a lazy sweep (gc_sweep_lazily) */
    int64_t countdown;          /* cell bytes until the allocation slow path must run */
    uint32_t prefix;            /* collector bytes before each object */
    unsigned barrier;           /* GC_BARRIER_* of the collector */
    bool hooked;                /* the collector has allocation hooks */
    bool free_hooked;           /* an RC free has work beyond the cell: ops->on_free, or tracking */
    bool fast_alloc;            /* no hooks, no prefix, no poison: gc_alloc's inline path may serve */
    bool fast_link;             /* tracking (gc_track_objects), no poison: gc_alloc's linking path may serve */
    bool fast_bump;             /* the allocation space is a copy space, no hooks, no prefix: the bump path may serve */
    uint8_t fast_prefixed;      /* no hooks, a prefix, no tracking, no poison: GC_FAST_PREFIXED_* (gc_alloc) */
    /* The allocation space's bump cursor when it is a copy space: [bump_cursor, bump_limit) may be
     * allocated inline. bump_limit is the nearer of the block's end and the countdown's end, so
     * the bump path makes one test and charges nothing: the slow path folds the bytes it bumped
     * into the countdown (core/heap.c, gc_heap_bump_settle). */
    char *bump_cursor, *bump_limit;
    bool poison;
    /* An incremental marking is in progress (gc_incremental_begin .. _end): the SATB and
     * insertion barriers shade, and new objects are allocated black: alloc_black is the
     * marking's epoch where the header's second word holds `flags` (0 otherwise), which
     * gc_init_object ORs into that word, so that the header costs one store either way. */
    bool marking;
    uint64_t alloc_black;
    /* Object tracking (gc_track_objects): objects with slots are linked at the tail of *track_list
     * from allocation to free and counted in tracked_count (+1 per allocation, -1 per free, never
     * below 0). The inline path serves a tracked allocation only while tracked_count < tracked_limit. */
    gc_link *track_list;        /* NULL: no tracking */
    int64_t tracked_count, tracked_limit;
    gc_object **roots;          /* the shadow stack: root slots 0 .. nroots-1 */
    uint32_t nroots, roots_cap;
    struct gc_trace_writer *recorder; /* non-NULL while recording a trace */
    uint64_t objects_live;      /* HEAP-1 */
    uint64_t heap_bytes;        /* HEAP-1: cell bytes in use, collector prefix included */
    gc_mutator_counts counts;
    const gc_collector_ops *ops;
    void *cstate;               /* the collector's state */

    /* --- read by public inline functions (roots for the tracer, the mark test) --- */
    gc_object **globals;        /* global root slots 0 .. nglobals-1 */
    uint32_t nglobals;
    uint8_t mark_epoch;         /* the last marking's epoch, as it sits in flags: ((mark_seq - 1) % 63 + 1) << 2 */
};

/* --- what a collector reads of the heap (it writes none of these) --- */
uint64_t gc_heap_limit(const gc_heap *h);                /* --heap-limit in bytes; 0: none */
gc_error gc_heap_error(const gc_heap *h);                /* the first failure, or GC_OK */
const char *gc_heap_error_message(const gc_heap *h);     /* its one-line message ("" if none) */
uint64_t gc_heap_marked_bytes(const gc_heap *h);         /* cell bytes the last marking reached */
uint64_t gc_heap_bytes_peak(gc_heap *h);                 /* the largest heap_bytes at a mutator allocation */
bool gc_heap_verifying(const gc_heap *h);                /* created in verify mode (gc_heap_config.verify) */
/* Choose the store barrier (GC_BARRIER_*) from a parameter, in the collector's init, before the
 * first allocation; the ops table's `barrier` is the default. 0, or -1 with a message. */
int gc_heap_set_barrier(gc_heap *h, unsigned barrier, char *err, size_t errlen);
/* A warning for the user, not a failure (a parameter that has no effect, say): the run goes on,
 * summary.json lists it under `warnings` and gclab prints it on stderr. At most GC_MAX_WARNINGS
 * are kept; one line each. */
#define GC_MAX_WARNINGS 8
void gc_heap_warn(gc_heap *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline uint64_t gc_heap_objects(const gc_heap *h) { return h->objects_live; } /* HEAP-1 totals */
static inline uint64_t gc_heap_bytes(const gc_heap *h) { return h->heap_bytes; }
static inline const gc_mutator_counts *gc_heap_counts(const gc_heap *h) { return &h->counts; }

/* --- life cycle (core/heap.c) --- */
int gc_heap_create(const gc_heap_config *cfg, gc_heap **out, char *err, size_t errlen);
void gc_heap_destroy(gc_heap *h);
uint64_t gc_now_ns(void);
uint64_t gc_heap_elapsed_ns(const gc_heap *h);
/* Zeroed memory for a workload's own bookkeeping (index arrays, queues; never object pointers),
 * owned by the heap and freed by gc_heap_destroy, so that nothing leaks when a run ends early
 * through the fatal handler. On failure: gc_fail(GC_ERR_NOMEM) and NULL if the handler returns. */
void *gc_heap_scratch(gc_heap *h, size_t bytes);

/* --- slow paths (core/heap.c, core/refcount.c) --- */
gc_object *gc_alloc_slow(gc_heap *h, uint32_t nslots, uint32_t nbytes, uint16_t tag);
void gc_rc_release(gc_heap *h, gc_object *o); /* o's count is zero: free it and cascade */
/* Check HEAP-4 over the whole heap (slow; for verify hooks). 0, or -1 with a message. */
int gc_rc_verify_counts(gc_heap *h, char *msg, size_t len);
void gc_fail(gc_heap *h, gc_error e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The collector's allocation budget: ops->poll runs after `bytes` more cell bytes are allocated
 * (INT64_MAX: never). */
void gc_set_trigger(gc_heap *h, int64_t bytes);

/* Object tracking, for collectors that keep every object with slots in lists of their own
 * (CPython's generations), so that allocation and free stay inline: after this call the core
 * links each new object with slots at the tail of h->track_list (initially `head`; the collector
 * may point it elsewhere at any time) through the object's gc_link prefix, counts it in
 * h->tracked_count, and when reference counting frees it, unlinks it and takes one from the count
 * (never below 0), before ops->on_free. The collector's prefix must be exactly sizeof(gc_link).
 * ops->before_alloc and ops->after_alloc then run only for allocations the slow path serves, and
 * the slow path counts and links the object (before_alloc sees the count with the object in it,
 * after_alloc sees it linked). The inline path serves a tracked allocation only while
 * tracked_count < tracked_limit, so a collector sends every tracked allocation whose hooks it must
 * see to the slow path by lowering tracked_limit (INT64_MAX: none). Call it from the collector's
 * init, before the heap's first allocation (an object allocated earlier is linked nowhere; the
 * call then fails). Returns 0, or -1 with a message. */
int gc_track_objects(gc_heap *h, gc_link *head, char *err, size_t errlen);
static inline gc_link *gc_link_of(gc_object *o) { return (gc_link *)o - 1; }
static inline gc_object *gc_object_of_link(gc_link *l) { return (gc_object *)(l + 1); }
/* Append l at the tail of the circular list `head`, whose links all hold their prev pointers. */
static inline void gc_link_append(gc_link *head, gc_link *l) {
    gc_link *last = (gc_link *)head->prev;
    last->next = l;
    l->prev = (uintptr_t)last;
    l->next = head;
    head->prev = (uintptr_t)l;
}
/* Take l out of its list (whose links all hold their prev pointers). */
static inline void gc_link_remove(gc_link *l) {
    ((gc_link *)l->prev)->next = l->next;
    l->next->prev = l->prev;
    l->next = NULL;
    l->prev = 0;
}

/* --- collector services --- */
void gc_pause_begin(gc_heap *h, gc_pause *p, const char *kind, int generation, gc_reason why);
void gc_pause_end(gc_heap *h, gc_pause *p);
/* Mark everything reachable from the roots in lane `which` (GC_BITS_*), with an explicit stack:
 * no recursion, whatever the graph's depth. Returns the number of objects marked; for the mark
 * lane, gc_heap_marked_bytes(h) gives their cell bytes. A marking of the mark lane must be followed by
 * gc_sweep or gc_sweep_lazily before the mutator runs: only they make the counts agree (HEAP-1). */
uint64_t gc_mark_from_roots(gc_heap *h, unsigned which);
/* Did the last marking of the mark lane reach o? Meaningful between a marking and its sweep, and
 * afterwards for objects in blocks still queued for a lazy sweep (b->unswept). */
static inline bool gc_is_marked(const gc_heap *h, const gc_object *o) { return gc_mark_epoch_of(o) == h->mark_epoch; }
/* Free every live cell the last marking did not reach, rebuild the free lists, and give empty
 * blocks back to jemalloc. Returns the number of objects freed. */
uint64_t gc_sweep(gc_heap *h);
/* Lazy sweeping, the cheaper alternative to gc_sweep for mark-sweep collectors:
 *   gc_mark_from_roots(h, GC_BITS_MARK)  (first sweeps the queued blocks too old for the epochs)
 *   gc_sweep_lazily(h, marked)       after marking: sets the heap's counts to what was marked,
 *                                    sweeps large objects, returns blocks with nothing marked, and
 *                                    queues the rest; the allocator sweeps a queued block when it
 *                                    needs cells of its class, so the pause does no sweeping.
 * Returns the number of objects that died. Outside a collection, queued blocks keep the last
 * marking's epochs, which tell their live cells from their dead ones; gc_heap_each sweeps the
 * queue first. */
uint64_t gc_sweep_lazily(gc_heap *h, uint64_t marked_objects);
/* Sweep every queued block now (whole-heap walks need it). */
void gc_sweep_finish(gc_heap *h);
/* The bytes a cell must hold for an object of osize bytes after a prefix: their sum rounded up to
 * the cell alignment (before rounding up to a size class). */
static inline size_t gc_cell_need(uint32_t prefix, size_t osize) {
    return (osize + prefix + GC_CELL_ALIGN - 1) & ~(size_t)(GC_CELL_ALIGN - 1);
}
/* Bytes of the cell for an object of osize bytes behind a prefix, in every space: its size
 * class's cell size, or, above GC_SMALL_MAX, exactly what it needs (a large object's block). */
static inline uint32_t gc_cell_bytes(uint32_t prefix, size_t osize) {
    size_t need = gc_cell_need(prefix, osize);
    /* Up to 128 bytes the classes are every multiple of 8 from 16 (an object's header) up: the
     * cell is what it needs. Said first, so that a copy loop, which computes this for every
     * object, takes one test for the common sizes. */
    if (GC_LIKELY(need <= 128 && need >= sizeof(gc_object))) return (uint32_t)need;
    return need <= GC_SMALL_MAX ? gc_class_bytes(gc_size_class(need)) : (uint32_t)need;
}
static inline uint32_t gc_cell_size_of(const gc_heap *h, const gc_object *o) {
    return gc_cell_bytes(h->prefix, gc_object_size(o->nslots, o->nbytes));
}
/* Poison mode: check that a free cell about to be reused still holds the poison pattern, i.e.
 * that nothing wrote to it after it was freed; fails the heap with GC_ERR_VERIFY if it does not. */
void gc_poison_check(gc_heap *h, void *cell, uint32_t cell_size);
/* Free one object's cell (no cascade, no count checks): for RC and for collectors' own use. */
void gc_free_object(gc_heap *h, gc_object *o);
/* Is lane `which` clear (HEAP-2, for verify hooks)? For the census, no bit is set; for the mark
 * lane, a marking starting now would find nothing marked: no cell carries the next epoch. */
bool gc_space_lane_clear(gc_heap *h, unsigned which);
/* Visit every live object. The callback must not allocate or free. */
void gc_heap_each(gc_heap *h, void (*fn)(gc_object *o, void *ctx), void *ctx);
/* Visit every root slot (stack frames, then globals), by address: the callback may write the
 * slot (a moving collector updates it to the copy's address) but must not allocate. */
void gc_roots_each(gc_heap *h, void (*fn)(gc_object **slot, void *ctx), void *ctx);
/* Cell address of an object (its prefix's start). */
static inline void *gc_cell_of(const gc_heap *h, gc_object *o) { return (char *)o - h->prefix; }

/* --- the census (core/census.c): a precise reachability walk, outside timed regions --- */
typedef struct gc_census_result {
    uint64_t reachable_objects, reachable_bytes;     /* bytes: gc_object_size() */
    uint64_t unreachable_objects, unreachable_bytes; /* held by the heap, not reachable */
} gc_census_result;
void gc_census(gc_heap *h, gc_census_result *out);

/* --- collections and controls requested by the mutator --- */
void gc_collect(gc_heap *h, int generation);
int gc_control(gc_heap *h, gc_control_op op, const int64_t *args, int nargs);
int gc_verify(gc_heap *h, char *msg, size_t len);

/* ===================== the fast paths ===================== */

enum { GC_FAST_PREFIXED_NONE, GC_FAST_PREFIXED_FREELIST, GC_FAST_PREFIXED_BUMP };

/* Zero n 8-byte words. Objects are mostly small: unrolled stores beat both a call and the start-up
 * cost of `rep stos`, which is what the compiler makes of a variable-length memset. */
static inline void gc_zero_words(uint64_t *p, size_t n) {
    switch (n) {
    case 8: p[7] = 0; /* fall through */
    case 7: p[6] = 0; /* fall through */
    case 6: p[5] = 0; /* fall through */
    case 5: p[4] = 0; /* fall through */
    case 4: p[3] = 0; /* fall through */
    case 3: p[2] = 0; /* fall through */
    case 2: p[1] = 0; /* fall through */
    case 1: p[0] = 0; /* fall through */
    case 0: return;
    default: memset(p, 0, n * sizeof *p);
    }
}

/* Initialise the object in `cell`. `prefix` is h->prefix, passed so that the fast path's constant 0
 * folds away. The prefix is left as it is: the caller zeroes it, or links it (gc_track_objects),
 * which writes both its words, so that a linked object's prefix is written once. */
__attribute__((always_inline)) static inline gc_object *gc_init_object(gc_heap *h, void *cell, uint32_t cell_size,
                                                                       uint32_t prefix, uint32_t nslots,
                                                                       uint32_t nbytes, uint16_t tag, size_t osize) {
    GC_ASAN_UNPOISON(cell, cell_size);
    gc_object *o = (gc_object *)((char *)cell + prefix);
    o->nslots = nslots;
    o->nbytes = nbytes;
    /* tag, cflags 0, flags (black during an incremental marking, else 0), word 0: one word */
    uint64_t second = (uint64_t)tag | gc_heap_alloc_black(h);
    memcpy((char *)o + GC_OBJECT_SECOND_WORD, &second, sizeof second);
    /* the whole rest of the cell: slots, raw bytes and the rounding after them (8-byte multiple) */
    gc_zero_words((uint64_t *)(o + 1), (cell_size - prefix - sizeof(gc_object)) / sizeof(uint64_t));
    h->objects_live++;
    h->heap_bytes += cell_size;
    h->counts.allocs++;
    h->counts.bytes_allocated += osize;
    return o;
}

/* A cell of class c (cs bytes) from its free list or its bump run, charged to the countdown; NULL
 * when the countdown has run out or the class has no cell at hand: the slow path then serves. */
__attribute__((always_inline)) static inline void *gc_take_cell(gc_heap *h, unsigned c, uint32_t cs) {
    gc_cell *cell = h->free[c];
    if (GC_LIKELY(h->countdown >= (int64_t)cs)) {
        if (GC_LIKELY(cell != NULL)) {
            h->countdown -= cs;
            gc_cell *next = cell->next;
            h->free[c] = next;
            __builtin_prefetch(next, 1); /* the next allocation of this size writes it */
            return cell;
        }
        char *b = h->bump[c];
        if (GC_LIKELY((size_t)(h->bump_end[c] - b) >= cs)) {
            if (b == NULL) __builtin_unreachable(); /* a run of cs > 0 bytes: lets the caller's test fold */
            h->countdown -= cs;
            h->bump[c] = b + cs;
            return b;
        }
    }
    return NULL;
}

/* A cell of cs bytes at the allocation copy space's bump cursor; NULL when the block is full or
 * the countdown has run out (bump_limit stands for both): the slow path then serves. */
__attribute__((always_inline)) static inline void *gc_take_bump(gc_heap *h, uint32_t cs) {
    char *cell = h->bump_cursor;
    if (GC_LIKELY((size_t)(h->bump_limit - cell) >= cs)) {
        if (cell == NULL) __builtin_unreachable(); /* a free range of cs > 0 bytes: lets the caller's test fold */
        h->bump_cursor = cell + cs;
        return cell;
    }
    return NULL;
}

/* Allocate an object with all slots nil and all raw bytes zero. It is not yet referenced: store
 * it in a root or slot before the next allocation (HEAP-3). Returns NULL only if the heap's fatal
 * handler returned. */
__attribute__((always_inline)) static inline gc_object *gc_alloc(gc_heap *h, uint32_t nslots, uint32_t nbytes,
                                                                 uint16_t tag) {
    size_t osize = gc_object_size(nslots, nbytes);
    /* The fast path serves collectors with no allocation hooks and no prefix, outside poison mode
     * (h->fast_alloc; poison mode's reuse check is on the slow path):
     * then the cell size depends on the object's shape alone and, for a constant shape, the size
     * class, the cell size and the zeroing all fold into constants. */
    size_t need = gc_cell_need(0, osize);
    if (GC_LIKELY(need <= GC_SMALL_MAX && gc_heap_fast_alloc(h))) {
        unsigned c = gc_size_class(need);
        uint32_t cs = gc_class_bytes(c);
        void *cell = gc_take_cell(h, c, cs);
        if (GC_LIKELY(cell != NULL)) return gc_init_object(h, cell, cs, 0, nslots, nbytes, tag, osize);
    } else if (need <= GC_SMALL_MAX && gc_heap_fast_bump(h)) {
        /* The bump path (a copy space is the allocation space): one cursor for every size. */
        uint32_t cs = gc_class_bytes(gc_size_class(need));
        void *cell = gc_take_bump(h, cs);
        if (GC_LIKELY(cell != NULL)) return gc_init_object(h, cell, cs, 0, nslots, nbytes, tag, osize);
    } else if (need + sizeof(gc_link) <= GC_SMALL_MAX && gc_heap_fast_link(h) &&
               (nslots == 0 || h->tracked_count < h->tracked_limit)) {
        /* The tracking path (gc_track_objects): the prefix is a constant gc_link, so the same
         * folding applies; an object with slots is counted and linked where the slow path would. */
        unsigned c = gc_size_class(need + sizeof(gc_link));
        uint32_t cs = gc_class_bytes(c);
        void *cell = gc_take_cell(h, c, cs);
        if (GC_LIKELY(cell != NULL)) {
            gc_object *o = gc_init_object(h, cell, cs, sizeof(gc_link), nslots, nbytes, tag, osize);
            if (nslots) {
                h->tracked_count++;
                gc_link_append(h->track_list, gc_link_of(o));
            } else {
                memset(cell, 0, sizeof(gc_link)); /* an untracked object's prefix is zero */
            }
            return o;
        }
    }
    if (gc_heap_fast_prefixed(h)) {
        /* A collector's constant prefix, zeroed, served inline in either space (the sizes are
         * computed at run time: the prefix is the heap's, not a constant of the call site). */
        uint32_t p = h->prefix;
        size_t pneed = gc_cell_need(p, osize);
        if (GC_LIKELY(pneed <= GC_SMALL_MAX)) {
            unsigned c = gc_size_class(pneed);
            uint32_t cs = gc_class_bytes(c);
            void *cell = h->fast_prefixed == GC_FAST_PREFIXED_FREELIST ? gc_take_cell(h, c, cs) : gc_take_bump(h, cs);
            if (GC_LIKELY(cell != NULL)) {
                memset(cell, 0, p);
                return gc_init_object(h, cell, cs, p, nslots, nbytes, tag, osize);
            }
        }
    }
    return gc_alloc_slow(h, nslots, nbytes, tag);
}

/* --- the incremental barriers' shading (GC_BARRIER_SATB, GC_BARRIER_INSERT; core/incremental.c) ---
 * Shade o: if it is not marked, grey it (push it onto the mark stack) and count it. */
void gc_shade_slow(gc_heap *h, gc_object *o);
static inline void gc_shade(gc_heap *h, gc_object *o) {
    if (o && gc_mark_epoch_of(o) != h->mark_epoch) gc_shade_slow(h, o);
}

/* --- the remembered set of the logging barrier (GC_BARRIER_LOG; core/remset.c) ---
 * An object is logged (in the set, bit clear) or unlogged (bit set, GC_CFLAG_UNLOGGED), or
 * neither: then stores into it are not remembered (a nursery's objects). REMSET-1: every object
 * in the set is there once, and is exactly an object whose bit was cleared by gc_log_object since
 * the collector last took the set. */
/* The barrier's slow path, and a collector's own remembering (an old object it has just scanned
 * still refers to a young one): clear o's bit and append o to the set. Out of memory fails the
 * heap (GC_ERR_NOMEM) unless gc_remset_reserve made room. */
void gc_log_object(gc_heap *h, gc_object *o);
static inline void gc_log_arm(gc_object *o) { o->cflags |= GC_CFLAG_UNLOGGED; }
static inline bool gc_is_unlogged(const gc_object *o) { return (o->cflags & GC_CFLAG_UNLOGGED) != 0; }
/* Room for n more logged objects, so that logging them cannot fail; false: no memory. */
bool gc_remset_reserve(gc_heap *h, size_t n);
/* The objects logged so far, in logging order (valid until the next gc_log_object). */
size_t gc_remset_size(const gc_heap *h);
gc_object *const *gc_remset_objects(const gc_heap *h);
/* Empty the set (its objects keep their bits: the caller re-arms the ones it wants). */
void gc_remset_clear(gc_heap *h);

/* --- candidate cycle roots (GC_BARRIER_RC_CANDIDATES; core/refcount.c) ---
 * The buffer holds each candidate once (GC_CFLAG_BUFFERED set), in buffering order, until the
 * collector takes it out (gc_rc_unbuffer clears the bit; gc_rc_candidates_clear empties the
 * buffer). RC-1: an object is in the buffer exactly when its bit is set. */
void gc_rc_candidate(gc_heap *h, gc_object *o); /* buffer o (slow path of the barrier) */
/* o's count fell to a non-zero value (o has slots): purple, and buffered unless it is already. */
static inline void gc_rc_decremented(gc_heap *h, gc_object *o) {
    o->cflags |= GC_CFLAG_PURPLE;
    if (!(o->cflags & GC_CFLAG_BUFFERED)) gc_rc_candidate(h, o);
}
size_t gc_rc_candidates_size(const gc_heap *h);
gc_object *const *gc_rc_candidates(const gc_heap *h);
void gc_rc_candidates_clear(gc_heap *h); /* the caller has unbuffered every entry */
static inline void gc_rc_unbuffer(gc_object *o) { o->cflags &= (uint8_t)~(GC_CFLAG_BUFFERED | GC_CFLAG_PURPLE); }

/* Write `v` into the slot `*slot` with reference counting if the collector asked for it. */
static inline void gc_write_counted(gc_heap *h, gc_object **slot, gc_object *v) {
    /* One read of the barrier: the stores below may alias the heap, and a caller that knows it
     * (gc_set's RC branch) then has the candidate tests folded away. */
    const unsigned barrier = gc_heap_barrier(h);
    if (barrier & GC_BARRIER_RC) {
        if (v) {
            v->word++; /* retain the new value before releasing the old (v may equal old) */
            v->cflags &= (uint8_t)~GC_CFLAG_PURPLE; /* the core's bit under RC (object.h): one store, no test */
        }
        gc_object *old = *slot;
        *slot = v;
        if (old) {
            if (--old->word == 0) gc_rc_release(h, old);
            else if ((barrier & GC_BARRIER_RC_CANDIDATES) && old->nslots) /* no slots: no cycle (green) */
                gc_rc_decremented(h, old);
        }
    } else {
        *slot = v;
    }
}

/* The store barrier: o.slot[i] = v. The only way a slot is written (OBJ-1). */
static inline void gc_store(gc_heap *h, gc_object *o, uint32_t i, gc_object *v) {
    gc_object **slot = gc_slots(o) + i;
    if (GC_UNLIKELY(gc_heap_barrier(h) & GC_BARRIER_PRE)) h->ops->pre_store(h, o, slot, v);
    if ((gc_heap_barrier(h) & GC_BARRIER_LOG) && GC_UNLIKELY(o->cflags & GC_CFLAG_UNLOGGED)) gc_log_object(h, o);
    if ((gc_heap_barrier(h) & GC_BARRIER_SATB) && GC_UNLIKELY(h->marking)) gc_shade(h, *slot);
    if ((gc_heap_barrier(h) & GC_BARRIER_INSERT) && GC_UNLIKELY(h->marking)) gc_shade(h, v);
    gc_write_counted(h, slot, v);
    if (GC_UNLIKELY(gc_heap_barrier(h) & GC_BARRIER_POST)) h->ops->post_store(h, o, slot, v);
}

/* --- roots: a stack of frames of root slots, plus global roots (core/roots.c) --- */

/* Make room for `need` root slots (slow path of gc_frame_push; core/roots.c). */
bool gc_roots_reserve(gc_heap *h, uint64_t need);
#define GC_ROOTS_MAX ((uint32_t)1 << 30) /* root slots a heap may hold (gc_roots_reserve refuses more) */

/* Push a frame of n nil root slots; returns the index of its first slot. Root indices stay valid
 * while the frame is on the stack (the array may move; indices do not). */
static inline uint32_t gc_frame_push(gc_heap *h, uint32_t n) {
    uint32_t base = h->nroots;
    if (GC_UNLIKELY((uint64_t)base + n > h->roots_cap) && !gc_roots_reserve(h, (uint64_t)base + n)) return base;
    for (uint32_t i = 0; i < n; i++) h->roots[base + i] = NULL;
    h->nroots = base + n;
    return base;
}
/* Reserve n nil global root slots; returns the index of the first. */
uint32_t gc_globals_reserve(gc_heap *h, uint32_t n);
void gc_global_write(gc_heap *h, uint32_t g, gc_object *v);
static inline gc_object *gc_global(const gc_heap *h, uint32_t g) { return h->globals[g]; }

static inline void gc_root_write(gc_heap *h, uint32_t r, gc_object *v) {
    gc_write_counted(h, &h->roots[r], v);
}

/* Pop every frame from `base` up, releasing what its slots refer to (core/roots.c: each non-nil
 * slot is dropped, so a recorded trace releases exactly what the frame held). */
void gc_frame_pop_slow(gc_heap *h, uint32_t base);
static inline void gc_frame_pop(gc_heap *h, uint32_t base) {
    if (!(gc_heap_barrier(h) & GC_BARRIER_RC) && !gc_heap_recording(h)) {
        /* nothing to release or record: the slots simply stop being roots; each non-nil one still
         * counts as a drop, so that the operation counts are the same on every collector */
        for (uint32_t r = base; r < h->nroots; r++) h->counts.drops += h->roots[r] != NULL;
        h->nroots = base;
        return;
    }
    gc_frame_pop_slow(h, base);
}

/* The object a root slot holds (NULL for nil). Valid until the next allocation. */
static inline gc_object *gc_reg(const gc_heap *h, uint32_t r) { return h->roots[r]; }

#endif
