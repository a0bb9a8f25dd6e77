/* The event-listener table: how collectors report, without ever printing.
 *
 * A collector brackets every pause with gc_pause_begin()/gc_pause_end() (include/gclab/heap.h);
 * the core times it, fills in the heap figures and calls the listener. The metrics recorder
 * (core/metrics.c) is one listener; tests install their own. */
#ifndef GCLAB_EVENTS_H
#define GCLAB_EVENTS_H

#include <stdint.h>

struct gc_heap;

/* Why a collection runs. */
typedef enum gc_reason {
    GC_REASON_TRIGGER,    /* the collector's own policy (allocation budget, thresholds) */
    GC_REASON_EXPLICIT,   /* the mutator asked (gc_collect, trace `collect G`) */
    GC_REASON_HEAP_LIMIT, /* the next allocation would exceed --heap-limit */
    GC_REASON_RELEASE,    /* a reference count reached zero and the free cascade is timed */
} gc_reason;

const char *gc_reason_name(gc_reason r);

/* One pause. Counts are the core's own accounting (objects and cell bytes the heap holds). */
typedef struct gc_pause {
    uint64_t seq;            /* 0, 1, 2, ... in order of start */
    const char *kind;        /* "full", "cascade", "gen", ... (the collector's word, documented) */
    int generation;          /* generation collected, or -1 where generations do not apply */
    gc_reason reason;
    uint64_t start_ns;       /* CLOCK_MONOTONIC, relative to the heap's creation */
    uint64_t end_ns;
    uint64_t alloc_index;    /* allocations made before the pause began */
    uint64_t objects_before, bytes_before;
    uint64_t objects_after, bytes_after;
    int64_t collected;       /* collector-defined count (CPython's `collected`), or -1 */
} gc_pause;

typedef struct gc_listener {
    void *ctx;
    /* Each may be NULL. pause_start runs before a collection does any work; pause_end after it.
     * An RC free cascade is known to be a pause only when it ends (it must free at least
     * cascade_pause_min objects), so cascades call pause_end alone; their timing starts once a
     * second object is due, after the first is freed (core/refcount.c). */
    void (*pause_start)(void *ctx, struct gc_heap *h, const gc_pause *p);
    void (*pause_end)(void *ctx, struct gc_heap *h, const gc_pause *p);
    /* Called every `sample_every` bytes of allocation (gc_heap_config), outside any pause. */
    void (*sample)(void *ctx, struct gc_heap *h);
} gc_listener;

#endif
