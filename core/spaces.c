/* The heap's spaces as a whole: the list, the allocation space, counts, and the walks, census
 * clearing and verification that must see every space (include/gclab/space.h).
 *
 * The verbs dispatch on the space's kind: the kinds are the core's own (a collector composes
 * them, it does not add kinds), so a switch states every case where a function table would hide
 * one. */
#include <stdio.h>

#include "core/internal.h"

static gc_copy_space *as_copy(gc_space *s) { return (gc_copy_space *)s; }

void gc_heap_add_space(gc_heap *h, gc_space *s) {
    gc_space **p = &gc_core(h)->spaces;
    while (*p) p = &(*p)->next;
    s->next = NULL;
    *p = s;
}

gc_space *gc_heap_sizeclass_space(gc_heap *h) { return &gc_core(h)->sc.space; }
gc_space *gc_heap_large_space(gc_heap *h) { return &gc_core(h)->los.space; }
gc_space *gc_heap_spaces(gc_heap *h) { return gc_core(h)->spaces; }
gc_space *gc_heap_allocation_space(const gc_heap *h) { return gc_core(h)->alloc_space; }

void gc_heap_sync(gc_heap *h) {
    /* Every count change goes to a space and the totals alike, except the inline allocation
     * paths' and the frees of objects of the allocation space (gc_free_object), which go to the
     * totals only: the difference is exactly theirs, all of it the allocation space's. */
    uint64_t objects = 0, bytes = 0;
    for (gc_space *s = gc_core(h)->spaces; s; s = s->next) {
        objects += s->objects;
        bytes += s->bytes;
    }
    gc_core(h)->alloc_space->objects += h->objects_live - objects;
    gc_core(h)->alloc_space->bytes += h->heap_bytes - bytes;
}

void gc_heap_set_allocation_space(gc_heap *h, gc_space *s) {
    gc_heap_sync(h);
    gc_heap_bump_settle(h);
    if (gc_core(h)->alloc_space->kind == GC_SPACE_COPY) /* COPY-2: its cursor goes back to it */
        as_copy(gc_core(h)->alloc_space)->cursor = h->bump_cursor;
    h->bump_cursor = h->bump_limit = NULL;
    gc_core(h)->alloc_space = s;
    if (s->kind == GC_SPACE_COPY) {
        gc_copy_space *c = as_copy(s);
        h->bump_cursor = c->cursor;
        c->cursor = NULL;
    }
    gc_core(h)->bump_armed = h->bump_cursor; /* nothing bumped here yet; the rearm below sets bump_limit */
    gc_heap_update_fast_paths(h);
    gc_heap_rearm(h);
}

uint64_t gc_heap_copy_reserve(gc_heap *h) {
    uint64_t reserve = 0;
    for (gc_space *s = gc_core(h)->spaces; s; s = s->next)
        if (s->kind == GC_SPACE_COPY && as_copy(s)->evacuated) reserve += s->bytes;
    return reserve;
}

uint64_t gc_space_objects(gc_heap *h, gc_space *s) {
    gc_heap_sync(h);
    return s->objects;
}

uint64_t gc_space_bytes(gc_heap *h, gc_space *s) {
    gc_heap_sync(h);
    return s->bytes;
}

uint64_t gc_space_footprint(const gc_space *s) { return s->block_bytes; }

bool gc_space_contains(const gc_space *s, const gc_object *o) { return gc_space_of(o) == s; }

void gc_space_walk(gc_heap *h, gc_space *s, void (*fn)(gc_object *o, void *ctx), void *ctx) {
    gc_heap_sync(h);
    switch (s->kind) {
    case GC_SPACE_SIZECLASS: gc_sizeclass_walk(h, fn, ctx); return;
    case GC_SPACE_LARGE: gc_large_walk(h, fn, ctx); return;
    case GC_SPACE_COPY: gc_copy_walk(h, as_copy(s), fn, ctx); return;
    }
}

void gc_heap_each(gc_heap *h, void (*fn)(gc_object *o, void *ctx), void *ctx) {
    for (gc_space *s = gc_core(h)->spaces; s; s = s->next) gc_space_walk(h, s, fn, ctx);
}

struct tally {
    const gc_heap *h;
    const gc_space *space;
    uint64_t objects, bytes;
    bool elsewhere; /* an object whose block names another space */
};

static void tally_cell(gc_object *o, void *ctx) {
    struct tally *t = ctx;
    t->objects++;
    t->bytes += gc_cell_size_of(t->h, o);
    if (gc_space_of(o) != t->space) t->elsewhere = true;
}

int gc_space_verify(gc_heap *h, gc_space *s, char *msg, size_t len) {
    int r = 0;
    switch (s->kind) {
    case GC_SPACE_SIZECLASS: r = gc_sizeclass_verify(h, msg, len); break;
    case GC_SPACE_LARGE: r = gc_large_verify(h, msg, len); break;
    case GC_SPACE_COPY: r = gc_copy_verify(h, as_copy(s), msg, len); break;
    }
    if (r != 0) return r;
    struct tally t = {h, s, 0, 0, false};
    gc_space_walk(h, s, tally_cell, &t);
    if (t.elsewhere) {
        snprintf(msg, len, "space %s walks an object whose block names another space", s->name);
        return -1;
    }
    if (t.objects != s->objects || t.bytes != s->bytes) {
        snprintf(msg, len, "space %s's accounting is off (HEAP-1): %llu objects / %llu bytes counted, %llu / %llu recorded",
                 s->name, (unsigned long long)t.objects, (unsigned long long)t.bytes, (unsigned long long)s->objects,
                 (unsigned long long)s->bytes);
        return -1;
    }
    return 0;
}

int gc_spaces_verify(gc_heap *h, char *msg, size_t len) {
    gc_heap_sync(h);
    uint64_t objects = 0, bytes = 0, blocks = 0;
    for (gc_space *s = gc_core(h)->spaces; s; s = s->next) {
        if (gc_space_verify(h, s, msg, len) != 0) return -1;
        objects += s->objects;
        bytes += s->bytes;
        blocks += s->block_bytes;
    }
    if (blocks > gc_core(h)->block_bytes) {
        snprintf(msg, len, "the spaces hold %llu bytes of blocks, more than the heap's %llu (BLOCK-1)",
                 (unsigned long long)blocks, (unsigned long long)gc_core(h)->block_bytes);
        return -1;
    }
    if (gc_blocks_verify(h, msg, len) != 0) return -1;
    if (objects != h->objects_live || bytes != h->heap_bytes) {
        snprintf(msg, len, "heap accounting is off (HEAP-1): the spaces hold %llu objects / %llu bytes, the heap records %llu / %llu",
                 (unsigned long long)objects, (unsigned long long)bytes, (unsigned long long)h->objects_live,
                 (unsigned long long)h->heap_bytes);
        return -1;
    }
    return 0;
}

void gc_space_clear_census(gc_heap *h) {
    for (gc_space *s = gc_core(h)->spaces; s; s = s->next) switch (s->kind) {
        case GC_SPACE_SIZECLASS: gc_sizeclass_clear_census(h); break;
        case GC_SPACE_LARGE: gc_large_clear_census(h); break;
        case GC_SPACE_COPY: gc_copy_clear_census(h, as_copy(s)); break;
        }
}

bool gc_space_lane_clear(gc_heap *h, unsigned which) {
    gc_heap_sync(h);
    uint8_t next = (uint8_t)((gc_core(h)->mark_seq % GC_MARK_EPOCHS + 1) << GC_OBJ_EPOCH_SHIFT);
    for (gc_space *s = gc_core(h)->spaces; s; s = s->next) {
        bool clear = true;
        switch (s->kind) {
        case GC_SPACE_SIZECLASS:
            clear = which == GC_BITS_CENSUS ? gc_sizeclass_census_clear(h) : gc_sizeclass_marks_clear(h, next);
            break;
        case GC_SPACE_LARGE:
            clear = which == GC_BITS_CENSUS ? gc_large_census_clear(h) : gc_large_marks_clear(h, next);
            break;
        case GC_SPACE_COPY:
            clear = which == GC_BITS_CENSUS ? gc_copy_census_clear(h, as_copy(s))
                                            : gc_copy_marks_clear(h, as_copy(s), next);
            break;
        }
        if (!clear) return false;
    }
    return true;
}

void gc_spaces_destroy(gc_heap *h) {
    for (gc_space *s = gc_core(h)->spaces, *next; s; s = next) {
        next = s->next;
        if (s->kind == GC_SPACE_COPY) gc_copy_destroy(h, as_copy(s));
    }
    gc_sizeclass_destroy(h);
    gc_large_destroy(h);
    gc_core(h)->spaces = NULL;
}
