/* The collector interface: one const table per collector (collectors/<name>.c), listed in
 * collectors/registry.c. The core calls only through this table and knows no collector by name.
 *
 * What the core does for every collector: blocks and spaces to allocate in (core/block.c, core/space_*.c:
 * include/gclab/space.h), roots, the store
 * barrier's reference counting when GC_BARRIER_RC is asked for, the RC free cascade
 * (core/refcount.c), marking with an explicit stack and sweeping (core/mark.c, core/space_sizeclass.c),
 * copying and a visiting tracer (core/space_copy.c, include/gclab/tracer.h), the
 * census, pause timing and the heap limit. A collector is its policy and phases on top. */
#ifndef GCLAB_COLLECTOR_H
#define GCLAB_COLLECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "gclab/events.h"
#include "gclab/object.h"
#include "gclab/params.h"

struct gc_heap;

/* Capability flags. */
enum {
    GC_CAP_RECLAIMS_CYCLES = 1u << 0, /* a full collection frees all unreachable objects */
    GC_CAP_MOVING = 1u << 1,
    GC_CAP_GENERATIONAL = 1u << 2,
    GC_CAP_INCREMENTAL = 1u << 3,
    GC_CAP_REFCOUNT = 1u << 4, /* frees objects when their count reaches zero */
    /* With GC_BARRIER_RC_CANDIDATES: a candidate whose count reaches zero stays in the heap
     * (buffered, its slots cleared) until the collector's next collection; every other object
     * is still freed at zero. So acyclic garbage may be held, but only as buffered objects. */
    GC_CAP_DEFERS_RELEASE = 1u << 5,
};

/* Store-barrier work the collector needs from gc_store() and root writes. */
enum {
    GC_BARRIER_RC = 1u << 0,   /* count references in slots and roots; release at zero */
    GC_BARRIER_PRE = 1u << 1,  /* call ops->pre_store before a slot store (snapshot barriers) */
    GC_BARRIER_POST = 1u << 2, /* call ops->post_store after a slot store (remembered sets) */
    /* The object-remembering barrier, inline: a slot store into an object carrying
     * GC_CFLAG_UNLOGGED first logs it (clears the bit, appends it to the heap's remembered set:
     * gc_log_object). One test of a header byte the store is about to dirty; no call per store.
     * Objects of the large-object space are born unlogged (they are old from birth); the
     * collector arms others with gc_log_arm. Root writes take no barrier. */
    GC_BARRIER_LOG = 1u << 3,
    /* The incremental barriers, inline, active only while h->marking (gc_incremental_begin):
     * SATB (Yuasa's deletion barrier) shades the value a slot store overwrites; INSERT
     * (Dijkstra's) shades the value stored. Root writes take neither (SATB: the roots were
     * snapshotted when the marking began; insertion: the roots are rescanned at its end). */
    GC_BARRIER_SATB = 1u << 4,
    GC_BARRIER_INSERT = 1u << 5,
    /* With GC_BARRIER_RC: every count that falls to a non-zero value, in a slot or a root write or
     * in the free cascade, buffers its object as a candidate cycle root (Bacon and Rajan's purple),
     * once: a header bit test when it is buffered already (GC_CFLAG_BUFFERED, gc_rc_candidates). */
    GC_BARRIER_RC_CANDIDATES = 1u << 6,
};

/* Mutator requests that some collectors honour (CPython's gc module); others ignore them. */
typedef enum gc_control_op {
    GC_CTL_DISABLE,
    GC_CTL_ENABLE,
    GC_CTL_FREEZE,
    GC_CTL_UNFREEZE,
    GC_CTL_THRESHOLD, /* args: up to three thresholds */
} gc_control_op;

/* A collector reports figures of its own (summary.json) through this callback: `key` is a dotted
 * path ("generations.0.collections"), `value` a count. */
typedef void (*gc_report_fn)(void *ctx, const char *key, int64_t value);

typedef struct gc_collector_ops {
    const char *name;
    const char *summary;          /* one line for `gclab list` */
    unsigned caps;                /* GC_CAP_* */
    unsigned barrier;             /* GC_BARRIER_* */
    uint32_t prefix;              /* bytes the collector keeps before each object's header */
    const gc_param_desc *params;  /* may be NULL */
    /* Parameter overrides ("name=value,...") that make the collector collect often (small budgets,
     * low thresholds), or NULL: the conformance tests run half their programs with them, so that
     * collections the collector starts by itself interrupt the random programs. */
    const char *stress_params;

    /* Set up h->cstate. Returns 0, or -1 with a message. */
    int (*init)(struct gc_heap *h, const gc_params *p, char *err, size_t errlen);
    void (*destroy)(struct gc_heap *h);
    /* The budget set with gc_set_trigger() ran out. The collector collects or re-arms. */
    void (*poll)(struct gc_heap *h);
    /* Collect `generation` (-1: everything this collector can). Must be safe at any allocation
     * point and while automatic collection is disabled. */
    void (*collect)(struct gc_heap *h, int generation, gc_reason why);
    /* Optional hooks; a non-NULL before_alloc or after_alloc sends every allocation through the
     * slow path (except for a collector that tracks objects: gc_track_objects in heap.h).
     * before_alloc runs before the cell exists and may collect. */
    void (*before_alloc)(struct gc_heap *h, uint32_t nslots);
    void (*after_alloc)(struct gc_heap *h, gc_object *o);
    /* Reference counting is about to free `o` (its count reached zero). */
    void (*on_free)(struct gc_heap *h, gc_object *o);
    void (*pre_store)(struct gc_heap *h, gc_object *o, gc_object **slot, gc_object *value);
    void (*post_store)(struct gc_heap *h, gc_object *o, gc_object **slot, gc_object *value);
    /* Returns 0 if honoured or meaningless for this collector (documented per collector). */
    int (*control)(struct gc_heap *h, gc_control_op op, const int64_t *args, int nargs);
    /* Check the collector's invariants over the whole heap. 0, or -1 with a message. */
    int (*verify)(struct gc_heap *h, char *msg, size_t len);
    /* Report collector-specific figures; may be NULL. */
    void (*report)(struct gc_heap *h, gc_report_fn emit, void *ctx);
} gc_collector_ops;

/* The registry (collectors/registry.c): NULL-terminated. */
extern const gc_collector_ops *const gc_collectors[];
const gc_collector_ops *gc_collector_find(const char *name);

#endif
