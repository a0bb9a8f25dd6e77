/* Reference counting's free cascade, shared by every collector that asks for GC_BARRIER_RC.
 *
 * When a count reaches zero the object is freed, and so, transitively, is everything whose count
 * that drops to zero. The cascade runs on an explicit work list (gc_core(h)->rc_work), so freeing the head
 * of a 10-million-node list uses a constant amount of C stack.
 *
 * Timing: a cascade that frees one object is part of the mutator (as free() would be). Once a
 * second object is due, the cascade is timed; its time is added to the heap's GC time, and if it
 * frees at least cascade_pause_min objects it is reported as a pause of kind "cascade". A cascade
 * that runs inside a collection (pause_depth > 0) belongs to that collection's pause. */
#include <string.h>

#include "core/internal.h"

static void release_children(gc_heap *h, gc_object *x) {
    gc_object **slot = gc_slots(x), **end = slot + x->nslots;
    bool candidates = h->barrier & GC_BARRIER_RC_CANDIDATES;
    for (; slot < end; slot++) {
        gc_object *c = *slot;
        if (c == NULL) continue;
        if (--c->word == 0) {
            if (!gc_stack_push(&gc_core(h)->rc_work, c)) gc_fail(h, GC_ERR_NOMEM, "out of memory for the reference-count work list");
        } else if (candidates && c->nslots) {
            gc_rc_decremented(h, c);
        }
    }
}

static void free_one(gc_heap *h, gc_object *x) {
    /* the bit is the core's only under GC_BARRIER_RC_CANDIDATES: other collectors own cflags */
    if (GC_UNLIKELY((h->barrier & GC_BARRIER_RC_CANDIDATES) && (x->cflags & GC_CFLAG_BUFFERED))) {
        /* A buffered candidate whose count reached zero: the collector frees it when it next reads
         * its buffer (Bacon and Rajan's Release). Its children are released now, and its slots
         * cleared, so that the free later releases nothing twice and HEAP-4 holds meanwhile. */
        release_children(h, x);
        memset(gc_slots(x), 0, x->nslots * sizeof(gc_object *));
        return;
    }
    release_children(h, x);
    /* One test of a heap field for both kinds of free-time work, so that a collector with neither
     * pays no more than that (rc's free path). */
    if (GC_UNLIKELY(h->free_hooked)) {
        if (h->track_list && x->nslots) { /* gc_track_objects: the free's half of the tracking */
            gc_link_remove(gc_link_of(x));
            if (h->tracked_count > 0) h->tracked_count--;
        }
        if (h->ops->on_free) h->ops->on_free(h, x);
    }
    gc_free_object(h, x);
}

void gc_rc_release(gc_heap *h, gc_object *o) {
    if (gc_core(h)->in_cascade) { /* a release from inside the cascade (an on_free hook): queue it */
        if (!gc_stack_push(&gc_core(h)->rc_work, o)) gc_fail(h, GC_ERR_NOMEM, "out of memory for the reference-count work list");
        return;
    }
    gc_core(h)->in_cascade = true;
    uint64_t objects_before = h->objects_live, bytes_before = h->heap_bytes;
    free_one(h, o);
    if (gc_core(h)->rc_work.len == 0) {
        gc_core(h)->in_cascade = false;
        return;
    }
    bool timed = gc_core(h)->pause_depth == 0;
    uint64_t start = timed ? gc_heap_elapsed_ns(h) : 0, freed = 1;
    while (gc_core(h)->rc_work.len) {
        free_one(h, gc_core(h)->rc_work.items[--gc_core(h)->rc_work.len]);
        freed++;
    }
    gc_core(h)->in_cascade = false;
    if (!timed) return;
    uint64_t end = gc_heap_elapsed_ns(h);
    gc_core(h)->gc_ns += end - start;
    gc_core(h)->cascade_ns += end - start;
    if (freed < gc_core(h)->cascade_pause_min) return;
    gc_pause p = {
        .seq = gc_core(h)->pause_seq++,
        .kind = "cascade",
        .generation = -1,
        .reason = GC_REASON_RELEASE,
        .start_ns = start,
        .end_ns = end,
        .alloc_index = h->counts.allocs,
        .objects_before = objects_before,
        .bytes_before = bytes_before,
        .objects_after = h->objects_live,
        .bytes_after = h->heap_bytes,
        .collected = (int64_t)freed,
    };
    if (gc_core(h)->listener.pause_end) gc_core(h)->listener.pause_end(gc_core(h)->listener.ctx, h, &p);
}

void gc_rc_candidate(gc_heap *h, gc_object *o) {
    o->cflags |= GC_CFLAG_BUFFERED;
    if (!gc_stack_push(&gc_core(h)->candidates, o)) gc_fail(h, GC_ERR_NOMEM, "out of memory for the candidate buffer");
}

size_t gc_rc_candidates_size(const gc_heap *h) { return gc_core(h)->candidates.len; }
gc_object *const *gc_rc_candidates(const gc_heap *h) { return gc_core(h)->candidates.items; }
void gc_rc_candidates_clear(gc_heap *h) { gc_core(h)->candidates.len = 0; }

/* --- verification of HEAP-4, for the collectors' verify hooks ---
 * Count, for every live object, the slots and root slots that refer to it, and compare with its
 * count. Also catches a slot or root that refers to a freed cell. Slow (sorts the heap): tests only. */
#include <stdio.h>
#include <stdlib.h>

typedef struct object_index {
    gc_object **objs;
    uint32_t *refs;
    size_t n, cap;
    bool oom;
} object_index;

static void index_add(gc_object *o, void *ctx) {
    object_index *ix = ctx;
    if (ix->n == ix->cap) {
        size_t cap = ix->cap ? ix->cap * 2 : 4096;
        gc_object **a = realloc(ix->objs, cap * sizeof *a);
        if (a == NULL) {
            ix->oom = true;
            return;
        }
        ix->objs = a;
        ix->cap = cap;
    }
    ix->objs[ix->n++] = o;
}

static int cmp_ptr(const void *a, const void *b) {
    uintptr_t x = (uintptr_t) * (gc_object *const *)a, y = (uintptr_t) * (gc_object *const *)b;
    return (x > y) - (x < y);
}

static long index_find(const object_index *ix, const gc_object *o) {
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ix->objs[mid] == o) return (long)mid;
        if ((uintptr_t)ix->objs[mid] < (uintptr_t)o) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

static int count_ref(object_index *ix, gc_object *target, char *msg, size_t len, const char *where) {
    if (target == NULL) return 0;
    long i = index_find(ix, target);
    if (i < 0) {
        snprintf(msg, len, "%s refers to %p, which is not a live object", where, (void *)target);
        return -1;
    }
    ix->refs[i]++;
    return 0;
}

int gc_rc_verify_counts(gc_heap *h, char *msg, size_t len) {
    object_index ix = {0};
    gc_heap_each(h, index_add, &ix);
    int rc = 0;
    if (ix.oom || (ix.refs = calloc(ix.n ? ix.n : 1, sizeof *ix.refs)) == NULL) {
        snprintf(msg, len, "out of memory while verifying reference counts");
        rc = -1;
        goto out;
    }
    if (ix.n) qsort(ix.objs, ix.n, sizeof *ix.objs, cmp_ptr);
    for (size_t i = 0; i < ix.n && rc == 0; i++) {
        gc_object **s = gc_slots(ix.objs[i]);
        for (uint32_t k = 0; k < ix.objs[i]->nslots && rc == 0; k++) rc = count_ref(&ix, s[k], msg, len, "a slot");
    }
    for (uint32_t r = 0; r < h->nroots && rc == 0; r++) rc = count_ref(&ix, h->roots[r], msg, len, "a root");
    for (uint32_t g = 0; g < h->nglobals && rc == 0; g++) rc = count_ref(&ix, h->globals[g], msg, len, "a global");
    for (size_t i = 0; i < ix.n && rc == 0; i++)
        if (ix.refs[i] != ix.objs[i]->word) {
            snprintf(msg, len, "object %p (tag %u) has count %u but %u references (HEAP-4)", (void *)ix.objs[i],
                     ix.objs[i]->tag, ix.objs[i]->word, ix.refs[i]);
            rc = -1;
        }
out:
    free(ix.objs);
    free(ix.refs);
    return rc;
}
