/* The machine's floor under marking: what touching one cache line costs at a given footprint.
 *
 * A tracing collector reads each live object and, with marks in the headers, writes it; an
 * object is one line or less. So the least a marking can cost per object, once its objects lie
 * at random, is what the memory system needs per random line. This program measures that beside
 * the scaling benchmark (bench_scaling.c), so that its per-MiB ratio between a 10 MiB and a 1 GiB
 * heap can be read against the hardware's own ratio between the same footprints.
 *
 * For each size given (MiB), on a buffer of that size on huge pages (as gclab's heap), it times:
 *   random  one byte of every 64-byte line incremented, in a random order (a fixed permutation),
 *           each line prefetched for writing 32 lines ahead, as the mark loop prefetches 32 edges
 *           ahead: the cost per line of a scattered heap;
 *   stream  the same increments in address order: the cost per line of a heap laid out in the
 *           order it is marked.
 * Each is the best of three passes after one warm-up pass (so that the buffer's pages exist and,
 * when it fits, it is in the caches: a marking of a heap that fits is too).
 * Output, one line per size: "memfloor MIB RANDOM_NS STREAM_NS" (ns per line), MIB being the
 * buffer measured: the size asked for, rounded up to whole 2 MiB huge pages. */
#define _DEFAULT_SOURCE /* madvise's MADV_HUGEPAGE */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

enum { LINE = 64, AHEAD = 32, PASSES = 3 };

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* One pass of increments over the lines in `order` (NULL: address order); ns per line. */
static double pass(unsigned char *buf, const uint32_t *order, size_t lines) {
    double t0 = now_ns();
    if (order) {
        for (size_t i = 0; i < lines; i++) {
            if (i + AHEAD < lines) __builtin_prefetch(buf + (size_t)order[i + AHEAD] * LINE, 1);
            buf[(size_t)order[i] * LINE]++;
        }
    } else {
        for (size_t i = 0; i < lines; i++) buf[i * LINE]++;
    }
    return (now_ns() - t0) / (double)lines;
}

static double best_of(unsigned char *buf, const uint32_t *order, size_t lines) {
    pass(buf, order, lines); /* warm-up */
    double best = pass(buf, order, lines);
    for (int i = 1; i < PASSES; i++) {
        double t = pass(buf, order, lines);
        if (t < best) best = t;
    }
    return best;
}

/* A random permutation of 0..n-1 (xorshift64, fixed seed: the same order on every run). */
static void shuffle(uint32_t *v, size_t n) {
    uint64_t s = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < n; i++) v[i] = (uint32_t)i;
    for (size_t i = n - 1; i > 0; i--) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        size_t j = s % (i + 1);
        uint32_t t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: bench-memfloor MIB...\n");
        return 2;
    }
    for (int a = 1; a < argc; a++) {
        char *end;
        double mib = strtod(argv[a], &end);
        if (*end != '\0' || !(mib >= 1 && mib <= 65536)) {
            fprintf(stderr, "bench-memfloor: bad size '%s': expected MiB from 1 to 65536\n", argv[a]);
            return 2;
        }
        size_t bytes = ((size_t)(mib * 1048576) + (2u << 20) - 1) & ~(size_t)((2u << 20) - 1);
        size_t lines = bytes / LINE;
        unsigned char *buf = aligned_alloc((size_t)2 << 20, bytes);
        uint32_t *order = malloc(lines * sizeof *order);
        if (buf == NULL || order == NULL || lines > UINT32_MAX) {
            fprintf(stderr, "bench-memfloor: cannot allocate %g MiB\n", mib);
            return 1;
        }
        madvise(buf, bytes, MADV_HUGEPAGE); /* advice only */
        memset(buf, 0, bytes);
        shuffle(order, lines);
        double random = best_of(buf, order, lines), stream = best_of(buf, NULL, lines);
        printf("memfloor %zu %.3f %.3f\n", bytes >> 20, random, stream);
        fflush(stdout);
        free(order);
        free(buf);
    }
    return 0;
}
