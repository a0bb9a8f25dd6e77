/* semispace: stop-the-world copying between two semispaces (Fenichel and Yochelson, CACM 1969;
 * Cheney, CACM 1970; MMTk's SemiSpace plan, Whippet's semi.c), depth or breadth first.
 *
 * Spaces: two copy spaces, `active` (the mutator bump-allocates there) and `idle` (empty between
 * collections); the core's large-object space for objects above GC_SMALL_MAX, marked in place and
 * swept. The size-class space stays empty.
 *
 * A collection is four named phases:
 *   reserve   (core/space_copy.c)  blocks promised to `idle` (obtained, not touched) for every
 *                                  byte `active` holds, and a grey slot for every object that
 *                                  may be scanned (every object of
 *                                  `active` and every large one), before anything moves: a
 *                                  copying collection cannot stop half way, so it fails (out of
 *                                  memory) before it starts or not at all;
 *   evacuate  (gclab/tracer.h)     roots, then every copied or large object's slots, visited by
 *                                  address: an object of `active` is copied to `idle` (once: its
 *                                  header then forwards) and the slot updated; a large object is
 *                                  marked and greyed. order=depth (the default): copies with
 *                                  slots are greyed too, the work list is a stack, so the copy
 *                                  is depth first; structures are mostly built depth first (a
 *                                  tree top-down, first child first), so this reads the
 *                                  from-space nearly in address order and lays the copies out
 *                                  the same way. order=breadth: Cheney's scan of the copies
 *                                  (with prefetching), better on a random graph. Measurements:
 *                                  docs/collectors/semispace.md;
 *   release   (core)               large objects not marked are freed; `active` is emptied, its
 *                                  blocks freed (poisoned in poison mode) but kept resident
 *                                  (gc_heap_retain_blocks: one semispace's worth), for the
 *                                  mutator's next allocations and the next collection's copies;
 *                                  what the reserve promised and the copies did not use is
 *                                  dropped. Giving the blocks back would cost a page fault per
 *                                  page at every collection, which on GCBench took more time
 *                                  than the copying;
 *   flip      (below)              `idle` becomes `active`, the allocation space; resize.
 *
 * Policy: the tracing collectors' heap-size rule (include/gclab/size_policy.h), over S, the cell
 * bytes the mutator may fill before a collection (the active semispace and large objects):
 *     S = max((1 + growth) * live_after, min_heap, (1 - shrink) * S_before)
 * with a default growth of 1, for the footprint: the resident set is S plus the survivors, about
 * (2 + growth) * live = 3 * live, where marksweep's is 1.75 * live (issue 11 allows twice). With a heap limit (trigger auto or full) it collects only at the limit; the core
 * counts the active semispace's bytes twice against --heap-limit (the copy reserve,
 * docs/metrics.md), so the mutator gets half of what the limit leaves after large objects:
 * fixed halves.
 *
 * Invariants, checked by verify outside a collection:
 *   SS-1  nothing is forwarded; `idle` and the size-class space hold nothing;
 *   SS-2  every non-nil root and slot refers to an object of `active` or of the large-object space. */
#include <stdio.h>
#include <stdlib.h>

#include "gclab/heap.h"
#include "gclab/size_policy.h"
#include "gclab/tracer.h"

typedef struct semispace {
    gc_copy_space *active, *idle;
    bool breadth; /* order=breadth: Cheney's scan of the copies; else depth first */
    gc_size_policy size;
    uint64_t collections, copied_objects, copied_bytes;
} semispace;

static const gc_param_desc semispace_params[] = {
    {"order", GC_PARAM_CHOICE, "depth", "", 0, 0, "depth|breadth",
     "copy order: depth first (the grey stack) or breadth first (Cheney's scan of the copies)"},
    GC_SIZE_POLICY_PARAMS("1", "semispace"),
    GC_PARAM_END,
};

/* The evacuation visitor: every slot that refers to `active` is made to refer to the copy.
 * Returns what to grey: a large object it has just marked and, depth first, a copy with slots
 * (breadth first, the tracer's Cheney scan reaches every copy by itself). `depth` is a constant
 * at each call site, so each order gets its own inlined visitor. */
__attribute__((always_inline)) static inline gc_object *ss_evacuate(gc_tracer *t, gc_object **slot, gc_copy_space *to,
                                                                    bool depth) {
    gc_object *o = *slot;
    if (gc_is_forwarded(o)) {
        *slot = gc_forwarded(o);
        return NULL;
    }
    if (o->flags & GC_OBJ_LARGE) return gc_mark_object(t->h, o) ? NULL : o;
    gc_object *copy = gc_copy_object(t->h, to, o);
    *slot = copy;
    return depth && copy->nslots ? copy : NULL;
}

__attribute__((always_inline)) static inline gc_object *ss_visit_depth(gc_tracer *t, gc_object **slot, void *ctx) {
    return ss_evacuate(t, slot, ctx, true);
}

__attribute__((always_inline)) static inline gc_object *ss_visit_breadth(gc_tracer *t, gc_object **slot, void *ctx) {
    return ss_evacuate(t, slot, ctx, false);
}

/* What the next cycle fills, the mutator's allocations and then its copies: one semispace. Its
 * free blocks stay resident (a few blocks more for the ends lost in blocks). */
static void ss_retain(gc_heap *h, const semispace *ss) {
    uint64_t half = ss->size.fixed_heap ? gc_heap_limit(h) / 2 : (uint64_t)ss->size.size;
    gc_heap_retain_blocks(h, half + half / 16);
}

static void ss_collect(gc_heap *h, int generation, gc_reason why) {
    (void)generation; /* one generation: every collection is full */
    semispace *ss = h->cstate;
    gc_pause p;
    gc_pause_begin(h, &p, "full", -1, why);
    uint64_t before = gc_heap_objects(h);
    gc_copy_space *from = ss->active, *to = ss->idle;

    /* reserve */
    gc_tracer t;
    gc_tracer_init(&t, h, ss->breadth ? to : NULL); /* breadth first: the copies are the work list */
    if (!gc_copy_reserve(h, to, gc_space_bytes(h, &from->space)) ||
        !gc_tracer_reserve(&t, gc_space_objects(h, gc_heap_large_space(h)) + gc_space_objects(h, &from->space))) {
        gc_tracer_destroy(&t);
        gc_pause_end(h, &p);
        gc_fail(h, GC_ERR_NOMEM, "semispace: out of memory for the copy reserve (nothing was moved)");
        return;
    }

    /* evacuate */
    gc_mark_begin(h); /* the large objects' marks */
    uint64_t copied_before = gc_space_objects(h, &to->space), bytes_before = gc_space_bytes(h, &to->space);
    if (ss->breadth) {
        gc_tracer_roots(&t, ss_visit_breadth, to);
        gc_tracer_step(&t, UINT64_MAX, ss_visit_breadth, to);
    } else {
        gc_tracer_roots(&t, ss_visit_depth, to);
        gc_tracer_step(&t, UINT64_MAX, ss_visit_depth, to);
    }
    gc_tracer_destroy(&t); /* cannot have failed: every grey slot was reserved */
    ss->copied_objects += gc_space_objects(h, &to->space) - copied_before;
    ss->copied_bytes += gc_space_bytes(h, &to->space) - bytes_before;

    /* release */
    gc_large_sweep(h);
    gc_heap_set_allocation_space(h, &to->space);
    gc_copy_space_set_evacuated(h, from, false);
    gc_copy_space_release(h, from); /* its blocks: free, resident (ss_retain) */
    gc_copy_reserve_trim(h, to);    /* the promise the copies did not need */

    /* flip */
    gc_copy_space_set_evacuated(h, to, true);
    ss->active = to;
    ss->idle = from;
    ss->collections++;
    p.collected = (int64_t)(before - gc_heap_objects(h));
    gc_size_policy_resize(h, &ss->size);
    ss_retain(h, ss);
    gc_pause_end(h, &p);
}

static void ss_poll(gc_heap *h) { ss_collect(h, -1, GC_REASON_TRIGGER); }

static int ss_init(gc_heap *h, const gc_params *p, char *err, size_t errlen) {
    semispace *ss = calloc(1, sizeof *ss);
    if (ss == NULL || (ss->active = gc_copy_space_create(h, "semispace-a")) == NULL ||
        (ss->idle = gc_copy_space_create(h, "semispace-b")) == NULL) {
        free(ss);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    ss->breadth = gc_param_choice(p, "order") == 1;
    if (gc_size_policy_init(h, &ss->size, p, "semispace", err, errlen) != 0) {
        free(ss);
        return -1;
    }
    h->cstate = ss;
    gc_heap_set_allocation_space(h, &ss->active->space);
    gc_copy_space_set_evacuated(h, ss->active, true);
    gc_size_policy_resize(h, &ss->size); /* the copy reserve changed the limit's headroom */
    ss_retain(h, ss);
    return 0;
}

static void ss_destroy(gc_heap *h) { free(h->cstate); } /* the heap destroys its spaces */

struct ss_check {
    const gc_space *active, *large;
    const char *bad; /* the first breach found */
};

static void check_ref(struct ss_check *c, const gc_object *v, const char *what) {
    if (v == NULL || c->bad) return;
    const gc_space *s = gc_space_of(v);
    if (s != c->active && s != c->large) c->bad = what;
    else if (gc_is_forwarded(v)) c->bad = "a forwarded object is referred to";
}

static void check_slots(gc_object *o, void *ctx) {
    for (uint32_t i = 0; i < o->nslots; i++) check_ref(ctx, gc_slots(o)[i], "a slot refers outside the semispace and the large objects");
}

static void check_root(gc_object **slot, void *ctx) { check_ref(ctx, *slot, "a root refers outside the semispace and the large objects"); }

static int ss_verify(gc_heap *h, char *msg, size_t len) {
    semispace *ss = h->cstate;
    if (gc_space_objects(h, &ss->idle->space) != 0) {
        snprintf(msg, len, "semispace: the idle semispace holds objects outside a collection (SS-1)");
        return -1;
    }
    if (gc_space_objects(h, gc_heap_sizeclass_space(h)) != 0) {
        snprintf(msg, len, "semispace: the size-class space holds objects (SS-1)");
        return -1;
    }
    struct ss_check c = {&ss->active->space, gc_heap_large_space(h), NULL};
    gc_roots_each(h, check_root, &c);
    gc_heap_each(h, check_slots, &c);
    if (c.bad) {
        snprintf(msg, len, "semispace: %s (SS-2)", c.bad);
        return -1;
    }
    return 0;
}

static void ss_report(gc_heap *h, gc_report_fn emit, void *ctx) {
    semispace *ss = h->cstate;
    emit(ctx, "collections", (int64_t)ss->collections);
    emit(ctx, "objects_copied", (int64_t)ss->copied_objects);
    emit(ctx, "bytes_copied", (int64_t)ss->copied_bytes);
}

const gc_collector_ops gc_collector_semispace = {
    .name = "semispace",
    .summary = "stop-the-world copying between two semispaces, depth first; large objects marked and swept in place",
    .caps = GC_CAP_RECLAIMS_CYCLES | GC_CAP_MOVING,
    .params = semispace_params,
    .stress_params = "min_heap=0,growth=0.25,shrink=1,order=breadth",
    .init = ss_init,
    .destroy = ss_destroy,
    .poll = ss_poll,
    .collect = ss_collect,
    .verify = ss_verify,
    .report = ss_report,
};
