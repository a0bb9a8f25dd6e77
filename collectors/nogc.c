/* nogc: bump allocation that never collects and never frees (MMTk's NoGC plan).
 *
 * The lower bound on time that overhead analyses divide by: the mutator's own work plus the
 * cheapest allocation there is. Small objects are bump-allocated in one copy space that is never
 * evacuated (an immortal space); large objects go to the core's large-object space and stay.
 * With --heap-limit, the allocation that would cross it fails the run (exit 3) with every result
 * recorded so far written, as for any collector; there is nothing to collect first.
 *
 * Invariant NOGC-1: every object ever allocated is still in the heap, so objects_live equals the
 * mutator's allocations (checked by verify). */
#include <stdio.h>

#include "gclab/heap.h"

static int nogc_init(gc_heap *h, const gc_params *p, char *err, size_t errlen) {
    (void)p;
    gc_copy_space *immortal = gc_copy_space_create(h, "immortal");
    if (immortal == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    gc_heap_set_allocation_space(h, &immortal->space);
    return 0;
}

static int nogc_verify(gc_heap *h, char *msg, size_t len) {
    const gc_mutator_counts *c = gc_heap_counts(h);
    if (gc_heap_objects(h) != c->allocs) {
        snprintf(msg, len, "nogc: %llu objects in the heap after %llu allocations: something was freed (NOGC-1)",
                 (unsigned long long)gc_heap_objects(h), (unsigned long long)c->allocs);
        return -1;
    }
    return 0;
}

const gc_collector_ops gc_collector_nogc = {
    .name = "nogc",
    .summary = "bump allocation, never collects, never frees: the lower bound on time",
    .caps = 0,
    .init = nogc_init,
    .verify = nogc_verify,
};
