/* Fuzz target: the heap snapshot loader (workloads/snapshot.c) and the heap-graph workload built
 * on it (workloads/heap_graph.c): the input is a snapshot file's bytes. An accepted snapshot is
 * rebuilt and churned for a few steps on every registered collector, which must end with the
 * heap's invariants intact or with an error (the heap limit), never a crash; a refused one must
 * give one line naming the problem, and be refused before any collector sees it. */
#include <string.h>

#include "core/internal.h"
#include "gclab/workload.h"
#include "tests/fuzz/fuzz.h"
#include "workloads/snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const gc_workload *w = gc_workload_find("heap-graph");
    fuzz_check(w != NULL, "no heap-graph workload");
    gc_params p;
    char err[320];
    fuzz_check(gc_params_init(&p, w->params, err, sizeof err) == 0, "%s", err);
    fuzz_check(gc_params_apply_list(&p, "steps=3,churn=0.05,subgraph_max=64", err, sizeof err) == 0, "%s", err);
    for (size_t c = 0; gc_collectors[c]; c++) {
        jmp_buf escape;
        gc_heap *h = fuzz_heap(gc_collectors[c], &escape);
        volatile int rc = -1;
        if (setjmp(escape) == 0) {
            gc_rng rng;
            gc_rng_seed(&rng, 1);
            rc = wl_heap_graph_run_memory(h, data, size, &p, &rng);
        }
        gc_core(h)->on_fatal = NULL; /* nothing may longjmp from here on */
        fuzz_check((rc == 0) == (gc_heap_error(h) == GC_OK), "heap-graph returned %d with heap error %d", rc, (int)gc_heap_error(h));
        bool refused = gc_heap_error(h) == GC_ERR_USAGE;
        if (rc != 0) fuzz_check(strchr(gc_heap_error_message(h), '\n') == NULL, "a multi-line message: %s", gc_heap_error_message(h));
        else fuzz_verify(h, "after heap-graph");
        gc_heap_destroy(h);
        if (refused) {
            fuzz_check(c == 0, "refused on %s after another collector accepted it", gc_collectors[c]->name);
            return 0; /* the reader's verdict, before any collector ran */
        }
    }
    return 0;
}
