/* The mutator's operations: how workloads (and trace replay) change the object graph.
 *
 * A workload holds objects only in root slots ("registers") and acts on them with the five
 * operations below, which are exactly the operations of a gclab trace (docs/trace-format.md):
 * so every workload is precise (HEAP-3), safe under moving collectors, and recordable as a trace
 * that replays the same operations on any collector. Each operation is counted in h->counts. */
#ifndef GCLAB_MUTATOR_H
#define GCLAB_MUTATOR_H

#include "gclab/heap.h"

#define GC_NIL UINT32_MAX /* "no register": stands for nil in gc_set */

typedef enum gc_op {
    GC_OP_NEW,     /* r = new object (nslots, nbytes) */
    GC_OP_SET,     /* r.slot[s] = r2 (or nil) */
    GC_OP_GET,     /* r = r2.slot[s] */
    GC_OP_COPY,    /* r = r2 */
    GC_OP_DROP,    /* r = nil */
    GC_OP_COLLECT, /* explicit collection of generation a */
} gc_op;

/* Trace recording hook (core/trace_record.c); called only while h->recorder is set. */
void gc_record(gc_heap *h, gc_op op, uint64_t a, uint64_t b, uint64_t c);
void gc_record_control(gc_heap *h, gc_control_op op, const int64_t *args, int nargs);

/* r = a new object with nslots nil slots and nbytes zero bytes. r's old value is released after
 * the allocation (so it stays alive during it). */
__attribute__((always_inline)) static inline void gc_new(gc_heap *h, uint32_t r, uint32_t nslots, uint32_t nbytes,
                                                        uint16_t tag) {
    gc_object *o = gc_alloc(h, nslots, nbytes, tag);
    if (GC_UNLIKELY(o == NULL)) return; /* the fatal handler returned: h->error is set */
    gc_root_write(h, r, o);
    if (GC_UNLIKELY(gc_heap_recording(h))) gc_record(h, GC_OP_NEW, r, nslots, nbytes);
}

/* (object in r).slot[s] = (object in r2), or nil when r2 is GC_NIL. r must hold an object. */
static inline void gc_set(gc_heap *h, uint32_t r, uint32_t s, uint32_t r2) {
    h->counts.sets++;
    gc_object *o = h->roots[r], *v = r2 == GC_NIL ? NULL : h->roots[r2];
    /* The two common barriers decided by one comparison each, instead of gc_store's three flag
     * tests: the run-time choice of collector then costs about what a fixed one does. */
    unsigned barrier = gc_heap_barrier(h);
    if (GC_LIKELY(barrier == 0)) gc_slots(o)[s] = v;
    else if (barrier == GC_BARRIER_RC) gc_write_counted(h, gc_slots(o) + s, v);
    else if (barrier == GC_BARRIER_LOG) {
        if (GC_UNLIKELY(o->cflags & GC_CFLAG_UNLOGGED)) gc_log_object(h, o);
        gc_slots(o)[s] = v;
    } else if (barrier == GC_BARRIER_SATB) {
        if (GC_UNLIKELY(h->marking)) gc_shade(h, gc_slots(o)[s]); /* the value about to be lost */
        gc_slots(o)[s] = v;
    } else if (barrier == GC_BARRIER_INSERT) {
        if (GC_UNLIKELY(h->marking)) gc_shade(h, v); /* the value stored */
        gc_slots(o)[s] = v;
    } else gc_store(h, o, s, v);
    if (GC_UNLIKELY(gc_heap_recording(h))) gc_record(h, GC_OP_SET, r, s, r2);
}

/* r = (object in r2).slot[s]. r2 must hold an object. */
static inline void gc_get(gc_heap *h, uint32_t r, uint32_t r2, uint32_t s) {
    h->counts.gets++;
    gc_root_write(h, r, gc_slots(h->roots[r2])[s]);
    if (GC_UNLIKELY(gc_heap_recording(h))) gc_record(h, GC_OP_GET, r, r2, s);
}

/* r = r2. */
static inline void gc_copy(gc_heap *h, uint32_t r, uint32_t r2) {
    h->counts.copies++;
    gc_root_write(h, r, h->roots[r2]);
    if (GC_UNLIKELY(gc_heap_recording(h))) gc_record(h, GC_OP_COPY, r, r2, 0);
}

/* r = nil. */
static inline void gc_drop(gc_heap *h, uint32_t r) {
    h->counts.drops++;
    gc_root_write(h, r, NULL);
    if (GC_UNLIKELY(gc_heap_recording(h))) gc_record(h, GC_OP_DROP, r, 0, 0);
}

/* Is slot s of the object in r nil? (Reading is free: no barrier, no count.) */
static inline bool gc_slot_is_nil(const gc_heap *h, uint32_t r, uint32_t s) {
    return gc_slots(h->roots[r])[s] == NULL;
}

#endif
