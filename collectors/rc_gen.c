/* rc-gen: reference counting plus CPython's generational cycle collector (docs/collectors/rc-gen.md).
 *
 * Reference counting frees almost everything, at once (GC_BARRIER_RC, core/refcount.c). What it
 * cannot free are cycles; for those, CPython (Modules/gcmodule.c, 3.11 and 3.12) keeps every
 * object that can hold references in one of three generations and now and then examines the
 * youngest ones to find groups of objects that are referenced only from inside the group. This
 * collector reproduces that design event for event, so that gclab's `rc-gen` and CPython make the
 * same collections, at the same allocations, collecting the same numbers of objects
 * (tools/cpython_oracle.py checks it against a real interpreter).
 *
 * Read collect_generation() first: it is CPython's gc_collect_main, a list of named phases.
 *
 * Objects and lists. An object with pointer slots is "tracked": from its allocation to its free
 * it sits in exactly one of four doubly linked lists, generations 0, 1 and 2 and the permanent
 * generation of gc.freeze(). The links are the 16-byte prefix before each object (CPython's
 * PyGC_Head, and the same overhead). Atomic objects (no slots) are never tracked and never
 * counted, like CPython's ints and strings.
 *
 * Counts and triggers (CPython's rules, each checked against CPython by the oracle test):
 *  - allocating a tracked object adds one to generation 0's count, and the check runs right
 *    there, after the increment and before the object exists: count0 > threshold0 (with
 *    automatic collection enabled and threshold0 != 0) starts a collection;
 *  - freeing a tracked object takes one from count0, never below zero;
 *  - collecting generation g adds one to g+1's count and zeroes the counts of 0..g;
 *  - the generation collected is the oldest whose count exceeds its threshold, except that
 *    generation 2 is passed over while long_lived_pending < long_lived_total / 4: a full
 *    collection waits until the objects that survived generation-1 collections since the last
 *    full one amount to a quarter of those that survived it.
 *
 * Generation membership is also written in each tracked object's cflags (RCG_GEN_MASK: 0, 1, 2,
 * or RCG_PERMANENT), so that a collection can tell a young object from an old one by looking at
 * it, without a pass over the young list to flag its members first. A new object's cflags are 0:
 * generation 0, which is where the core links it (gc_track_objects).
 *
 * Transient states, during one collection only (cflags, and the prefix's `prev` word):
 *  RCG_COLLECTING   the object is in the generation being collected, its gc_refs has been
 *                   started, and it is not yet found reachable; its prefix's `prev` word holds
 *                   gc_refs instead of a pointer, so the list is linked through `next` only
 *                   (CPython packs gc_refs the same way);
 *  RCG_UNREACHABLE  move_unreachable has put the object on the unreachable list for now.
 *
 * Invariants, outside a collection (checked by rcg_verify):
 *  RCG-1  every live object with slots (and so tracked) is in exactly one of the four
 *         lists, and its cflags' generation names that list; an atomic object's cflags are 0;
 *  RCG-2  every list is doubly linked and no object carries RCG_COLLECTING or RCG_UNREACHABLE;
 *  HEAP-4 every object's reference count is exact (core/refcount.c verifies it).
 *
 * Where it departs from CPython: there are no finalizers, weak references or legacy __del__, so
 * those phases of gc_collect_main are empty and `uncollectable` is always 0; a collection forced
 * by --heap-limit (which CPython does not have) is a full collection with reason "heap-limit". */
#include <stdio.h>
#include <stdlib.h>

#include "gclab/heap.h"

enum { NGEN = 3 }; /* generations 0, 1, 2; the permanent one is apart */

/* Collector flags in gc_object.cflags. */
enum {
    RCG_GEN_MASK = 3u,  /* the generation: 0, 1, 2, or RCG_PERMANENT */
    RCG_PERMANENT = 3u, /* never <= a collected generation, so never young */
    RCG_COLLECTING = 1u << 2,
    RCG_UNREACHABLE = 1u << 3,
    RCG_SEEN = 1u << 4, /* scratch for rcg_verify only */
};
static_assert((int)RCG_PERMANENT == (int)NGEN && (int)NGEN - 1 <= (int)RCG_GEN_MASK,
              "generation numbers fit RCG_GEN_MASK (rcg_verify)");

/* The per-object prefix is the core's gc_link (gc_track_objects): the core links every new object
 * with slots into generation 0 and unlinks it when reference counting frees it, inline. `prev` is
 * a gc_link pointer, except while the object is RCG_COLLECTING, when it is the object's gc_refs. */
typedef gc_link gen_link;

typedef struct generation {
    gen_link head;
    int64_t threshold, count; /* generation 0's count is the core's h->tracked_count */
    uint64_t collections, collected, uncollectable; /* gc.get_stats() */
} generation;

/* Which CPython's moment of collection to model. 3.11 collects inside the allocation, before
 * the new object exists; 3.12 only schedules the collection there and runs it at the
 * interpreter's next eval-breaker check, which comes right after the allocating call returns:
 * the new object is then tracked in generation 0 and referenced from the evaluation stack. */
enum { MODEL_311 = 0, MODEL_312 = 1 };

typedef struct rc_gen {
    generation gen[NGEN];
    gen_link permanent;
    int64_t long_lived_total;   /* survivors of the last full collection */
    int64_t long_lived_pending; /* survivors of generation-1 collections since then */
    uint64_t deferrals;         /* times the 25% rule passed over a due full collection */
    uint64_t examined;          /* objects in the generations collections examined, summed */
    int model;
    bool enabled;
    bool collecting; /* no collection starts inside another */
    bool scheduled;  /* MODEL_312: a collection is due once the allocation completes */
} rc_gen;

static const gc_param_desc rc_gen_params[] = {
    {"threshold0", GC_PARAM_INT, "700", "objects", 0, 2147483647, NULL,
     "collect generation 0 when its count (tracked allocations minus frees) exceeds this; 0: never automatically"},
    {"threshold1", GC_PARAM_INT, "10", "collections", 0, 2147483647, NULL,
     "collect generation 1 when more than this many generation-0 collections ran since its last"},
    {"threshold2", GC_PARAM_INT, "10", "collections", 0, 2147483647, NULL,
     "collect generation 2 when more than this many generation-1 collections ran since its last (and the 25% rule allows)"},
    {"model", GC_PARAM_CHOICE, "3.11", "", 0, 0, "3.11|3.12",
     "CPython version whose moment of automatic collection is modelled (3.12 runs it just after the allocation)"},
    GC_PARAM_END,
};

/* ---------------------------------------------------------------- lists */

static inline gen_link *prev_of(const gen_link *l) { return (gen_link *)l->prev; }

/* Generation i's count (CPython's generations[i].count). Generation 0's is the core's tracked
 * count, which the inline allocation and free paths keep. */
static inline int64_t *count_of(gc_heap *h, rc_gen *g, int i) {
    return i == 0 ? &h->tracked_count : &g->gen[i].count;
}

/* Let the inline allocation path serve exactly the tracked allocations at which rcg_before_alloc
 * would only count: those that leave count0 <= threshold0, or all of them while automatic
 * collection is off. The rest take the slow path and its hooks. (During a collection nothing
 * allocates, so `collecting` needs no arming.) */
static void arm_tracking(gc_heap *h, const rc_gen *g) {
    h->tracked_limit = g->enabled && g->gen[0].threshold != 0 ? g->gen[0].threshold : INT64_MAX;
}

static void list_init(gen_link *head) {
    head->next = head;
    head->prev = (uintptr_t)head;
}

static bool list_is_empty(const gen_link *head) { return head->next == head; }

static void list_move(gen_link *l, gen_link *to) {
    gc_link_remove(l);
    gc_link_append(to, l);
}

/* Append all of `from` to `to`; `from` becomes empty. */
static void list_merge(gen_link *from, gen_link *to) {
    if (!list_is_empty(from)) {
        gen_link *last = prev_of(to);
        last->next = from->next;
        from->next->prev = (uintptr_t)last;
        to->prev = from->prev;
        prev_of(to)->next = to;
    }
    list_init(from);
}

/* Write generation `gen` into the cflags of every object of a list about to join that generation
 * (freeze and unfreeze: rare, so a walk is acceptable; collections set it as they go). */
static void list_set_generation(gen_link *head, uint8_t gen) {
    for (gen_link *l = head->next; l != head; l = l->next) gc_object_of_link(l)->cflags = gen;
}

static int64_t list_size(const gen_link *head) {
    int64_t n = 0;
    for (const gen_link *l = head->next; l != head; l = l->next) n++;
    return n;
}

/* ---------------------------------------------------------------- the phases of a collection */

/* Is c in the generations being collected (0..gen)? Atomic objects are never tracked; their
 * cflags are 0 like generation 0's, hence the nslots test. */
static inline bool is_young(const gc_object *c, int gen) {
    return (int)(c->cflags & RCG_GEN_MASK) <= gen && c->nslots != 0;
}

/* CPython's update_refs for one young object: gc_refs starts as its reference count, and the
 * object is RCG_COLLECTING from then on. Done at the object's first touch, whichever comes first:
 * the walk reaching it, or a reference to it from an object walked before it. */
static inline void start_refs(gc_object *o) {
    if (o->cflags & RCG_COLLECTING) return;
    gc_link_of(o)->prev = o->word;
    o->cflags |= RCG_COLLECTING;
}

/* update_refs and subtract_refs in one walk of young (CPython makes two): every young object's
 * gc_refs starts at its reference count (start_refs) and, for every reference from a young object
 * to a young object, the target's gc_refs loses one. Starting gc_refs lazily is what lets one walk
 * do both: a target met before the walk reaches it is started then, and the walk leaves it alone.
 * Young membership is the generation in cflags, which needs no pass of its own.
 * After this, every young object is RCG_COLLECTING, young is linked through `next` only, and an
 * object's gc_refs is the number of references to it from outside the young generations: roots,
 * older generations, the permanent generation. On GCBench this removes one of the three walks over
 * the whole heap that a full collection makes. */
static void update_and_subtract_refs(gen_link *young, int gen) {
    for (gen_link *l = young->next; l != young; l = l->next) {
        __builtin_prefetch(l->next->next, 1); /* one node ahead: the walk misses on every node */
        gc_object *o = gc_object_of_link(l);
        start_refs(o);
        gc_object **slot = gc_slots(o), **end = slot + o->nslots;
        for (; slot < end; slot++) {
            gc_object *c = *slot;
            if (c && is_young(c, gen)) {
                start_refs(c);
                gc_link_of(c)->prev--;
            }
        }
    }
}

/* The visit of move_unreachable: `c` is referenced by an object now known to be reachable.
 * A young object the scan has not reached yet gets gc_refs 1 so that the scan will keep it; one
 * the scan had already set aside as unreachable goes back to the end of young (singly linked:
 * young->prev is its tail) to be scanned again. Anything else (older, or already scanned and no
 * longer RCG_COLLECTING) is left alone. */
static void visit_reachable(gc_object *c, gen_link *young) {
    if (!(c->cflags & RCG_COLLECTING)) return;
    gen_link *l = gc_link_of(c);
    if (c->cflags & RCG_UNREACHABLE) {
        gc_link_remove(l);
        c->cflags &= (uint8_t)~RCG_UNREACHABLE;
        gen_link *tail = prev_of(young);
        tail->next = l;
        l->next = young;
        young->prev = (uintptr_t)l;
        l->prev = 1;
    } else if (l->prev == 0) {
        l->prev = 1;
    }
}

/* move_unreachable: one pass over young, which is its own work list (objects found reachable
 * again are appended to it), so no recursion and no stack, whatever the graph's depth.
 * Scan invariant: every object to the left of the scan point is reachable from outside young and
 * has been scanned; every young object set aside so far is on `unreachable`.
 * Postcondition: young holds exactly the objects reachable from outside it, doubly linked again,
 * none RCG_COLLECTING; `unreachable` holds the rest, RCG_COLLECTING and RCG_UNREACHABLE.
 * Each object kept gets generation `target` in its cflags (where young is about to go), in the
 * same store that clears RCG_COLLECTING.
 * Returns the number of objects kept (CPython walks the list again to count them; counting here
 * gives the same number without a fourth pass over memory). */
static int64_t move_unreachable(gen_link *young, gen_link *unreachable, uint8_t target) {
    int64_t kept = 0;
    gen_link *prev = young; /* the last object kept, or the head */
    gen_link *l = young->next;
    while (l != young) {
        __builtin_prefetch(l->next->next, 1); /* as in update_and_subtract_refs */
        gc_object *o = gc_object_of_link(l);
        if (l->prev > 0) { /* referenced from outside, or from an object found reachable */
            gc_object **slot = gc_slots(o), **end = slot + o->nslots;
            for (; slot < end; slot++)
                if (*slot) visit_reachable(*slot, young); /* may append to young, even after l */
            l->prev = (uintptr_t)prev;
            o->cflags = target; /* RCG_COLLECTING off; no other flag is set on a kept object */
            prev = l;
            kept++;
        } else { /* unreachable for all we know so far: set it aside */
            prev->next = l->next;
            gc_link_append(unreachable, l);
            o->cflags |= RCG_UNREACHABLE;
        }
        l = prev->next;
    }
    young->prev = (uintptr_t)prev;
    return kept;
}

/* The unreachable objects are garbage: no finalizers to run, no weak references to clear, no
 * resurrection possible. Clear their transient flags and count them: that count is CPython's
 * `collected` (what reference counting frees in their wake is not counted). Their generation
 * becomes `target`, that of the list delete_garbage may move them to. */
static int64_t finalize_garbage(gen_link *unreachable, uint8_t target) {
    int64_t n = 0;
    for (gen_link *l = unreachable->next; l != unreachable; l = l->next, n++) gc_object_of_link(l)->cflags = target;
    return n;
}

/* delete_garbage: clear every slot of every unreachable object through the store barrier, so
 * that reference counting frees the cycles (on_free unlinks each freed object from whatever list
 * it is in, this one included). The object being cleared is held by one extra count meanwhile;
 * if something not yet cleared still refers to it, it moves to `old` and dies with that. */
static void delete_garbage(gc_heap *h, gen_link *unreachable, gen_link *old) {
    while (!list_is_empty(unreachable)) {
        gen_link *l = unreachable->next;
        gc_object *o = gc_object_of_link(l);
        o->word++;
        for (uint32_t i = 0; i < o->nslots; i++)
            if (gc_slots(o)[i]) gc_store(h, o, i, NULL);
        if (--o->word == 0) gc_rc_release(h, o);
        else list_move(l, old);
    }
}

/* gc_collect_main: one collection of generation `gen` (and, merged into it, all younger ones). */
static void collect_generation(gc_heap *h, rc_gen *g, int gen, gc_reason why, uint64_t alloc_index) {
    gc_pause p;
    gc_pause_begin(h, &p, "gen", gen, why);
    p.alloc_index = alloc_index; /* as CPython counts: see rcg_before_alloc */
    g->collecting = true;
    if (gen + 1 < NGEN) ++*count_of(h, g, gen + 1);
    for (int i = 0; i <= gen; i++) *count_of(h, g, i) = 0;
    for (int i = 0; i < gen; i++) list_merge(&g->gen[i].head, &g->gen[gen].head);
    gen_link *young = &g->gen[gen].head;
    gen_link *old = gen + 1 < NGEN ? &g->gen[gen + 1].head : young;
    uint8_t target = (uint8_t)(gen + 1 < NGEN ? gen + 1 : gen); /* old's generation */
    gen_link unreachable;
    list_init(&unreachable);

    update_and_subtract_refs(young, gen);
    int64_t survivors = move_unreachable(young, &unreachable, target);

    if (young != old) { /* survivors move up a generation */
        if (gen == NGEN - 2) g->long_lived_pending += survivors;
        list_merge(young, old);
    } else {
        g->long_lived_pending = 0;
        g->long_lived_total = survivors;
    }
    int64_t collected = finalize_garbage(&unreachable, target);
    delete_garbage(h, &unreachable, old);

    g->gen[gen].collections++;
    g->gen[gen].collected += (uint64_t)collected;
    g->examined += (uint64_t)(survivors + collected); /* every young object: rc-trial's figure, compared */
    p.collected = collected;
    g->collecting = false;
    gc_pause_end(h, &p);
}

/* gc_collect_generations: the automatic choice of generation, with the 25% rule for the oldest. */
static void collect_generations(gc_heap *h, rc_gen *g, uint64_t alloc_index) {
    for (int i = NGEN - 1; i >= 0; i--) {
        if (*count_of(h, g, i) <= g->gen[i].threshold) continue;
        if (i == NGEN - 1 && g->long_lived_pending < g->long_lived_total / 4) {
            g->deferrals++;
            continue;
        }
        collect_generation(h, g, i, GC_REASON_TRIGGER, alloc_index);
        return;
    }
}

/* ---------------------------------------------------------------- hooks */

/* CPython's _PyObject_GC_Link: check the trigger, before the cell exists, with the allocation
 * already counted (the core counted it: gc_track_objects). Runs only for allocations the slow
 * path serves, which include every one at which the trigger may fire (arm_tracking). The
 * allocation index of an automatic collection counts the allocation that triggered it (CPython
 * has counted it already), hence counts.allocs + 1. */
static void rcg_before_alloc(gc_heap *h, uint32_t nslots) {
    rc_gen *g = h->cstate;
    if (nslots == 0) return; /* atomic: never tracked, never counted */
    if (h->tracked_count <= g->gen[0].threshold || !g->enabled || g->gen[0].threshold == 0 || g->collecting) return;
    if (g->model == MODEL_312) {
        g->scheduled = true;
        return;
    }
    g->collecting = true;
    collect_generations(h, g, h->counts.allocs + 1);
    g->collecting = false;
}

/* Under MODEL_312, run the collection scheduled by rcg_before_alloc now (the core has already
 * tracked the new object in generation 0), with the new object held by one reference from
 * outside (CPython's evaluation stack) for its duration. */
static void rcg_after_alloc(gc_heap *h, gc_object *o) {
    rc_gen *g = h->cstate;
    if (o->nslots == 0 || !g->scheduled) return; /* only a tracked allocation schedules */
    g->scheduled = false;
    o->word++;
    g->collecting = true;
    collect_generations(h, g, h->counts.allocs);
    g->collecting = false;
    o->word--; /* back to zero without a release: gc_alloc's caller stores it at once */
}

/* gc.collect(generation): the same path as an automatic collection. -1 (or anything out of range)
 * means the oldest generation. Like CPython, a request made during a collection does nothing. */
static void rcg_collect(gc_heap *h, int generation, gc_reason why) {
    rc_gen *g = h->cstate;
    if (g->collecting) return;
    if (generation < 0 || generation >= NGEN) generation = NGEN - 1;
    collect_generation(h, g, generation, why, h->counts.allocs);
}

/* gc.disable / enable / freeze / unfreeze / set_threshold. freeze moves every generation into the
 * permanent one and zeroes the counts (not long_lived_*); unfreeze moves the permanent
 * generation into the oldest. set_threshold takes one to three values, as CPython's does. */
static int rcg_control(gc_heap *h, gc_control_op op, const int64_t *args, int nargs) {
    rc_gen *g = h->cstate;
    switch (op) {
    case GC_CTL_DISABLE: g->enabled = false; arm_tracking(h, g); return 0;
    case GC_CTL_ENABLE: g->enabled = true; arm_tracking(h, g); return 0;
    case GC_CTL_FREEZE:
        for (int i = 0; i < NGEN; i++) {
            list_set_generation(&g->gen[i].head, RCG_PERMANENT);
            list_merge(&g->gen[i].head, &g->permanent);
            *count_of(h, g, i) = 0;
        }
        return 0;
    case GC_CTL_UNFREEZE:
        list_set_generation(&g->permanent, NGEN - 1);
        list_merge(&g->permanent, &g->gen[NGEN - 1].head);
        return 0;
    case GC_CTL_THRESHOLD:
        if (nargs < 1 || nargs > NGEN) return -1;
        for (int i = 0; i < nargs; i++)
            if (args[i] < 0 || args[i] > 2147483647) return -1;
        for (int i = 0; i < nargs; i++) g->gen[i].threshold = args[i];
        arm_tracking(h, g);
        return 0;
    }
    return -1;
}

static int rcg_init(gc_heap *h, const gc_params *p, char *err, size_t errlen) {
    rc_gen *g = calloc(1, sizeof *g);
    if (g == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    static const char *const names[NGEN] = {"threshold0", "threshold1", "threshold2"};
    for (int i = 0; i < NGEN; i++) {
        list_init(&g->gen[i].head);
        g->gen[i].threshold = gc_param_int(p, names[i]);
    }
    list_init(&g->permanent);
    g->model = gc_param_choice(p, "model");
    g->enabled = true;
    h->cstate = g;
    if (gc_track_objects(h, &g->gen[0].head, err, errlen) != 0) {
        free(g);
        h->cstate = NULL;
        return -1;
    }
    arm_tracking(h, g);
    return 0;
}

static void rcg_destroy(gc_heap *h) { free(h->cstate); }

/* ---------------------------------------------------------------- checks and figures */

typedef struct verify_ctx {
    char *msg;
    size_t len;
    int64_t untracked; /* objects with slots that no list holds */
    int64_t stray;     /* atomic objects marked tracked */
} verify_ctx;

/* Walk one list: links consistent, members live, tracked, of generation `gen` by their cflags, in
 * no transient state, seen once. */
static int verify_list(gc_heap *h, gen_link *head, unsigned gen, const char *name, int64_t *n, char *msg,
                       size_t len) {
    uint64_t limit = h->objects_live;
    for (gen_link *l = head->next; l != head; l = l->next) {
        if (l == NULL || l->next == NULL || prev_of(l->next) != l) {
            snprintf(msg, len, "%s list is not doubly linked (RCG-2)", name);
            return -1;
        }
        gc_object *o = gc_object_of_link(l);
        if ((o->flags & GC_OBJ_FREE) || o->nslots == 0 || (o->cflags & RCG_GEN_MASK) != gen ||
            (o->cflags & (RCG_COLLECTING | RCG_UNREACHABLE | RCG_SEEN))) {
            snprintf(msg, len, "%s list holds a freed, atomic, transient, repeated or mislabelled object (RCG-1/2)",
                     name);
            return -1;
        }
        o->cflags |= RCG_SEEN;
        if ((uint64_t)++*n > limit) {
            snprintf(msg, len, "%s list is longer than the heap (RCG-2)", name);
            return -1;
        }
    }
    return 0;
}

static void verify_object(gc_object *o, void *ctx) {
    verify_ctx *v = ctx;
    if (o->nslots == 0 && o->cflags != 0) v->stray++;
    if (o->nslots > 0 && !(o->cflags & RCG_SEEN)) v->untracked++;
    o->cflags &= (uint8_t)~RCG_SEEN;
}

static int rcg_verify(gc_heap *h, char *msg, size_t len) {
    rc_gen *g = h->cstate;
    if (g->collecting) {
        snprintf(msg, len, "verify called during a collection");
        return -1;
    }
    static const char *const names[NGEN + 1] = {"generation 0", "generation 1", "generation 2", "permanent"};
    gen_link *heads[NGEN + 1] = {&g->gen[0].head, &g->gen[1].head, &g->gen[2].head, &g->permanent};
    int64_t n = 0;
    int rc = 0;
    for (int i = 0; i <= NGEN && rc == 0; i++) rc = verify_list(h, heads[i], (unsigned)i, names[i], &n, msg, len);
    verify_ctx v = {msg, len, 0, 0};
    gc_heap_each(h, verify_object, &v); /* also clears RCG_SEEN everywhere */
    if (rc != 0) return rc;
    if (v.untracked || v.stray) {
        snprintf(msg, len, "%lld objects with slots are in no generation, %lld atomic objects carry collector flags (RCG-1)",
                 (long long)v.untracked, (long long)v.stray);
        return -1;
    }
    return gc_rc_verify_counts(h, msg, len);
}

/* gc.get_stats() and gc.get_count(), with the thresholds and list sizes, for summary.json. */
static void rcg_report(gc_heap *h, gc_report_fn emit, void *ctx) {
    rc_gen *g = h->cstate;
    char key[64];
    for (int i = 0; i < NGEN; i++) {
        const generation *gen = &g->gen[i];
        snprintf(key, sizeof key, "generations.%d.collections", i);
        emit(ctx, key, (int64_t)gen->collections);
        snprintf(key, sizeof key, "generations.%d.collected", i);
        emit(ctx, key, (int64_t)gen->collected);
        snprintf(key, sizeof key, "generations.%d.uncollectable", i);
        emit(ctx, key, (int64_t)gen->uncollectable);
        snprintf(key, sizeof key, "generations.%d.count", i);
        emit(ctx, key, *count_of(h, g, i));
        snprintf(key, sizeof key, "generations.%d.threshold", i);
        emit(ctx, key, gen->threshold);
        snprintf(key, sizeof key, "generations.%d.objects", i);
        emit(ctx, key, list_size(&gen->head));
    }
    emit(ctx, "permanent_objects", list_size(&g->permanent));
    emit(ctx, "long_lived_total", g->long_lived_total);
    emit(ctx, "long_lived_pending", g->long_lived_pending);
    emit(ctx, "long_lived_deferrals", (int64_t)g->deferrals);
    emit(ctx, "objects_examined", (int64_t)g->examined);
    emit(ctx, "enabled", g->enabled);
    emit(ctx, "prefix_bytes", (int64_t)sizeof(gen_link));
}

const gc_collector_ops gc_collector_rc_gen = {
    .name = "rc-gen",
    .summary = "reference counting + CPython's generational cycle collector (3 generations, thresholds 700/10/10)",
    .caps = GC_CAP_REFCOUNT | GC_CAP_RECLAIMS_CYCLES | GC_CAP_GENERATIONAL,
    .barrier = GC_BARRIER_RC,
    .prefix = sizeof(gen_link),
    .params = rc_gen_params,
    .stress_params = "threshold0=25,threshold1=3,threshold2=3",
    .init = rcg_init,
    .destroy = rcg_destroy,
    .collect = rcg_collect,
    .before_alloc = rcg_before_alloc,
    .after_alloc = rcg_after_alloc,
    .control = rcg_control,
    .verify = rcg_verify,
    .report = rcg_report,
};
