/* GCBench (Ellis, Kovac, Boehm) written natively, without gclab, as the yardsticks that
 * docs/performance.md compares gclab against. One source, several builds (bench/meson.build):
 *
 *   BENCH_MALLOC  explicit malloc/free: every dropped tree is freed by hand (the "manual memory
 *                 management" bound); linked with glibc's malloc, or with jemalloc (which replaces
 *                 malloc and free when linked).
 *   BENCH_MIMALLOC  the same with mimalloc, called by its own names (mi_calloc, mi_realloc,
 *                 mi_free) rather than by replacing malloc: then what is measured is mimalloc
 *                 whatever the link order and however Debian built the library (with or
 *                 without its malloc override), and a build that silently fell back to glibc's
 *                 malloc cannot happen.
 *   BENCH_BDWGC   Boehm-Demers-Weiser GC: GC_MALLOC for nodes, GC_MALLOC_ATOMIC for the array,
 *                 default settings; with BENCH_BDWGC_INCREMENTAL too, GC_enable_incremental() after
 *                 GC_INIT (its pauses bracketed by the same collection events).
 *   BENCH_RC      plain reference counting (glibc malloc): a count in every node, adjusted on every
 *                 pointer store into a node, a node freed and its children released when its
 *                 count reaches zero. Local variables are not counted (as hand-written C would do);
 *                 the program's two tree roots are.
 *
 * Same constants as gclab's `gcbench` workload: stretch tree depth 18, long-lived tree depth 16,
 * 500,000 doubles, trees of depth 4 to 16 by 2. The recursion here is bounded by the tree depth.
 * Prints one line: variant, wall time (ns, the whole benchmark), collections, and the longest
 * collection (ns) where the variant has collections. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(BENCH_BDWGC)
#include <gc.h>
#elif defined(BENCH_MIMALLOC)
#include <mimalloc.h>
#define BENCH_MALLOC
#define BENCH_MALLOC_NAME "mimalloc"
#define bench_calloc mi_calloc
#define bench_realloc mi_realloc
#define bench_free mi_free
#endif
#ifndef bench_calloc /* the C library's names: glibc's, or jemalloc's when it replaces them */
#define bench_calloc calloc
#define bench_realloc realloc
#define bench_free free
#endif

enum { STRETCH = 18, LONG_LIVED = 16, ARRAY_SIZE = 500000, MIN_DEPTH = 4, MAX_DEPTH = 16 };

typedef struct node {
    struct node *left, *right;
    int i, j;
#if defined(BENCH_RC)
    uint32_t rc;
#endif
} node;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t collections, max_pause;

#if defined(BENCH_BDWGC)
#if defined(BENCH_BDWGC_INCREMENTAL)
#define VARIANT "bdwgc-incremental"
#else
#define VARIANT "bdwgc"
#endif
static uint64_t pause_start;
static void on_gc_event(GC_EventType e) {
    if (e == GC_EVENT_START) {
        pause_start = now_ns();
        collections++;
    } else if (e == GC_EVENT_END) {
        uint64_t d = now_ns() - pause_start;
        if (d > max_pause) max_pause = d;
    }
}
static node *new_node(void) { return GC_MALLOC(sizeof(node)); }
static double *new_array(size_t n) { return GC_MALLOC_ATOMIC(n * sizeof(double)); }
static void store(node **slot, node *v) { *slot = v; }
static void hold(node *n) { (void)n; }
static void drop(node *n) { (void)n; }
#else
static node *new_node(void) {
    node *n = bench_calloc(1, sizeof(node));
    if (n == NULL) abort();
    return n;
}
static double *new_array(size_t n) { return bench_calloc(n, sizeof(double)); }

/* An explicit work list for freeing, so that no tree is freed by recursion. */
static node **work;
static size_t work_len, work_cap;
static void push(node *n) {
    if (work_len == work_cap) {
        work_cap = work_cap ? 2 * work_cap : 1024;
        work = bench_realloc(work, work_cap * sizeof *work);
        if (work == NULL) abort();
    }
    work[work_len++] = n;
}

#if defined(BENCH_RC)
#define VARIANT "rc-hand"
static void release(node *n) {
    if (n == NULL || --n->rc != 0) return;
    push(n);
    while (work_len) {
        node *x = work[--work_len];
        if (x->left && --x->left->rc == 0) push(x->left);
        if (x->right && --x->right->rc == 0) push(x->right);
        bench_free(x);
    }
}
static void store(node **slot, node *v) {
    if (v) v->rc++;
    node *old = *slot;
    *slot = v;
    release(old);
}
static void hold(node *n) { n->rc++; }
static void drop(node *n) { release(n); }
#else
#define VARIANT BENCH_MALLOC_NAME
static void store(node **slot, node *v) { *slot = v; }
static void hold(node *n) { (void)n; }
/* Free a whole tree by hand. */
static void drop(node *n) {
    push(n);
    while (work_len) {
        node *x = work[--work_len];
        if (x->left) push(x->left);
        if (x->right) push(x->right);
        bench_free(x);
    }
}
#endif
#endif

static long tree_size(int depth) { return (1L << (depth + 1)) - 1; }

/* Top-down: give n two children, recursively. */
static void populate(int depth, node *n) {
    if (depth <= 0) return;
    depth--;
    store(&n->left, new_node());
    store(&n->right, new_node());
    populate(depth, n->left);
    populate(depth, n->right);
}

/* Bottom-up: children first. */
static node *make_tree(int depth) {
    if (depth <= 0) return new_node();
    node *l = make_tree(depth - 1), *r = make_tree(depth - 1);
    node *n = new_node();
    store(&n->left, l);
    store(&n->right, r);
    return n;
}

static void time_construction(int depth) {
    long iters = 2 * tree_size(STRETCH) / tree_size(depth);
    for (long i = 0; i < iters; i++) {
        node *t = new_node();
        hold(t);
        populate(depth, t);
        drop(t);
    }
    for (long i = 0; i < iters; i++) {
        node *t = make_tree(depth);
        hold(t);
        drop(t);
    }
}

int main(void) {
#if defined(BENCH_BDWGC)
    GC_INIT();
#if defined(BENCH_BDWGC_INCREMENTAL)
    GC_enable_incremental(); /* bdwgc's incremental (and, where the OS allows, generational) mode */
#endif
    GC_set_on_collection_event(on_gc_event);
#endif
    uint64_t t0 = now_ns();
    node *stretch = make_tree(STRETCH);
    hold(stretch);
    drop(stretch);
    node *long_lived = new_node();
    hold(long_lived);
    populate(LONG_LIVED, long_lived);
    double *array = new_array(ARRAY_SIZE);
    for (int i = 0; i < ARRAY_SIZE / 2; i++) array[i] = 1.0 / i;
    for (int d = MIN_DEPTH; d <= MAX_DEPTH; d += 2) time_construction(d);
    if (long_lived == NULL || array[1000] != 1.0 / 1000) {
        fprintf(stderr, "gcbench: the long-lived data did not survive\n");
        return 1;
    }
    uint64_t t1 = now_ns();
#if defined(BENCH_BDWGC_INCREMENTAL)
    /* In incremental mode bdwgc raises no collection events for its increments: the collections
     * are its own count, and the longest pause is not known (printed as the largest value, which
     * the driver shows as "–"). */
    collections = GC_get_gc_no();
    max_pause = UINT64_MAX;
#endif
    printf("%s %llu %llu %llu\n", VARIANT, (unsigned long long)(t1 - t0), (unsigned long long)collections,
           (unsigned long long)max_pause);
    return 0;
}
