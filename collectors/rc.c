/* rc: reference counting only.
 *
 * Every reference is counted, in slots and in roots (GC_BARRIER_RC, include/gclab/heap.h), and an
 * object is freed the moment its count reaches zero, with everything that then drops to zero
 * (core/refcount.c, an explicit work list). Nothing else ever frees: a cycle keeps its own counts
 * above zero forever. That leak is the point of this collector: the census at the end of a run
 * reports exactly the cyclic garbage (and what it alone refers to) as leaked.
 *
 * Invariant (HEAP-4): every object's count equals the number of slots and root slots referring
 * to it. Verified by gc_rc_verify_counts.
 *
 * An explicit `collect` does nothing: there is nothing for it to find that counting missed,
 * except cycles, which this collector deliberately never reclaims. */
#include "gclab/heap.h"

const gc_collector_ops gc_collector_rc = {
    .name = "rc",
    .summary = "reference counting only: frees acyclic garbage at once, leaks cycles (and measures the leak)",
    .caps = GC_CAP_REFCOUNT,
    .barrier = GC_BARRIER_RC,
    .verify = gc_rc_verify_counts,
};
