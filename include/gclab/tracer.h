/* Tracing services for collectors: marking in place (core/mark.c) and a tracer that visits root
 * and object slots by address, so that a visitor can mark in place or forward and update the slot
 * (after Whippet's gc_trace_object and MMTk's trace_object, which returns the moved reference).
 *
 * Both keep their state explicitly and advance by a step function that takes a work budget and
 * returns the work done, so an incremental collector calls them a little at a time and a
 * stop-the-world one runs them to completion. Neither recurses, whatever the graph's depth. A work
 * list that cannot grow (out of memory) is never escaped by a longjmp from the middle of a trace:
 * the loss is recorded and reported when the trace ends (gc_mark_end, gc_tracer_failed).
 *
 * Marking (in place, the mark lane: epochs in the object headers; include/gclab/object.h):
 *     gc_mark_begin(h);                         take the next epoch: nothing is marked
 *     gc_mark_roots(h);                         grey every root
 *     while (!gc_mark_done(h)) gc_mark_step(h, budget);   or gc_mark_step(h, UINT64_MAX)
 *     marked = gc_mark_end(h);                  report a lost edge; objects marked
 * then gc_sweep or gc_sweep_lazily (gclab/heap.h), and gc_large_sweep is called by both.
 * gc_mark_from_roots(h, GC_BITS_MARK) is all of this at once.
 *
 * A copying collector's large objects (they never move) are marked in place from its visitor:
 *     gc_mark_begin(h);   before the trace: the next epoch (nothing is marked)
 *     return gc_mark_object(h, o) ? NULL : o;   in the visitor, for a GC_OBJ_LARGE object: grey
 *                                               it if this marked it
 *     gc_large_sweep(h);  after the trace: frees the large objects left unmarked
 * with no gc_mark_roots, gc_mark_step or gc_mark_end (the mark stack is not used; the grey objects
 * are the tracer's own).
 *
 * The visiting tracer (copying, or any policy of the collector's own):
 *     gc_tracer t; gc_tracer_init(&t, h, to);   to: a copy space whose copies are scanned (or NULL)
 *     gc_tracer_roots(&t, visit, ctx);          visit(&t, slot, ctx) for every non-nil root slot
 *     gc_tracer_step(&t, UINT64_MAX, visit, ctx);   every slot of every copy and grey object
 *     gc_tracer_destroy(&t);
 * The visitor decides what an edge means: forward it (gc_copy_object / gc_forwarded, then write
 * the slot), or mark its target in place (gc_mark_object). It returns the object to grey (its
 * slots are then visited by a later step), or NULL: a copy with slots, when the copies are not
 * scanned Cheney-style; a large object it has just marked. Returning it, rather than pushing it,
 * lets the step keep the grey stack in registers (on GCBench a fifth fewer instructions per
 * copied object than a push from the visitor): so inside gc_tracer_step and gc_tracer_roots a
 * visitor must not call gc_tracer_push (the heap fails with GC_ERR_VERIFY if it does). The step
 * is inline, so a visitor that is a constant static function is inlined into it: no indirect
 * call per edge. */
#ifndef GCLAB_TRACER_H
#define GCLAB_TRACER_H

#include "gclab/heap.h"

/* --- marking in place (core/mark.c) --- */
void gc_mark_begin(gc_heap *h);
void gc_mark_roots(gc_heap *h);
/* Grey o (an incremental collector's barrier, a remembered set's entry): it will be marked and
 * scanned by a later step. */
void gc_mark_push(gc_heap *h, gc_object *o);
/* Follow up to `budget` edges (popped work-list entries); returns how many were followed. */
uint64_t gc_mark_step(gc_heap *h, uint64_t budget);
bool gc_mark_done(const gc_heap *h); /* the work list is empty: the marking is complete */
/* End the marking: if an edge was lost (no memory for the mark stack), the heap fails now with
 * GC_ERR_NOMEM and the sweeps free nothing. Returns the objects marked (gc_heap_marked_bytes: their bytes). */
uint64_t gc_mark_end(gc_heap *h);
/* Mark one object in place in the mark lane (its header's epoch and its block's mark byte), for
 * a collector's own visitor; returns whether it was marked already. */
bool gc_mark_object(gc_heap *h, gc_object *o);

/* --- incremental marking (core/incremental.c), for a collector whose marking interleaves with
 * the mutator (its barrier GC_BARRIER_SATB or GC_BARRIER_INSERT):
 *     while (gc_sweep_step(h, budget) == budget) ...   sweep what the last cycle queued, in steps
 *     gc_incremental_begin(h);       a new epoch, the roots greyed (SATB: the snapshot), the
 *                                    barrier on, allocation black
 *     gc_mark_step(h, budget) ...    increments, between which the mutator runs
 *     gc_mark_roots(h); gc_mark_step(h, UINT64_MAX);   insertion only: the remark
 *     n = gc_incremental_end(h);     the barrier off; objects marked, black ones included
 *     gc_sweep_lazily(h, n);
 * INC-1: while a marking is in progress, no block is queued for a lazy sweep (every queued block
 * was swept first, under the last marking's epoch) and no free list or bump run is in use from
 * before it (they are dropped: their cells stay FREE and the next sweep threads them again), so
 * every cell handed out is in a block the sweep after the marking keeps (its block-mark byte is
 * the marking's) and carries the marking's epoch: allocated black. */
void gc_incremental_begin(gc_heap *h);
uint64_t gc_incremental_end(gc_heap *h);
/* Sweep up to `budget` queued blocks now; returns how many (less than budget: none is left). */
uint64_t gc_sweep_step(gc_heap *h, uint64_t budget);
uint64_t gc_heap_shaded(const gc_heap *h);         /* objects the barrier greyed, all markings */
uint64_t gc_heap_allocated_black(const gc_heap *h); /* objects allocated black, all markings */
/* Verify mode, between increments: INC-2, the barrier's invariant over the whole heap. strong
 * (insertion): no marked (black) object has a slot referring to an unmarked object that is not
 * grey (an edge on the mark stack). weak (SATB): every such white object, and every root's, is
 * reachable from a grey object through white ones. 0, or -1 with a message. */
int gc_incremental_verify(gc_heap *h, bool strong, char *msg, size_t len);
/* Verify mode, when a marking has ended and before its sweep: INC-3, every object reachable from
 * the roots is marked; *floating: the marked objects that are not (floating garbage). */
int gc_incremental_verify_complete(gc_heap *h, uint64_t *floating, char *msg, size_t len);

/* --- the visiting tracer --- */
typedef struct gc_tracer {
    gc_heap *h;            /* the heap being traced: a visitor reads it (t->h); nothing else writes it */
    gc_copy_space *copies; /* copies made into it are scanned, Cheney-style; may be NULL */
    gc_stack grey;         /* objects to scan that are not in `copies` */
    bool failed;           /* an object could not be greyed: out of memory (gc_tracer_failed) */
    bool stepping;         /* inside gc_tracer_step or gc_tracer_roots: the grey stack is the step's */
    uint64_t scanned;      /* objects scanned so far */
    char *ahead;           /* copies before it, in the scan block, have had their slots' targets prefetched */
} gc_tracer;

/* Visit one non-nil slot; returns the object to grey, or NULL. */
typedef gc_object *(*gc_visit_fn)(gc_tracer *t, gc_object **slot, void *ctx);

/* `copies`: scanning starts at the next object copied into it. */
void gc_tracer_init(gc_tracer *t, gc_heap *h, gc_copy_space *copies);
/* Make room for n grey objects now, so that pushing them later cannot fail; false: no memory. */
bool gc_tracer_reserve(gc_tracer *t, size_t n);
void gc_tracer_destroy(gc_tracer *t);
static inline bool gc_tracer_failed(const gc_tracer *t) { return t->failed; }

/* Grey o from outside a step (a barrier, a remembered set): a later step scans its slots. */
void gc_tracer_push_misused(gc_tracer *t); /* core/tracer.c: fails the heap */
static inline void gc_tracer_push(gc_tracer *t, gc_object *o) {
    if (GC_UNLIKELY(t->stepping)) gc_tracer_push_misused(t);
    else if (GC_UNLIKELY(!gc_stack_push(&t->grey, o))) t->failed = true;
}

/* The step's own push, onto the grey stack it holds in locals: `len` items at `*items`, room for
 * `*cap`; grows the stack when full (the locals are written back first). */
bool gc_tracer_grow(gc_tracer *t, size_t len); /* core/tracer.c */
__attribute__((always_inline)) static inline void gc_tracer_push_local(gc_tracer *t, gc_object ***items, size_t *len,
                                                                     size_t *cap, gc_object *o) {
    if (GC_UNLIKELY(*len == *cap)) {
        if (!gc_tracer_grow(t, *len)) {
            t->failed = true;
            return;
        }
        *items = t->grey.items;
        *cap = t->grey.cap;
    }
    (*items)[(*len)++] = o;
}

/* The next object copied into s and not yet scanned, or NULL (core/space_copy.c). */
gc_object *gc_copy_scan_next_block(gc_heap *h, gc_copy_space *s);
static inline gc_object *gc_copy_scan_next(gc_heap *h, gc_copy_space *s) {
    gc_block *b = s->scan_block;
    /* the end of the scan block's copies: the cursor in the last block (the scan is never in
     * the allocation space: it receives no copies) */
    if (GC_LIKELY(b != NULL && s->scan < (b == s->last ? s->cursor : b->cells + b->used))) {
        gc_object *o = (gc_object *)(s->scan + h->prefix);
        s->scan += gc_cell_size_of(h, o);
        return o;
    }
    return gc_copy_scan_next_block(h, s);
}

/* Copy n 8-byte words: cells are mostly a few words, where an unrolled copy beats a call. */
static inline void gc_copy_words(uint64_t *restrict d, const uint64_t *restrict s, size_t n) {
    switch (n) {
    case 8: d[7] = s[7]; /* fall through */
    case 7: d[6] = s[6]; /* fall through */
    case 6: d[5] = s[5]; /* fall through */
    case 5: d[4] = s[4]; /* fall through */
    case 4: d[3] = s[3]; /* fall through */
    case 3: d[2] = s[2]; /* fall through */
    case 2: d[1] = s[1]; /* fall through */
    case 1: d[0] = s[0]; /* fall through */
    case 0: return;
    default: memcpy(d, s, n * sizeof *d);
    }
}

gc_object *gc_copy_object_slow(gc_heap *h, gc_copy_space *to, gc_object *o);
__attribute__((always_inline)) static inline gc_object *gc_copy_object(gc_heap *h, gc_copy_space *to, gc_object *o) {
    uint32_t cs = gc_cell_size_of(h, o);
    char *cell = to->cursor;
    if (GC_UNLIKELY((size_t)(to->limit - cell) < cs)) return gc_copy_object_slow(h, to, o);
    to->cursor = cell + cs;
    gc_copy_words((uint64_t *)cell, (const uint64_t *)gc_cell_of(h, o), cs / sizeof(uint64_t));
    gc_object *copy = (gc_object *)(cell + h->prefix);
    gc_forward(o, copy);
    to->space.objects++;
    to->space.bytes += cs;
    h->objects_live++;
    h->heap_bytes += cs;
    return copy;
}

__attribute__((always_inline)) static inline void gc_tracer_roots(gc_tracer *t, gc_visit_fn visit, void *ctx) {
    gc_heap *h = t->h;
    gc_object **items = t->grey.items, *g;
    size_t len = t->grey.len, cap = t->grey.cap;
    t->stepping = true;
    for (uint32_t i = 0; i < h->nroots; i++)
        if (h->roots[i] && (g = visit(t, &h->roots[i], ctx)) != NULL) gc_tracer_push_local(t, &items, &len, &cap, g);
    for (uint32_t i = 0; i < h->nglobals; i++)
        if (h->globals[i] && (g = visit(t, &h->globals[i], ctx)) != NULL)
            gc_tracer_push_local(t, &items, &len, &cap, g);
    t->grey.len = len;
    t->stepping = false;
}

/* Bytes of copies ahead of the Cheney scan whose slots' targets are prefetched. A copied object's
 * slots still refer to the originals, which are read (a forwarding test) when the slot is
 * visited: in a heap larger than the cache, each such read misses. Prefetching them a few dozen
 * objects before the scan reaches them overlaps those misses, as the mark loop's FIFO does. */
enum { GC_TRACER_AHEAD_BYTES = 1024 };

__attribute__((always_inline)) static inline void gc_tracer_prefetch_ahead(gc_tracer *t, gc_copy_space *s) {
    gc_block *b = s->scan_block;
    if (b == NULL) return;
    char *end = b == s->last ? s->cursor : b->cells + b->used;
    char *a = t->ahead;
    if (a < s->scan || a > end) a = s->scan; /* the scan moved to another block */
    char *stop = s->scan + GC_TRACER_AHEAD_BYTES < end ? s->scan + GC_TRACER_AHEAD_BYTES : end;
    while (a < stop) {
        gc_object *o = (gc_object *)(a + t->h->prefix);
        gc_object **slot = gc_slots(o);
        uint32_t n = o->nslots < 4 ? o->nslots : 4;
        for (uint32_t i = 0; i < n; i++)
            if (slot[i]) __builtin_prefetch(slot[i], 1);
        a += gc_cell_size_of(t->h, o);
    }
    t->ahead = a;
}

/* Called after an object's slots have all been visited (gc_tracer_step_scanned): a generational
 * collector remembers there an old object that still refers to a young one. */
typedef void (*gc_scanned_fn)(gc_tracer *t, gc_object *o, void *ctx);

/* Scan up to `budget` objects (copies first, then grey objects), visiting each non-nil slot, then
 * calling scanned(t, o, ctx) unless it is NULL (a constant NULL costs nothing: the step is
 * inline); returns the objects scanned. The trace is complete when it returns less than the
 * budget. gc_tracer_step below is this with no `scanned`. */
__attribute__((always_inline)) static inline uint64_t gc_tracer_step_scanned(gc_tracer *t, uint64_t budget,
                                                                             gc_visit_fn visit, gc_scanned_fn scanned,
                                                                             void *ctx) {
    uint64_t done = 0;
    gc_copy_space *copies = t->copies; /* fixed for the tracer's life: one load, not one per object */
    /* The grey stack in locals (no store of the visitor's can alias them), written back at the end. */
    gc_object **items = t->grey.items, *g;
    size_t len = t->grey.len, cap = t->grey.cap;
    t->stepping = true;
    if (copies == NULL && budget == UINT64_MAX) {
        /* Run to completion over the grey stack alone (a depth-first copy, a stop-the-world
         * marking): the same loop with fewer live values, so they all stay in registers. */
        while (len > 0) {
            gc_object *o = items[--len];
            gc_object **slot = gc_slots(o), **end = slot + o->nslots;
            for (; slot < end; slot++)
                if (*slot && (g = visit(t, slot, ctx)) != NULL) gc_tracer_push_local(t, &items, &len, &cap, g);
            if (scanned) scanned(t, o, ctx);
            done++;
        }
    }
    while (done < budget) {
        gc_object *o = NULL;
        if (copies) {
            gc_tracer_prefetch_ahead(t, copies);
            o = gc_copy_scan_next(t->h, copies);
        }
        if (o == NULL) {
            if (len == 0) break;
            o = items[--len];
        }
        gc_object **slot = gc_slots(o), **end = slot + o->nslots;
        for (; slot < end; slot++)
            if (*slot && (g = visit(t, slot, ctx)) != NULL) gc_tracer_push_local(t, &items, &len, &cap, g);
        if (scanned) scanned(t, o, ctx);
        done++;
    }
    t->grey.len = len;
    t->stepping = false;
    t->scanned += done;
    return done;
}

__attribute__((always_inline)) static inline uint64_t gc_tracer_step(gc_tracer *t, uint64_t budget,
                                                                     gc_visit_fn visit, void *ctx) {
    return gc_tracer_step_scanned(t, budget, visit, NULL, ctx);
}

static inline bool gc_tracer_done(const gc_tracer *t) {
    return t->grey.len == 0 && (t->copies == NULL || t->copies->scan == t->copies->cursor);
}

#endif
