/* Fuzz target: the trace reader and replay (core/trace_replay.c). The input is a trace file's
 * bytes; if its header is accepted, it is replayed on every registered collector, which must
 * either finish with the heap's invariants intact or stop with an error (a refused line, the
 * heap limit), never crash. The header's result must not depend on the collector. */
#include <string.h>

#include "gclab/trace.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[320];
    gc_trace_reader *r;
    int opened = gc_trace_open("fuzz.trace", data, size, &r, err, sizeof err);
    if (opened != GC_OK) {
        fuzz_check(opened == GC_ERR_USAGE || opened == GC_ERR_NOMEM, "gc_trace_open returned %d", opened);
        fuzz_check(r == NULL && err[0] != '\0' && strchr(err, '\n') == NULL, "a refusal without a one-line message");
        return 0;
    }
    gc_trace_reader_close(r);
    for (size_t c = 0; gc_collectors[c]; c++) {
        fuzz_check(gc_trace_open("fuzz.trace", data, size, &r, err, sizeof err) == GC_OK, "header accepted once only");
        gc_heap *h = fuzz_heap(gc_collectors[c], NULL);
        int e = gc_trace_replay(h, r);
        fuzz_check((e == 0) == (gc_heap_error(h) == GC_OK), "replay returned %d with heap error %d", e, (int)gc_heap_error(h));
        if (e != 0) fuzz_check(strchr(gc_heap_error_message(h), '\n') == NULL, "a multi-line message: %s", gc_heap_error_message(h));
        fuzz_verify(h, "after the replay");
        gc_heap_destroy(h);
        gc_trace_reader_close(r);
    }
    return 0;
}
