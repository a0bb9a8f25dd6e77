/* Shared by the fuzz targets (docs/fuzzing.md). Each target is one file defining
 * LLVMFuzzerTestOneInput: libFuzzer drives it in the fuzz build (tests/fuzz/run.sh), and
 * regress_main.c runs it over the seed corpus and the regression inputs in the ordinary builds.
 *
 * A target reads its input from memory only (no temporary files), treats every refusal of bad
 * input as a normal outcome, and calls fuzz_check for what must hold whatever the input: a
 * violation aborts, which both drivers report as a crash. */
#ifndef GCLAB_TESTS_FUZZ_H
#define GCLAB_TESTS_FUZZ_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "gclab/collector.h"
#include "gclab/heap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the code under test: abort with the message if it does not hold. */
#define fuzz_check(cond, ...)                                       \
    do {                                                            \
        if (!(cond)) {                                              \
            fprintf(stderr, "fuzz check failed: %s: ", #cond);      \
            fprintf(stderr, __VA_ARGS__);                           \
            fputc('\n', stderr);                                    \
            abort();                                                \
        }                                                           \
    } while (0)

/* Bounds that keep one execution small: a heap limit (inputs may ask for 1 GiB objects). */
#define FUZZ_HEAP_LIMIT ((uint64_t)64 << 20)

/* A heap on collector c with the fuzz heap limit, or abort: creating it is not under test. With
 * escape NULL, the heap has no fatal handler: a failure is recorded in gc_heap_error(h) and the operation
 * returns (the trace replay's contract). Otherwise a failure longjmps to *escape, as gc_run's
 * handler does (the workloads' contract: include/gclab/workload.h). */
static void fuzz_escape(gc_heap *h, gc_error e, const char *msg, void *ctx) {
    (void)h, (void)e, (void)msg;
    longjmp(*(jmp_buf *)ctx, 1);
}

static inline gc_heap *fuzz_heap(const gc_collector_ops *c, jmp_buf *escape) {
    gc_heap_config cfg = {.collector = c, .heap_limit = FUZZ_HEAP_LIMIT, .sample_every = 0,
                          .on_fatal = escape ? fuzz_escape : NULL, .fatal_ctx = escape};
    gc_heap *h = NULL;
    char err[256];
    fuzz_check(gc_heap_create(&cfg, &h, err, sizeof err) == GC_OK, "cannot create a heap on %s: %s", c->name, err);
    return h;
}

/* After a run that did not fail: the heap's invariants (HEAP-1..4, the collector's own). */
static inline void fuzz_verify(gc_heap *h, const char *what) {
    if (gc_heap_error(h) != GC_OK) return;
    char msg[512] = "";
    fuzz_check(gc_verify(h, msg, sizeof msg) == 0, "%s on %s: %s", what, h->ops->name, msg);
}

#endif
