/* Roots: a shadow stack of frames of root slots, and global root slots.
 *
 * Root slots are written through gc_root_write() / gc_global_write(), so reference-counting
 * collectors count them like any slot (HEAP-4), and moving collectors may update them in place. */
#include <stdlib.h>

#include "core/internal.h"

static bool grow(gc_heap *h, gc_object ***arr, uint32_t *cap, uint64_t need) {
    if (need <= *cap) return true;
    if (need > GC_ROOTS_MAX) { /* also keeps every index + frame size within 32 bits */
        gc_fail(h, GC_ERR_NOMEM, "more than %u root slots", GC_ROOTS_MAX);
        return false;
    }
    uint32_t n = *cap ? *cap : 64;
    while (n < need) n *= 2;
    gc_object **a = realloc(*arr, (size_t)n * sizeof *a);
    if (a == NULL) {
        gc_fail(h, GC_ERR_NOMEM, "out of memory for root slots");
        return false;
    }
    *arr = a;
    *cap = n;
    return true;
}

bool gc_roots_reserve(gc_heap *h, uint64_t need) { return grow(h, &h->roots, &h->roots_cap, need); }

void gc_frame_pop_slow(gc_heap *h, uint32_t base) {
    /* Release top-down, as returning from nested calls would. Each non-nil slot is a `drop`, so a
     * recorded trace releases exactly what the frame held. */
    while (h->nroots > base) {
        uint32_t r = h->nroots - 1;
        if (h->roots[r]) gc_drop(h, r);
        h->nroots = r;
    }
}

uint32_t gc_globals_reserve(gc_heap *h, uint32_t n) {
    uint32_t base = h->nglobals;
    if (!grow(h, &h->globals, &gc_core(h)->globals_cap, (uint64_t)base + n)) return base;
    for (uint32_t i = 0; i < n; i++) h->globals[base + i] = NULL;
    h->nglobals = base + n;
    return base;
}

void gc_global_write(gc_heap *h, uint32_t g, gc_object *v) { gc_write_counted(h, &h->globals[g], v); }

void gc_roots_each(gc_heap *h, void (*fn)(gc_object **slot, void *ctx), void *ctx) {
    for (uint32_t i = 0; i < h->nroots; i++) fn(&h->roots[i], ctx);
    for (uint32_t i = 0; i < h->nglobals; i++) fn(&h->globals[i], ctx);
}
