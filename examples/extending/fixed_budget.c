/* mine: mark-sweep with a fixed allocation budget.
 *
 * gclab's own `marksweep` sizes its budget from the bytes that survived the last collection, so
 * its heap tracks the live data. This variant collects after every `every` bytes of allocation,
 * whatever survives: small live sets are collected as often as large ones. Comparing the two on
 * one workload shows what the growth policy buys.
 *
 * The phases are the core's: gc_mark_from_roots() marks everything reachable, with an explicit
 * stack; gc_sweep() frees the unmarked cells. The core also
 * collects (reason "heap-limit") before an allocation would cross --heap-limit.
 *
 * Invariant (as gclab's MS-1): outside a collection a marking would start from nothing marked;
 * `verify` checks it. */
#include <stdio.h>
#include <stdlib.h>

#include <gclab/heap.h>

#include "mine.h"

typedef struct fixed_budget {
    int64_t every;        /* bytes of cell allocation between collections */
    uint64_t collections; /* reported as collector_stats.collections */
} fixed_budget;

static const gc_param_desc fixed_budget_params[] = {
    {"every", GC_PARAM_SIZE, "8M", "bytes", 64 * 1024, 1e15, NULL,
     "collect after every this many bytes of allocation, whatever survives"},
    GC_PARAM_END,
};

/* One stop-the-world collection: mark, sweep, re-arm the same budget. */
static void fixed_budget_collect(gc_heap *h, int generation, gc_reason why) {
    (void)generation; /* one generation: every collection is full */
    fixed_budget *fb = h->cstate;
    gc_pause p;
    gc_pause_begin(h, &p, "full", -1, why);
    gc_mark_from_roots(h, GC_BITS_MARK);
    p.collected = (int64_t)gc_sweep(h);
    fb->collections++;
    gc_set_trigger(h, fb->every);
    gc_pause_end(h, &p);
}

/* The budget set with gc_set_trigger() ran out. */
static void fixed_budget_poll(gc_heap *h) { fixed_budget_collect(h, -1, GC_REASON_TRIGGER); }

static int fixed_budget_init(gc_heap *h, const gc_params *p, char *err, size_t errlen) {
    fixed_budget *fb = calloc(1, sizeof *fb);
    if (fb == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    fb->every = gc_param_int(p, "every");
    h->cstate = fb;
    gc_set_trigger(h, fb->every);
    return 0;
}

static void fixed_budget_destroy(gc_heap *h) { free(h->cstate); }

static int fixed_budget_verify(gc_heap *h, char *msg, size_t len) {
    if (!gc_space_lane_clear(h, GC_BITS_MARK)) {
        snprintf(msg, len, "a cell carries the next marking's epoch outside a collection");
        return -1;
    }
    return 0;
}

static void fixed_budget_report(gc_heap *h, gc_report_fn emit, void *ctx) {
    const fixed_budget *fb = h->cstate;
    emit(ctx, "collections", (int64_t)fb->collections);
}

const gc_collector_ops mine_collector = {
    .name = "mine",
    .summary = "example: mark-sweep that collects after every fixed number of bytes allocated",
    .caps = GC_CAP_RECLAIMS_CYCLES,
    .params = fixed_budget_params,
    .init = fixed_budget_init,
    .destroy = fixed_budget_destroy,
    .poll = fixed_budget_poll,
    .collect = fixed_budget_collect,
    .verify = fixed_budget_verify,
    .report = fixed_budget_report,
};
