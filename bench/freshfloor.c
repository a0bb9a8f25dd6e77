/* The fresh-page floor: what filling a given number of fresh bytes with objects costs, the bound
 * under an allocator that never reuses memory (gclab's `nogc`).
 *
 * A collector that never frees touches new memory for every byte the program allocates, so the
 * kernel's cost of faulting in and zeroing fresh pages, plus the stores that fill them, is a
 * floor no allocator of that kind can go under, however short its fast path. This program
 * measures that floor on this machine for a GCBench-sized run, in the layout such a heap has:
 *
 *   memory   obtained as gclab's heap obtains its chunks (its chunk layer: core/space.c, core/block.c
 *            once issue 11's block layer is in): 2 MiB chunks, 2 MiB-aligned,
 *            from a jemalloc arena of its own (mallocx, no thread cache), each advised
 *            MADV_HUGEPAGE as soon as it is obtained and before it is touched;
 *   objects  OBJECT_BYTES each (default 40: a GCBench node, header 16 + two slots 16 + 8 raw),
 *            bump-allocated contiguously through each chunk in address order, every word of
 *            each object written once (a header word naming its size, the rest zero), as an
 *            allocation writes a fresh cell; an object never straddles two chunks.
 *
 * It fills BYTES bytes in all (rounded up to whole objects): the driver passes the object bytes
 * gclab reports allocated for the same run (summary.json mutator.bytes_allocated, which does not
 * depend on the collector). GCBench's one large object (its array of doubles, under 1% of the
 * bytes) is filled as nodes too: the bytes are what the floor is about.
 * Timed from the first chunk to the last store, as the native GCBench programs time themselves.
 * Output, one line in their format: "fresh-floor WALL_NS 0 0" (no collections, no pauses).
 * Bad arguments: a one-line message and exit 2; out of memory: exit 1. */
#define _DEFAULT_SOURCE /* madvise's MADV_HUGEPAGE */
#include <errno.h>
#include <jemalloc/jemalloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#define CHUNK_SIZE ((size_t)2 << 20) /* the heap's chunk */

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A whole number in [lo, hi] from argument `s`, or exit 2 naming it. */
static uint64_t parse(const char *what, const char *s, uint64_t lo, uint64_t hi) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end != '\0' || s[0] == '-' || v < lo || v > hi) {
        fprintf(stderr, "bench-freshfloor: bad %s '%s': expected a whole number from %llu to %llu\n", what, s,
                (unsigned long long)lo, (unsigned long long)hi);
        exit(2);
    }
    return v;
}

/* The chunks, kept so that the stores into them are visible after the loop (no compiler may
 * drop them) and so that the result can be checked. */
static uint64_t **chunks;
static size_t nchunks;

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: bench-freshfloor BYTES [OBJECT_BYTES]\n");
        return 2;
    }
    uint64_t bytes = parse("BYTES", argv[1], 1, (uint64_t)1 << 40);
    uint64_t object = argc > 2 ? parse("OBJECT_BYTES", argv[2], 16, 4096) : 40;
    if (object % 8 != 0) {
        fprintf(stderr, "bench-freshfloor: bad OBJECT_BYTES '%s': expected a multiple of 8\n", argv[2]);
        return 2;
    }
    uint64_t objects = (bytes + object - 1) / object, words = object / 8;
    uint64_t per_chunk = CHUNK_SIZE / object;
    size_t need = (size_t)((objects + per_chunk - 1) / per_chunk);
    unsigned arena;
    size_t sz = sizeof arena;
    chunks = malloc(need * sizeof *chunks);
    if (chunks == NULL || mallctl("arenas.create", &arena, &sz, NULL, 0) != 0) {
        fprintf(stderr, "bench-freshfloor: cannot set up (out of memory, or no jemalloc arena)\n");
        return 1;
    }
    int flags = MALLOCX_ALIGN(CHUNK_SIZE) | MALLOCX_ARENA(arena) | MALLOCX_TCACHE_NONE;

    uint64_t t0 = now_ns();
    for (uint64_t left = objects; left > 0;) {
        uint64_t *c = mallocx(CHUNK_SIZE, flags);
        if (c == NULL) {
            fprintf(stderr, "bench-freshfloor: out of memory after %zu chunks\n", nchunks);
            return 1;
        }
        madvise(c, CHUNK_SIZE, MADV_HUGEPAGE); /* advice only, as the heap advises its chunks */
        chunks[nchunks++] = c;
        uint64_t n = left < per_chunk ? left : per_chunk;
        for (uint64_t *p = c, *end = c + n * words; p < end; p += words) {
            p[0] = object; /* the header word; the rest of the object zero */
            for (uint64_t w = 1; w < words; w++) p[w] = 0;
        }
        left -= n;
    }
    uint64_t t1 = now_ns();

    /* Every chunk's first object holds what was stored (and reading it keeps the stores). */
    for (size_t i = 0; i < nchunks; i++)
        if (chunks[i][0] != object) {
            fprintf(stderr, "bench-freshfloor: chunk %zu does not hold what was written\n", i);
            return 1;
        }
    printf("fresh-floor %llu 0 0\n", (unsigned long long)(t1 - t0));
    return 0;
}
