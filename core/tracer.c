/* The visiting tracer's out-of-line parts (the step itself is inline: include/gclab/tracer.h). */
#include "core/internal.h"
#include "gclab/tracer.h"

void gc_tracer_init(gc_tracer *t, gc_heap *h, gc_copy_space *copies) {
    *t = (gc_tracer){.h = h, .copies = copies};
    if (copies) gc_copy_scan_start(h, copies);
}

bool gc_tracer_reserve(gc_tracer *t, size_t n) { return gc_stack_reserve(&t->grey, n); }

void gc_tracer_destroy(gc_tracer *t) { gc_stack_free(&t->grey); }

bool gc_tracer_grow(gc_tracer *t, size_t len) {
    t->grey.len = len;
    return gc_stack_grow(&t->grey);
}

void gc_tracer_push_misused(gc_tracer *t) {
    t->failed = true;
    gc_fail(t->h, GC_ERR_VERIFY,
            "gc_tracer_push called by a visitor inside gc_tracer_step or gc_tracer_roots: return the object to grey instead");
}
