/* The census: a precise reachability walk from the roots over every object the heap holds.
 *
 * It is how leaks are measured (the cycles `rc` never frees) and how the tests judge collectors.
 * It uses its own bitmap lane and its own stack, so it can run between any two mutator operations
 * without disturbing a collector's state; callers keep it outside timed regions. */
#include "core/internal.h"

static void tally(gc_object *o, void *ctx) {
    gc_census_result *r = ctx;
    uint64_t bytes = gc_object_size(o->nslots, o->nbytes);
    if (gc_census_test(o)) {
        r->reachable_objects++;
        r->reachable_bytes += bytes;
    } else {
        r->unreachable_objects++;
        r->unreachable_bytes += bytes;
    }
}

void gc_census(gc_heap *h, gc_census_result *out) {
    *out = (gc_census_result){0};
    gc_stack stack = {0};
    uint64_t bytes = 0;
    bool incomplete = gc_core(h)->mark_incomplete; /* the collector's marking's, which a census must leave alone */
    gc_core(h)->mark_incomplete = false;
    gc_mark_with(h, GC_BITS_CENSUS, &stack, &bytes);
    gc_stack_free(&stack);
    bool lost = gc_core(h)->mark_incomplete;
    gc_core(h)->mark_incomplete = incomplete;
    if (lost) {
        gc_space_clear_census(h);
        gc_fail(h, GC_ERR_NOMEM, "out of memory for the census's mark stack");
        return;
    }
    gc_heap_each(h, tally, out);
    gc_space_clear_census(h); /* HEAP-2 */
}
