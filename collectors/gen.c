/* gen: a generational tracing collector: a copying nursery over a mark-sweep old generation
 * (Ungar's generation scavenging, 1984; Appel's nursery sizing, 1989; MMTk's GenCopy/GenImmix
 * plans for the object-remembering barrier). Docs: docs/collectors/gen.md.
 *
 * Spaces: three copy spaces, the nursery (the mutator bump-allocates there) and two survivor
 * spaces, `survivors` (objects that have survived a minor collection but are not yet old enough
 * to promote) and `idle` (empty between collections, the next minor's survivor copies); the old
 * generation is the core's size-class space, collected by mark-sweep and swept lazily, as
 * marksweep does; objects above GC_SMALL_MAX are in the large-object space and are logically old.
 * An object's age, the minor collections it has survived, is in cflags (GEN_AGE).
 *
 * Barrier: GC_BARRIER_LOG, the core's inline object-remembering barrier. Old objects are
 * unlogged (promoted copies are armed here; large objects are born so); the first store into an
 * unlogged object logs it into the heap's remembered set, and the minor collection scans every
 * logged object's slots. Root writes take no barrier: every minor collection visits every root.
 *
 * A minor collection (generation 0), one pause of kind `minor`:
 *   reserve   blocks promised for the worst case (every young object copied or promoted), room
 *             on the grey stack for every young and every logged object, and in the remembered
 *             set for every logged and every promoted object: a copying collection cannot stop
 *             half way, so it fails, if it must, before anything moves;
 *   evacuate  roots, then the logged objects (re-armed first), then every copy: a slot that
 *             refers to a young object is set to its copy, made on first sight: into `idle` with
 *             its age + 1 if it is younger than the parameter `age`, else promoted into the old
 *             generation (gc_promote_object) and armed. An old object scanned (logged or just
 *             promoted) that still refers to a young one afterwards is logged again (gen_scanned);
 *   release   the nursery and `survivors` are emptied (gc_copy_space_release); `idle` becomes
 *             `survivors`; the next minor is due after the nursery size (parameter) of allocation.
 * A major collection (generation 1, any explicit request but generation 0, the old generation's
 * growth policy, the heap limit), one pause of kind `major`: the same evacuation with every
 * young object promoted, then a marking of the whole heap from the roots and a lazy sweep; the
 * old generation's size is then set by the tracing collectors' rule (include/gclab/size_policy.h).
 *
 * Invariants, checked by verify outside a collection:
 *   GEN-1  every old object (size-class or large) with a slot referring to a young object is
 *          logged, and the logged objects are exactly the old objects whose bit is clear;
 *   GEN-2  no young object is unlogged; the nursery's objects have age 0, the survivors' ages
 *          1..max(1, age); `idle` holds nothing; nothing is forwarded (COPY-1);
 *   GEN-3  the old generation's invariants are marksweep's (MS-1). */
#include <stdio.h>
#include <stdlib.h>

#include "gclab/heap.h"
#include "gclab/size_policy.h"
#include "gclab/tracer.h"

enum { GEN_AGE = 0x0f, GEN_AGE_MAX = 14 }; /* cflags bits 0-3: minor collections survived */

typedef struct gen {
    gc_copy_space *nursery, *survivors, *idle;
    unsigned promote_age;   /* parameter `age`: promoted at the first survival at or past it */
    bool appel;             /* nursery=appel: a fraction of the free heap */
    double nursery_fraction;
    int64_t nursery_bytes;  /* parameter `nursery`: the fixed size; Appel's minimum */
    int64_t nursery_now;    /* the current nursery budget */
    gc_size_policy old;     /* the old generation's size, over the old generation's bytes */
    /* during an evacuation */
    bool promote_all;       /* a major collection's: every young object is promoted */
    bool young_ref;         /* the slots visited since the last gen_scanned include a young target */
    uint64_t from_nursery_bytes; /* cell bytes copied out of the nursery by this evacuation */
    /* figures (summary.json) */
    uint64_t minors, majors;
    uint64_t survived_objects, survived_bytes; /* copied into a survivor space */
    uint64_t promoted_objects_total, promoted_bytes_total;
    uint64_t remembered_total, remembered_max; /* logged objects scanned per minor collection */
    uint64_t nursery_allocated, nursery_survived; /* cell bytes: allocated into, and copied out of, the nursery */
} gen;

static const gc_param_desc gen_params[] = {
    {"nursery", GC_PARAM_SIZE, "4M", "bytes", 64 * 1024, 1e15, NULL,
     "bytes allocated between minor collections (nursery_policy=fixed), or the least of them (appel)"},
    {"nursery_policy", GC_PARAM_CHOICE, "fixed", "", 0, 0, "fixed|appel",
     "the nursery's size: fixed bytes, or Appel's: a fraction of the free heap"},
    {"nursery_fraction", GC_PARAM_REAL, "0.5", "ratio", 0.01, 1, NULL,
     "nursery_policy=appel: the fraction of the old generation's free room given to the nursery"},
    {"age", GC_PARAM_INT, "1", "collections", 0, GEN_AGE_MAX, NULL,
     "minor collections an object survives in a survivor space before it is promoted (0: at the first)"},
    GC_SIZE_POLICY_PARAMS("0.75", "old generation"),
    GC_PARAM_END,
};

static bool is_young_space(const gen *g, const gc_space *s) {
    return s == &g->nursery->space || s == &g->survivors->space;
}

/* The evacuation visitor (minor and major): see the header. */
__attribute__((always_inline)) static inline gc_object *gen_evacuate(gc_tracer *t, gc_object **slot, void *ctx) {
    gen *g = ctx;
    gc_object *o = *slot;
    gc_space *s = gc_space_of(o);
    if (!is_young_space(g, s)) {
        if (s == &g->idle->space) g->young_ref = true; /* a survivor copy already (a slot seen twice) */
        return NULL; /* old: a minor collection neither moves nor scans it */
    }
    gc_object *copy;
    if (gc_is_forwarded(o)) {
        copy = gc_forwarded(o);
        *slot = copy;
        if (gc_space_of(copy) == &g->idle->space) g->young_ref = true;
        return NULL;
    }
    unsigned age = o->cflags & GEN_AGE;
    if (s == &g->nursery->space) g->from_nursery_bytes += gc_cell_size_of(t->h, o);
    if (age >= g->promote_age || g->promote_all) {
        copy = gc_promote_object(t->h, o);
        copy->cflags &= (uint8_t)~GEN_AGE;
        gc_log_arm(copy);
    } else {
        copy = gc_copy_object(t->h, g->idle, o);
        copy->cflags = (uint8_t)((copy->cflags & ~GEN_AGE) | (age + 1));
        g->young_ref = true;
    }
    *slot = copy;
    return copy->nslots ? copy : NULL;
}

/* After an object's slots: an old object (a logged one, or a promoted copy) that still refers to a
 * young one is logged for the next minor collection. */
__attribute__((always_inline)) static inline void gen_scanned(gc_tracer *t, gc_object *o, void *ctx) {
    gen *g = ctx;
    if (!g->young_ref) return;
    g->young_ref = false;
    if (gc_space_of(o)->kind != GC_SPACE_COPY) gc_log_object(t->h, o);
}

/* Evacuate the nursery and the survivors (all of them promoted when promote_all): the minor
 * collection's work, and the first part of a major one. false: out of memory before anything moved. */
static bool gen_evacuate_young(gc_heap *h, gen *g, bool promote_all) {
    uint64_t nursery = gc_space_bytes(h, &g->nursery->space), older = gc_space_bytes(h, &g->survivors->space);
    uint64_t young_objects = gc_space_objects(h, &g->nursery->space) + gc_space_objects(h, &g->survivors->space);
    size_t logged = gc_remset_size(h);
    /* the worst case: who may be promoted, and who may stay young */
    uint64_t promote = promote_all || g->promote_age == 0 ? nursery + older : g->promote_age == 1 ? older : nursery + older;
    uint64_t stay = promote_all || g->promote_age == 0 ? 0 : g->promote_age == 1 ? nursery : nursery + older;
    gc_tracer t;
    gc_tracer_init(&t, h, NULL);
    if (!gc_copy_reserve(h, g->idle, stay) || !gc_promote_reserve(h, promote) ||
        !gc_tracer_reserve(&t, young_objects + logged) || !gc_remset_reserve(h, logged + young_objects)) {
        gc_tracer_destroy(&t);
        return false;
    }
    g->promote_all = promote_all;
    g->from_nursery_bytes = 0;
    /* what is promoted is what the old generation gains: nothing else enters or leaves its counts
     * during a minor collection (a lazy sweep sets no counts), so no counter in the copy loop */
    gc_space *old = gc_heap_sizeclass_space(h);
    uint64_t old_objects = gc_space_objects(h, old), old_cell_bytes = gc_space_bytes(h, old);
    uint64_t idle_objects = gc_space_objects(h, &g->idle->space), idle_bytes = gc_space_bytes(h, &g->idle->space);

    gc_tracer_roots(&t, gen_evacuate, g);
    g->young_ref = false; /* roots are not objects: nothing to log */
    /* The logged objects: re-armed (a store from now on logs them again), then scanned. */
    gc_object *const *logged_objects = gc_remset_objects(h);
    for (size_t i = 0; i < logged; i++) {
        gc_object *o = logged_objects[i];
        gc_log_arm(o);
        if (o->nslots) gc_tracer_push(&t, o);
    }
    gc_remset_clear(h);
    gc_tracer_step_scanned(&t, UINT64_MAX, gen_evacuate, gen_scanned, g);
    gc_tracer_destroy(&t); /* cannot have failed: every grey slot was reserved */

    g->survived_objects += gc_space_objects(h, &g->idle->space) - idle_objects;
    g->survived_bytes += gc_space_bytes(h, &g->idle->space) - idle_bytes;
    g->promoted_objects_total += gc_space_objects(h, old) - old_objects;
    g->promoted_bytes_total += gc_space_bytes(h, old) - old_cell_bytes;
    g->remembered_total += logged;
    if (logged > g->remembered_max) g->remembered_max = logged;
    g->nursery_allocated += nursery;
    g->nursery_survived += g->from_nursery_bytes;

    /* release */
    gc_copy_space_release(h, g->nursery);
    gc_copy_space_release(h, g->survivors);
    gc_copy_reserve_trim(h, g->idle);
    gc_promote_reserve_trim(h);
    gc_copy_space *s = g->survivors;
    g->survivors = g->idle;
    g->idle = s;
    g->promote_all = false;
    return true;
}

static uint64_t old_bytes(gc_heap *h) {
    return gc_space_bytes(h, gc_heap_sizeclass_space(h)) + gc_space_bytes(h, gc_heap_large_space(h));
}

/* The next minor collection's budget: the fixed nursery, or Appel's share of the free room. */
static void gen_arm(gc_heap *h, gen *g) {
    int64_t n = g->nursery_bytes;
    if (g->appel) {
        double room = g->old.fixed_heap ? (double)gc_heap_limit(h) - (double)gc_heap_bytes(h)
                                        : g->old.size - (double)old_bytes(h);
        /* under a limit each nursery byte also reserves one for its copy */
        double share = g->nursery_fraction * room / (g->old.fixed_heap ? 2.0 : 1.0);
        if (share > (double)n) n = share > 9e18 ? INT64_MAX : (int64_t)share;
    }
    g->nursery_now = n;
    gc_set_trigger(h, n);
    uint64_t keep = (uint64_t)n < UINT64_MAX / 2 ? (uint64_t)n + (uint64_t)n / 16 : UINT64_MAX / 2;
    gc_heap_retain_blocks(h, keep); /* the nursery's blocks stay resident from one minor to the next */
}

/* One collection: a minor one (the young spaces evacuated), or a major one (the young spaces
 * promoted whole, then the whole heap marked and swept lazily, and the old generation resized). */
static void gen_pause(gc_heap *h, gen *g, bool major, gc_reason why) {
    gc_pause p;
    gc_pause_begin(h, &p, major ? "major" : "minor", major ? 1 : 0, why);
    uint64_t before = gc_heap_objects(h);
    if (!gen_evacuate_young(h, g, major)) {
        gc_pause_end(h, &p);
        gc_fail(h, GC_ERR_NOMEM, "gen: out of memory for the %s collection's copy reserve (nothing was moved)",
                p.kind);
        return;
    }
    if (major) {
        uint64_t marked = gc_mark_from_roots(h, GC_BITS_MARK); /* the young spaces are empty: all is old */
        gc_sweep_lazily(h, marked);
        g->majors++;
        if (!g->old.fixed_heap) gc_size_policy_next(&g->old, (double)old_bytes(h));
    } else {
        g->minors++;
    }
    gen_arm(h, g);
    p.collected = (int64_t)(before - gc_heap_objects(h));
    gc_pause_end(h, &p);
}

static void gen_collect(gc_heap *h, int generation, gc_reason why) {
    gen *g = h->cstate;
    gen_pause(h, g, generation != 0, why);
}

/* The nursery's budget ran out: a minor collection, then a major one if the old generation has
 * outgrown its size (growth policy; under a heap limit the core asks for the major itself). */
static void gen_poll(gc_heap *h) {
    gen *g = h->cstate;
    gen_pause(h, g, false, GC_REASON_TRIGGER);
    if (gc_heap_error(h) == GC_OK && !g->old.fixed_heap && (double)old_bytes(h) > g->old.size)
        gen_pause(h, g, true, GC_REASON_TRIGGER);
}

static int gen_init(gc_heap *h, const gc_params *p, char *err, size_t errlen) {
    gen *g = calloc(1, sizeof *g);
    if (g == NULL || (g->nursery = gc_copy_space_create(h, "nursery")) == NULL ||
        (g->survivors = gc_copy_space_create(h, "survivors-a")) == NULL ||
        (g->idle = gc_copy_space_create(h, "survivors-b")) == NULL) {
        free(g);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    g->nursery_bytes = gc_param_int(p, "nursery");
    g->appel = gc_param_choice(p, "nursery_policy") == 1;
    g->nursery_fraction = gc_param_real(p, "nursery_fraction");
    g->promote_age = (unsigned)gc_param_int(p, "age");
    if (!g->appel && gc_param_given(p, "nursery_fraction"))
        gc_heap_warn(h, "gen: parameter nursery_fraction has no effect with nursery_policy=fixed");
    if (gc_size_policy_init(h, &g->old, p, "gen", err, errlen) != 0) {
        free(g);
        return -1;
    }
    h->cstate = g;
    gc_heap_set_allocation_space(h, &g->nursery->space);
    gc_copy_space_set_evacuated(h, g->nursery, true);
    gc_copy_space_set_evacuated(h, g->survivors, true);
    gc_copy_space_set_evacuated(h, g->idle, true);
    gen_arm(h, g); /* replaces the size policy's trigger: the nursery's budget triggers */
    return 0;
}

static void gen_destroy(gc_heap *h) { free(h->cstate); } /* the heap destroys its spaces */

struct gen_check {
    gen *g;
    unsigned max_age;
    uint64_t unlogged_clear; /* old objects whose bit is clear */
    const char *bad;
};

static void check_object(gc_object *o, void *ctx) {
    struct gen_check *c = ctx;
    if (c->bad) return;
    const gc_space *s = gc_space_of(o);
    unsigned age = o->cflags & GEN_AGE;
    if (is_young_space(c->g, s)) {
        if (gc_is_unlogged(o)) c->bad = "a young object is unlogged (GEN-2)";
        else if (s == &c->g->nursery->space ? age != 0 : age < 1 || age > c->max_age)
            c->bad = "a young object's age is out of its space's range (GEN-2)";
        return;
    }
    if (s == &c->g->idle->space) {
        c->bad = "the idle survivor space holds an object (GEN-2)";
        return;
    }
    if (gc_is_unlogged(o)) {
        for (uint32_t i = 0; i < o->nslots; i++)
            if (gc_slots(o)[i] && is_young_space(c->g, gc_space_of(gc_slots(o)[i]))) {
                c->bad = "an old object refers to a young one and is not logged (GEN-1)";
                return;
            }
    } else {
        c->unlogged_clear++;
    }
}

static int gen_verify(gc_heap *h, char *msg, size_t len) {
    gen *g = h->cstate;
    gc_sweep_finish(h);
    struct gen_check c = {.g = g, .max_age = g->promote_age > 1 ? g->promote_age : 1};
    gc_heap_each(h, check_object, &c);
    size_t logged = gc_remset_size(h);
    gc_object *const *objects = gc_remset_objects(h);
    for (size_t i = 0; i < logged && !c.bad; i++)
        if (gc_is_unlogged(objects[i]) || is_young_space(g, gc_space_of(objects[i])))
            c.bad = "the remembered set holds a young or an unlogged object (GEN-1)";
    if (!c.bad && c.unlogged_clear != logged)
        c.bad = "the old objects with a clear bit are not the remembered set's (GEN-1)";
    if (!c.bad && !gc_space_lane_clear(h, GC_BITS_MARK))
        c.bad = "a cell carries the next marking's epoch outside a collection (GEN-3, MS-1)";
    if (c.bad) {
        snprintf(msg, len, "gen: %s", c.bad);
        return -1;
    }
    return 0;
}

static void gen_report(gc_heap *h, gc_report_fn emit, void *ctx) {
    gen *g = h->cstate;
    emit(ctx, "minor.collections", (int64_t)g->minors);
    emit(ctx, "major.collections", (int64_t)g->majors);
    emit(ctx, "promoted.objects", (int64_t)g->promoted_objects_total);
    emit(ctx, "promoted.bytes", (int64_t)g->promoted_bytes_total);
    emit(ctx, "survivors.objects_copied", (int64_t)g->survived_objects);
    emit(ctx, "survivors.bytes_copied", (int64_t)g->survived_bytes);
    emit(ctx, "remembered.objects_total", (int64_t)g->remembered_total);
    emit(ctx, "remembered.objects_max", (int64_t)g->remembered_max);
    emit(ctx, "remembered.objects_per_minor", g->minors ? (int64_t)(g->remembered_total / g->minors) : 0);
    emit(ctx, "nursery.bytes_allocated", (int64_t)g->nursery_allocated);
    emit(ctx, "nursery.bytes_survived", (int64_t)g->nursery_survived);
    emit(ctx, "nursery.survival_ppm",
         g->nursery_allocated ? (int64_t)((double)g->nursery_survived * 1e6 / (double)g->nursery_allocated) : 0);
    emit(ctx, "nursery.bytes", g->nursery_now);
}

const gc_collector_ops gc_collector_gen = {
    .name = "gen",
    .summary = "generational: a copying nursery with survivor ages over a mark-sweep old generation; inline object-remembering barrier",
    .caps = GC_CAP_RECLAIMS_CYCLES | GC_CAP_MOVING | GC_CAP_GENERATIONAL,
    .barrier = GC_BARRIER_LOG,
    .params = gen_params,
    .stress_params = "nursery=64K,age=0,min_heap=0,growth=0.25,shrink=1",
    .init = gen_init,
    .destroy = gen_destroy,
    .poll = gen_poll,
    .collect = gen_collect,
    .verify = gen_verify,
    .report = gen_report,
};
