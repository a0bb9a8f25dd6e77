/* incremental: tri-colour incremental mark-sweep, with a choice of barrier and a pause target
 * (Dijkstra and others, CACM 1978; Yuasa, JSS 1990; Lua's lgc.c for the phases and the step
 * accounting). Docs: docs/collectors/incremental.md.
 *
 * Spaces: the size-class space (free lists, swept lazily after each marking) and the large-object
 * space, as marksweep's. The marking is core/mark.c's, advanced in increments between which the
 * mutator runs (gc_incremental_begin, gc_mark_step, gc_incremental_end: include/gclab/tracer.h).
 *
 * A cycle is a state machine, one pause per increment:
 *   idle       no cycle: the mutator allocates until the heap reaches its size H (marksweep's
 *              rule, with growth 1: more room than marksweep's 0.75, for the marking to spread
 *              over), then
 *   sweep      `sweep-step` pauses sweep what the previous cycle's lazy sweep left queued, a budget
 *              of blocks at a time (the marking must not start with blocks still queued: INC-1);
 *   mark       `mark-step` pauses follow a budget of edges each, sized for `pause_target` from the
 *              measured marking rate, spaced so that the marking ends after about half the room
 *              `growth` leaves (pacing, below); the barrier greys what the mutator's stores would
 *              hide; new objects are allocated black;
 *   remark     barrier=insertion only: one `remark` pause rescans the roots and drains the stack
 *              (the roots have no barrier); SATB needs none, its roots were snapshotted at the start;
 *   then the marking ends, the sweep is lazy (the allocator's), H is resized: idle.
 * If the heap reaches H + twice the room before the marking ends (the marking fell behind the
 * allocation: the heap grows first, up to there), the rest is done in one `finish` pause; the heap limit also finishes the cycle, and
 * an explicit request finishes it and then runs a whole stop-the-world collection (`full`).
 *
 * Invariants: INC-1 (core); INC-2 the barrier's tri-colour invariant (strong for insertion: no
 * black-to-white edge; weak for SATB: every white object a black one refers to is reachable from
 * a grey one through white ones), checked after every increment in verify mode; INC-3 when the
 * marking ends, nothing reachable is white (verify mode); outside a cycle, marksweep's MS-1. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "gclab/heap.h"
#include "gclab/size_policy.h"
#include "gclab/tracer.h"

typedef enum inc_phase { INC_IDLE, INC_SWEEP, INC_MARK } inc_phase;

enum {
    SWEEP_STEP_BLOCKS = 64,          /* blocks per sweep-step: a 64 KiB block sweeps in microseconds */
    STEP_BYTES_MIN = 16 * 1024,      /* the least allocation between two increments */
    STEPMUL_BYTES = 64 * 1024,       /* stepmul: an increment every this many bytes */
};
#define AIM 0.4 /* a mark-step is sized for this fraction of pause_target (inc_pace) */
#define ROOM_AIM 0.8 /* the marking is paced to end after this fraction of the room (inc_pace) */
#define BEHIND 2.0   /* a marking not done when the heap reaches H + BEHIND x room is finished at once */

typedef struct incremental {
    bool satb;                /* barrier=satb, else insertion */
    double pause_target_ns;
    int64_t stepmul;          /* 0: pace by pause_target */
    gc_size_policy size;
    inc_phase phase;
    /* pacing */
    double edges_per_ns;      /* the marking rate: mark_rate, or measured (EWMA over increments) */
    bool measure_rate;        /* mark_rate=0 */
    double cycle_edges;       /* edges the last complete marking followed */
    double estimate;          /* the edges this marking is expected to follow (inc_begin_marking) */
    double start;             /* heap bytes at which the next cycle starts (inc_resize) */
    double room;              /* bytes a marking is paced to allocate into (ROOM_AIM of it; finished at BEHIND) */
    uint64_t budget;          /* edges per mark-step */
    double followed;          /* edges followed by this marking so far */
    /* figures */
    uint64_t cycles, mark_steps, sweep_steps, remarks, finishes, fulls;
    uint64_t floating_last;   /* verify mode: floating garbage of the last complete cycle (objects) */
    bool floating_known;
} incremental;

static const gc_param_desc incremental_params[] = {
    {"barrier", GC_PARAM_CHOICE, "satb", "", 0, 0, "satb|insertion",
     "satb: Yuasa's deletion barrier, roots snapshotted; insertion: Dijkstra's, roots rescanned in a remark pause"},
    {"pause_target", GC_PARAM_REAL, "1", "ms", 0.01, 1e6, NULL, "the longest increment the collector aims for"},
    {"mark_rate", GC_PARAM_REAL, "70", "edges/us", 0, 1e9, NULL,
     "the marking rate the increments are sized by (0: measured as the run goes, which adapts them to the machine but makes their schedule vary from run to run)"},
    {"stepmul", GC_PARAM_INT, "0", "percent", 0, 1e9, NULL,
     "Lua-style pacing instead of pause_target: each increment, every 64 KiB allocated, follows stepmul/100 edges per 16 bytes allocated (0: off)"},
    GC_SIZE_POLICY_PARAMS("1", "heap"),
    GC_PARAM_END,
};

/* After a cycle: when the next one starts (`start`, heap bytes) and the room its marking may
 * allocate into. Growth policy: start at H (the size rule), room H - live. Under a heap limit L:
 * start half way from the live data to L, room a quarter of that gap, so that H + BEHIND x room
 * is L itself: a cycle that falls behind is finished before the limit. */
static void inc_resize(gc_heap *h, incremental *ic) {
    double live = (double)gc_heap_bytes(h);
    if (ic->size.fixed_heap) {
        double gap = fmax((double)gc_heap_limit(h) - live, 0);
        ic->start = live + gap / 2;
        ic->room = gap / 4;
        gc_set_trigger(h, gap / 2 < (double)GC_BLOCK_SIZE ? (int64_t)GC_BLOCK_SIZE : (int64_t)(gap / 2));
    } else {
        gc_size_policy_resize(h, &ic->size); /* the idle phase's trigger: H */
        ic->start = ic->size.size;
        ic->room = fmax(ic->size.size - live, 1 << 20);
    }
    /* A marking allocates into fresh blocks (INC-1: the free lists are set aside), which the sweep
     * after it empties again: kept resident, they are not faulted in anew by every cycle (on
     * GCBench, page clearing was 57% of the run's cycles without this). */
    double keep = ic->size.fixed_heap ? (double)gc_heap_limit(h) : ic->start + BEHIND * ic->room;
    gc_heap_retain_blocks(h, keep > 9e18 ? UINT64_MAX / 2 : (uint64_t)keep);
}

/* Arm the next poll during a marking: the pacing. The marking should follow its estimated edges
 * within ROOM_AIM of the room, in increments of `budget` edges (AIM of pause_target at the rate). */
static void inc_pace(gc_heap *h, incremental *ic) {
    if (ic->stepmul) {
        ic->budget = (uint64_t)fmax(64, (double)ic->stepmul * STEPMUL_BYTES / 100.0 / 16.0);
        gc_set_trigger(h, STEPMUL_BYTES);
        return;
    }
    /* aimed at 40% of the target: the rate varies from one step to the next (cache misses, the
     * machine's load), and the target is the longest increment, not the typical one */
    ic->budget = (uint64_t)fmax(256, AIM * ic->pause_target_ns * ic->edges_per_ns);
    /* past the estimate, a quarter of it is assumed left: the pace keeps up instead of stalling */
    double remaining = fmax(fmax(ic->estimate - ic->followed, 0.25 * ic->estimate), (double)ic->budget);
    double increments = ceil(remaining / (double)ic->budget);
    double gap = ROOM_AIM * ic->room / increments;
    gc_set_trigger(h, gap < STEP_BYTES_MIN ? STEP_BYTES_MIN : (int64_t)gap);
}

static void verify_step(gc_heap *h, incremental *ic) {
    if (!gc_heap_verifying(h)) return;
    char msg[256];
    if (gc_incremental_verify(h, !ic->satb, msg, sizeof msg) != 0) gc_fail(h, GC_ERR_VERIFY, "incremental: %s", msg);
}

/* One mark-step of up to `budget` edges, timed for the pacing. */
static uint64_t inc_mark_some(gc_heap *h, incremental *ic, uint64_t budget) {
    uint64_t t0 = gc_now_ns();
    uint64_t done = gc_mark_step(h, budget);
    double dt = (double)(gc_now_ns() - t0);
    ic->followed += (double)done;
    if (ic->measure_rate && done >= 256 && dt > 0) ic->edges_per_ns = 0.8 * ic->edges_per_ns + 0.2 * ((double)done / dt);
    return done;
}

/* The marking is complete: end it, sweep lazily, resize. Inside a pause. */
static void inc_end_cycle(gc_heap *h, incremental *ic, gc_pause *p) {
    if (!ic->satb) { /* the remark: the roots, unbarriered, may hide white objects */
        gc_mark_roots(h);
        inc_mark_some(h, ic, UINT64_MAX);
    }
    if (gc_heap_verifying(h)) {
        char msg[256];
        uint64_t floating;
        if (gc_incremental_verify_complete(h, &floating, msg, sizeof msg) != 0) {
            gc_fail(h, GC_ERR_VERIFY, "incremental: %s", msg);
            return;
        }
        ic->floating_last = floating;
        ic->floating_known = true;
    }
    uint64_t before = gc_heap_objects(h);
    uint64_t marked = gc_incremental_end(h);
    gc_sweep_lazily(h, marked);
    p->collected = (int64_t)(before - gc_heap_objects(h));
    ic->cycle_edges = ic->followed;
    ic->phase = INC_IDLE;
    ic->cycles++;
    inc_resize(h, ic);
}

static void inc_begin_marking(gc_heap *h, incremental *ic) {
    gc_incremental_begin(h);
    ic->phase = INC_MARK;
    ic->followed = 0;
    /* The edges this marking will follow: the last one's, or, if more, 1.5 per object the heap
     * holds now (garbage included: an overestimate only spaces the increments closer). */
    ic->estimate = fmax(ic->cycle_edges, 1.5 * (double)gc_heap_objects(h));
}

/* Run the rest of a cycle in pause p (finish, or the start of an explicit collection). */
static void inc_complete(gc_heap *h, incremental *ic, gc_pause *p) {
    if (ic->phase == INC_IDLE) return;
    if (ic->phase == INC_SWEEP) inc_begin_marking(h, ic); /* begin sweeps what is left */
    inc_mark_some(h, ic, UINT64_MAX);
    inc_end_cycle(h, ic, p);
}

static void inc_poll(gc_heap *h) {
    incremental *ic = h->cstate;
    gc_pause p;
    switch (ic->phase) {
    case INC_IDLE:
    case INC_SWEEP:
        gc_pause_begin(h, &p, "sweep-step", -1, GC_REASON_TRIGGER);
        ic->phase = INC_SWEEP;
        if (gc_sweep_step(h, SWEEP_STEP_BLOCKS) < SWEEP_STEP_BLOCKS) inc_begin_marking(h, ic); /* nothing left */
        ic->sweep_steps++;
        gc_pause_end(h, &p);
        if (ic->phase == INC_SWEEP) gc_set_trigger(h, STEP_BYTES_MIN);
        else inc_pace(h, ic);
        return;
    case INC_MARK:
        /* fallen behind: the heap passed H + twice the room (the pacing aims at ROOM_AIM of it:
         * past that the heap grows rather than a pause lengthens, up to here) */
        if ((double)gc_heap_bytes(h) >= ic->start + BEHIND * ic->room) {
            gc_pause_begin(h, &p, "finish", -1, GC_REASON_TRIGGER);
            inc_complete(h, ic, &p);
            ic->finishes++;
            gc_pause_end(h, &p);
            return;
        }
        gc_pause_begin(h, &p, "mark-step", -1, GC_REASON_TRIGGER);
        inc_mark_some(h, ic, ic->budget);
        ic->mark_steps++;
        bool done = gc_mark_done(h);
        if (!done) verify_step(h, ic);
        else if (ic->satb) inc_end_cycle(h, ic, &p); /* SATB: an empty stack ends the marking */
        gc_pause_end(h, &p);
        if (!done) {
            inc_pace(h, ic);
        } else if (!ic->satb) { /* insertion: the roots are rescanned in a pause of their own */
            gc_pause_begin(h, &p, "remark", -1, GC_REASON_TRIGGER);
            ic->remarks++;
            inc_end_cycle(h, ic, &p);
            gc_pause_end(h, &p);
        }
        return;
    }
}

/* An explicit request or the heap limit: the cycle in progress is finished, then (explicit
 * requests, and the limit if still needed) a whole collection reclaims what died meanwhile. */
static void inc_collect(gc_heap *h, int generation, gc_reason why) {
    (void)generation;
    incremental *ic = h->cstate;
    gc_pause p;
    if (ic->phase != INC_IDLE) {
        gc_pause_begin(h, &p, "finish", -1, why);
        inc_complete(h, ic, &p);
        ic->finishes++;
        gc_pause_end(h, &p);
        if (why == GC_REASON_HEAP_LIMIT) return; /* the core checks again, and asks again if need be */
    }
    gc_pause_begin(h, &p, "full", -1, why);
    uint64_t before = gc_heap_objects(h);
    gc_sweep_finish(h);
    uint64_t marked = gc_mark_from_roots(h, GC_BITS_MARK);
    gc_sweep_lazily(h, marked);
    p.collected = (int64_t)(before - gc_heap_objects(h));
    ic->fulls++;
    inc_resize(h, ic);
    gc_pause_end(h, &p);
}

static int inc_init(gc_heap *h, const gc_params *p, char *err, size_t errlen) {
    incremental *ic = calloc(1, sizeof *ic);
    if (ic == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    ic->satb = gc_param_choice(p, "barrier") == 0;
    ic->pause_target_ns = gc_param_real(p, "pause_target") * 1e6;
    ic->stepmul = gc_param_int(p, "stepmul");
    double rate = gc_param_real(p, "mark_rate");
    ic->measure_rate = rate == 0;
    ic->edges_per_ns = ic->measure_rate ? 0.05 : rate / 1000.0; /* measured: 50 edges per microsecond to start */
    if (ic->stepmul && gc_param_given(p, "pause_target"))
        gc_heap_warn(h, "incremental: parameter pause_target has no effect with stepmul set");
    if (gc_heap_set_barrier(h, ic->satb ? GC_BARRIER_SATB : GC_BARRIER_INSERT, err, errlen) != 0 ||
        gc_size_policy_init(h, &ic->size, p, "incremental", err, errlen) != 0) {
        free(ic);
        return -1;
    }
    h->cstate = ic;
    inc_resize(h, ic);
    return 0;
}

static void inc_destroy(gc_heap *h) { free(h->cstate); }

static int inc_verify(gc_heap *h, char *msg, size_t len) {
    incremental *ic = h->cstate;
    if (ic->phase == INC_MARK) return gc_incremental_verify(h, !ic->satb, msg, len);
    gc_sweep_finish(h);
    if (!gc_space_lane_clear(h, GC_BITS_MARK)) {
        snprintf(msg, len, "incremental: a cell carries the next marking's epoch outside a cycle (MS-1)");
        return -1;
    }
    return 0;
}

static void inc_report(gc_heap *h, gc_report_fn emit, void *ctx) {
    incremental *ic = h->cstate;
    emit(ctx, "cycles", (int64_t)ic->cycles);
    emit(ctx, "increments.mark_steps", (int64_t)ic->mark_steps);
    emit(ctx, "increments.sweep_steps", (int64_t)ic->sweep_steps);
    emit(ctx, "increments.remarks", (int64_t)ic->remarks);
    emit(ctx, "increments.finishes", (int64_t)ic->finishes);
    emit(ctx, "increments.per_cycle", ic->cycles ? (int64_t)((ic->mark_steps + ic->sweep_steps) / ic->cycles) : 0);
    emit(ctx, "full_collections", (int64_t)ic->fulls);
    emit(ctx, "objects_shaded", (int64_t)gc_heap_shaded(h));
    emit(ctx, "objects_allocated_black", (int64_t)gc_heap_allocated_black(h));
    if (ic->floating_known) emit(ctx, "floating_garbage_objects", (int64_t)ic->floating_last);
}

const gc_collector_ops gc_collector_incremental = {
    .name = "incremental",
    .summary = "tri-colour incremental mark-sweep: SATB or insertion barrier, increments sized for a pause target",
    .caps = GC_CAP_RECLAIMS_CYCLES | GC_CAP_INCREMENTAL,
    .barrier = GC_BARRIER_SATB, /* barrier=insertion sets GC_BARRIER_INSERT at init (gc_heap_set_barrier) */
    .params = incremental_params,
    .stress_params = "pause_target=0.01,min_heap=0,growth=0.25,shrink=1,barrier=insertion",
    .init = inc_init,
    .destroy = inc_destroy,
    .poll = inc_poll,
    .collect = inc_collect,
    .verify = inc_verify,
    .report = inc_report,
};
