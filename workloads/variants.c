/* The choice of a built-in workload's specialised copy (workloads/meson.build builds them).
 *
 * The general build of a workload tests the heap's barrier kind and allocation mode at every
 * operation, since any collector may be running. Each specialised copy was compiled for one class
 * of collector with those tests folded to constants, as if the collector had been chosen at
 * compile time. A copy is correct only on a heap of its class: the class's barrier bits exactly,
 * no allocation hooks, no prefix, no poison mode (h->fast_alloc covers the last three), and no trace
 * being recorded (the copies are compiled with GCLAB_FIXED_RECORDER 0). Every other
 * heap, and every workload a program registers itself, runs the general build. Both builds make
 * the same operations in the same order (tests/test_variants.c). */
#include "gclab/workload.h"

#ifndef GCLAB_FIXED_BARRIER
extern const gc_workload *const gc_workloads_plain[];   /* GCLAB_FIXED_BARRIER 0 */
extern const gc_workload *const gc_workloads_counted[]; /* GCLAB_FIXED_BARRIER GC_BARRIER_RC */
extern const gc_workload *const gc_workloads_bumped[];  /* GCLAB_FIXED_BARRIER 0, GCLAB_FIXED_BUMP 1 */
#endif

const gc_workload *gc_workload_specialise(const gc_workload *w, const gc_heap *h) {
#ifdef GCLAB_FIXED_BARRIER
    (void)h; /* a build fixed for one collector has nothing more to choose */
    return w;
#else
    const gc_workload *const *copies = NULL;
    if (h->recorder != NULL) return w; /* the copies record nothing */
    if (h->fast_alloc) copies = h->barrier == 0 ? gc_workloads_plain : h->barrier == GC_BARRIER_RC ? gc_workloads_counted : NULL;
    else if (h->fast_bump) copies = h->barrier == 0 ? gc_workloads_bumped : NULL;
    if (copies == NULL) return w;
    for (size_t i = 0; gc_workloads[i]; i++) /* by identity: a program's own workload keeps its own */
        if (gc_workloads[i] == w) return copies[i];
    return w;
#endif
}
