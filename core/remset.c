/* The remembered set of the logging barrier (GC_BARRIER_LOG, include/gclab/collector.h): the
 * objects whose first slot store since the collector armed them was seen (MMTk's object barrier,
 * Blackburn and others' "unlogged bit"). The set is a plain array of objects: the unlogged bit
 * makes each object enter it at most once between two collections (REMSET-1), so it needs no
 * duplicate filter, and a generational collector's minor collection scans each entry's slots once. */
#include "core/internal.h"

void gc_log_object(gc_heap *h, gc_object *o) {
    o->cflags &= (uint8_t)~GC_CFLAG_UNLOGGED;
    if (GC_UNLIKELY(!gc_stack_push(&gc_core(h)->remset, o)))
        gc_fail(h, GC_ERR_NOMEM, "out of memory for the remembered set (%zu objects)", gc_core(h)->remset.len);
}

bool gc_remset_reserve(gc_heap *h, size_t n) { return gc_stack_reserve(&gc_core(h)->remset, n); }
size_t gc_remset_size(const gc_heap *h) { return gc_core(h)->remset.len; }
gc_object *const *gc_remset_objects(const gc_heap *h) { return gc_core(h)->remset.items; }
void gc_remset_clear(gc_heap *h) { gc_core(h)->remset.len = 0; }
