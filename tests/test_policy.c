/* marksweep's growth policy (collectors/marksweep.c, docs/collectors/marksweep.md): after each
 * collection the heap size becomes H = max((1 + growth) * live_after, min_heap,
 * (1 - shrink) * H_before), and the next automatic collection starts at the allocation that would
 * take the heap's bytes in use to H. The tests drive a heap through a growing structure, its
 * death and a churn afterwards, record every pause through the listener, and check each
 * automatic collection against the rule computed from the previous one's figures. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/internal.h"
#include "gclab/mutator.h"
#include "gclab/params.h"
#include "tests/support.h"

extern const gc_collector_ops gc_collector_marksweep;

enum { MAX_PAUSES = 4096 };

typedef struct pause_log {
    size_t n;
    gc_pause p[MAX_PAUSES];
} pause_log;

static void log_pause(void *ctx, gc_heap *h, const gc_pause *p) {
    (void)h;
    pause_log *log = ctx;
    cr_assert_lt(log->n, MAX_PAUSES, "more pauses than the test expects");
    log->p[log->n++] = *p;
}

/* A marksweep heap with the parameters `list`, logging pauses into log. */
static gc_heap *policy_heap(const char *list, pause_log *log, gc_params *params) {
    char err[256] = "";
    cr_assert(gc_params_init(params, gc_collector_marksweep.params, err, sizeof err) == 0, "%s", err);
    cr_assert(gc_params_apply_list(params, list, err, sizeof err) == 0, "'%s': %s", list, err);
    gc_heap_config cfg = {
        .collector = &gc_collector_marksweep,
        .collector_params = params,
        .listener = {.ctx = log, .pause_end = log_pause},
    };
    return tst_heap_create(&cfg);
}

/* The mutator: a chain of `grow` objects held from one root (live data growing), then dropped,
 * then `churn` short-lived objects while a smaller chain of `keep` objects stays live. Every
 * object has one slot, so every cell has the same size. */
static void drive(gc_heap *h, uint32_t grow, uint32_t keep, uint32_t churn) {
    uint32_t r = gc_frame_push(h, 3); /* r: chain head, r+1: kept chain, r+2: scratch */
    for (uint32_t i = 0; i < grow; i++) {
        gc_new(h, r + 2, 1, 0, 1);
        gc_set(h, r + 2, 0, r);
        gc_copy(h, r, r + 2);
    }
    gc_drop(h, r);
    for (uint32_t i = 0; i < keep; i++) {
        gc_new(h, r + 2, 1, 0, 1);
        gc_set(h, r + 2, 0, r + 1);
        gc_copy(h, r + 1, r + 2);
    }
    for (uint32_t i = 0; i < churn; i++) gc_new(h, r + 2, 1, 0, 1);
    gc_frame_pop(h, r);
}

/* Check every automatic collection against the rule; returns the largest heap size reached. */
static double check_rule(const pause_log *log, double growth, double shrink, double min_heap, uint32_t cell) {
    double H = min_heap; /* at start-up nothing is live */
    double peak = H;
    size_t automatic = 0;
    for (size_t k = 0; k < log->n; k++) {
        const gc_pause *p = &log->p[k];
        cr_assert_eq(p->reason, GC_REASON_TRIGGER, "only the policy starts collections here (pause %zu)", k);
        double floor_budget = 64.0 * 1024; /* one block: the budget never falls below it */
        double due = H;
        double after_prev = k == 0 ? 0 : (double)log->p[k - 1].bytes_after;
        if (due - after_prev < floor_budget) due = after_prev + floor_budget;
        /* The allocation that exhausts the budget triggers the collection; the one that ran it
         * was charged to the previous budget, so one cell of slack either way. */
        cr_assert((double)p->bytes_before <= due + cell && (double)p->bytes_before + cell > due,
                  "collection %zu started with %llu bytes in use; the heap size was %.0f (growth %.2f, shrink %.2f)", k,
                  (unsigned long long)p->bytes_before, due, growth, shrink);
        double size = (1 + growth) * (double)p->bytes_after;
        if (size < min_heap) size = min_heap;
        if (size < (1 - shrink) * H) size = (1 - shrink) * H;
        H = size;
        if (H > peak) peak = H;
        automatic++;
    }
    cr_assert_gt(automatic, 5, "the scenario made only %zu collections", automatic);
    return peak;
}

static uint32_t cell_bytes_of_one_slot(void) { return gc_cell_bytes(0, gc_object_size(1, 0)); }

/* One scenario: the parameters as text and as numbers (for the rule), and the mutator's sizes. */
typedef struct scenario {
    const char *params;
    double growth, shrink, min_heap;
    uint32_t grow, keep, churn;
} scenario;

/* Run s on a fresh heap and check every collection against the rule; returns the heap (the
 * caller destroys it) and, in *peak, the largest heap size reached. */
static gc_heap *run_scenario(const scenario *s, pause_log *log, gc_params *params, double *peak) {
    gc_heap *h = policy_heap(s->params, log, params);
    drive(h, s->grow, s->keep, s->churn);
    *peak = check_rule(log, s->growth, s->shrink, s->min_heap, cell_bytes_of_one_slot());
    return h;
}

Test(policy, heap_size_never_shrinks_by_default) {
    static pause_log log;
    gc_params params;
    double peak;
    const scenario s = {"min_heap=256K", 0.75, 0, 256 * 1024, 200000, 20000, 600000};
    gc_heap *h = run_scenario(&s, &log, &params, &peak);
    /* After the chain died, the churn ran in the heap size the chain made: each collection then
     * started near that size, not near (1 + growth) times the small live data. */
    const gc_pause *last = &log.p[log.n - 1];
    cr_assert_gt((double)last->bytes_before, 0.9 * peak, "the heap shrank: last collection at %llu bytes, peak size %.0f",
                 (unsigned long long)last->bytes_before, peak);
    cr_assert_lt((double)gc_core(h)->block_bytes, 1.25 * peak + 4 * 1024 * 1024, "blocks %llu for a heap size of %.0f",
                 (unsigned long long)gc_core(h)->block_bytes, peak);
    tst_verify(h, "after the policy scenario");
    gc_heap_destroy(h);
}

Test(policy, shrink_one_follows_the_live_data) {
    static pause_log log;
    gc_params params;
    double peak;
    const scenario s = {"min_heap=256K,growth=1,shrink=1", 1, 1, 256 * 1024, 200000, 20000, 600000};
    gc_heap *h = run_scenario(&s, &log, &params, &peak);
    const gc_pause *last = &log.p[log.n - 1];
    cr_assert_lt((double)last->bytes_before, 0.5 * peak, "the heap kept its size: last collection at %llu, peak %.0f",
                 (unsigned long long)last->bytes_before, peak);
    gc_heap_destroy(h);
}

Test(policy, partial_shrink) {
    static pause_log log;
    gc_params params;
    double peak;
    const scenario s = {"min_heap=128K,growth=0.5,shrink=0.25", 0.5, 0.25, 128 * 1024, 150000, 10000, 800000};
    gc_heap_destroy(run_scenario(&s, &log, &params, &peak));
}

/* A large object is served by jemalloc, which can reuse the pooled empty blocks' memory only once
 * it has them back: allocating one releases the pool first. */
Test(policy, large_object_takes_the_pool_back) {
    gc_heap *h = tst_heap_new(&gc_collector_marksweep, false);
    uint32_t base = gc_frame_push(h, 1);
    /* 4.8 MB of one-slot objects, each dropping the previous one: whole chunks empty */
    for (uint32_t i = 0; i < 200000; i++) gc_new(h, base, 1, 0, 1);
    uint32_t keep = gc_frame_push(h, 1);
    gc_frame_pop(h, keep);
    gc_collect(h, -1);
    cr_assert_not_null(gc_core(h)->sc.empty, "the emptied blocks wait in the pool");
    uint64_t pooled = gc_core(h)->block_bytes;
    gc_new(h, base, 0, 1u << 20, 1); /* 1 MiB of raw bytes: a large object */
    cr_assert_null(gc_core(h)->sc.empty, "the pool was released before the large object was allocated");
    cr_assert_lt(gc_core(h)->block_bytes, pooled + (1u << 20), "blocks %llu, pooled before %llu",
                 (unsigned long long)gc_core(h)->block_bytes, (unsigned long long)pooled);
    tst_verify(h, "after a large allocation took the pool back");
    gc_heap_destroy(h);
}
