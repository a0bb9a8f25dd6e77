/* markcompact: stop-the-world mark, then slide (Lisp-2; MMTk's MarkCompact plan). Docs:
 * docs/collectors/markcompact.md.
 *
 * Spaces: one copy space, `compact`, that the mutator bump-allocates into and that is never
 * evacuated (its bytes count once against the heap limit: no copy reserve); the core's
 * large-object space for objects above GC_SMALL_MAX, marked in place and swept, never moved. The
 * size-class space stays empty.
 *
 * A collection is three named phases:
 *   mark     (core/mark.c)     everything reachable from the roots, marks in the headers;
 *   compact  (core/compact.c)  forwarding addresses computed in a pass over the space, every
 *                              reference updated, the live objects slid towards the space's
 *                              start in allocation order, the emptied blocks given back;
 *   sweep    (core)            the large objects not marked are freed; resize.
 *
 * Policy: the tracing collectors' heap-size rule (include/gclab/size_policy.h), growth 0.75 by
 * default as marksweep's: H = max(1.75 * live_after, min_heap, H_before); with a heap limit, a
 * collection only at the limit. Every collection compacts: a bump space has no free lists to
 * allocate from between compactions, so "mark-sweep in between" would need a second allocator
 * (docs/collectors/markcompact.md).
 *
 * Invariants, checked by verify outside a collection:
 *   MC-1  the compact space is one dense run of objects in allocation order with no forwarding
 *         state (COMPACT-1); the size-class space holds nothing;
 *   MC-2  no cell carries the next marking's epoch (HEAP-2). */
#include <stdio.h>
#include <stdlib.h>

#include "gclab/heap.h"
#include "gclab/size_policy.h"
#include "gclab/tracer.h"

typedef struct markcompact {
    gc_copy_space *space;
    gc_size_policy size;
    uint64_t collections, marked_total, bytes_compacted;
} markcompact;

static const gc_param_desc markcompact_params[] = {
    GC_SIZE_POLICY_PARAMS("0.75", "heap"),
    GC_PARAM_END,
};

static void mc_retain(gc_heap *h, const markcompact *mc) {
    uint64_t keep = mc->size.fixed_heap ? gc_heap_limit(h) : (uint64_t)mc->size.size;
    gc_heap_retain_blocks(h, keep + keep / 16); /* what the mutator refills until the next collection */
}

static void mc_collect(gc_heap *h, int generation, gc_reason why) {
    (void)generation; /* one generation: every collection is full */
    markcompact *mc = h->cstate;
    gc_pause p;
    gc_pause_begin(h, &p, "full", -1, why);
    /* mark */
    uint64_t marked = gc_mark_from_roots(h, GC_BITS_MARK);
    mc->marked_total += marked;
    /* compact */
    uint64_t freed = gc_copy_space_compact(h, mc->space);
    mc->bytes_compacted += gc_space_bytes(h, &mc->space->space);
    /* sweep */
    freed += gc_large_sweep(h);
    p.collected = (int64_t)freed;
    mc->collections++;
    gc_size_policy_resize(h, &mc->size);
    mc_retain(h, mc);
    gc_pause_end(h, &p);
}

static void mc_poll(gc_heap *h) { mc_collect(h, -1, GC_REASON_TRIGGER); }

static int mc_init(gc_heap *h, const gc_params *p, char *err, size_t errlen) {
    markcompact *mc = calloc(1, sizeof *mc);
    if (mc == NULL || (mc->space = gc_copy_space_create(h, "compact")) == NULL) {
        free(mc);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (gc_size_policy_init(h, &mc->size, p, "markcompact", err, errlen) != 0) {
        free(mc);
        return -1;
    }
    h->cstate = mc;
    gc_heap_set_allocation_space(h, &mc->space->space);
    mc_retain(h, mc);
    return 0;
}

static void mc_destroy(gc_heap *h) { free(h->cstate); } /* the heap destroys its spaces */

static int mc_verify(gc_heap *h, char *msg, size_t len) {
    markcompact *mc = h->cstate;
    if (gc_space_objects(h, gc_heap_sizeclass_space(h)) != 0) {
        snprintf(msg, len, "markcompact: the size-class space holds objects (MC-1)");
        return -1;
    }
    if (gc_copy_space_verify_dense(h, mc->space, msg, len) != 0) return -1;
    if (!gc_space_lane_clear(h, GC_BITS_MARK)) {
        snprintf(msg, len, "markcompact: a cell carries the next marking's epoch outside a collection (MC-2)");
        return -1;
    }
    return 0;
}

static void mc_report(gc_heap *h, gc_report_fn emit, void *ctx) {
    markcompact *mc = h->cstate;
    emit(ctx, "collections", (int64_t)mc->collections);
    emit(ctx, "objects_marked", (int64_t)mc->marked_total);
    emit(ctx, "bytes_compacted", (int64_t)mc->bytes_compacted);
}

const gc_collector_ops gc_collector_markcompact = {
    .name = "markcompact",
    .summary = "stop-the-world mark, then slide the live objects in allocation order (Lisp-2); bump allocation",
    .caps = GC_CAP_RECLAIMS_CYCLES | GC_CAP_MOVING,
    .params = markcompact_params,
    .stress_params = "min_heap=0,growth=0.25,shrink=1",
    .init = mc_init,
    .destroy = mc_destroy,
    .poll = mc_poll,
    .collect = mc_collect,
    .verify = mc_verify,
    .report = mc_report,
};
