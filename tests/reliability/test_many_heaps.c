/* Many heaps in one process, one after another (a researcher's program that runs experiments in
 * a loop): 10,000 heaps created, allocated in (small cells and a large object) and destroyed must
 * leave jemalloc's metadata and the process's RSS flat. Before the arena pool (core/arena.c,
 * ARENA-1), every heap left about 4 KB of jemalloc metadata behind: 10,000 heaps, about 40 MB. */
#include <jemalloc/jemalloc.h>
#include <stdio.h>

#include "gclab/mutator.h"
#include "tests/support.h"

enum { HEAPS = 10000, WARM_UP = 50 };

static uint64_t je_stat(const char *name) {
    uint64_t epoch = 1;
    size_t sz = sizeof epoch;
    mallctl("epoch", &epoch, &sz, &epoch, sz); /* refresh the statistics */
    size_t v = 0;
    sz = sizeof v;
    cr_assert(mallctl(name, &v, &sz, NULL, 0) == 0, "mallctl %s failed", name);
    return v;
}

static unsigned je_narenas(void) {
    unsigned n = 0;
    size_t sz = sizeof n;
    cr_assert(mallctl("arenas.narenas", &n, &sz, NULL, 0) == 0, "mallctl arenas.narenas failed");
    return n;
}

static uint64_t rss_bytes(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    cr_assert(f != NULL);
    unsigned long long pages = 0, resident = 0;
    cr_assert(fscanf(f, "%llu %llu", &pages, &resident) == 2);
    fclose(f);
    return resident * 4096;
}

/* One heap's life: a few hundred small objects, one large one, a collection. */
static void one_heap(const gc_collector_ops *c) {
    gc_heap *h = tst_heap_new(c, false);
    uint32_t r = gc_frame_push(h, 2);
    for (int i = 0; i < 300; i++) gc_new(h, r, 2, 16, 0);
    gc_new(h, r + 1, 0, 100000, 0);
    gc_collect(h, 2);
    gc_heap_destroy(h);
}

TST_FOR_EACH_COLLECTOR(many_heaps, flat_metadata_and_rss) {
    const gc_collector_ops *c = gc_collectors[*collector_index];
    for (int i = 0; i < WARM_UP; i++) one_heap(c);
    uint64_t meta0 = je_stat("stats.metadata"), rss0 = rss_bytes();
    unsigned narenas0 = je_narenas();
    for (int i = WARM_UP; i < HEAPS; i++) one_heap(c);
    uint64_t meta1 = je_stat("stats.metadata"), rss1 = rss_bytes();
    unsigned narenas1 = je_narenas();
    /* The bound: 64 KB for 9,950 heaps, under 7 bytes a heap; the leak was 4 KB a heap. */
    cr_expect(meta1 <= meta0 + 64 * 1024, "%s: jemalloc metadata grew from %llu to %llu bytes over %d heaps", c->name,
              (unsigned long long)meta0, (unsigned long long)meta1, HEAPS - WARM_UP);
    cr_expect_eq(narenas1, narenas0, "%s: %u arenas before, %u after: more arenas than heaps alive at once", c->name,
                 narenas0, narenas1);
#if defined(__SANITIZE_ADDRESS__)
    (void)rss0, (void)rss1; /* AddressSanitizer's quarantine holds freed memory: RSS says nothing */
#else
    cr_expect(rss1 <= rss0 + 4 * 1024 * 1024, "%s: RSS grew from %llu to %llu bytes over %d heaps", c->name,
              (unsigned long long)rss0, (unsigned long long)rss1, HEAPS - WARM_UP);
#endif
}
