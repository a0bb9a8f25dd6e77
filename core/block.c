/* The block layer: 64 KiB blocks carved from 2 MiB chunks of the heap's own jemalloc arena, and
 * blocks of their own for large objects. Every space gets its memory here, and every block's
 * header names the space that holds it (gc_space_of: one masked load).
 *
 * Chunks are aligned to 2 MiB and advised for transparent huge pages: a large heap then costs a
 * marking or a copy one TLB entry per chunk rather than one per 4 KiB page (docs/performance.md).
 * With huge pages, handing out one block of a chunk faults in the whole chunk, so the layer
 * keeps two lists of chunks with room: touched ones (some block was handed out: resident) and
 * fresh ones (obtained, never touched: not resident). Blocks come from touched chunks first.
 *
 * Free chunks: a chunk whose blocks are all free goes back to jemalloc, its pages back to the
 * system, unless the free blocks are needed on hand: promised to a copy space's reserve
 * (gc_blocks_promise: a copy must never fail half way) or retained by the collector
 * (gc_heap_retain_blocks: a semispace's from-space blocks, freed at a flip, are what its mutator
 * and its next copies use, and faulting them in again at every flip would cost more than the
 * copying). BLOCK-3: a free chunk is released only while the free blocks beyond it cover
 * promised_blocks + retain_blocks.
 *
 * Footprint: gc_core(h)->block_bytes counts what the heap holds from jemalloc (whole chunks, large
 * blocks), fresh chunks included; each space's block_bytes counts the blocks it holds (GC_BLOCK_SIZE
 * each, or a large block's bytes). BLOCK-1: the spaces' block_bytes sum to at most
 * gc_core(h)->block_bytes; the difference is the free blocks. BLOCK-2: free_blocks is the number
 * of free blocks in the chunks held, at least promised_blocks. */
#define _DEFAULT_SOURCE /* madvise's MADV_HUGEPAGE */
#include <assert.h>
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
    struct gc_chunk *next_room; /* on chunks_with_room (touched) or chunks_fresh */
    char *base;
    uint32_t free_mask; /* bit i: block i of the chunk is not in use */
    bool on_room_list;  /* on one of the two room lists */
    bool touched;       /* a block of it has been handed out since it was obtained */
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
    gc_core(h)->chunks = gc_core(h)->chunks_with_room = gc_core(h)->chunks_fresh = NULL;
    gc_core(h)->free_blocks = gc_core(h)->promised_blocks = gc_core(h)->retain_blocks = 0;
    gc_block_marks_destroy(h);
}

static void note_bytes(gc_heap *h, gc_space *s, size_t chunk_bytes, size_t space_bytes) {
    gc_core(h)->block_bytes += chunk_bytes;
    if (gc_core(h)->block_bytes > gc_core(h)->block_bytes_peak) gc_core(h)->block_bytes_peak = gc_core(h)->block_bytes;
    s->block_bytes += space_bytes;
    if (s->block_bytes > s->block_bytes_peak) s->block_bytes_peak = s->block_bytes;
}

/* A fresh chunk, on the fresh list; its pages are not touched. */
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
    c->touched = false;
    c->next = gc_core(h)->chunks;
    gc_core(h)->chunks = c;
    c->next_room = gc_core(h)->chunks_fresh;
    gc_core(h)->chunks_fresh = c;
    c->on_room_list = true;
    gc_core(h)->free_blocks += CHUNK_BLOCKS;
    gc_core(h)->block_bytes += CHUNK_SIZE;
    if (gc_core(h)->block_bytes > gc_core(h)->block_bytes_peak) gc_core(h)->block_bytes_peak = gc_core(h)->block_bytes;
    return c;
}

/* Hand out a free block (one must exist: BLOCK-2), from a touched chunk if one has room. */
static gc_block *take_block(gc_heap *h, gc_space *s) {
    /* The touched room list holds every touched chunk with a free block (and, until the next
     * look, some that have filled since): chunks leave it lazily here, so both get and put are O(1). */
    gc_chunk *c;
    while ((c = gc_core(h)->chunks_with_room) != NULL && c->free_mask == 0) {
        gc_core(h)->chunks_with_room = c->next_room;
        c->on_room_list = false;
    }
    if (c == NULL) { /* a fresh chunk becomes a touched one */
        c = gc_core(h)->chunks_fresh;
        gc_core(h)->chunks_fresh = c->next_room;
        c->touched = true;
        c->next_room = gc_core(h)->chunks_with_room;
        gc_core(h)->chunks_with_room = c;
    }
    unsigned i = (unsigned)__builtin_ctz(c->free_mask);
    c->free_mask &= ~(1u << i);
    gc_core(h)->free_blocks--;
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

gc_block *gc_block_get(gc_heap *h, gc_space *s) {
    /* the promised blocks are not this caller's */
    if (gc_core(h)->free_blocks <= gc_core(h)->promised_blocks && chunk_new(h) == NULL) return NULL;
    return take_block(h, s);
}

gc_block *gc_block_get_promised(gc_heap *h, gc_space *s) {
    assert(gc_core(h)->promised_blocks > 0 && gc_core(h)->free_blocks >= gc_core(h)->promised_blocks);
    gc_core(h)->promised_blocks--;
    return take_block(h, s);
}

bool gc_blocks_promise(gc_heap *h, uint64_t n) {
    while (gc_core(h)->free_blocks < gc_core(h)->promised_blocks + n)
        if (chunk_new(h) == NULL) return false; /* the chunks obtained stay, fresh, for the next try */
    gc_core(h)->promised_blocks += n;
    return true;
}

/* Unlink c from the list at *p (linked by `next` when by_room is false, else by `next_room`). */
static void unlink_chunk(gc_chunk **p, gc_chunk *c, bool by_room) {
    while (*p != c) p = by_room ? &(*p)->next_room : &(*p)->next;
    *p = by_room ? c->next_room : c->next;
}

/* Give an all-free chunk back to jemalloc, its pages back to the system (a rare event: the list
 * walks are acceptable). */
static void release_chunk(gc_heap *h, gc_chunk *c) {
    unlink_chunk(&gc_core(h)->chunks, c, false);
    if (c->on_room_list) unlink_chunk(c->touched ? &gc_core(h)->chunks_with_room : &gc_core(h)->chunks_fresh, c, true);
    gc_core(h)->free_blocks -= CHUNK_BLOCKS;
    gc_core(h)->block_bytes -= CHUNK_SIZE;
    GC_ASAN_UNPOISON(c->base, CHUNK_SIZE);
    /* Its pages go back to the system now, not after jemalloc's 10 s decay: without this the dead
     * pages would stay resident beside whatever is allocated next (RSS would not follow the heap).
     * Reusing the chunk costs page faults, as a new one would. */
    if (c->touched) madvise(c->base, CHUNK_SIZE, MADV_DONTNEED);
    dallocx(c->base, MALLOCX_TCACHE_NONE);
    gc_core(h)->arena_calls++;
    free(c);
}

/* BLOCK-3: may the all-free chunk go, the free blocks beyond it covering what must stay on hand? */
static bool may_release(const gc_heap *h) {
    return gc_core(h)->free_blocks >= CHUNK_BLOCKS + gc_core(h)->promised_blocks + gc_core(h)->retain_blocks;
}

/* Release all-free chunks while BLOCK-3 allows: fresh ones first (nothing of them is resident,
 * and nothing is lost by giving them back), then touched ones. */
static void trim_chunks(gc_heap *h) {
    while (gc_core(h)->chunks_fresh != NULL && may_release(h)) release_chunk(h, gc_core(h)->chunks_fresh);
    for (gc_chunk *c = gc_core(h)->chunks, *next; c != NULL && may_release(h); c = next) {
        next = c->next;
        if (c->free_mask == CHUNK_ALL_FREE) release_chunk(h, c);
    }
}

void gc_blocks_unpromise(gc_heap *h, uint64_t n) {
    assert(n <= gc_core(h)->promised_blocks);
    gc_core(h)->promised_blocks -= n;
    trim_chunks(h);
}

void gc_heap_retain_blocks(gc_heap *h, uint64_t bytes) {
    gc_core(h)->retain_blocks = bytes / GC_BLOCK_SIZE;
    trim_chunks(h);
}

void gc_block_put(gc_heap *h, gc_block *b) {
    gc_chunk *c = b->chunk;
    b->space->block_bytes -= GC_BLOCK_SIZE;
    /* A free block may stay poisoned for AddressSanitizer (a released copy space's are, so that a
     * stale pointer into it is reported): take_block lifts it, and so does the chunk's release
     * (jemalloc knows nothing of ASan: memory it reuses must be addressable). */
    b->space = NULL;
    c->free_mask |= 1u << ((size_t)((char *)b - c->base) / GC_BLOCK_SIZE);
    gc_core(h)->free_blocks++;
    gc_core(h)->nblocks--;
    if (!c->on_room_list) {
        c->next_room = gc_core(h)->chunks_with_room;
        gc_core(h)->chunks_with_room = c;
        c->on_room_list = true;
    }
    if (c->free_mask == CHUNK_ALL_FREE && may_release(h)) release_chunk(h, c);
}

uint64_t gc_blocks_touched_bytes(const gc_heap *h) {
    uint64_t n = 0;
    for (const gc_chunk *c = gc_core(h)->chunks; c; c = c->next) n += c->touched ? CHUNK_SIZE : 0;
    return n;
}

int gc_blocks_verify(const gc_heap *h, char *msg, size_t len) {
    uint64_t free_blocks = 0, fresh = 0, fresh_listed = 0;
    for (const gc_chunk *c = gc_core(h)->chunks; c; c = c->next) {
        free_blocks += (uint64_t)__builtin_popcount(c->free_mask);
        if (!c->touched) fresh++;
        if (!c->touched && c->free_mask != CHUNK_ALL_FREE) {
            snprintf(msg, len, "a fresh chunk has a block in use (BLOCK-2)");
            return -1;
        }
    }
    for (const gc_chunk *c = gc_core(h)->chunks_fresh; c; c = c->next_room) fresh_listed++;
    if (free_blocks != gc_core(h)->free_blocks || free_blocks < gc_core(h)->promised_blocks || fresh != fresh_listed) {
        snprintf(msg, len,
                 "the block layer's books are off (BLOCK-2): %llu free blocks counted, %llu recorded, %llu promised; "
                 "%llu fresh chunks, %llu listed",
                 (unsigned long long)free_blocks, (unsigned long long)gc_core(h)->free_blocks,
                 (unsigned long long)gc_core(h)->promised_blocks, (unsigned long long)fresh,
                 (unsigned long long)fresh_listed);
        return -1;
    }
    return 0;
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
