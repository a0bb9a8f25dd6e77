/* Sliding compaction of a copy space in place (Lisp-2: Knuth's and Haddon and Waite's three
 * passes over a marked heap; MMTk's MarkCompact plan; Jones, Hosking and Moss, ch. 3).
 *
 * After a marking of the mark lane, gc_copy_space_compact slides every marked object of the
 * space towards its start, in allocation order, and updates every reference to it:
 *   forward  one walk of the space's blocks in order: each marked object's destination is the
 *            next free place in a second, greedy walk of the same blocks (an object that does not
 *            fit in the rest of a block starts the next one, as allocation does); it is written
 *            into the object's `word` as a granule index (block ordinal << 13 | offset / 8: 32
 *            GiB of space at most), so no side table is needed and no header field the mutator
 *            reads is disturbed; the first object of each run of dead ones gets the run's length
 *            in bytes in its `word` instead, so that the two later walks step over the run at once;
 *   update   every root slot, and every slot of every marked object of every space, that refers
 *            into the space is set to its target's destination (read from the target's `word`);
 *   move     a second walk in order moves each marked object to its destination (memmove: the
 *            greedy packing of a prefix of the objects never ends after their own layout, so a
 *            destination is never after its source and a move never overwrites an object not
 *            yet walked) and clears its `word`.
 * Then the blocks after the last one filled go back to the block layer and the space's counts
 * become what was marked. Unmarked objects are gone: their cells are overwritten or released.
 *
 * COMPACT-1: afterwards the space is one dense run: its blocks in order hold its live objects in
 * allocation order, each block's objects from its first cell with no gap, and each block but the
 * last ends less than its successor's first object before its end; no object carries forwarding
 * state (`word` is 0). The space's `word`s belong to this file for the call's duration, so a
 * collector compacting a space may not use `word` for objects of that space. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "gclab/tracer.h"

#define USABLE ((size_t)GC_BLOCK_SIZE - GC_SMALL_BLOCK_HEADER)
enum { GRANULE_BITS = 13 }; /* 64 KiB / 8-byte granules */
static_assert(((size_t)1 << GRANULE_BITS) * GC_CELL_ALIGN == GC_BLOCK_SIZE, "a granule index per block");

typedef struct compaction {
    gc_heap *h;
    gc_space *space;
    gc_block **blocks; /* the space's blocks in order */
} compaction;

static gc_object *destination(const compaction *c, const gc_object *o) {
    uint32_t w = o->word;
    return (gc_object *)(c->blocks[w >> GRANULE_BITS]->cells + (size_t)(w & ((1u << GRANULE_BITS) - 1)) * GC_CELL_ALIGN +
                         c->h->prefix);
}

static inline void update_slot(const compaction *c, gc_object **slot) {
    gc_object *t = *slot;
    if (t && gc_space_of(t) == c->space) *slot = destination(c, t);
}

static void update_object(gc_object *o, void *ctx) {
    compaction *c = ctx;
    if (!gc_is_marked(c->h, o)) return; /* dead: its slots are never read again */
    gc_object **slot = gc_slots(o);
    for (uint32_t i = 0; i < o->nslots; i++) update_slot(c, &slot[i]);
}

static void update_root(gc_object **slot, void *ctx) { update_slot(ctx, slot); }

/* Copy n words from s down to d (d < s; the ranges may overlap): in ascending order, so that
 * every word is read before it is overwritten. Cells are mostly a few words, where this loop
 * beats a call to memmove. */
static inline void slide_words(uint64_t *d, const uint64_t *s, size_t n) {
    for (size_t i = 0; i < n; i++) d[i] = s[i];
}

/* The update pass over the space being compacted, inline (the other spaces go through
 * gc_space_walk and update_object). */
static void update_space(const compaction *c, size_t n) {
    gc_heap *h = c->h;
    for (size_t i = 0; i < n; i++) {
        gc_block *b = c->blocks[i];
        for (char *cell = b->cells, *end = b->cells + b->used; cell < end;) {
            gc_object *o = (gc_object *)(cell + h->prefix);
            if (!gc_is_marked(h, o)) {
                cell += o->word; /* a run of dead objects (forward pass) */
                continue;
            }
            gc_object **slot = gc_slots(o);
            for (uint32_t k = 0; k < o->nslots; k++) update_slot(c, &slot[k]);
            cell += gc_cell_size_of(h, o);
        }
    }
}

uint64_t gc_copy_space_compact(gc_heap *h, gc_copy_space *s) {
    gc_heap_sync(h);
    if (gc_core(h)->mark_incomplete || s->first == NULL) return 0; /* a lost edge: keep everything */
    /* close the last block: its objects end at the cursor */
    bool alloc = gc_core(h)->alloc_space == &s->space;
    if (alloc) gc_heap_bump_settle(h);
    s->last->used = (uint32_t)(gc_copy_cursor(h, s) - s->last->cells);
    size_t n = 0;
    for (gc_block *b = s->first; b; b = b->next) n++;
    compaction c = {.h = h, .space = &s->space, .blocks = malloc(n * sizeof(gc_block *))};
    uint32_t *used = malloc(n * sizeof(uint32_t));
    if (c.blocks == NULL || used == NULL || n > ((size_t)1 << (32 - GRANULE_BITS))) {
        free(c.blocks);
        free(used);
        gc_fail(h, GC_ERR_NOMEM, "out of memory for compacting copy space %s (%zu blocks; nothing was moved)",
                s->space.name, n);
        return 0;
    }
    n = 0;
    for (gc_block *b = s->first; b; b = b->next) c.blocks[n++] = b;

    /* forward */
    size_t d = 0;
    char *to = c.blocks[0]->cells;
    uint64_t live = 0, live_bytes = 0;
    for (size_t i = 0; i < n; i++) {
        gc_block *b = c.blocks[i];
        gc_object *run = NULL; /* the first dead object of the current run of dead ones */
        for (char *cell = b->cells, *end = b->cells + b->used; cell < end;) {
            gc_object *o = (gc_object *)(cell + h->prefix);
            uint32_t cs = gc_cell_size_of(h, o);
            if (gc_is_marked(h, o)) {
                if (run) run->word = (uint32_t)((char *)o - (char *)run); /* the run's bytes: skipped below */
                run = NULL;
                if ((size_t)(c.blocks[d]->cells + USABLE - to) < cs) {
                    used[d] = (uint32_t)(to - c.blocks[d]->cells);
                    to = c.blocks[++d]->cells;
                }
                o->word = (uint32_t)(d << GRANULE_BITS) | (uint32_t)((to - c.blocks[d]->cells) / GC_CELL_ALIGN);
                to += cs;
                live++;
                live_bytes += cs;
            } else if (run == NULL) {
                run = o;
            }
            cell += cs;
            if (cell >= end && run) run->word = (uint32_t)(end + h->prefix - (char *)run);
        }
    }
    used[d] = (uint32_t)(to - c.blocks[d]->cells);

    /* update */
    gc_roots_each(h, update_root, &c);
    update_space(&c, n);
    for (gc_space *sp = gc_core(h)->spaces; sp; sp = sp->next)
        if (sp != &s->space) gc_space_walk(h, sp, update_object, &c);

    /* move */
    for (size_t i = 0; i < n; i++) {
        gc_block *b = c.blocks[i];
        for (char *cell = b->cells, *end = b->cells + b->used; cell < end;) {
            gc_object *o = (gc_object *)(cell + h->prefix);
            if (!gc_is_marked(h, o)) {
                cell += o->word; /* a run of dead objects */
                continue;
            }
            uint32_t cs = gc_cell_size_of(h, o); /* read before the move may overwrite the header */
            gc_object *dst = destination(&c, o);
            o->word = 0; /* COMPACT-1, before the move copies it */
            if (dst != o) {
                GC_ASAN_UNPOISON(gc_cell_of(h, dst), cs); /* a block's tail past its old end may be poisoned */
                slide_words(gc_cell_of(h, dst), (const uint64_t *)cell, cs / sizeof(uint64_t));
            }
            cell += cs;
        }
    }

    /* the blocks filled keep their objects; the rest go back */
    for (size_t i = 0; i <= d; i++) {
        gc_block *b = c.blocks[i];
        if (h->poison && used[i] < b->used) memset(b->cells + used[i], GC_POISON_BYTE, b->used - used[i]);
        b->used = used[i];
    }
    for (size_t i = d + 1; i < n; i++) {
        gc_block *b = c.blocks[i];
        if (h->poison) memset(b->cells, GC_POISON_BYTE, b->used);
        GC_ASAN_POISON(b->cells, USABLE);
        gc_block_put(h, b);
    }
    gc_block *last = c.blocks[d];
    last->next = NULL;
    s->last = last;
    s->limit = last->cells + USABLE;
    GC_ASAN_POISON(last->cells + used[d], USABLE - used[d]);
    if (alloc) {
        h->bump_cursor = last->cells + used[d];
        gc_core(h)->bump_armed = h->bump_cursor;
    } else {
        s->cursor = last->cells + used[d];
    }
    uint64_t dead = s->space.objects - live;
    h->objects_live -= dead;
    h->heap_bytes -= s->space.bytes - live_bytes;
    s->space.objects = live;
    s->space.bytes = live_bytes;
    free(c.blocks);
    free(used);
    gc_heap_rearm(h);
    return dead;
}

int gc_copy_space_verify_dense(gc_heap *h, gc_copy_space *s, char *msg, size_t len) {
    gc_heap_sync(h);
    for (gc_block *b = s->first; b; b = b->next) {
        char *end = gc_copy_block_end(h, s, b);
        for (char *cell = b->cells; cell < end;) {
            gc_object *o = (gc_object *)(cell + h->prefix);
            if (o->word != 0 || gc_is_forwarded(o)) {
                snprintf(msg, len, "copy space %s: an object carries forwarding state outside a collection (COMPACT-1)",
                         s->space.name);
                return -1;
            }
            cell += gc_cell_size_of(h, o);
        }
        if (b->next && gc_copy_block_end(h, s, b->next) > b->next->cells &&
            USABLE - (size_t)(end - b->cells) >= gc_cell_size_of(h, (gc_object *)(b->next->cells + h->prefix))) {
            snprintf(msg, len, "copy space %s: a block ends with room for its successor's first object: a gap (COMPACT-1)",
                     s->space.name);
            return -1;
        }
    }
    return 0;
}
