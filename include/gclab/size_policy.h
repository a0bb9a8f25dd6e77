/* The heap-size policy of gclab's tracing collectors (marksweep, semispace): when the next
 * collection starts, from the bytes that survived the last one. One policy in one place, so that
 * two collectors compared with the same parameters are sized by the same rule.
 *
 * Parameter `trigger`:
 *   growth  the collector keeps a size H (cell bytes); the next collection starts when the bytes
 *           in use would pass H. After each collection, with live_after the bytes that survived,
 *               H = max((1 + growth) * live_after, min_heap, (1 - shrink) * H_before)
 *           so H grows by steps of a factor 1 + growth while the live data grow and, with
 *           shrink = 0, never gives back size it once needed (bdwgc's default behaves so too): a
 *           structure that grows and dies (GCBench's stretch tree) leaves room that later
 *           collections reuse instead of collecting more often. shrink = 1 makes H follow the
 *           live data.
 *   full    collect only when the next allocation would cross --heap-limit (fixed-heap
 *           experiments: time against heap size).
 *   auto    `full` when a heap limit is set, `growth` otherwise.
 * In every mode the core collects before any allocation that would cross --heap-limit. */
#ifndef GCLAB_SIZE_POLICY_H
#define GCLAB_SIZE_POLICY_H

#include "gclab/heap.h"

typedef struct gc_size_policy {
    bool fixed_heap; /* trigger = full (or auto with a limit): collect only at the heap limit */
    double growth, shrink;
    int64_t min_heap;
    double size; /* H, in cell bytes */
} gc_size_policy;

/* The policy's four parameter descriptions, for a collector's table: `growth_default` is a
 * string ("0.75"), `what` names what H is ("heap", "semispace"). */
#define GC_SIZE_POLICY_PARAMS(growth_default, what)                                                        \
    {"trigger", GC_PARAM_CHOICE, "auto", "", 0, 0, "auto|growth|full",                                     \
     "when to collect: growth policy, only at the heap limit (full), or full iff a limit is set (auto)"},  \
    {"growth", GC_PARAM_REAL, growth_default, "ratio", 0.05, 100, NULL,                                    \
     "the " what " size is at least (1 + growth) times the bytes that survived the last collection"},      \
    {"shrink", GC_PARAM_REAL, "0", "ratio", 0, 1, NULL,                                                    \
     "fraction by which the " what " size may fall at one collection (0: never; 1: follows the live data)"}, \
    {"min_heap", GC_PARAM_SIZE, "4M", "bytes", 0, 1e15, NULL,                                              \
     "no collection is triggered by the policy while the " what " holds less than this"}

/* Read the parameters and set the first trigger. 0, or -1 with a message (trigger=full without a
 * heap limit). */
int gc_size_policy_init(gc_heap *h, gc_size_policy *sp, const gc_params *p, const char *collector, char *err,
                        size_t errlen);
/* After a collection: the new H and the trigger for the next collection. */
void gc_size_policy_resize(gc_heap *h, gc_size_policy *sp);
/* The rule alone: the new H for `live` bytes surviving (stored in sp->size and returned), for a
 * collector that sizes one part of its heap by it (gen's old generation) and triggers otherwise. */
double gc_size_policy_next(gc_size_policy *sp, double live);

#endif
