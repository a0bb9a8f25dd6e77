/* Copy spaces: bump allocation into 64 KiB blocks, copying with forwarding, a Cheney scan cursor,
 * and release of the whole space at once (MMTk's CopySpace; Whippet's semi.c region).
 *
 * A copy space's blocks are on a list in allocation order; objects lie one after another from a
 * block's first cell, each in a cell of its size class's size (so accounting moves with a copied
 * object unchanged). The last block is filled up to the cursor; every earlier block up to its
 * `used` bytes (the rest of it, too small for the object that came next, is lost until release).
 *
 * COPY-1: outside a collection, no object of a copy space is forwarded or free, every block
 * on its list names it as its space, and its counts are its objects and their cell bytes.
 * COPY-2: the cursor of the space the heap allocates into is the heap's (h->bump_cursor); every
 * other copy space keeps its own. gc_copy_cursor() reads the right one. Every copy space keeps its
 * last block's end in `limit`; the heap's h->bump_limit, at or before it, also stops the bump
 * path where the countdown runs out. */
#include <stdio.h>
#include <stdlib.h>

#include "core/internal.h"
#include "gclab/tracer.h"

#define USABLE ((size_t)GC_BLOCK_SIZE - GC_SMALL_BLOCK_HEADER)

static bool is_alloc_space(const gc_heap *h, const gc_copy_space *s) { return gc_core(h)->alloc_space == &s->space; }

char *gc_copy_cursor(const gc_heap *h, const gc_copy_space *s) {
    return is_alloc_space(h, s) ? h->bump_cursor : s->cursor;
}

char *gc_copy_block_end(const gc_heap *h, const gc_copy_space *s, const gc_block *b) {
    return b == s->last ? gc_copy_cursor(h, s) : b->cells + b->used;
}

gc_copy_space *gc_copy_space_create(gc_heap *h, const char *name) {
    gc_copy_space *s = calloc(1, sizeof *s);
    if (s == NULL) return NULL;
    s->space.kind = GC_SPACE_COPY;
    s->space.name = name;
    gc_heap_add_space(h, &s->space);
    return s;
}

void gc_copy_space_set_evacuated(gc_heap *h, gc_copy_space *s, bool evacuated) {
    gc_heap_sync(h);
    s->evacuated = evacuated;
    gc_heap_rearm(h); /* the limit's headroom changed */
}

/* Start a new last block for s (from its reserve, or the block layer); the old last block's end
 * is recorded. Returns false when no block can be had. */
static bool next_block(gc_heap *h, gc_copy_space *s) {
    gc_block *b;
    if (is_alloc_space(h, s)) gc_heap_bump_settle(h); /* the old block's bumped bytes, charged */
    if (s->reserve_blocks > 0) {
        s->reserve_blocks--;
        b = gc_block_get_promised(h, &s->space);
    } else if ((b = gc_block_get(h, &s->space)) == NULL) {
        return false;
    }
    b->cells = (char *)b + GC_SMALL_BLOCK_HEADER;
    b->cls = GC_NCLASSES + 1; /* no size class: a copy block */
    b->used = 0;
    b->next = NULL;
    if (s->last) {
        s->last->used = (uint32_t)(gc_copy_cursor(h, s) - s->last->cells);
        s->last->next = b;
    } else {
        s->first = b;
    }
    b->prev = s->last;
    s->last = b;
    s->limit = b->cells + USABLE;
    if (is_alloc_space(h, s)) {
        h->bump_cursor = b->cells;
        gc_heap_bump_arm(h);
    } else {
        s->cursor = b->cells;
    }
    return true;
}

void *gc_copy_alloc(gc_heap *h, gc_copy_space *s, uint32_t cs) {
    char **cursor = is_alloc_space(h, s) ? &h->bump_cursor : &s->cursor;
    if ((size_t)(s->limit - *cursor) < cs && !next_block(h, s)) return NULL;
    char *cell = *cursor;
    *cursor = cell + cs;
    return cell;
}

bool gc_copy_reserve(gc_heap *h, gc_copy_space *to, uint64_t bytes) {
    /* Each block loses less than one cell at its end: with cells of at most GC_SMALL_MAX bytes,
     * a block holds at least USABLE - GC_SMALL_MAX bytes of copies. */
    uint64_t room = to->last ? (uint64_t)(to->limit - to->cursor) : 0;
    uint64_t need = bytes > room ? (bytes - room + (USABLE - GC_SMALL_MAX) - 1) / (USABLE - GC_SMALL_MAX) : 0;
    if (need <= to->reserve_blocks) return true;
    if (!gc_blocks_promise(h, need - to->reserve_blocks)) return false;
    to->reserve_blocks = need;
    return true;
}

gc_object *gc_copy_object_slow(gc_heap *h, gc_copy_space *to, gc_object *o) {
    if (!next_block(h, to)) {
        /* Only a collector that copies without gc_copy_reserve gets here: the copy cannot be
         * made and the heap cannot go on. */
        gc_fail(h, GC_ERR_NOMEM, "out of memory for a %zu-byte copy block (copy space %s)", GC_BLOCK_SIZE,
                to->space.name);
        return o;
    }
    return gc_copy_object(h, to, o);
}

static void poison_block(gc_heap *h, gc_block *b, char *end) {
    if (h->poison) memset(b->cells, GC_POISON_BYTE, (size_t)(end - b->cells));
    GC_ASAN_POISON(b->cells, USABLE); /* until the block layer hands it out again */
}

void gc_copy_reserve_trim(gc_heap *h, gc_copy_space *s) {
    gc_blocks_unpromise(h, s->reserve_blocks);
    s->reserve_blocks = 0;
}

static void put_list(gc_heap *h, gc_block *b) {
    for (gc_block *next; b; b = next) {
        next = b->next;
        gc_block_put(h, b);
    }
}

void gc_copy_space_release(gc_heap *h, gc_copy_space *s) {
    gc_heap_sync(h);
    gc_note_peak(h);
    /* The blocks go back to the block layer, free for whichever space needs one next; a collector
     * that wants them resident for its next cycle says so (gc_heap_retain_blocks): given back to
     * the system, they would cost a page fault per page at every collection (on GCBench that was
     * more than the copying itself). */
    for (gc_block *b = s->first, *next; b; b = next) {
        next = b->next;
        poison_block(h, b, gc_copy_block_end(h, s, b));
        gc_block_put(h, b);
    }
    s->first = s->last = s->scan_block = NULL;
    s->scan = NULL;
    if (is_alloc_space(h, s)) {
        gc_heap_bump_settle(h);
        h->bump_cursor = h->bump_limit = gc_core(h)->bump_armed = NULL;
    }
    s->cursor = s->limit = NULL;
    h->objects_live -= s->space.objects;
    h->heap_bytes -= s->space.bytes;
    s->space.objects = s->space.bytes = 0;
    gc_heap_rearm(h);
}

void gc_copy_scan_start(gc_heap *h, gc_copy_space *s) {
    (void)h;
    s->scan_block = s->last;
    s->scan = s->last ? s->cursor : NULL;
}

gc_object *gc_copy_scan_next_block(gc_heap *h, gc_copy_space *s) {
    for (;;) {
        gc_block *b = s->scan_block;
        if (b == NULL) {
            if ((b = s->first) == NULL) return NULL;
            s->scan_block = b;
            s->scan = b->cells;
        } else if (s->scan >= gc_copy_block_end(h, s, b)) {
            if (b->next == NULL) return NULL;
            s->scan_block = b = b->next;
            s->scan = b->cells;
        }
        if (s->scan < gc_copy_block_end(h, s, b)) {
            gc_object *o = (gc_object *)(s->scan + h->prefix);
            s->scan += gc_cell_size_of(h, o);
            return o;
        }
    }
}

void gc_copy_walk(gc_heap *h, gc_copy_space *s, void (*fn)(gc_object *o, void *ctx), void *ctx) {
    for (gc_block *b = s->first; b; b = b->next) {
        char *end = gc_copy_block_end(h, s, b);
        for (char *cell = b->cells; cell < end;) {
            gc_object *o = (gc_object *)(cell + h->prefix);
            fn(o, ctx);
            if (gc_is_forwarded(o)) break; /* its size is gone (only during a collection, or a bug) */
            cell += gc_cell_size_of(h, o);
        }
    }
}

void gc_copy_clear_census(gc_heap *h, gc_copy_space *s) {
    (void)h;
    for (gc_block *b = s->first; b; b = b->next) memset(b->census, 0, sizeof b->census);
}

bool gc_copy_census_clear(gc_heap *h, gc_copy_space *s) {
    (void)h;
    for (gc_block *b = s->first; b; b = b->next)
        for (size_t w = 0; w < GC_BITMAP_WORDS; w++)
            if (b->census[w]) return false;
    return true;
}

struct copy_check {
    uint8_t next_epoch;
    bool forwarded, freed, epoch;
};

static void check_object(gc_object *o, void *ctx) {
    struct copy_check *c = ctx;
    if (gc_is_forwarded(o)) c->forwarded = true;
    else if (o->flags & GC_OBJ_FREE) c->freed = true;
    else if (gc_mark_epoch_of(o) == c->next_epoch) c->epoch = true;
}

bool gc_copy_marks_clear(gc_heap *h, gc_copy_space *s, uint8_t next) {
    struct copy_check c = {.next_epoch = next};
    gc_copy_walk(h, s, check_object, &c);
    return !c.epoch;
}

int gc_copy_verify(gc_heap *h, gc_copy_space *s, char *msg, size_t len) {
    gc_block *prev = NULL;
    for (gc_block *b = s->first; b; prev = b, b = b->next) {
        if (b->space != &s->space || b->prev != prev || (b->next == NULL) != (b == s->last)) {
            snprintf(msg, len, "copy space %s: its block list is broken (COPY-1)", s->space.name);
            return -1;
        }
        char *end = gc_copy_block_end(h, s, b);
        if (end < b->cells || end > b->cells + USABLE) {
            snprintf(msg, len, "copy space %s: a block's end lies outside it (COPY-1)", s->space.name);
            return -1;
        }
    }
    char *cursor = gc_copy_cursor(h, s), *limit = s->limit;
    /* the heap's bump limit, for the allocation space: set with the cursor, between it and the block's end */
    bool heap_limit_ok = !is_alloc_space(h, s) || ((cursor == NULL) == (h->bump_limit == NULL) &&
                                                   (cursor == NULL || (h->bump_limit >= cursor && h->bump_limit <= limit)));
    if (s->last ? !(cursor >= s->last->cells && cursor <= limit && limit == s->last->cells + USABLE && heap_limit_ok)
                : cursor != NULL) {
        snprintf(msg, len, "copy space %s: its cursor is not in its last block (COPY-2)", s->space.name);
        return -1;
    }
    /* The walk stops in a block at its first forwarded object, whose size is gone. */
    struct copy_check c = {.next_epoch = 0xff};
    gc_copy_walk(h, s, check_object, &c);
    if (c.forwarded || c.freed) {
        snprintf(msg, len, "copy space %s holds a %s object outside a collection (COPY-1)", s->space.name,
                 c.forwarded ? "forwarded" : "free");
        return -1;
    }
    return 0;
}

void gc_copy_destroy(gc_heap *h, gc_copy_space *s) {
    put_list(h, s->first);
    gc_copy_reserve_trim(h, s);
    free(s);
}
