/* Incremental marking: the begin and end of a marking that interleaves with the mutator, and
 * the incremental barriers' shading (include/gclab/tracer.h, INC-1; collectors/incremental.c).
 *
 * The marking itself is core/mark.c's: its work list holds edges, and an object is marked
 * (black) when a step pops an edge to it and pushes its slots, so between steps the grey
 * objects are the targets of the stack's edges and every marked object has had its slots
 * pushed. The barrier greys by pushing an edge (gc_mark_push), which the next step follows. */
#include <stdio.h>

#include "core/internal.h"
#include "gclab/tracer.h"

void gc_shade_slow(gc_heap *h, gc_object *o) {
    gc_core(h)->shaded++;
    gc_mark_push(h, o);
}

void gc_incremental_begin(gc_heap *h) {
    gc_sweep_finish(h); /* INC-1: whatever the sweep steps left */
    gc_space_retire_bump(h);
    for (unsigned c = 0; c < GC_NCLASSES; c++) h->free[c] = NULL; /* INC-1: the sweep threads them again */
    gc_mark_begin(h);
    gc_mark_roots(h); /* for SATB, the snapshot of the roots */
    gc_core(h)->begin_objects = h->objects_live;
    gc_core(h)->begin_bytes = h->heap_bytes;
    h->marking = true;
    h->alloc_black = (uint64_t)h->mark_epoch << GC_OBJECT_FLAGS_SHIFT;
}

uint64_t gc_incremental_end(gc_heap *h) {
    h->marking = false;
    h->alloc_black = 0;
    gc_heap_sync(h);
    /* Nothing is freed while a marking is in progress (INC-1: no sweep runs), so what the heap
     * gained is what was allocated black: marked, though the loop never counted it. */
    uint64_t black = h->objects_live - gc_core(h)->begin_objects;
    gc_core(h)->black_objects += black;
    gc_core(h)->marked_objects += black;
    gc_core(h)->marked_bytes += h->heap_bytes - gc_core(h)->begin_bytes;
    return gc_mark_end(h);
}

uint64_t gc_heap_shaded(const gc_heap *h) { return gc_core(h)->shaded; }
uint64_t gc_heap_allocated_black(const gc_heap *h) { return gc_core(h)->black_objects; }

/* --- verify mode: the barriers' invariants, checked between increments --- */

static bool marked(const gc_heap *h, const gc_object *o) { return gc_mark_epoch_of(o) == h->mark_epoch; }

static void census_set(gc_object *o) {
    uint64_t mask, *w = gc_census_word(o, &mask);
    *w |= mask;
}

struct edge_check {
    gc_heap *h;
    const char *bad;
};

/* Every white slot target of a black object must carry a census bit (set below to say "grey",
 * or "reachable from a grey object through white ones"). */
static void check_black(gc_object *o, void *ctx) {
    struct edge_check *c = ctx;
    if (c->bad || !marked(c->h, o)) return;
    for (uint32_t i = 0; i < o->nslots; i++) {
        gc_object *t = gc_slots(o)[i];
        if (t && !marked(c->h, t) && !gc_census_test(t)) {
            c->bad = "a black object refers to a white one";
            return;
        }
    }
}

static void check_root(gc_object **slot, void *ctx) {
    struct edge_check *c = ctx;
    if (!c->bad && *slot && !marked(c->h, *slot) && !gc_census_test(*slot))
        c->bad = "a root refers to a white object no grey one reaches";
}

int gc_incremental_verify(gc_heap *h, bool strong, char *msg, size_t len) {
    gc_stack *grey = &gc_core(h)->mark_stack;
    gc_stack walk = {0};
    bool nomem = false;
    for (size_t i = 0; i < grey->len; i++) {
        gc_object *o = grey->items[i];
        if (marked(h, o) || gc_census_test(o)) continue;
        census_set(o);
        if (!strong && !gc_stack_push(&walk, o)) nomem = true;
    }
    /* weak (SATB): also every white object reachable from a grey one through white ones */
    for (gc_object *o; !strong && (o = gc_stack_pop(&walk)) != NULL;)
        for (uint32_t i = 0; i < o->nslots; i++) {
            gc_object *t = gc_slots(o)[i];
            if (t && !marked(h, t) && !gc_census_test(t)) {
                census_set(t);
                if (!gc_stack_push(&walk, t)) nomem = true;
            }
        }
    gc_stack_free(&walk);
    struct edge_check c = {h, NULL};
    gc_heap_each(h, check_black, &c);
    if (!strong) gc_roots_each(h, check_root, &c);
    gc_space_clear_census(h);
    if (nomem) c.bad = NULL; /* could not check: not a failure of the collector's */
    if (c.bad) {
        snprintf(msg, len, "%s (the %s tri-colour invariant, INC-2)", c.bad, strong ? "strong" : "weak");
        return -1;
    }
    return 0;
}

struct unmarked_check {
    gc_heap *h;
    uint64_t reachable_white, floating;
};

static void count_unmarked(gc_object *o, void *ctx) {
    struct unmarked_check *c = ctx;
    bool reachable = gc_census_test(o);
    if (reachable && !marked(c->h, o)) c->reachable_white++;
    else if (!reachable && marked(c->h, o)) c->floating++;
}

int gc_incremental_verify_complete(gc_heap *h, uint64_t *floating, char *msg, size_t len) {
    gc_stack stack = {0};
    uint64_t bytes = 0;
    gc_mark_with(h, GC_BITS_CENSUS, &stack, &bytes);
    gc_stack_free(&stack);
    struct unmarked_check c = {h, 0, 0};
    gc_heap_each(h, count_unmarked, &c);
    gc_space_clear_census(h);
    *floating = c.floating;
    if (c.reachable_white) {
        snprintf(msg, len, "%llu reachable objects are white when the marking ends (INC-3)",
                 (unsigned long long)c.reachable_white);
        return -1;
    }
    return 0;
}
