/* my-cheney: a copying collector written outside gclab, against its installed headers alone.
 *
 * Two semispaces of a fixed size, with no growth policy: the mutator bump-allocates in `active`
 * until `semispace` bytes of cells (survivors included) fill it, then every live object is
 * copied into `idle` and the two swap. Objects above GC_SMALL_MAX live in the core's
 * large-object space, which never moves: they are marked in place and the unmarked ones swept.
 * gclab's own `semispace` sizes its semispaces from the live data instead; comparing the two on
 * one workload shows what that policy buys.
 *
 * The order of the copies is a parameter, to show both ways of driving a copy:
 *   order=breadth  Cheney's algorithm, written out: the copies themselves are the work list.
 *                  gc_copy_scan_start, the roots by address (gc_roots_each), then a loop over
 *                  gc_copy_scan_next until the scan catches up with the copies. Large objects are
 *                  not copied, so they wait on a stack of our own.
 *   order=depth    the core's visiting tracer with no copy space to scan (gc_tracer_init(.., NULL)):
 *                  the visitor returns every copy and every large object it greys, the step
 *                  pushes them on the tracer's grey stack and pops them, so the last copy is scanned
 *                  first: a child lands right after its parent, as in depth-first copying.
 *
 * A collection, in phases:
 *   reserve   blocks promised to `idle` for every byte `active` holds (gc_copy_reserve), and room on the
 *             work list for every object that may wait on it, before anything moves: a copying
 *             collection cannot stop half way, so it fails (out of memory) before it starts;
 *   evacuate  every root and every slot of a copied or large object, by address: a forwarded
 *             object's slot gets its copy; a large object is marked and scanned once; any other
 *             object is copied (gc_copy_object leaves the forwarding address) and the slot
 *             updated;
 *   release   unmarked large objects freed (gc_large_sweep); `active` emptied
 *             (gc_copy_space_release: poisoned with --poison), its blocks kept for the next
 *             collection's copies, or given back with idle=return (gc_copy_reserve_trim);
 *   flip      `idle` becomes `active`, the allocation space, and counts twice against
 *             --heap-limit (its copy reserve); the trigger is re-armed.
 * With verify_each=on, the whole heap is verified after every collection (gc_verify: the core's
 * checks of every space, then CH-1..3 below), where --verify checks only what the run leaves
 * after its final collection, often nothing: a stress mode, as Lua's ltests.c has.
 *
 * What this file writes of the heap: h->cstate, nothing else. It reads no field of gc_heap; the
 * inline verbs (gc_copy_object, gc_copy_scan_next, gc_tracer_*) read and write the core's own
 * fields for it.
 *
 * Invariants, checked by verify outside a collection:
 *   CH-1  nothing is forwarded (the core checks COPY-1 in every copy space); `idle` and the
 *         size-class space hold no objects; with idle=return, `idle` holds no blocks either;
 *   CH-2  every non-nil root and slot refers to an object of `active` or of the large-object
 *         space;
 *   CH-3  a marking starting now would find nothing marked (HEAP-2: the large objects' marks
 *         are the last collection's epoch, not the next). */
#include <stdio.h>
#include <stdlib.h>

#include <gclab/heap.h>
#include <gclab/tracer.h>

#include "mine.h"

typedef struct cheney {
    gc_copy_space *active, *idle;
    const gc_space *large;
    int64_t semispace;    /* bytes of cells in `active` that start a collection */
    bool depth_first;     /* order=depth */
    bool return_idle;     /* idle=return */
    bool verify_each;     /* verify_each=on */
    uint64_t collections, objects_copied, bytes_copied, large_freed;
} cheney;

static const gc_param_desc cheney_params[] = {
    {"semispace", GC_PARAM_SIZE, "8M", "bytes", 64 * 1024, 1e15, NULL,
     "collect when the active semispace holds this many bytes of cells, survivors included (fixed: no growth)"},
    {"order", GC_PARAM_CHOICE, "breadth", "", 0, 0, "breadth|depth",
     "breadth: Cheney's scan of the copies; depth: copies pushed on the tracer's grey stack"},
    {"idle", GC_PARAM_CHOICE, "keep", "", 0, 0, "keep|return",
     "after a flip, keep the emptied semispace's blocks for the next copies, or return them"},
    {"verify_each", GC_PARAM_CHOICE, "off", "", 0, 0, "off|on",
     "on: check the whole heap (gc_verify) after every collection, not only at the end of the run (slow)"},
    GC_PARAM_END,
};

/* --- evacuation --- */

/* Make *slot refer to where its object lives after this collection. Returns the object that
 * must now be scanned from the work list: a large object marked just now, or, in depth order,
 * the copy just made; NULL when nothing is to be scanned (already forwarded or marked, or a copy
 * that the Cheney scan will reach). */
__attribute__((always_inline)) static inline gc_object *evacuate(gc_heap *h, cheney *c, gc_object **slot) {
    gc_object *o = *slot;
    if (gc_is_forwarded(o)) {
        *slot = gc_forwarded(o);
        return NULL;
    }
    if (gc_space_contains(c->large, o)) return gc_mark_object(h, o) ? NULL : o;
    gc_object *copy = gc_copy_object(h, c->idle, o);
    c->objects_copied++;
    c->bytes_copied += gc_cell_size_of(h, copy);
    *slot = copy;
    return c->depth_first ? copy : NULL;
}

/* order=breadth: the work list beside the Cheney scan holds only large objects. */
struct breadth {
    gc_heap *h;
    cheney *c;
    gc_stack large; /* marked large objects whose slots are not visited yet */
};

static void breadth_slot(struct breadth *b, gc_object **slot) {
    gc_object *grey = evacuate(b->h, b->c, slot);
    /* cannot fail: room for every large object was reserved */
    if (grey) gc_stack_push(&b->large, grey);
}

static void breadth_root(gc_object **slot, void *ctx) {
    if (*slot) breadth_slot(ctx, slot);
}

/* Returns false if the work list could not be reserved (nothing has moved). */
static bool evacuate_breadth_first(gc_heap *h, cheney *c, uint64_t large_objects) {
    struct breadth b = {h, c, {0}};
    if (!gc_stack_reserve(&b.large, large_objects)) return false;
    gc_copy_scan_start(h, c->idle);
    gc_roots_each(h, breadth_root, &b);
    for (;;) {
        gc_object *o = gc_copy_scan_next(h, c->idle);
        if (o == NULL) {
            if (b.large.len == 0) break; /* the scan caught up, no large object waits: done */
            o = b.large.items[--b.large.len];
        }
        gc_object **slots = gc_slots(o);
        for (uint32_t i = 0; i < o->nslots; i++)
            if (slots[i]) breadth_slot(&b, &slots[i]);
    }
    gc_stack_free(&b.large);
    return true;
}

/* order=depth: the tracer's visitor. ctx is the collector's state; the tracer knows the heap. */
static gc_object *depth_visit(gc_tracer *t, gc_object **slot, void *ctx) {
    return evacuate(t->h, ctx, slot); /* the step greys what it returns */
}

static bool evacuate_depth_first(gc_heap *h, cheney *c, uint64_t small_objects, uint64_t large_objects) {
    gc_tracer t;
    gc_tracer_init(&t, h, NULL); /* no copy space to scan: the grey stack is the only work list */
    /* every object is pushed at most once: when it is copied, or a large one when it is marked */
    if (!gc_tracer_reserve(&t, small_objects + large_objects)) {
        gc_tracer_destroy(&t);
        return false;
    }
    gc_tracer_roots(&t, depth_visit, c);
    gc_tracer_step(&t, UINT64_MAX, depth_visit, c);
    bool lost = gc_tracer_failed(&t); /* cannot happen after the reservation; checked all the same */
    gc_tracer_destroy(&t);
    if (lost) gc_fail(h, GC_ERR_NOMEM, "my-cheney: an object could not be greyed: the heap is inconsistent");
    return true;
}

/* --- policy --- */

/* The next collection comes when `active` holds `semispace` bytes of cells. A live set that
 * fills it already leaves one block's worth: never a collection per allocation. */
static void rearm(gc_heap *h, const cheney *c) {
    uint64_t live = gc_space_bytes(h, &c->active->space);
    int64_t budget = (uint64_t)c->semispace > live ? c->semispace - (int64_t)live : 0;
    if (budget < (int64_t)GC_BLOCK_SIZE) budget = GC_BLOCK_SIZE;
    gc_set_trigger(h, budget);
}

static void cheney_collect(gc_heap *h, int generation, gc_reason why) {
    (void)generation; /* one generation: every collection is full */
    cheney *c = h->cstate;
    gc_pause p;
    gc_pause_begin(h, &p, "full", -1, why);
    uint64_t before = gc_heap_objects(h);
    gc_copy_space *from = c->active, *to = c->idle;

    /* reserve */
    uint64_t small = gc_space_objects(h, &from->space);
    uint64_t large = gc_space_objects(h, gc_heap_large_space(h));
    if (!gc_copy_reserve(h, to, gc_space_bytes(h, &from->space))) goto no_memory;

    /* evacuate */
    gc_mark_begin(h); /* a fresh epoch for the large objects' marks */
    if (!(c->depth_first ? evacuate_depth_first(h, c, small, large) : evacuate_breadth_first(h, c, large)))
        goto no_memory;

    /* release */
    c->large_freed += gc_large_sweep(h);
    gc_heap_set_allocation_space(h, &to->space);
    gc_copy_space_set_evacuated(h, from, false);
    gc_copy_space_release(h, from);
    if (c->return_idle) gc_copy_reserve_trim(h, from);

    /* flip */
    gc_copy_space_set_evacuated(h, to, true);
    c->active = to;
    c->idle = from;
    c->collections++;
    p.collected = (int64_t)(before - gc_heap_objects(h));
    rearm(h, c);
    gc_pause_end(h, &p);
    if (c->verify_each) {
        char msg[256];
        if (gc_verify(h, msg, sizeof msg) != 0) gc_fail(h, GC_ERR_VERIFY, "after collection %llu: %s",
                                                        (unsigned long long)c->collections, msg);
    }
    return;

no_memory:
    gc_copy_reserve_trim(h, to);
    gc_pause_end(h, &p);
    gc_fail(h, GC_ERR_NOMEM, "my-cheney: out of memory for the copy reserve or the work list (nothing was moved)");
}

static void cheney_poll(gc_heap *h) { cheney_collect(h, -1, GC_REASON_TRIGGER); }

static int cheney_init(gc_heap *h, const gc_params *p, char *err, size_t errlen) {
    cheney *c = calloc(1, sizeof *c);
    /* the heap owns the spaces it creates and destroys them with itself */
    if (c == NULL || (c->active = gc_copy_space_create(h, "my-cheney-a")) == NULL ||
        (c->idle = gc_copy_space_create(h, "my-cheney-b")) == NULL) {
        free(c);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    c->large = gc_heap_large_space(h);
    c->semispace = gc_param_int(p, "semispace");
    c->depth_first = gc_param_choice(p, "order") == 1;
    c->return_idle = gc_param_choice(p, "idle") == 1;
    c->verify_each = gc_param_choice(p, "verify_each") == 1;
    h->cstate = c;
    gc_heap_set_allocation_space(h, &c->active->space);
    gc_copy_space_set_evacuated(h, c->active, true);
    rearm(h, c);
    return 0;
}

static void cheney_destroy(gc_heap *h) { free(h->cstate); }

/* --- verification --- */

struct refs_check {
    const gc_space *active, *large;
    const char *breach; /* the first one found */
};

static void check_ref(struct refs_check *k, const gc_object *v, const char *where) {
    if (v == NULL || k->breach) return;
    if (!gc_space_contains(k->active, v) && !gc_space_contains(k->large, v)) k->breach = where;
}

static void check_root(gc_object **slot, void *ctx) {
    check_ref(ctx, *slot, "a root refers outside the active semispace and the large objects");
}

static void check_slots(gc_object *o, void *ctx) {
    for (uint32_t i = 0; i < o->nslots; i++)
        check_ref(ctx, gc_slots(o)[i], "a slot refers outside the active semispace and the large objects");
}

static int cheney_verify(gc_heap *h, char *msg, size_t len) {
    cheney *c = h->cstate;
    if (gc_space_objects(h, &c->idle->space) != 0 || gc_space_objects(h, gc_heap_sizeclass_space(h)) != 0) {
        snprintf(msg, len, "my-cheney: the idle semispace or the size-class space holds objects (CH-1)");
        return -1;
    }
    if (c->return_idle && gc_space_footprint(&c->idle->space) != 0) {
        snprintf(msg, len, "my-cheney: the idle semispace holds blocks with idle=return (CH-1)");
        return -1;
    }
    /* the spaces that may hold objects, walked one by one */
    struct refs_check k = {&c->active->space, c->large, NULL};
    gc_roots_each(h, check_root, &k);
    gc_space_walk(h, &c->active->space, check_slots, &k);
    gc_space_walk(h, gc_heap_large_space(h), check_slots, &k);
    if (k.breach) {
        snprintf(msg, len, "my-cheney: %s (CH-2)", k.breach);
        return -1;
    }
    if (!gc_space_lane_clear(h, GC_BITS_MARK)) {
        snprintf(msg, len, "my-cheney: an object carries the next marking's epoch outside a collection (CH-3)");
        return -1;
    }
    return 0;
}

static void cheney_report(gc_heap *h, gc_report_fn emit, void *ctx) {
    const cheney *c = h->cstate;
    emit(ctx, "collections", (int64_t)c->collections);
    emit(ctx, "objects_copied", (int64_t)c->objects_copied);
    emit(ctx, "bytes_copied", (int64_t)c->bytes_copied);
    emit(ctx, "large_objects_freed", (int64_t)c->large_freed);
}

const gc_collector_ops my_cheney_collector = {
    .name = "my-cheney",
    .summary = "example: copying between two fixed-size semispaces, breadth (Cheney) or depth first; large objects marked in place",
    .caps = GC_CAP_RECLAIMS_CYCLES | GC_CAP_MOVING,
    .params = cheney_params,
    .stress_params = "semispace=64k",
    .init = cheney_init,
    .destroy = cheney_destroy,
    .poll = cheney_poll,
    .collect = cheney_collect,
    .verify = cheney_verify,
    .report = cheney_report,
};
