/* bench-fastpath: allocations and stores and nothing else, so that callgrind can count the
 * instructions of gclab's allocation fast path and store barrier (gclab-bench fastpath). It times
 * nothing: instruction counts do not depend on how busy the machine is.
 *
 * Usage: bench-fastpath COLLECTOR N
 *
 * Three phases, each on a fresh heap, each in a function of its own whose name callgrind's
 * --toggle-collect selects (noinline and noclone keep the names exact):
 *   bench_alloc_kept  N gc_new of a one-slot object (24-byte cell), each into a root slot of its
 *                     own: allocation with nothing freed, plus what it sets off (block refills,
 *                     and collections that find everything alive);
 *   bench_alloc_drop  N gc_new into one root slot: each new object replaces the previous one,
 *                     which dies (reference counting frees it at once; a tracing collector finds
 *                     it at its next collection);
 *   bench_store       N gc_set of one slot, alternately to two objects held in roots: the store
 *                     barrier with nothing freed.
 * The inline fast paths are compiled into these functions; the slow paths (gc_alloc_slow, the RC
 * free cascade, collections) are calls to the library. Prints one line per phase:
 * "phase operations". */
#include <stdio.h>
#include <stdlib.h>

#include "gclab/mutator.h"

enum { TAG_NODE = 1 };

#define BENCH_FN __attribute__((noinline, noclone))

BENCH_FN void bench_alloc_kept(gc_heap *h, uint32_t base, uint64_t n) {
    for (uint64_t i = 0; i < n; i++) gc_new(h, base + (uint32_t)i, 1, 0, TAG_NODE);
}

BENCH_FN void bench_alloc_drop(gc_heap *h, uint32_t r, uint64_t n) {
    for (uint64_t i = 0; i < n; i++) gc_new(h, r, 1, 0, TAG_NODE);
}

BENCH_FN void bench_store(gc_heap *h, uint32_t holder, uint32_t a, uint64_t n) {
    for (uint64_t i = 0; i < n; i++) gc_set(h, holder, 0, a + (uint32_t)(i & 1));
}

static gc_heap *heap_new(const gc_collector_ops *ops) {
    gc_heap_config cfg = {.collector = ops};
    gc_heap *h;
    char err[256];
    if (gc_heap_create(&cfg, &h, err, sizeof err) != GC_OK) {
        fprintf(stderr, "bench-fastpath: %s\n", err);
        exit(2);
    }
    return h;
}

/* End a phase: report it, or fail if the heap gave up. */
static void heap_done(gc_heap *h, const char *phase, uint64_t ops) {
    if (gc_heap_error(h) != GC_OK) {
        fprintf(stderr, "bench-fastpath: %s: %s\n", phase, gc_heap_error_message(h));
        exit(4);
    }
    printf("%s %llu\n", phase, (unsigned long long)ops);
    gc_heap_destroy(h);
}

int main(int argc, char **argv) {
    char *end;
    unsigned long long n = argc == 3 ? strtoull(argv[2], &end, 10) : 0;
    if (argc != 3 || *end != '\0' || n == 0 || n > (1ull << 28)) {
        fprintf(stderr, "usage: bench-fastpath COLLECTOR N   (N: 1 to 2^28 operations per phase)\n");
        return 2;
    }
    const gc_collector_ops *ops = gc_collector_find(argv[1]);
    if (ops == NULL) {
        fprintf(stderr, "bench-fastpath: unknown collector '%s'\n", argv[1]);
        return 2;
    }

    gc_heap *h = heap_new(ops);
    uint32_t base = gc_frame_push(h, (uint32_t)n);
    bench_alloc_kept(h, base, n);
    heap_done(h, "alloc_kept", h->counts.allocs);

    h = heap_new(ops);
    bench_alloc_drop(h, gc_frame_push(h, 1), n);
    heap_done(h, "alloc_drop", h->counts.allocs);

    h = heap_new(ops);
    uint32_t f = gc_frame_push(h, 3);
    gc_new(h, f, 1, 0, TAG_NODE);
    gc_new(h, f + 1, 1, 0, TAG_NODE);
    gc_new(h, f + 2, 1, 0, TAG_NODE);
    uint64_t sets_before = h->counts.sets;
    bench_store(h, f, f + 1, n);
    heap_done(h, "store", h->counts.sets - sets_before);
    return 0;
}
