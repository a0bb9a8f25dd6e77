/* semispace: stop-the-world Cheney copying between two copy spaces (Cheney, CACM 1970; MMTk's
 * SemiSpace plan, Whippet's semi.c).
 *
 * Spaces: two copy spaces, `active` (the mutator bump-allocates there) and `idle` (empty between
 * collections); the core's large-object space for objects above GC_SMALL_MAX, marked in place and
 * swept. The size-class space stays empty.
 *
 * A collection is four named phases:
 *   reserve   (core/space_copy.c)  blocks in `idle` for every byte `active` holds, and a grey
 *                                  slot for every large object, before anything moves: a
 *                                  copying collection cannot stop half way, so it fails (out of
 *                                  memory) before it starts or not at all;
 *   evacuate  (gclab/tracer.h)     roots, then every copied or large object's slots, visited by
 *                                  address: an object of `active` is copied to `idle` (once: its
 *                                  header then forwards) and the slot updated; a large object is
 *                                  marked and greyed. The copies are scanned in the order they
 *                                  were made, so the to-space is the work list (breadth first);
 *   release   (core)               large objects not marked are freed; `active` is emptied, its
 *                                  blocks kept as the next collection's reserve (poisoned in
 *                                  poison mode). Both semispaces' blocks stay resident: giving
 *                                  the idle one's back would cost a page fault per page at every
 *                                  collection, which on GCBench took more time than the copying;
 *   flip      (below)              `idle` becomes `active`, the allocation space; resize.
 *
 * Policy (parameter `trigger`, as marksweep's):
 *   growth  the semispace size S (cell bytes the mutator may fill before a collection) is
 *               S = max((1 + growth) * live_after, min_heap, (1 - shrink) * S_before)
 *           after each collection, with live_after the bytes that survived it (copies and large
 *           objects): marksweep's rule (with a smaller default growth, 0.5, since a semispace holds
 *           its size twice: peak footprint about 2 * S = 3 * live, where marksweep's is 1.75 * live), for the same reason (a structure that grew and died, such
 *           as GCBench's stretch tree, leaves room that later collections reuse instead of
 *           collecting more often; with the default shrink = 0 the size never falls). The memory a collection needs is S + live_after (the copies are made while
 *           `active` is still held), and both semispaces stay resident, so the footprint is about 2 * S.
 *   full    collect only when the heap limit would be crossed. The core counts an evacuated
 *           space's bytes twice against --heap-limit (the copy reserve, docs/metrics.md), so the
 *           mutator gets half of what the limit leaves after large objects: fixed halves.
 *   auto    (default) `full` with a heap limit, `growth` otherwise.
 *
 * Invariants, checked by verify outside a collection:
 *   SS-1  nothing is forwarded; `idle` and the size-class space hold nothing;
 *   SS-2  every non-nil root and slot refers to an object of `active` or of the large-object space. */
#include <stdio.h>
#include <stdlib.h>

#include "gclab/heap.h"
#include "gclab/tracer.h"

typedef struct semispace {
    gc_copy_space *active, *idle;
    bool fixed_heap;
    double growth, shrink;
    int64_t min_heap;
    double size; /* S of the growth policy, in cell bytes */
    uint64_t collections, copied_objects, copied_bytes;
} semispace;

static const gc_param_desc semispace_params[] = {
    {"trigger", GC_PARAM_CHOICE, "auto", "", 0, 0, "auto|growth|full",
     "when to collect: growth policy, only at the heap limit (full), or full iff a limit is set (auto)"},
    {"growth", GC_PARAM_REAL, "0.5", "ratio", 0.05, 100, NULL,
     "the semispace holds (1 + growth) times the bytes that survived the last collection"},
    {"shrink", GC_PARAM_REAL, "0", "ratio", 0, 1, NULL,
     "fraction by which the semispace size may fall at one collection (0: never shrinks; 1: follows the live data)"},
    {"min_heap", GC_PARAM_SIZE, "4M", "bytes", 0, 1e15, NULL,
     "no collection is triggered by the policy while the semispace holds less than this"},
    GC_PARAM_END,
};

static void ss_resize(gc_heap *h, semispace *ss) {
    if (ss->fixed_heap) {
        gc_set_trigger(h, INT64_MAX); /* the core's heap-limit check triggers every collection */
        return;
    }
    double live = (double)h->heap_bytes;
    double size = (1.0 + ss->growth) * live;
    if (size < (double)ss->min_heap) size = (double)ss->min_heap;
    double kept = (1.0 - ss->shrink) * ss->size;
    if (size < kept) size = kept;
    ss->size = size;
    double budget = size - live;
    if (budget < GC_BLOCK_SIZE) budget = GC_BLOCK_SIZE; /* one block: never a collection per allocation */
    gc_set_trigger(h, budget > 9e18 ? INT64_MAX : (int64_t)budget);
}

/* The evacuation visitor: every slot that refers to `active` is made to refer to the copy. */
__attribute__((always_inline)) static inline void ss_visit(gc_tracer *t, gc_object **slot, void *ctx) {
    gc_copy_space *to = ctx;
    gc_object *o = *slot;
    if (gc_is_forwarded(o)) {
        *slot = gc_forwarded(o);
    } else if (o->flags & GC_OBJ_LARGE) {
        if (!gc_mark_object(t->h, o)) gc_tracer_push(t, o);
    } else {
        *slot = gc_copy_object(t->h, to, o);
    }
}

static void ss_collect(gc_heap *h, int generation, gc_reason why) {
    (void)generation; /* one generation: every collection is full */
    semispace *ss = h->cstate;
    gc_pause p;
    gc_pause_begin(h, &p, "full", -1, why);
    uint64_t before = h->objects_live;
    gc_copy_space *from = ss->active, *to = ss->idle;

    /* reserve */
    gc_tracer t;
    gc_tracer_init(&t, h, to);
    if (!gc_copy_reserve(h, to, gc_space_bytes(h, &from->space)) ||
        !gc_tracer_reserve(&t, gc_space_objects(h, gc_heap_large_space(h)))) {
        gc_tracer_destroy(&t);
        gc_pause_end(h, &p);
        gc_fail(h, GC_ERR_NOMEM, "semispace: out of memory for the copy reserve (nothing was moved)");
        return;
    }

    /* evacuate */
    gc_mark_begin(h); /* the large objects' marks */
    uint64_t copied_before = gc_space_objects(h, &to->space), bytes_before = gc_space_bytes(h, &to->space);
    gc_tracer_roots(&t, ss_visit, to);
    gc_tracer_step(&t, UINT64_MAX, ss_visit, to);
    gc_tracer_destroy(&t); /* cannot have failed: every grey slot was reserved */
    ss->copied_objects += gc_space_objects(h, &to->space) - copied_before;
    ss->copied_bytes += gc_space_bytes(h, &to->space) - bytes_before;

    /* release */
    gc_large_sweep(h);
    gc_heap_set_allocation_space(h, &to->space);
    gc_copy_space_set_evacuated(h, from, false);
    gc_copy_space_release(h, from); /* its blocks: the next collection's reserve */

    /* flip */
    gc_copy_space_set_evacuated(h, to, true);
    ss->active = to;
    ss->idle = from;
    ss->collections++;
    p.collected = (int64_t)(before - h->objects_live);
    ss_resize(h, ss);
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
    int trigger = gc_param_choice(p, "trigger"); /* 0 auto, 1 growth, 2 full */
    ss->fixed_heap = trigger == 2 || (trigger == 0 && gc_heap_limit(h) != 0);
    if (trigger == 2 && gc_heap_limit(h) == 0) {
        snprintf(err, errlen, "semispace: trigger=full needs a heap limit (--heap-limit)");
        free(ss);
        return -1;
    }
    ss->growth = gc_param_real(p, "growth");
    ss->shrink = gc_param_real(p, "shrink");
    ss->min_heap = gc_param_int(p, "min_heap");
    h->cstate = ss;
    gc_heap_set_allocation_space(h, &ss->active->space);
    gc_copy_space_set_evacuated(h, ss->active, true);
    ss_resize(h, ss);
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
    if (gc_space_objects(h, &ss->idle->space) != 0 || ss->idle->first != NULL) {
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
    .summary = "stop-the-world Cheney copying between two semispaces; large objects marked and swept in place",
    .caps = GC_CAP_RECLAIMS_CYCLES | GC_CAP_MOVING,
    .params = semispace_params,
    .stress_params = "min_heap=0,growth=0.25,shrink=1",
    .init = ss_init,
    .destroy = ss_destroy,
    .poll = ss_poll,
    .collect = ss_collect,
    .verify = ss_verify,
    .report = ss_report,
};
