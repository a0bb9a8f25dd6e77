/* rc-trial: reference counting with synchronous cycle collection by trial deletion over a buffer
 * of candidate roots (Bacon and Rajan, "Concurrent Cycle Collection in Reference Counted Systems",
 * ECOOP 2001, section 3: the synchronous algorithm). Docs: docs/collectors/rc-trial.md.
 *
 * Reference counting is the core's (GC_BARRIER_RC): an object is freed, and its children released,
 * when its count reaches zero. With GC_BARRIER_RC_CANDIDATES the core also buffers every object
 * whose count falls to a non-zero value (the paper's "possible root", purple), once: a garbage
 * cycle can only be left behind by such a decrement. A buffered object whose count reaches zero is
 * kept by the core (children released, slots cleared) for this collector to free: the paper's
 * Release with the buffered flag set.
 *
 * A cycle collection, one pause of kind `cycles`, is the paper's three passes, named as there, each
 * with an explicit work list (a ten-million-object cycle does not reach the C stack):
 *   MarkRoots     each candidate still counted and not yet gray is marked gray by MarkGray: every
 *                 object reachable from it turns gray and every edge among them is subtracted from
 *                 its target's count (trial deletion); a candidate that an earlier one's MarkGray
 *                 reached leaves the roots (it is scanned from there); a black candidate whose
 *                 count is zero (released while buffered) is freed;
 *   ScanRoots     Scan: a gray object whose count is still positive is referenced from outside
 *                 the gray subgraph, so it and everything it reaches turn black again with their
 *                 counts restored (ScanBlack); the other gray objects turn white;
 *   CollectRoots  CollectWhite: the white objects are garbage cycles (and what only they reach):
 *                 freed without any count change, their references being among themselves or
 *                 already subtracted.
 * The paper also re-colours an object black when its count is incremented; this collector does
 * not hook increments, so a buffered object stays a candidate until the next collection, which
 * is safe (trial deletion is correct from any set of candidates) and costs only the examination.
 *
 * Colours: cflags bits 0-1 (black 0, gray 1, white 2); the buffered bit is the core's.
 *
 * Invariants, checked by verify outside a collection:
 *   RCT-1  every object is black; the buffered objects are exactly the buffer's (RC-1) and none is
 *          free;
 *   HEAP-4 counts equal references (gc_rc_verify_counts). */
#include <stdio.h>
#include <stdlib.h>

#include "gclab/heap.h"

enum { COLOUR = 0x03, BLACK = 0, GRAY = 1, WHITE = 2 };

typedef struct rc_trial {
    uint64_t buffer_limit;  /* parameter `buffer`: collect when this many candidates wait */
    gc_stack work, black, roots, dead; /* work lists, kept from one collection to the next */
    uint64_t collections, candidates, examined, freed_cyclic, freed_buffered;
} rc_trial;

static const gc_param_desc rc_trial_params[] = {
    {"buffer", GC_PARAM_INT, "10000", "objects", 1, 1e12, NULL,
     "collect cycles when this many candidate roots are buffered (checked every 64 KiB of allocation)"},
    GC_PARAM_END,
};

enum { POLL_BYTES = 64 * 1024 };

static unsigned colour(const gc_object *o) { return o->cflags & COLOUR; }
static void paint(gc_object *o, unsigned c) { o->cflags = (uint8_t)((o->cflags & ~COLOUR) | c); }

static void push(gc_heap *h, gc_stack *s, gc_object *o) {
    if (!gc_stack_push(s, o)) gc_fail(h, GC_ERR_NOMEM, "rc-trial: out of memory for a work list");
}

/* MarkGray(s): gray everything reachable from s, subtracting each internal edge from its target. */
static void mark_gray(gc_heap *h, rc_trial *rt, gc_object *s) {
    if (colour(s) == GRAY) return;
    paint(s, GRAY);
    rt->examined++;
    push(h, &rt->work, s);
    for (gc_object *o; (o = gc_stack_pop(&rt->work)) != NULL;)
        for (uint32_t i = 0; i < o->nslots; i++) {
            gc_object *t = gc_slots(o)[i];
            if (t == NULL) continue;
            t->word--;
            if (colour(t) != GRAY) {
                paint(t, GRAY);
                rt->examined++;
                push(h, &rt->work, t);
            }
        }
}

/* ScanBlack(s): s and everything it reaches black again, the edges from them restored. */
static void scan_black(gc_heap *h, gc_object *s, gc_stack *work) {
    paint(s, BLACK);
    push(h, work, s);
    for (gc_object *o; (o = gc_stack_pop(work)) != NULL;)
        for (uint32_t i = 0; i < o->nslots; i++) {
            gc_object *t = gc_slots(o)[i];
            if (t == NULL) continue;
            t->word++;
            if (colour(t) != BLACK) {
                paint(t, BLACK);
                push(h, work, t);
            }
        }
}

/* Scan(s): gray objects still counted are live (scan_black); the others turn white. */
static void scan(gc_heap *h, rc_trial *rt, gc_object *s) {
    push(h, &rt->work, s);
    for (gc_object *o; (o = gc_stack_pop(&rt->work)) != NULL;) {
        if (colour(o) != GRAY) continue;
        if (o->word > 0) {
            scan_black(h, o, &rt->black);
            continue;
        }
        paint(o, WHITE);
        for (uint32_t i = 0; i < o->nslots; i++)
            if (gc_slots(o)[i]) push(h, &rt->work, gc_slots(o)[i]);
    }
}

/* CollectWhite(s): the white objects reachable from s, not buffered, onto the dead list. */
static void collect_white(gc_heap *h, rc_trial *rt, gc_object *s) {
    push(h, &rt->work, s);
    for (gc_object *o; (o = gc_stack_pop(&rt->work)) != NULL;) {
        if (colour(o) != WHITE || (o->cflags & GC_CFLAG_BUFFERED)) continue;
        paint(o, BLACK);
        push(h, &rt->dead, o);
        for (uint32_t i = 0; i < o->nslots; i++)
            if (gc_slots(o)[i]) push(h, &rt->work, gc_slots(o)[i]);
    }
}

static void rct_collect(gc_heap *h, int generation, gc_reason why) {
    (void)generation;
    rc_trial *rt = h->cstate;
    gc_pause p;
    gc_pause_begin(h, &p, "cycles", -1, why);
    uint64_t before = gc_heap_objects(h);
    /* MarkRoots */
    size_t n = gc_rc_candidates_size(h);
    gc_object *const *buffer = gc_rc_candidates(h);
    rt->candidates += n;
    rt->roots.len = 0;
    for (size_t i = 0; i < n; i++) {
        gc_object *s = buffer[i];
        if (colour(s) == GRAY || (s->word > 0 && !(s->cflags & GC_CFLAG_PURPLE))) {
            /* reached by an earlier candidate's MarkGray (scanned from there), or incremented
             * since its last decrement (the paper's black: no new garbage cycle through it) */
            gc_rc_unbuffer(s);
        } else if (s->word > 0) {
            mark_gray(h, rt, s);
            push(h, &rt->roots, s);
        } else { /* black with a zero count: released while buffered, kept for us by the core */
            gc_rc_unbuffer(s);
            gc_free_object(h, s);
            rt->freed_buffered++;
        }
    }
    gc_rc_candidates_clear(h);
    /* ScanRoots */
    for (size_t i = 0; i < rt->roots.len; i++) scan(h, rt, rt->roots.items[i]);
    /* CollectRoots */
    rt->dead.len = 0;
    for (size_t i = 0; i < rt->roots.len; i++) {
        gc_rc_unbuffer(rt->roots.items[i]);
        collect_white(h, rt, rt->roots.items[i]);
    }
    for (size_t i = 0; i < rt->dead.len; i++) gc_free_object(h, rt->dead.items[i]);
    rt->freed_cyclic += rt->dead.len;
    rt->collections++;
    p.collected = (int64_t)(before - gc_heap_objects(h));
    gc_set_trigger(h, POLL_BYTES);
    gc_pause_end(h, &p);
}

static void rct_poll(gc_heap *h) {
    rc_trial *rt = h->cstate;
    if (gc_rc_candidates_size(h) >= rt->buffer_limit) rct_collect(h, -1, GC_REASON_TRIGGER);
    else gc_set_trigger(h, POLL_BYTES);
}

static int rct_init(gc_heap *h, const gc_params *p, char *err, size_t errlen) {
    rc_trial *rt = calloc(1, sizeof *rt);
    if (rt == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    rt->buffer_limit = (uint64_t)gc_param_int(p, "buffer");
    h->cstate = rt;
    gc_set_trigger(h, POLL_BYTES);
    return 0;
}

static void rct_destroy(gc_heap *h) {
    rc_trial *rt = h->cstate;
    gc_stack_free(&rt->work);
    gc_stack_free(&rt->black);
    gc_stack_free(&rt->roots);
    gc_stack_free(&rt->dead);
    free(rt);
}

struct rct_check {
    uint64_t buffered;
    const char *bad;
};

static void check_object(gc_object *o, void *ctx) {
    struct rct_check *c = ctx;
    if (colour(o) != BLACK) c->bad = "an object is not black outside a collection (RCT-1)";
    if (o->cflags & GC_CFLAG_BUFFERED) c->buffered++;
}

static int rct_verify(gc_heap *h, char *msg, size_t len) {
    struct rct_check c = {0, NULL};
    gc_heap_each(h, check_object, &c);
    size_t n = gc_rc_candidates_size(h);
    gc_object *const *buffer = gc_rc_candidates(h);
    for (size_t i = 0; i < n && !c.bad; i++)
        if (!(buffer[i]->cflags & GC_CFLAG_BUFFERED) || (buffer[i]->flags & GC_OBJ_FREE))
            c.bad = "the buffer holds an unbuffered or a free object (RCT-1)";
    if (!c.bad && c.buffered != n) c.bad = "the buffered objects are not the buffer's (RC-1)";
    if (c.bad) {
        snprintf(msg, len, "rc-trial: %s", c.bad);
        return -1;
    }
    return gc_rc_verify_counts(h, msg, len);
}

static void rct_report(gc_heap *h, gc_report_fn emit, void *ctx) {
    rc_trial *rt = h->cstate;
    emit(ctx, "cycle_collections", (int64_t)rt->collections);
    emit(ctx, "candidates_buffered", (int64_t)rt->candidates);
    emit(ctx, "objects_examined", (int64_t)rt->examined);
    emit(ctx, "cyclic_garbage_freed", (int64_t)rt->freed_cyclic);
    emit(ctx, "buffered_zero_count_freed", (int64_t)rt->freed_buffered);
}

const gc_collector_ops gc_collector_rc_trial = {
    .name = "rc-trial",
    .summary = "reference counting + synchronous trial deletion over buffered candidate roots (Bacon and Rajan 2001)",
    .caps = GC_CAP_RECLAIMS_CYCLES | GC_CAP_REFCOUNT | GC_CAP_DEFERS_RELEASE,
    .barrier = GC_BARRIER_RC | GC_BARRIER_RC_CANDIDATES,
    .params = rc_trial_params,
    .stress_params = "buffer=1",
    .init = rct_init,
    .destroy = rct_destroy,
    .poll = rct_poll,
    .collect = rct_collect,
    .verify = rct_verify,
    .report = rct_report,
};
