/* The block layer: 64 KiB blocks carved from 2 MiB chunks of the heap's own jemalloc arena, and
 * blocks of their own for large objects. Every space gets its memory here, and every block's
 * header names the space that holds it (gc_space_of: one masked load).
 *
 * Chunks are aligned to 2 MiB and advised for transparent huge pages: a large heap then costs a
 * marking or a copy one TLB entry per chunk rather than one per 4 KiB page (docs/performance.md).
 * A chunk goes back to jemalloc, its pages back to the system, as soon as all its blocks are free.
 *
 * Footprint: gc_core(h)->block_bytes counts what the heap holds from jemalloc (whole chunks, large
 * blocks); each space's block_bytes counts the blocks it holds (GC_BLOCK_SIZE each, or a large
 * block's bytes). BLOCK-1: the spaces' block_bytes sum to at most gc_core(h)->block_bytes; the difference is
 * the free blocks of chunks that are partly in use. */
#define _DEFAULT_SOURCE /* madvise's MADV_HUGEPAGE */
#include <jemalloc/jemalloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "core/internal.h"

#define CHUNK_SIZE ((size_t)2 * 1024 * 1024)
#define CHUNK_BLOCKS ((unsigned)(CHUNK_SIZE / GC_BLOCK_SIZE)) /* 32: one bit each in free_mask */
#define CHUNK_ALL_FREE ((uint32_t)((1ull << CHUNK_BLOCKS) - 1))

typedef struct gc_chunk {
    struct gc_chunk *next;      /* all chunks (gc_core(h)->chunks) */
    struct gc_chunk *next_room; /* chunks that may have a free block (gc_core(h)->chunks_with_room) */
    char *base;
    uint32_t free_mask; /* bit i: block i of the chunk is not in use */
    bool on_room_list;
} gc_chunk;

int gc_blocks_init(gc_heap *h, char *err, size_t errlen) {
    if (gc_arena_acquire(&gc_core(h)->arena, err, errlen) != 0) return -1;
    if (gc_block_marks_init(h) != 0) {
        snprintf(err, errlen, "out of memory for the heap's block marks");
        gc_arena_release(gc_core(h)->arena);
        return -1;
    }
    return 0;
}

void gc_blocks_destroy(gc_heap *h) {
    gc_arena_release(gc_core(h)->arena); /* every chunk and large block with it (core/arena.c) */
    for (gc_chunk *c = gc_core(h)->chunks, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    gc_core(h)->chunks = gc_core(h)->chunks_with_room = NULL;
    gc_block_marks_destroy(h);
}

static void note_bytes(gc_heap *h, gc_space *s, size_t chunk_bytes, size_t space_bytes) {
    gc_core(h)->block_bytes += chunk_bytes;
    if (gc_core(h)->block_bytes > gc_core(h)->block_bytes_peak) gc_core(h)->block_bytes_peak = gc_core(h)->block_bytes;
    s->block_bytes += space_bytes;
    if (s->block_bytes > s->block_bytes_peak) s->block_bytes_peak = s->block_bytes;
}

static gc_chunk *chunk_new(gc_heap *h) {
    gc_chunk *c = malloc(sizeof *c);
    if (c == NULL) return NULL;
    c->base = mallocx(CHUNK_SIZE, MALLOCX_ALIGN(CHUNK_SIZE) | MALLOCX_ARENA(gc_core(h)->arena) | MALLOCX_TCACHE_NONE);
    gc_core(h)->arena_calls++;
    if (c->base != NULL && gc_block_marks_cover(h, c->base, CHUNK_SIZE) != 0) {
        dallocx(c->base, MALLOCX_TCACHE_NONE);
        c->base = NULL;
    }
    if (c->base == NULL) {
        free(c);
        return NULL;
    }
#ifdef MADV_HUGEPAGE
    madvise(c->base, CHUNK_SIZE, MADV_HUGEPAGE); /* advice only: without it, 4 KiB pages */
#endif
    c->free_mask = CHUNK_ALL_FREE;
    c->next = gc_core(h)->chunks;
    gc_core(h)->chunks = c;
    c->next_room = gc_core(h)->chunks_with_room;
    gc_core(h)->chunks_with_room = c;
    c->on_room_list = true;
    gc_core(h)->block_bytes += CHUNK_SIZE;
    if (gc_core(h)->block_bytes > gc_core(h)->block_bytes_peak) gc_core(h)->block_bytes_peak = gc_core(h)->block_bytes;
    return c;
}

gc_block *gc_block_get(gc_heap *h, gc_space *s) {
    /* The room list holds every chunk with a free block (and, until the next look, some that
     * have filled since): chunks leave it lazily here, so both get and put are O(1). */
    gc_chunk *c;
    while ((c = gc_core(h)->chunks_with_room) != NULL && c->free_mask == 0) {
        gc_core(h)->chunks_with_room = c->next_room;
        c->on_room_list = false;
    }
    if (c == NULL && (c = chunk_new(h)) == NULL) return NULL;
    unsigned i = (unsigned)__builtin_ctz(c->free_mask);
    c->free_mask &= ~(1u << i);
    gc_block *b = (gc_block *)(c->base + (size_t)i * GC_BLOCK_SIZE);
    GC_ASAN_UNPOISON(b, GC_BLOCK_SIZE);
    memset(b, 0, offsetof(gc_block, census));
    b->chunk = c;
    b->space = s;
    b->cls = GC_NCLASSES + 1; /* no size class until a space gives it one */
    gc_core(h)->nblocks++;
    note_bytes(h, s, 0, GC_BLOCK_SIZE);
    return b;
}

void gc_block_put(gc_heap *h, gc_block *b) {
    gc_chunk *c = b->chunk;
    b->space->block_bytes -= GC_BLOCK_SIZE;
    /* A free block may stay poisoned for AddressSanitizer (a released copy space's are, so that a
     * stale pointer into it is reported): gc_block_get lifts it, and so does the chunk's release
     * below (jemalloc knows nothing of ASan: memory it reuses must be addressable). */
    b->space = NULL;
    c->free_mask |= 1u << ((size_t)((char *)b - c->base) / GC_BLOCK_SIZE);
    gc_core(h)->nblocks--;
    if (!c->on_room_list) {
        c->next_room = gc_core(h)->chunks_with_room;
        gc_core(h)->chunks_with_room = c;
        c->on_room_list = true;
    }
    if (c->free_mask != CHUNK_ALL_FREE) return;
    /* All free: off both lists (a rare event, so the walks are acceptable) and back to jemalloc. */
    gc_chunk **p = &gc_core(h)->chunks;
    while (*p != c) p = &(*p)->next;
    *p = c->next;
    for (p = &gc_core(h)->chunks_with_room; *p != c; p = &(*p)->next_room) {
    }
    *p = c->next_room;
    gc_core(h)->block_bytes -= CHUNK_SIZE;
    GC_ASAN_UNPOISON(c->base, CHUNK_SIZE);
    /* Its pages go back to the system now, not after jemalloc's 10 s decay: chunks empty only
     * when a structure dies wholesale (or a semispace flips), and without this the dead pages
     * would stay resident beside whatever is allocated next (RSS would not follow the heap).
     * Reusing the chunk costs page faults, as a new one would. */
    madvise(c->base, CHUNK_SIZE, MADV_DONTNEED);
    dallocx(c->base, MALLOCX_TCACHE_NONE);
    gc_core(h)->arena_calls++;
    free(c);
}

gc_block *gc_block_get_large(gc_heap *h, gc_space *s, size_t bytes) {
    gc_block *b = mallocx(bytes, MALLOCX_ALIGN(GC_BLOCK_SIZE) | MALLOCX_ARENA(gc_core(h)->arena) | MALLOCX_TCACHE_NONE);
    gc_core(h)->arena_calls++;
    if (b != NULL && gc_block_marks_cover(h, b, bytes) != 0) {
        dallocx(b, MALLOCX_TCACHE_NONE);
        b = NULL;
    }
    if (b == NULL) return NULL;
    gc_core(h)->nblocks++;
    note_bytes(h, s, bytes, bytes);
    b->space = s;
    return b;
}

void gc_block_put_large(gc_heap *h, gc_block *b, size_t bytes) {
    b->space->block_bytes -= bytes;
    gc_core(h)->block_bytes -= bytes;
    gc_core(h)->nblocks--;
    GC_ASAN_UNPOISON(b, bytes); /* see gc_block_put */
    dallocx(b, MALLOCX_TCACHE_NONE);
    gc_core(h)->arena_calls++;
}
