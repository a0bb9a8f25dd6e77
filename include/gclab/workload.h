/* The workload interface: one const descriptor per workload (workloads/<name>.c), listed in
 * workloads/registry.c.
 *
 * A workload drives the mutator only through include/gclab/mutator.h (root registers and the
 * five operations), draws randomness only from the gc_rng it is given, and so performs the same
 * operations, in the same order, on every collector for the same seed and parameters.
 *
 * Failing. Bad input that only the workload can see (a malformed file named by a parameter,
 * parameter values that contradict each other) ends the run with
 *     gc_fail(h, GC_ERR_USAGE, "one line naming the problem", ...);
 * gc_run then reports that status and message, and the CLI prints the message and exits with 2.
 * Under gc_run, gc_fail does not return (it escapes through the heap's fatal handler, as a
 * heap-limit failure does), so a workload closes its files and frees its own memory before the
 * call, or keeps bookkeeping in gc_heap_scratch() memory, which the heap frees. Without a fatal
 * handler (a test calling run() directly), gc_fail records the error in h->error and
 * h->error_msg and returns, and the workload returns nonzero at once. */
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
    /* Run to completion. Returns 0, or nonzero if the workload's own integrity check failed.
     * The heap's fatal handler deals with heap-limit failures; bad input that only the workload
     * can see ends the run through gc_fail (see "Failing" above). */
    int (*run)(gc_heap *h, const gc_params *p, gc_rng *rng);
} gc_workload;

extern const gc_workload *const gc_workloads[]; /* NULL-terminated */
const gc_workload *gc_workload_find(const char *name);
/* The copy of built-in workload w compiled for h's class of collector (workloads/variants.c), or w
 * itself; gc_run runs what this returns. */
const gc_workload *gc_workload_specialise(const gc_workload *w, const gc_heap *h);

#endif
