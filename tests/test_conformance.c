/* Conformance: random object-graph programs, run on every registered collector and judged against
 * the reachability oracle (tests/oracle.h).
 *
 * A program is a few thousand random mutator operations (include/gclab/mutator.h): allocate
 * objects with random slot counts and raw sizes (small, and now and then large), store, load,
 * copy and drop registers, push and pop frames of registers, write global roots, and ask for
 * collections. After every batch of operations the heap is checked:
 *   - every object the oracle says is reachable is in the heap, not FREE, with its id, raw bytes,
 *     sizes and tag intact, and its slots refer to exactly the objects the oracle says (so no
 *     collector freed, moved wrongly or corrupted a reachable object; the heap runs with poison);
 *   - gc_verify passes (the core's accounting and the collector's own invariants);
 *   - every object the heap holds is one the program made, held once; under the core's reference
 *     counting none is garbage that counting frees at once;
 *   - the census agrees with the oracle on what is reachable, and the heap holds no more garbage
 *     than the program made;
 *   - after an explicit full collection, a collector that reclaims cycles holds no garbage, and
 *     one that only counts references holds exactly the garbage counting cannot free.
 * Odd seeds run the collector with its stress_params (include/gclab/collector.h), so that
 * collections the collector starts by itself happen inside the programs too.
 *
 * Replay one failing case: GCLAB_SEED=<seed> (and GCLAB_COLLECTOR=<name> to skip the others).
 * GCLAB_PROGRAMS=<n> changes the number of programs per collector. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "gclab/mutator.h"
#include "gclab/rng.h"
#include "tests/oracle.h"
#include "tests/support.h"

enum {
    PROGRAMS = 200,     /* per collector */
    OPS = 3000,         /* per program */
    BATCH = 100,        /* operations between checks */
    FULL_EVERY = 3,     /* every third check follows an explicit full collection */
    BASE_REGS = 8,      /* registers in the bottom frame */
    MAX_FRAMES = 8,
    NGLOBALS = 3,
};

typedef struct program {
    const gc_collector_ops *c;
    uint64_t seed;
    uint64_t op; /* index of the current operation */
    gc_rng rng;
    gc_heap *h;
    oracle o;
    uint32_t frames[MAX_FRAMES]; /* base register of each pushed frame */
    size_t nframes;
    uint32_t globals_base;
    uint64_t triggered; /* collections the collector started by its own policy */
} program;

/* Fail the test with the case's coordinates, so that it can be replayed. Conditions are tested
 * by hand (not with cr_assert) because millions are checked and only failures need reporting. */
#define EXPECT(p, cond, ...)                         \
    do {                                             \
        if (!(cond)) fail_case((p), __VA_ARGS__);    \
    } while (0)

static void fail_case(const program *p, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void fail_case(const program *p, const char *fmt, ...) {
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    cr_assert_fail("collector %s, seed %" PRIu64 ", after operation %" PRIu64 ": %s\n"
                   "    replay: GCLAB_COLLECTOR=%s GCLAB_SEED=%" PRIu64 " <build>/tests/test_conformance",
                   p->c->name, p->seed, p->op, what, p->c->name, p->seed);
    abort(); /* cr_assert_fail does not return */
}

static uint64_t below(program *p, uint64_t n) { return gc_rng_below(&p->rng, n); }

/* --- random choices --- */

static uint32_t random_nslots(program *p) {
    uint64_t k = below(p, 100);
    if (k < 15) return 0;                                 /* atomic */
    if (k < 75) return 1 + (uint32_t)below(p, 4);
    if (k < 95) return 5 + (uint32_t)below(p, 12);
    return 17 + (uint32_t)below(p, 700);                  /* past 510 slots: a large object */
}

static uint32_t random_nbytes(program *p) {
    uint64_t k = below(p, 100);
    if (k < 85) return ORACLE_ID_BYTES + (uint32_t)below(p, 57);
    if (k < 97) return ORACLE_ID_BYTES + (uint32_t)below(p, 4000);
    return 4096 + (uint32_t)below(p, 36000);              /* a large object */
}

static uint32_t random_reg(program *p) { return (uint32_t)below(p, p->o.nregs); }

/* A register that holds an object with at least one slot, or GC_NIL if a few tries find none. */
static uint32_t random_reg_with_slots(program *p) {
    for (int tries = 0; tries < 4; tries++) {
        uint32_t r = random_reg(p);
        if (p->o.regs[r] != ORACLE_NIL && p->o.objs[p->o.regs[r]].nslots > 0) return r;
    }
    return GC_NIL;
}

/* --- operations: each acts on the heap through mutator.h and mirrors itself in the oracle --- */

/* Register r = a new object, with its id and pattern in its raw bytes, mirrored in the oracle. */
static void new_object(program *p, uint32_t r, uint32_t nslots, uint32_t nbytes) {
    uint32_t id = (uint32_t)p->o.nobjs;
    gc_new(p->h, r, nslots, nbytes, (uint16_t)id);
    EXPECT(p, gc_core(p->h)->error == GC_OK, "allocation failed: %s", gc_core(p->h)->error_msg);
    oracle_new(&p->o, nslots, nbytes);
    oracle_fill_raw(id, gc_raw(gc_reg(p->h, r)), nbytes);
    p->o.regs[r] = id;
}

static void op_new(program *p) {
    uint32_t r = random_reg(p), nslots = random_nslots(p), nbytes = random_nbytes(p);
    new_object(p, r, nslots, nbytes);
}

static void op_set(program *p) {
    uint32_t r = random_reg_with_slots(p);
    if (r == GC_NIL) return;
    oracle_obj *x = &p->o.objs[p->o.regs[r]];
    uint32_t s = (uint32_t)below(p, x->nslots);
    uint32_t r2 = below(p, 10) == 0 ? GC_NIL : random_reg(p);
    gc_set(p->h, r, s, r2);
    x->slots[s] = r2 == GC_NIL ? ORACLE_NIL : p->o.regs[r2];
}

static void op_get(program *p) {
    uint32_t r2 = random_reg_with_slots(p);
    if (r2 == GC_NIL) return;
    const oracle_obj *x = &p->o.objs[p->o.regs[r2]];
    uint32_t s = (uint32_t)below(p, x->nslots), r = random_reg(p);
    uint32_t target = x->slots[s];
    gc_get(p->h, r, r2, s);
    p->o.regs[r] = target;
}

static void op_copy(program *p) {
    uint32_t r = random_reg(p), r2 = random_reg(p);
    gc_copy(p->h, r, r2);
    p->o.regs[r] = p->o.regs[r2];
}

static void op_drop(program *p) {
    uint32_t r = random_reg(p);
    gc_drop(p->h, r);
    p->o.regs[r] = ORACLE_NIL;
}

static void op_push(program *p) {
    if (p->nframes == MAX_FRAMES) return;
    uint32_t n = 1 + (uint32_t)below(p, 4);
    uint32_t base = gc_frame_push(p->h, n);
    EXPECT(p, base == p->o.nregs && p->h->nroots == base + n, "frame pushed at %u, expected %zu", base, p->o.nregs);
    p->frames[p->nframes++] = base;
    oracle_regs_push(&p->o, n);
}

static void op_pop(program *p) {
    if (p->nframes <= 1) return;
    uint32_t base = p->frames[--p->nframes];
    gc_frame_pop(p->h, base);
    EXPECT(p, p->h->nroots == base, "frame pop left %u roots, expected %u", p->h->nroots, base);
    oracle_regs_truncate(&p->o, base);
}

static void op_global(program *p) {
    uint32_t g = (uint32_t)below(p, NGLOBALS), r = random_reg(p);
    gc_global_write(p->h, p->globals_base + g, gc_reg(p->h, r));
    p->o.globals[g] = p->o.regs[r];
}

static void op_collect(program *p) { gc_collect(p->h, below(p, 2) ? -1 : 0); }

/* Put in front of what register r holds a chain of up to 200 new small nodes, linked through
 * slot 0 and built with a second register: many objects at once, so that heaps span many blocks
 * and collections have work. */
static void op_chain(program *p) {
    uint32_t r = random_reg(p), t = random_reg(p);
    if (r == t) return;
    uint32_t n = 1 + (uint32_t)below(p, 200);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t nslots = 1 + (uint32_t)below(p, 3), nbytes = ORACLE_ID_BYTES + (uint32_t)below(p, 24);
        new_object(p, t, nslots, nbytes);
        gc_set(p->h, t, 0, r);
        p->o.objs[p->o.regs[t]].slots[0] = p->o.regs[r];
        gc_copy(p->h, r, t);
        p->o.regs[r] = p->o.regs[t];
    }
}

/* One random operation, with weights out of 100. */
static void random_op(program *p) {
    uint64_t k = below(p, 100);
    if (k < 30) op_new(p);
    else if (k < 55) op_set(p);
    else if (k < 67) op_get(p);
    else if (k < 76) op_copy(p);
    else if (k < 86) op_drop(p);
    else if (k < 91) op_push(p);
    else if (k < 96) op_pop(p);
    else if (k < 98) op_global(p);
    else if (k < 99) op_chain(p);
    else op_collect(p);
}

/* --- checks --- */

/* Check one heap object against oracle object `id`; called once per reachable id. */
static void check_object(program *p, gc_object *obj, uint32_t id) {
    const oracle_obj *x = &p->o.objs[id];
    EXPECT(p, !(obj->flags & GC_OBJ_FREE), "reachable object %u (%p) was freed", id, (void *)obj);
    EXPECT(p, obj->nslots == x->nslots && obj->nbytes == x->nbytes,
           "reachable object %u has %u slots and %u bytes, expected %u and %u", id, obj->nslots, obj->nbytes,
           x->nslots, x->nbytes);
    EXPECT(p, obj->tag == (uint16_t)id, "reachable object %u has tag %u", id, obj->tag);
    long bad = oracle_check_raw(id, gc_raw(obj), x->nbytes);
    EXPECT(p, bad < 0, "reachable object %u: raw byte %ld is corrupt (id read as %" PRIu64 ")", id, bad,
           oracle_read_id(gc_raw(obj)));
}

/* The walk of check_reachable: which heap object each id was found at, and the ids still to
 * scan. */
typedef struct walk {
    gc_object **where; /* by id; NULL: not yet seen */
    uint32_t *queue;
    size_t head, tail;
} walk;

/* One reference, found in the heap (`v`) where the oracle expects `id`. `what` describes where
 * it was found, formatted with a and b, only if the check fails. */
static void visit(program *p, walk *w, gc_object *v, uint32_t id, const char *what, uint32_t a, uint32_t b) {
    char where[96];
    if (id == ORACLE_NIL ? v == NULL : v != NULL && (w->where[id] == NULL || w->where[id] == v)) {
        if (id != ORACLE_NIL && w->where[id] == NULL) {
            check_object(p, v, id);
            w->where[id] = v;
            w->queue[w->tail++] = id;
        }
        return;
    }
    snprintf(where, sizeof where, what, a, b);
    if (id == ORACLE_NIL) fail_case(p, "%s should be nil but refers to %p", where, (void *)v);
    if (v == NULL) fail_case(p, "%s should refer to object %u but is nil", where, id);
    fail_case(p, "%s refers to %p, but object %u is at %p", where, (void *)v, id, (void *)w->where[id]);
}

/* Visit the heap from the roots in step with the oracle: every pair (heap object, oracle id) is
 * checked, and each id must always be the same heap object. */
static void check_reachable(program *p) {
    size_t n = p->o.nobjs ? p->o.nobjs : 1;
    walk w = {.where = calloc(n, sizeof *w.where), .queue = malloc(n * sizeof *w.queue)};
    cr_assert(w.where && w.queue);
    EXPECT(p, p->h->nroots == p->o.nregs, "heap has %u root slots, oracle %zu", p->h->nroots, p->o.nregs);
    for (uint32_t r = 0; r < p->o.nregs; r++) visit(p, &w, gc_reg(p->h, r), p->o.regs[r], "register %u", r, 0);
    for (uint32_t g = 0; g < NGLOBALS; g++)
        visit(p, &w, gc_global(p->h, p->globals_base + g), p->o.globals[g], "global %u", g, 0);
    while (w.head < w.tail) {
        uint32_t id = w.queue[w.head++];
        gc_object **slots = gc_slots(w.where[id]);
        const oracle_obj *x = &p->o.objs[id];
        for (uint32_t s = 0; s < x->nslots; s++) visit(p, &w, slots[s], x->slots[s], "slot %u of object %u", s, id);
    }
    free(w.where);
    free(w.queue);
}

/* Every object the heap holds, reachable or not (gc_heap_each), after oracle_analyse: it carries
 * the id of an object the program made, with that object's sizes, and no two carry the same id.
 * With the core's reference counting (GC_BARRIER_RC), which frees at a count of zero, none is
 * garbage that counting frees. */
typedef struct holding {
    program *p;
    uint8_t *seen; /* by id */
    bool counted;  /* the collector uses GC_BARRIER_RC */
    bool deferred; /* GC_CAP_DEFERS_RELEASE: a buffered candidate may be held at zero */
} holding;

static void check_held(gc_object *obj, void *ctx) {
    holding *k = ctx;
    program *p = k->p;
    uint64_t id = obj->nbytes >= ORACLE_ID_BYTES ? oracle_read_id(gc_raw(obj)) : UINT64_MAX;
    EXPECT(p, id < p->o.nobjs && obj->nslots == p->o.objs[id].nslots && obj->nbytes == p->o.objs[id].nbytes,
           "the heap holds an object (%p, %u slots, %u bytes) that the program never made", (void *)obj, obj->nslots,
           obj->nbytes);
    EXPECT(p, !k->seen[id], "two heap objects carry id %" PRIu64, id);
    k->seen[id] = 1;
    EXPECT(p, !k->counted || oracle_state(&p->o, (uint32_t)id) != ORACLE_FREEABLE ||
                  (k->deferred && (obj->cflags & GC_CFLAG_BUFFERED)),
           "object %" PRIu64 " is acyclic garbage, yet reference counting has not freed it%s", id,
           k->deferred ? " (nor kept it buffered)" : "");
}

static void check_holdings(program *p) {
    holding k = {.p = p, .seen = calloc(p->o.nobjs ? p->o.nobjs : 1, 1), .counted = p->c->barrier & GC_BARRIER_RC,
                 .deferred = p->c->caps & GC_CAP_DEFERS_RELEASE};
    cr_assert(k.seen != NULL);
    gc_heap_each(p->h, check_held, &k);
    free(k.seen);
}

/* Every check; `full` says an explicit full collection has just run. */
static void check_heap(program *p, bool full) {
    check_reachable(p);
    char msg[512] = "";
    EXPECT(p, gc_verify(p->h, msg, sizeof msg) == 0, "gc_verify: %s", msg);

    oracle_view v;
    oracle_analyse(&p->o, &v);
    check_holdings(p);
    gc_census_result c;
    gc_census(p->h, &c);
    EXPECT(p, c.reachable_objects == v.reachable_objects && c.reachable_bytes == v.reachable_bytes,
           "census finds %" PRIu64 " reachable objects (%" PRIu64 " bytes), oracle %" PRIu64 " (%" PRIu64 ")",
           c.reachable_objects, c.reachable_bytes, v.reachable_objects, v.reachable_bytes);
    EXPECT(p, c.reachable_objects + c.unreachable_objects == p->h->objects_live,
           "census counts %" PRIu64 " objects, the heap says %" PRIu64 " are live",
           c.reachable_objects + c.unreachable_objects, p->h->objects_live);
    EXPECT(p, c.unreachable_objects <= v.unreachable_objects,
           "the heap holds %" PRIu64 " unreachable objects, but the program made only %" PRIu64,
           c.unreachable_objects, v.unreachable_objects);
    EXPECT(p, p->h->counts.allocs == p->o.nobjs, "%" PRIu64 " allocations counted, %zu made", p->h->counts.allocs,
           p->o.nobjs);

    unsigned caps = p->c->caps;
    bool counts_only = (caps & GC_CAP_REFCOUNT) && !(caps & GC_CAP_RECLAIMS_CYCLES);
    if (counts_only)
        EXPECT(p, c.unreachable_objects >= v.rc_stuck_objects,
               "reference counting freed cyclic garbage: %" PRIu64 " unreachable objects held, %" PRIu64
               " are in or under cycles",
               c.unreachable_objects, v.rc_stuck_objects);
    if (full && (caps & GC_CAP_RECLAIMS_CYCLES))
        EXPECT(p, c.unreachable_objects == 0 && p->h->objects_live == v.reachable_objects,
               "after a full collection %" PRIu64 " unreachable objects are still held (%" PRIu64
               " live, %" PRIu64 " reachable)",
               c.unreachable_objects, p->h->objects_live, v.reachable_objects);
    if (full && counts_only)
        EXPECT(p, c.unreachable_objects == v.rc_stuck_objects,
               "after a full collection %" PRIu64 " unreachable objects are held; reference counting must hold "
               "exactly the %" PRIu64 " in or under cycles",
               c.unreachable_objects, v.rc_stuck_objects);
}

static void full_collection_and_check(program *p) {
    gc_collect(p->h, -1);
    check_heap(p, true);
}

/* --- one program --- */

static void count_triggered(void *ctx, gc_heap *h, const gc_pause *pause) {
    (void)h;
    if (pause->reason == GC_REASON_TRIGGER) ((program *)ctx)->triggered++;
}

/* The collector's parameters for this seed: its defaults, or for odd seeds its stress_params
 * (gc_collector_ops), which make the collections it starts by itself frequent. */
static void collector_params_for(const gc_collector_ops *c, uint64_t seed, gc_params *cp) {
    char err[256] = "";
    cr_assert(gc_params_init(cp, c->params, err, sizeof err) == 0, "collector %s: bad defaults: %s", c->name, err);
    if (seed % 2 == 1)
        cr_assert(gc_params_apply_list(cp, c->stress_params, err, sizeof err) == 0, "collector %s: stress_params: %s",
                  c->name, err);
}

static uint64_t run_program(const gc_collector_ops *c, uint64_t seed) {
    tst_note("conformance: collector %s, seed %" PRIu64 " (replay: GCLAB_COLLECTOR=%s GCLAB_SEED=%" PRIu64 ")",
             c->name, seed, c->name, seed);
    program *p = calloc(1, sizeof *p);
    cr_assert(p != NULL);
    p->c = c;
    p->seed = seed;
    gc_rng_seed(&p->rng, seed);
    gc_params cp;
    collector_params_for(c, seed, &cp);
    gc_heap_config cfg = {
        .collector = c,
        .collector_params = &cp,
        .poison = true,
        .listener = {.ctx = p, .pause_end = count_triggered},
    };
    p->h = tst_heap_create(&cfg);
    oracle_init(&p->o, NGLOBALS);
    p->globals_base = gc_globals_reserve(p->h, NGLOBALS);
    p->frames[p->nframes++] = gc_frame_push(p->h, BASE_REGS);
    oracle_regs_push(&p->o, BASE_REGS);

    for (unsigned batch = 1; p->op < OPS; batch++) {
        for (unsigned k = 0; k < BATCH && p->op < OPS; k++, p->op++) random_op(p);
        if (batch % FULL_EVERY == 0) full_collection_and_check(p);
        else check_heap(p, false);
    }
    full_collection_and_check(p);

    /* Drop every root: everything becomes garbage. */
    gc_frame_pop(p->h, 0);
    oracle_regs_truncate(&p->o, 0);
    for (uint32_t g = 0; g < NGLOBALS; g++) {
        gc_global_write(p->h, p->globals_base + g, NULL);
        p->o.globals[g] = ORACLE_NIL;
    }
    full_collection_and_check(p);

    uint64_t triggered = p->triggered;
    gc_heap_destroy(p->h);
    oracle_free(&p->o);
    free(p);
    return triggered;
}

static uint64_t env_u64(const char *name, uint64_t def) {
    const char *s = getenv(name);
    if (s == NULL || *s == '\0') return def;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    cr_assert(*end == '\0', "%s='%s' is not a whole number", name, s);
    return v;
}

TST_FOR_EACH_COLLECTOR(conformance, random_programs) {
    const gc_collector_ops *c = gc_collectors[*collector_index];
    const char *only = getenv("GCLAB_COLLECTOR");
    if (only && *only && strcmp(only, c->name) != 0) cr_skip_test("GCLAB_COLLECTOR=%s", only);
    const char *one = getenv("GCLAB_SEED");
    if (one && *one) {
        run_program(c, env_u64("GCLAB_SEED", 0));
        tst_expect_no_leaks();
        return;
    }
    uint64_t programs = env_u64("GCLAB_PROGRAMS", PROGRAMS), triggered = 0;
    for (uint64_t seed = 1; seed <= programs; seed++) triggered += run_program(c, seed);
    /* Coverage, not behaviour: with its stress parameters the collector must have started
     * collections by itself inside the programs, or the checks above never see a collection that
     * interrupts an allocation. */
    if (c->stress_params && programs >= 10)
        cr_expect(triggered > 0,
                  "collector %s: no program triggered a collection by the collector's own policy, even with "
                  "stress_params '%s'",
                  c->name, c->stress_params);
    tst_expect_no_leaks();
}
