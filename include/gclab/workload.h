/* The workload interface: one const descriptor per workload (workloads/<name>.c), listed in
 * workloads/registry.c.
 *
 * A workload drives the mutator only through include/gclab/mutator.h (root registers and the
 * five operations), draws randomness only from the gc_rng it is given, and so performs the same
 * operations, in the same order, on every collector for the same seed and parameters. */
#ifndef GCLAB_WORKLOAD_H
#define GCLAB_WORKLOAD_H

#include "gclab/heap.h"
#include "gclab/mutator.h"
#include "gclab/params.h"
#include "gclab/rng.h"

typedef struct gc_workload {
    const char *name;
    const char *summary;         /* one line for `gclab list` */
    bool cyclic;                 /* does it make cyclic garbage? */
    const gc_param_desc *params; /* may be NULL */
    /* Parameter overrides ("name=value,name=value") that make a run of well under a second: the
     * test suite runs every workload on every collector with them. */
    const char *test_params;
    /* Run to completion. Returns 0; the heap's fatal handler deals with heap-limit failures. */
    int (*run)(gc_heap *h, const gc_params *p, gc_rng *rng);
} gc_workload;

extern const gc_workload *const gc_workloads[]; /* NULL-terminated */
const gc_workload *gc_workload_find(const char *name);

#endif
