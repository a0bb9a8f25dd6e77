/* rc-gen's rules, one by one, on small hand-built heaps (docs/collectors/rc-gen.md).
 *
 * Each test states a rule of CPython's collector (Modules/gcmodule.c) and a situation in which a
 * collector that broke it would behave visibly differently: a collection at another allocation,
 * another generation, another count. The expected figures are worked out from the rule in the
 * comment above each test, not taken from a run. tools/cpython_oracle.py checks the same rules
 * against CPython itself on long traces; these tests pin them down one at a time, and run where
 * no CPython is installed. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gclab/mutator.h"
#include "tests/support.h"

enum { NREGS = 64, MAX_PAUSES = 4096 };

typedef struct heap_log {
    gc_pause pauses[MAX_PAUSES]; /* kind "gen" only */
    size_t n;
    bool overflow;
} heap_log;

static void log_pause(void *ctx, gc_heap *h, const gc_pause *p) {
    (void)h;
    heap_log *log = ctx;
    if (strcmp(p->kind, "gen") != 0) return;
    if (log->n == MAX_PAUSES) log->overflow = true;
    else log->pauses[log->n++] = *p;
}

/* A poisoned rc-gen heap with parameters `params` ("name=value,..."), NREGS registers from 0. */
static gc_heap *rcgen_heap(const char *params, heap_log *log, gc_listener extra) {
    const gc_collector_ops *c = gc_collector_find("rc-gen");
    cr_assert(c != NULL, "rc-gen is not registered");
    gc_params cp;
    char err[256] = "";
    cr_assert(gc_params_init(&cp, c->params, err, sizeof err) == 0, "%s", err);
    cr_assert(gc_params_apply_list(&cp, params, err, sizeof err) == 0, "%s", err);
    gc_listener l = extra.pause_start || extra.pause_end ? extra : (gc_listener){.ctx = log, .pause_end = log_pause};
    gc_heap_config cfg = {.collector = c, .collector_params = &cp, .poison = true, .listener = l};
    gc_heap *h = tst_heap_create(&cfg);
    cr_assert(gc_frame_push(h, NREGS) == 0);
    return h;
}

typedef struct stat_query {
    const char *key;
    int64_t value;
    bool found;
} stat_query;

static void match_stat(void *ctx, const char *key, int64_t value) {
    stat_query *q = ctx;
    if (strcmp(key, q->key) == 0) {
        q->value = value;
        q->found = true;
    }
}

/* One figure of rc-gen's report (what summary.json shows under collector_stats). */
static int64_t stat_of(gc_heap *h, const char *key) {
    stat_query q = {key, 0, false};
    h->ops->report(h, match_stat, &q);
    cr_assert(q.found, "rc-gen reports no '%s'", key);
    return q.value;
}

static int64_t gen_stat(gc_heap *h, int g, const char *what) {
    char key[64];
    snprintf(key, sizeof key, "generations.%d.%s", g, what);
    return stat_of(h, key);
}

static void expect_counts(gc_heap *h, int64_t c0, int64_t c1, int64_t c2, const char *when) {
    int64_t a = gen_stat(h, 0, "count"), b = gen_stat(h, 1, "count"), c = gen_stat(h, 2, "count");
    cr_expect(a == c0 && b == c1 && c == c2, "%s: gc.get_count() is (%lld, %lld, %lld), expected (%lld, %lld, %lld)", when,
              (long long)a, (long long)b, (long long)c, (long long)c0, (long long)c1, (long long)c2);
}

static void expect_pause(const heap_log *log, size_t i, int gen, uint64_t alloc_index, int64_t collected,
                         gc_reason why) {
    cr_assert(log->n > i, "expected at least %zu collections, saw %zu", i + 1, log->n);
    const gc_pause *p = &log->pauses[i];
    cr_expect(p->generation == gen && p->alloc_index == alloc_index && p->collected == collected && p->reason == why,
              "collection %zu: generation %d at allocation %llu collected %lld (%s); expected generation %d at %llu "
              "collected %lld (%s)",
              i, p->generation, (unsigned long long)p->alloc_index, (long long)p->collected, gc_reason_name(p->reason),
              gen, (unsigned long long)alloc_index, (long long)collected, gc_reason_name(why));
}

/* Register r = a cycle of n one-slot objects; leaves register `tmp` nil. */
static void make_cycle(gc_heap *h, uint32_t r, uint32_t tmp, int n) {
    gc_new(h, r, 1, 8, 1);
    gc_copy(h, tmp, r);
    for (int i = 1; i < n; i++) {
        gc_new(h, tmp + 1, 1, 8, 1);
        gc_set(h, tmp, 0, tmp + 1);
        gc_copy(h, tmp, tmp + 1);
    }
    gc_set(h, tmp, 0, r);
    gc_drop(h, tmp);
    gc_drop(h, tmp + 1);
}

/* Rule: the check runs inside the allocation of a tracked object, after the increment:
 * count0 > threshold0. With threshold0 = 5 the 6th tracked allocation collects, and its
 * allocation index counts that allocation. Atomic objects are never counted: three of them in
 * between move the index to 9 but not the moment. The new object does not exist yet (CPython
 * 3.11): generation 0 holds it alone afterwards, while its count stays 0. */
Test(rcgen_rules, trigger_inside_the_allocation) {
    heap_log log = {0};
    gc_heap *h = rcgen_heap("threshold0=5", &log, (gc_listener){0});
    for (uint32_t r = 0; r < 5; r++) gc_new(h, r, 1, 0, 1);
    for (uint32_t r = 10; r < 13; r++) gc_new(h, r, 0, 16, 2);
    cr_expect_eq(log.n, 0, "no collection before count0 exceeds 5");
    expect_counts(h, 5, 0, 0, "after 5 tracked and 3 atomic allocations");
    gc_new(h, 5, 2, 0, 1);
    cr_assert_eq(log.n, 1);
    expect_pause(&log, 0, 0, 9, 0, GC_REASON_TRIGGER);
    expect_counts(h, 0, 1, 0, "after the collection");
    cr_expect_eq(gen_stat(h, 0, "objects"), 1, "the triggering object is tracked after the collection");
    cr_expect_eq(gen_stat(h, 1, "objects"), 5, "the five survivors move to generation 1");
    tst_verify(h, "after an automatic collection");
    gc_heap_destroy(h);
}

/* Rule: freeing a tracked object takes one from count0, never below zero. Five allocations and
 * three frees leave count0 = 2, so four more allocations are needed to exceed 5 (not one). After
 * the collection count0 is 0; freeing the five survivors must leave it at 0 (not -5), so the
 * collection after that again comes at the 6th allocation. */
Test(rcgen_rules, frees_uncount_but_never_below_zero) {
    heap_log log = {0};
    gc_heap *h = rcgen_heap("threshold0=5", &log, (gc_listener){0});
    for (uint32_t r = 0; r < 5; r++) gc_new(h, r, 1, 0, 1);
    for (uint32_t r = 0; r < 3; r++) gc_drop(h, r);
    expect_counts(h, 2, 0, 0, "5 allocations, 3 frees");
    for (uint32_t r = 10; r < 13; r++) gc_new(h, r, 1, 0, 1);
    cr_expect_eq(log.n, 0, "count0 = 5 does not exceed 5");
    gc_new(h, 13, 1, 0, 1);
    expect_pause(&log, 0, 0, 9, 0, GC_REASON_TRIGGER);
    for (uint32_t r = 3; r < 13; r++) gc_drop(h, r);
    expect_counts(h, 0, 1, 0, "frees after the collection");
    for (uint32_t r = 20; r < 25; r++) gc_new(h, r, 1, 0, 1);
    cr_expect_eq(log.n, 1, "no collection at the 5th allocation after it");
    gc_new(h, 25, 1, 0, 1);
    expect_pause(&log, 1, 0, 15, 0, GC_REASON_TRIGGER);
    tst_verify(h, "end");
    gc_heap_destroy(h);
}

/* Rule: collecting generation g adds one to g+1's count and zeroes 0..g, explicit or not; an
 * explicit collection's allocation index counts the allocations before it; it works while
 * automatic collection is disabled. */
Test(rcgen_rules, explicit_collections_and_counts) {
    heap_log log = {0};
    gc_heap *h = rcgen_heap("", &log, (gc_listener){0});
    gc_control(h, GC_CTL_DISABLE, NULL, 0);
    for (uint32_t r = 0; r < 4; r++) gc_new(h, r, 1, 0, 1);
    gc_collect(h, 0);
    expect_counts(h, 0, 1, 0, "collect 0");
    gc_new(h, 4, 1, 0, 1);
    gc_collect(h, 0);
    gc_collect(h, 1);
    expect_counts(h, 0, 0, 1, "collect 0, collect 1");
    gc_new(h, 5, 1, 0, 1);
    gc_collect(h, 2);
    expect_counts(h, 0, 0, 0, "collect 2");
    cr_assert_eq(log.n, 4);
    expect_pause(&log, 0, 0, 4, 0, GC_REASON_EXPLICIT);
    expect_pause(&log, 1, 0, 5, 0, GC_REASON_EXPLICIT);
    expect_pause(&log, 2, 1, 5, 0, GC_REASON_EXPLICIT);
    expect_pause(&log, 3, 2, 6, 0, GC_REASON_EXPLICIT);
    cr_expect_eq(gen_stat(h, 2, "objects"), 6, "everything survived into generation 2");
    cr_expect_eq(gen_stat(h, 0, "collections") + gen_stat(h, 1, "collections") + gen_stat(h, 2, "collections"), 4);
    gc_heap_destroy(h);
}

/* Rule: long_lived_pending grows by the survivors of each generation-1 collection; a full
 * collection sets long_lived_total to its survivors and pending to 0. `collected` counts the
 * unreachable objects of the generations examined: a 3-cycle is collected, 3 objects. */
Test(rcgen_rules, long_lived_bookkeeping) {
    heap_log log = {0};
    gc_heap *h = rcgen_heap("threshold0=0", &log, (gc_listener){0});
    for (uint32_t r = 0; r < 10; r++) gc_new(h, r, 1, 0, 1);
    make_cycle(h, 20, 21, 3);
    gc_drop(h, 20);
    gc_collect(h, 1);
    expect_pause(&log, 0, 1, 13, 3, GC_REASON_EXPLICIT);
    cr_expect_eq(stat_of(h, "long_lived_pending"), 10);
    for (uint32_t r = 10; r < 14; r++) gc_new(h, r, 1, 0, 1);
    gc_collect(h, 1);
    cr_expect_eq(stat_of(h, "long_lived_pending"), 14);
    gc_drop(h, 0);
    gc_collect(h, 2);
    cr_expect_eq(stat_of(h, "long_lived_total"), 13);
    cr_expect_eq(stat_of(h, "long_lived_pending"), 0);
    gc_heap_destroy(h);
}

/* A two-object cycle C1 <-> C2 with a tail C1 -> T1 -> T2, all unreachable; with `tail_older`
 * the tail was moved to generation 1 by a collection first. Returns the live objects it freed. */
static uint64_t collect_cycle_with_tail(gc_heap *h, bool tail_older) {
    gc_new(h, 0, 1, 0, 1); /* T1 */
    gc_new(h, 1, 1, 0, 1); /* T2 */
    gc_set(h, 0, 0, 1);
    gc_drop(h, 1);
    if (tail_older) gc_collect(h, 0);
    gc_new(h, 2, 2, 0, 1); /* C1 */
    gc_new(h, 3, 2, 0, 1); /* C2 */
    gc_set(h, 2, 0, 3);
    gc_set(h, 3, 0, 2);
    gc_set(h, 2, 1, 0);
    for (uint32_t r = 0; r < 4; r++) gc_drop(h, r);
    uint64_t live = h->objects_live;
    gc_collect(h, 0);
    return live - h->objects_live;
}

/* Rule: `collected` counts the final unreachable set only, not what reference counting frees in
 * its wake. With the tail in generation 1, a generation-0 collection finds the 2 cycle members
 * unreachable and collects 2, though 4 objects die. With everything in generation 0, the tail is
 * unreachable too (only garbage refers to it): 4 collected. */
Test(rcgen_rules, collected_excludes_cascaded_frees) {
    heap_log log = {0};
    gc_heap *h = rcgen_heap("threshold0=0", &log, (gc_listener){0});
    cr_expect_eq(collect_cycle_with_tail(h, true), 4, "the cycle and its tail die");
    cr_assert_eq(log.n, 2);
    cr_expect_eq(log.pauses[1].collected, 2, "collected counts the cycle only, not the tail freed with it");
    cr_expect_eq(collect_cycle_with_tail(h, false), 4);
    cr_assert_eq(log.n, 3);
    cr_expect_eq(log.pauses[2].collected, 4, "with the tail in the same generation, all four are collected");
    cr_expect_eq(h->objects_live, 0);
    tst_verify(h, "end");
    gc_heap_destroy(h);
}

/* Rule: automatic collections collect the oldest generation whose count exceeds its threshold,
 * except that generation 2 is passed over while long_lived_pending < long_lived_total / 4.
 * Setting: 400 live objects made long-lived by a full collection (total = 400), then thresholds
 * (2, 0, 0) so that every third allocation triggers and generations 1 and 2 are due at once;
 * every new object stays alive, so pending grows by the survivors of each generation-1
 * collection. Checked at the start of every automatic collection, against the counts it found:
 * the generation chosen is the one the rule names. The full collection must be held back many
 * times (pending starts far below 100) and must come eventually; as each full collection finds
 * more survivors than the last, the gap to the next one widens. */
typedef struct rule_check {
    uint64_t full, deferred_seen, checked;
    uint64_t full_at[2]; /* allocation counts at the automatic full collections */
} rule_check;

static void check_choice(void *ctx, gc_heap *h, const gc_pause *p) {
    rule_check *rc = ctx;
    if (p->reason != GC_REASON_TRIGGER) return;
    int64_t c[3], t[3];
    for (int g = 0; g < 3; g++) {
        c[g] = gen_stat(h, g, "count");
        t[g] = gen_stat(h, g, "threshold");
    }
    int64_t pending = stat_of(h, "long_lived_pending"), total = stat_of(h, "long_lived_total");
    bool full_due = c[2] > t[2] && pending >= total / 4;
    int expected = full_due ? 2 : c[1] > t[1] ? 1 : 0;
    cr_expect_eq(p->generation, expected,
                 "counts (%lld %lld %lld), thresholds (%lld %lld %lld), pending %lld, total %lld: collected %d, the rule says %d",
                 (long long)c[0], (long long)c[1], (long long)c[2], (long long)t[0], (long long)t[1], (long long)t[2],
                 (long long)pending, (long long)total, p->generation, expected);
    rc->checked++;
    if (p->generation == 2 && rc->full < 2) rc->full_at[rc->full++] = h->counts.allocs;
    if (c[2] > t[2] && !full_due) rc->deferred_seen++;
}

Test(rcgen_rules, oldest_generation_first_and_the_25_percent_rule) {
    rule_check rc = {0};
    gc_heap *h = rcgen_heap("threshold0=0", NULL, (gc_listener){.ctx = &rc, .pause_start = check_choice});
    /* A chain of 400 nodes from register 0: long-lived once a full collection has seen it. */
    gc_new(h, 0, 1, 0, 1);
    gc_copy(h, 1, 0);
    for (int i = 1; i < 400; i++) {
        gc_new(h, 2, 1, 0, 1);
        gc_set(h, 1, 0, 2);
        gc_copy(h, 1, 2);
    }
    gc_collect(h, 2);
    cr_assert_eq(stat_of(h, "long_lived_total"), 400);
    int64_t t[3] = {2, 0, 0};
    cr_assert_eq(gc_control(h, GC_CTL_THRESHOLD, t, 3), 0);
    for (int i = 0; i < 600 && rc.full < 2; i++) { /* keep extending the chain */
        gc_new(h, 2, 1, 0, 1);
        gc_set(h, 1, 0, 2);
        gc_copy(h, 1, 2);
    }
    cr_expect(rc.checked > 0);
    cr_expect(rc.deferred_seen >= 5, "the 25%% rule held a due full collection back only %llu times",
              (unsigned long long)rc.deferred_seen);
    cr_expect_eq(rc.full, 2, "the full collection never came");
    uint64_t gap1 = rc.full_at[0] - 400, gap2 = rc.full_at[1] - rc.full_at[0];
    cr_expect(gap2 > gap1, "the long-lived heap grew, so the gap between full collections must widen: %llu then %llu",
              (unsigned long long)gap1, (unsigned long long)gap2);
    cr_expect_eq(stat_of(h, "long_lived_deferrals"), (int64_t)rc.deferred_seen);
    tst_verify(h, "end");
    gc_heap_destroy(h);
}

/* Rule: gc.freeze() moves every generation into the permanent one, which no collection examines,
 * and zeroes the counts but not long_lived_*; gc.unfreeze() puts the permanent generation back
 * as part of the oldest one. A frozen garbage cycle therefore survives full collections until
 * unfrozen. */
Test(rcgen_rules, freeze_and_unfreeze) {
    heap_log log = {0};
    gc_heap *h = rcgen_heap("threshold0=0", &log, (gc_listener){0});
    for (uint32_t r = 0; r < 8; r++) gc_new(h, r, 1, 0, 1);
    gc_collect(h, 1);
    gc_collect(h, 2); /* long_lived_total = 8 */
    make_cycle(h, 10, 11, 4);
    gc_collect(h, 0);
    gc_collect(h, 1); /* pending = 4, count2 = 1 */
    gc_new(h, 8, 1, 0, 1); /* count0 = 1 */
    expect_counts(h, 1, 0, 1, "before freeze");
    gc_control(h, GC_CTL_FREEZE, NULL, 0);
    expect_counts(h, 0, 0, 0, "freeze zeroes the counts");
    cr_expect_eq(stat_of(h, "permanent_objects"), 13);
    cr_expect_eq(stat_of(h, "long_lived_total"), 8, "freeze leaves long_lived_total alone");
    cr_expect_eq(stat_of(h, "long_lived_pending"), 4, "freeze leaves long_lived_pending alone");
    gc_drop(h, 10); /* the 4-cycle is garbage, but frozen */
    gc_collect(h, 2);
    cr_expect_eq(log.pauses[log.n - 1].collected, 0, "a full collection does not examine frozen objects");
    cr_expect_eq(h->objects_live, 13);
    gc_control(h, GC_CTL_UNFREEZE, NULL, 0);
    cr_expect_eq(gen_stat(h, 2, "objects"), 13, "unfreeze moves the permanent generation into generation 2");
    gc_collect(h, 2);
    cr_expect_eq(log.pauses[log.n - 1].collected, 4, "unfrozen, the cycle is collected");
    tst_verify(h, "end");
    gc_heap_destroy(h);
}

/* Rules: while disabled nothing is collected automatically, however high count0 climbs; after
 * enable the next tracked allocation collects at once (count0 > threshold0 already). With
 * threshold0 = 0 automatic collection never happens. set_threshold with one value changes only
 * threshold0. */
Test(rcgen_rules, disable_enable_and_thresholds) {
    heap_log log = {0};
    gc_heap *h = rcgen_heap("threshold0=3", &log, (gc_listener){0});
    gc_control(h, GC_CTL_DISABLE, NULL, 0);
    for (int i = 0; i < 50; i++) make_cycle(h, 0, 1, 2);
    cr_expect_eq(log.n, 0, "disabled");
    gc_control(h, GC_CTL_ENABLE, NULL, 0);
    gc_new(h, 5, 1, 0, 1);
    cr_assert_eq(log.n, 1);
    expect_pause(&log, 0, 0, 101, 98, GC_REASON_TRIGGER);
    int64_t one = 0;
    cr_assert_eq(gc_control(h, GC_CTL_THRESHOLD, &one, 1), 0);
    cr_expect(gen_stat(h, 0, "threshold") == 0 && gen_stat(h, 1, "threshold") == 10 && gen_stat(h, 2, "threshold") == 10);
    for (int i = 0; i < 2000; i++) make_cycle(h, 0, 1, 2);
    cr_expect_eq(log.n, 1, "threshold0 = 0: no automatic collection");
    int64_t bad[2] = {5, -1};
    cr_expect_neq(gc_control(h, GC_CTL_THRESHOLD, bad, 2), 0, "a negative threshold is refused");
    gc_heap_destroy(h);
}

/* CPython 3.12 runs the collection just after the allocation, with the new object tracked and
 * held from outside: same moment and allocation index, but the new object takes part and survives
 * into generation 1. */
Test(rcgen_rules, model_312_collects_after_the_allocation) {
    for (int m = 0; m < 2; m++) {
        heap_log log = {0};
        gc_heap *h = rcgen_heap(m ? "threshold0=2,model=3.12" : "threshold0=2,model=3.11", &log, (gc_listener){0});
        for (uint32_t r = 0; r < 3; r++) gc_new(h, r, 1, 0, 1);
        expect_pause(&log, 0, 0, 3, 0, GC_REASON_TRIGGER);
        cr_expect_eq(gen_stat(h, 1, "objects"), m ? 3 : 2, "model %s", m ? "3.12" : "3.11");
        cr_expect_eq(gen_stat(h, 0, "objects"), m ? 0 : 1, "model %s", m ? "3.12" : "3.11");
        tst_verify(h, "after a collection");
        gc_heap_destroy(h);
    }
}

/* No recursion, whatever the size: a generation of `n` objects forming one ring, plus a chain of
 * `n` reachable objects, collected on a thread with a 256 KiB stack. A recursive update_refs,
 * move_unreachable or free cascade would overflow it long before the end. */
typedef struct big_job {
    uint64_t n, collected, live_after;
    char verify[256];
} big_job;

static void *collect_big_generation(void *arg) {
    big_job *job = arg;
    gc_params cp;
    char err[256];
    const gc_collector_ops *c = gc_collector_find("rc-gen");
    gc_params_init(&cp, c->params, err, sizeof err);
    gc_params_apply_list(&cp, "threshold0=0", err, sizeof err);
    heap_log *log = calloc(1, sizeof *log);
    gc_heap_config cfg = {.collector = c, .collector_params = &cp, .listener = {.ctx = log, .pause_end = log_pause}};
    gc_heap *h;
    if (log == NULL || gc_heap_create(&cfg, &h, err, sizeof err) != GC_OK) {
        free(log);
        return NULL;
    }
    gc_frame_push(h, 4);
    make_cycle(h, 0, 1, (int)job->n); /* registers 0..2 */
    gc_drop(h, 0);
    gc_new(h, 0, 1, 0, 1); /* a reachable chain from register 0 */
    gc_copy(h, 1, 0);
    for (uint64_t i = 1; i < job->n; i++) {
        gc_new(h, 2, 1, 0, 1);
        gc_set(h, 1, 0, 2);
        gc_copy(h, 1, 2);
    }
    gc_drop(h, 1);
    gc_drop(h, 2);
    gc_collect(h, 2);
    job->collected = log->n ? (uint64_t)log->pauses[log->n - 1].collected : 0;
    job->live_after = h->objects_live;
    if (gc_verify(h, job->verify, sizeof job->verify) != 0 && job->verify[0] == '\0') strcpy(job->verify, "?");
    gc_drop(h, 0); /* and free the chain: one long RC cascade */
    gc_heap_destroy(h);
    free(log);
    return job;
}

Test(rcgen_rules, large_generation_on_a_small_stack, .timeout = 300) {
    big_job job = {.n = 1000000};
    const char *env = getenv("GCLAB_RCGEN_BIG");
    if (env && *env) job.n = strtoull(env, NULL, 10);
    pthread_attr_t attr;
    pthread_t t;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    cr_assert_eq(pthread_create(&t, &attr, collect_big_generation, &job), 0);
    void *ret = NULL;
    pthread_join(t, &ret);
    cr_assert(ret != NULL, "could not set up the heap");
    cr_expect_eq(job.collected, job.n, "the ring of %llu objects is collected", (unsigned long long)job.n);
    cr_expect_eq(job.live_after, job.n, "the chain of %llu objects survives", (unsigned long long)job.n);
    cr_expect(job.verify[0] == '\0', "verify: %s", job.verify);
}
