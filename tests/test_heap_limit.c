/* The heap limit, on every collector: through gc_run (include/gclab/run.h) and through the CLI.
 *
 * A workload whose live data outgrows the limit must end with GC_ERR_HEAP_LIMIT, a message that
 * names the limit, and a results directory holding everything recorded so far (summary.json says
 * "heap-limit-exceeded"). A workload whose garbage alone outgrows the limit must finish whenever
 * the collector can free that garbage: the core collects before it gives up. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "gclab/run.h"
#include "tests/support.h"

#define LIMIT (1024u * 1024u) /* 1 MiB */

/* hoard: a list of 1 KiB nodes that is never dropped: 64 MiB of live data. */
static int hoard_run(gc_heap *h, const gc_params *p, gc_rng *rng) {
    (void)p, (void)rng;
    uint32_t f = gc_frame_push(h, 2);
    for (int i = 0; i < 65536; i++) {
        gc_new(h, f + 1, 1, 1024, 1);
        gc_set(h, f + 1, 0, f);
        gc_copy(h, f, f + 1);
    }
    gc_frame_pop(h, f);
    return 0;
}

/* churn: 16 MiB of short-lived lists of 16 nodes of 256 bytes; with `cyclic`, each list is closed
 * into a ring before it is dropped. Live data stays under 8 KiB. */
static void churn(gc_heap *h, bool cyclic) {
    uint32_t f = gc_frame_push(h, 3);
    for (int round = 0; round < 4096; round++) {
        gc_new(h, f, 1, 256, 1);
        gc_copy(h, f + 1, f);
        for (int i = 1; i < 16; i++) {
            gc_new(h, f + 2, 1, 256, 1);
            gc_set(h, f + 2, 0, f + 1);
            gc_copy(h, f + 1, f + 2);
        }
        if (cyclic) gc_set(h, f, 0, f + 1);
        gc_drop(h, f);
        gc_drop(h, f + 1);
        gc_drop(h, f + 2);
    }
    gc_frame_pop(h, f);
}

static int churn_acyclic_run(gc_heap *h, const gc_params *p, gc_rng *rng) {
    (void)p, (void)rng;
    churn(h, false);
    return 0;
}

static int churn_cyclic_run(gc_heap *h, const gc_params *p, gc_rng *rng) {
    (void)p, (void)rng;
    churn(h, true);
    return 0;
}

static const gc_workload hoard = {.name = "hoard", .summary = "live data without bound", .run = hoard_run};
static const gc_workload churn_acyclic = {.name = "churn", .summary = "acyclic garbage", .run = churn_acyclic_run};
static const gc_workload churn_cyclic = {
    .name = "churn-rings", .summary = "cyclic garbage", .cyclic = true, .run = churn_cyclic_run};

static gc_run_result run_limited(const gc_collector_ops *c, const gc_workload *w, const char *out_dir) {
    gc_run_config cfg = {
        .collector = c,
        .workload = w,
        .seed = 1,
        .heap_limit = LIMIT,
        .sample_every = 64 * 1024,
        .poison = true,
        .verify = true,
        .out_dir = out_dir,
    };
    char err[256] = "";
    cr_assert(gc_params_init(&cfg.collector_params, c->params, err, sizeof err) == 0, "%s", err);
    cr_assert(gc_params_init(&cfg.workload_params, w->params, err, sizeof err) == 0, "%s", err);
    gc_run_result res;
    gc_error e = gc_run(&cfg, &res);
    cr_assert_eq(e, res.status, "gc_run's return value differs from res.status");
    return res;
}

/* Lines of a CSV file (header included); -1 if it cannot be read. */
static long csv_lines(const char *dir, const char *name, const char *must_contain) {
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = tst_read_file(path);
    if (text == NULL) return -1;
    long n = (long)tst_count_lines(text);
    if (must_contain) cr_expect(strstr(text, must_contain) != NULL, "%s does not mention %s", path, must_contain);
    free(text);
    return n;
}

static json_t *load_summary(const char *dir) {
    char path[4200];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    json_error_t jerr;
    json_t *s = json_load_file(path, 0, &jerr);
    cr_assert(s != NULL, "%s: %s (line %d)", path, jerr.text, jerr.line);
    return s;
}

TST_FOR_EACH_COLLECTOR(heap_limit, live_data_over_the_limit) {
    const gc_collector_ops *c = gc_collectors[*collector_index];
    char *dir = tst_tmpdir();
    gc_run_result res = run_limited(c, &hoard, dir);
    cr_expect_eq(res.status, GC_ERR_HEAP_LIMIT, "%s: status %d (%s)", c->name, res.status, res.message);
    cr_expect(strstr(res.message, "heap limit") != NULL, "%s: message does not say 'heap limit': %s", c->name,
              res.message);
    cr_expect(strstr(res.message, "1048576") != NULL, "%s: message does not name the limit: %s", c->name,
              res.message);
    cr_expect(strchr(res.message, '\n') == NULL, "%s: message is more than one line", c->name);
    cr_expect(res.heap_bytes_peak <= LIMIT, "%s: the heap reached %llu bytes, over the limit", c->name,
              (unsigned long long)res.heap_bytes_peak);
    cr_expect(res.counts.allocs > 100 && res.counts.allocs < 65536, "%s: %llu allocations before the limit",
              c->name, (unsigned long long)res.counts.allocs);

    /* Everything recorded so far is written. */
    cr_expect(csv_lines(dir, "events.csv", NULL) >= 1, "%s: no events.csv", c->name);
    if (c->collect) /* the core collected before giving up */
        cr_expect(csv_lines(dir, "events.csv", "heap-limit") >= 2, "%s: no collection before the failure", c->name);
    cr_expect(csv_lines(dir, "timeline.csv", NULL) >= 3, "%s: timeline.csv lacks samples", c->name);
    json_t *s = load_summary(dir);
    cr_expect_str_eq(json_string_value(json_object_get(s, "status")), "heap-limit-exceeded", "%s: summary status",
                     c->name);
    const char *error = json_string_value(json_object_get(s, "error"));
    cr_expect(error && strcmp(error, res.message) == 0, "%s: summary error differs from the message", c->name);
    json_t *m = json_object_get(s, "mutator");
    cr_expect_eq(json_integer_value(json_object_get(m, "allocations")), (json_int_t)res.counts.allocs,
                 "%s: summary allocations", c->name);
    cr_expect_eq(json_integer_value(json_object_get(s, "heap_limit")), LIMIT, "%s: summary heap_limit", c->name);
    json_decref(s);
    tst_rmtree(dir);
    tst_expect_no_leaks();
}

/* Garbage over the limit: a collector that can free it must finish; rc cannot free rings. */
TST_FOR_EACH_COLLECTOR(heap_limit, garbage_over_the_limit) {
    const gc_collector_ops *c = gc_collectors[*collector_index];
    gc_run_result res = run_limited(c, &churn_acyclic, NULL);
    if (!(c->caps & (GC_CAP_RECLAIMS_CYCLES | GC_CAP_REFCOUNT))) { /* frees nothing (nogc) */
        cr_expect_eq(res.status, GC_ERR_HEAP_LIMIT, "%s frees nothing, yet kept under the limit (status %d)", c->name,
                     res.status);
        cr_expect(res.counts.bytes_allocated <= LIMIT, "%s: %llu bytes allocated under a %u-byte limit", c->name,
                  (unsigned long long)res.counts.bytes_allocated, (unsigned)LIMIT);
        tst_expect_no_leaks();
        return;
    }
    cr_expect_eq(res.status, GC_OK, "%s: acyclic garbage under a 1 MiB limit: %s", c->name, res.message);
    cr_expect(res.counts.bytes_allocated > 8 * LIMIT, "the churn workload allocates too little to test anything");

    res = run_limited(c, &churn_cyclic, NULL);
    if (c->caps & GC_CAP_RECLAIMS_CYCLES)
        cr_expect_eq(res.status, GC_OK, "%s: cyclic garbage under a 1 MiB limit: %s", c->name, res.message);
    else if (c->caps & GC_CAP_REFCOUNT)
        cr_expect_eq(res.status, GC_ERR_HEAP_LIMIT, "%s: leaked rings must exceed the limit (status %d)", c->name,
                     res.status);
    tst_expect_no_leaks();
}

/* Through the CLI: exit code 3, one line on stderr, and the results written. */
TST_FOR_EACH_COLLECTOR(heap_limit, cli_exit_code) {
    const gc_collector_ops *c = gc_collectors[*collector_index];
    tst_gclab_exe(); /* before making a directory that a failure would leave behind */
    char *dir = tst_tmpdir();
    const char *args[] = {"run", "--collector", c->name, "--workload", "rings", "--param", "keep_fraction=1",
                          "--param", "ring_size=50", "--param", "rings=5000", "--heap-limit", "256k", "--out", dir,
                          "--quiet", NULL};
    tst_proc p = tst_run_gclab(args);
    cr_expect_eq(p.status, 3, "%s: exit code %d, stderr: %s", c->name, p.status, p.err);
    cr_expect_eq(tst_count_lines(p.err), 1, "%s: stderr is not one line: %s", c->name, p.err);
    cr_expect(strstr(p.err, "heap limit") && strstr(p.err, "262144"), "%s: stderr does not name the limit: %s",
              c->name, p.err);
    json_t *s = load_summary(dir);
    cr_expect_str_eq(json_string_value(json_object_get(s, "status")), "heap-limit-exceeded");
    json_decref(s);
    tst_proc_free(&p);
    tst_rmtree(dir);
}
