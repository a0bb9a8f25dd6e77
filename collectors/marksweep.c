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
 * Policy: the tracing collectors' heap-size rule (include/gclab/size_policy.h: trigger, growth,
 * shrink, min_heap), with growth 0.75 by default: H = max(1.75 * live_after, min_heap, H_before).
 *
 * Invariant MS-1: outside a collection, no cell that is not free carries the epoch the next
 * marking will use, and no block has been queued for sweeping for more markings than the epochs
 * allow (core/space_sizeclass.c sweeps such blocks before a marking), so a marking starts from nothing. */
#include <stdio.h>
#include <stdlib.h>

#include "gclab/heap.h"
#include "gclab/size_policy.h"

typedef struct marksweep {
    gc_size_policy size;
    uint64_t collections;
    uint64_t marked_total;
} marksweep;

static const gc_param_desc marksweep_params[] = {
    GC_SIZE_POLICY_PARAMS("0.75", "heap"),
    GC_PARAM_END,
};

static void ms_collect(gc_heap *h, int generation, gc_reason why) {
    (void)generation; /* one generation: every collection is full */
    marksweep *ms = h->cstate;
    gc_pause p;
    gc_pause_begin(h, &p, "full", -1, why);
    uint64_t marked = gc_mark_from_roots(h, GC_BITS_MARK);
    ms->marked_total += marked;
    p.collected = (int64_t)gc_sweep_lazily(h, marked);
    ms->collections++;
    gc_size_policy_resize(h, &ms->size);
    gc_pause_end(h, &p);
}

static void ms_poll(gc_heap *h) { ms_collect(h, -1, GC_REASON_TRIGGER); }

static int ms_init(gc_heap *h, const gc_params *p, char *err, size_t errlen) {
    marksweep *ms = calloc(1, sizeof *ms);
    if (ms == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (gc_size_policy_init(h, &ms->size, p, "marksweep", err, errlen) != 0) {
        free(ms);
        return -1;
    }
    h->cstate = ms;
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
