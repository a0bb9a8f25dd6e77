/* marksweep: stop-the-world, non-moving, precise mark-sweep.
 *
 * A collection is three named phases:
 *   mark   (core/mark.c)   mark everything reachable from the roots, using an explicit mark
 *                          stack with prefetching; the marks are epochs in the object headers
 *                          (include/gclab/object.h), so no mark is ever cleared;
 *   sweep  (core/space_sizeclass.c) lazily: the heap's counts drop to what was marked, large objects and
 *                          blocks with nothing marked are freed at once, and every other block is
 *                          queued; the allocator sweeps a queued block (frees its unmarked cells)
 *                          when it next needs cells of that size, so the pause
 *                          itself sweeps nothing and the sweep touches memory just before reuse;
 *   resize (below)         set the next trigger from the bytes that survived.
 *
 * Policy (parameter `trigger`):
 *   growth  the collector keeps a heap size H (cell bytes); the next collection starts when the
 *           heap's bytes in use would pass H. After each collection, with live_after the bytes
 *           that survived it,
 *               H = max((1 + growth) * live_after, min_heap, (1 - shrink) * H_before)
 *           so the heap grows by steps of a factor 1 + growth while the live data grow, and,
 *           with the default shrink = 0, never gives back size it once needed (bdwgc's default
 *           behaves so too). Why not a plain budget proportional to live_after: a structure that
 *           grows and then dies (GCBench's stretch tree) leaves the heap at 2x its size with
 *           growth = 1, and the heap then shrinks to 2x a smaller live size, so the program pays
 *           for both the peak and frequent collections afterwards; keeping the size it reached
 *           reuses that memory as headroom instead. shrink = 1 gives the plain proportional
 *           budget (the heap size follows (1 + growth) * live_after).
 *   full    collect only when the next allocation would cross --heap-limit: the heap limit is
 *           the heap size, as in fixed-heap experiments (time against heap size).
 *   auto    (default) `full` when a heap limit is set, `growth` otherwise.
 * In every mode the core collects before any allocation that would cross --heap-limit (reason
 * "heap-limit"), so the limit is never exceeded while a collection can make room.
 *
 * Invariant MS-1: outside a collection, no cell that is not free carries the epoch the next
 * marking will use, and no block has been queued for sweeping for more markings than the epochs
 * allow (core/space_sizeclass.c sweeps such blocks before a marking), so a marking starts from nothing. */
#include <stdio.h>
#include <stdlib.h>

#include "gclab/heap.h"

typedef struct marksweep {
    bool fixed_heap; /* trigger = full: collect only at the heap limit */
    double growth, shrink;
    int64_t min_heap;
    double heap_size; /* H of the growth policy, in cell bytes */
    uint64_t collections;
    uint64_t marked_total;
} marksweep;

static const gc_param_desc marksweep_params[] = {
    {"trigger", GC_PARAM_CHOICE, "auto", "", 0, 0, "auto|growth|full",
     "when to collect: growth policy, only at the heap limit (full), or full iff a limit is set (auto)"},
    {"growth", GC_PARAM_REAL, "0.75", "ratio", 0.05, 100, NULL,
     "the heap size is at least (1 + growth) times the bytes that survived the last collection"},
    {"shrink", GC_PARAM_REAL, "0", "ratio", 0, 1, NULL,
     "fraction by which the heap size may fall at one collection (0: never shrinks; 1: follows the live data)"},
    {"min_heap", GC_PARAM_SIZE, "4M", "bytes", 0, 1e15, NULL,
     "no collection is triggered by the policy while the heap holds less than this"},
    GC_PARAM_END,
};

static void ms_resize(gc_heap *h, marksweep *ms) {
    if (ms->fixed_heap) {
        gc_set_trigger(h, INT64_MAX); /* the core's heap-limit check triggers every collection */
        return;
    }
    double live = (double)h->heap_bytes;
    double size = (1.0 + ms->growth) * live;
    if (size < (double)ms->min_heap) size = (double)ms->min_heap;
    double kept = (1.0 - ms->shrink) * ms->heap_size;
    if (size < kept) size = kept;
    ms->heap_size = size;
    double budget = size - live;
    if (budget < GC_BLOCK_SIZE) budget = GC_BLOCK_SIZE; /* one block: never a collection per allocation */
    gc_set_trigger(h, budget > 9e18 ? INT64_MAX : (int64_t)budget);
}

static void ms_collect(gc_heap *h, int generation, gc_reason why) {
    (void)generation; /* one generation: every collection is full */
    marksweep *ms = h->cstate;
    gc_pause p;
    gc_pause_begin(h, &p, "full", -1, why);
    uint64_t marked = gc_mark_from_roots(h, GC_BITS_MARK);
    ms->marked_total += marked;
    p.collected = (int64_t)gc_sweep_lazily(h, marked);
    ms->collections++;
    ms_resize(h, ms);
    gc_pause_end(h, &p);
}

static void ms_poll(gc_heap *h) { ms_collect(h, -1, GC_REASON_TRIGGER); }

static int ms_init(gc_heap *h, const gc_params *p, char *err, size_t errlen) {
    marksweep *ms = calloc(1, sizeof *ms);
    if (ms == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int trigger = gc_param_choice(p, "trigger"); /* 0 auto, 1 growth, 2 full */
    ms->fixed_heap = trigger == 2 || (trigger == 0 && gc_heap_limit(h) != 0);
    if (trigger == 2 && gc_heap_limit(h) == 0) {
        snprintf(err, errlen, "marksweep: trigger=full needs a heap limit (--heap-limit)");
        free(ms);
        return -1;
    }
    ms->growth = gc_param_real(p, "growth");
    ms->shrink = gc_param_real(p, "shrink");
    ms->min_heap = gc_param_int(p, "min_heap");
    h->cstate = ms;
    ms_resize(h, ms);
    return 0;
}

static void ms_destroy(gc_heap *h) { free(h->cstate); }

static int ms_verify(gc_heap *h, char *msg, size_t len) {
    gc_sweep_finish(h);
    if (!gc_space_lane_clear(h, GC_BITS_MARK)) {
        snprintf(msg, len, "a cell carries the next marking's epoch outside a collection (MS-1)");
        return -1;
    }
    return 0;
}

static void ms_report(gc_heap *h, gc_report_fn emit, void *ctx) {
    marksweep *ms = h->cstate;
    emit(ctx, "collections", (int64_t)ms->collections);
    emit(ctx, "objects_marked", (int64_t)ms->marked_total);
}

const gc_collector_ops gc_collector_marksweep = {
    .name = "marksweep",
    .summary = "stop-the-world non-moving mark-sweep with an explicit mark stack and marks in the object headers",
    .caps = GC_CAP_RECLAIMS_CYCLES,
    .params = marksweep_params,
    .stress_params = "min_heap=0,growth=0.25,shrink=1",
    .init = ms_init,
    .destroy = ms_destroy,
    .poll = ms_poll,
    .collect = ms_collect,
    .verify = ms_verify,
    .report = ms_report,
};
