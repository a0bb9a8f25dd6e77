/* Traces (docs/trace-format.md): what the recorder writes, what the reader accepts and refuses,
 * and the promise that matters: a workload run and the replay of its recording perform identical
 * operations, so every collector meets exactly the same work. */
#include <stdio.h>
#include <string.h>

#include "core/internal.h"
#include "gclab/mutator.h"
#include "gclab/trace.h"
#include "gclab/workload.h"
#include "tests/support.h"

typedef struct pause_log {
    gc_pause *p;
    size_t n, cap;
} pause_log;

static void log_pause(void *ctx, gc_heap *h, const gc_pause *p) {
    (void)h;
    pause_log *log = ctx;
    if (log->n == log->cap) {
        log->cap = log->cap ? 2 * log->cap : 256;
        log->p = realloc(log->p, log->cap * sizeof *log->p);
        cr_assert(log->p != NULL);
    }
    log->p[log->n++] = *p;
}

static gc_heap *heap_on(const gc_collector_ops *c, pause_log *log) {
    gc_heap_config cfg = {.collector = c, .listener = {.ctx = log, .pause_end = log_pause}};
    return tst_heap_create(&cfg);
}

static char *write_temp(const char *dir, const char *name, const char *text) {
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    cr_assert(path != NULL);
    sprintf(path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert(f != NULL, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
    return path;
}

static bool same_counts(const gc_mutator_counts *a, const gc_mutator_counts *b) {
    return a->allocs == b->allocs && a->sets == b->sets && a->gets == b->gets && a->copies == b->copies &&
           a->drops == b->drops && a->bytes_allocated == b->bytes_allocated;
}

/* Pauses agree in everything but time. */
static void expect_same_pauses(const pause_log *a, const pause_log *b, const char *what) {
    cr_expect_eq(a->n, b->n, "%s: %zu pauses in the run, %zu in the replay", what, a->n, b->n);
    for (size_t i = 0; i < a->n && i < b->n; i++) {
        const gc_pause *x = &a->p[i], *y = &b->p[i];
        if (strcmp(x->kind, y->kind) != 0 || x->generation != y->generation || x->reason != y->reason ||
            x->alloc_index != y->alloc_index || x->collected != y->collected ||
            x->objects_before != y->objects_before || x->objects_after != y->objects_after) {
            cr_expect(false,
                      "%s: pause %zu differs: run %s gen %d at allocation %llu collected %lld, replay %s gen %d at %llu "
                      "collected %lld",
                      what, i, x->kind, x->generation, (unsigned long long)x->alloc_index, (long long)x->collected,
                      y->kind, y->generation, (unsigned long long)y->alloc_index, (long long)y->collected);
            return;
        }
    }
}

/* Every workload (with its test parameters), recorded on collector c and replayed on c: the
 * mutator counts and every pause (kind, generation, reason, allocation index, collected, objects
 * before and after) must be identical. */
TST_FOR_EACH_COLLECTOR(trace, record_then_replay_is_identical) {
    const gc_collector_ops *c = gc_collectors[*collector_index];
#if defined(__SANITIZE_ADDRESS__)
    /* Recording and replay are the same code whatever the collector: under the sanitizers one
     * collector covers them, and keeps the suite's time down. */
    if (strcmp(c->name, "rc-gen") != 0) cr_skip_test("sanitizer build: trace round trip on rc-gen only");
#endif
    char *dir = tst_tmpdir();
    for (size_t i = 0; gc_workloads[i]; i++) {
        const gc_workload *w = gc_workloads[i];
        tst_note("trace: record and replay %s on %s", w->name, c->name);
        char path[4200], err[256] = "";
        snprintf(path, sizeof path, "%s/%s.trace", dir, w->name);
        gc_params wp;
        cr_assert(gc_params_init(&wp, w->params, err, sizeof err) == 0, "%s", err);
        cr_assert(gc_params_apply_list(&wp, w->test_params, err, sizeof err) == 0, "%s: %s", w->name, err);

        pause_log ran = {0}, replayed = {0};
        gc_heap *h = heap_on(c, &ran);
        gc_trace_writer *tw = gc_trace_writer_open(path, err, sizeof err);
        cr_assert(tw != NULL, "%s", err);
        h->recorder = tw;
        gc_rng rng;
        gc_rng_seed(&rng, 7);
        cr_expect_eq(w->run(h, &wp, &rng), 0, "%s on %s failed its own check", w->name, c->name);
        h->recorder = NULL;
        cr_assert(gc_trace_writer_close(tw, err, sizeof err) == 0, "%s", err);
        gc_mutator_counts run_counts = h->counts;
        gc_heap_destroy(h);

        gc_trace_reader *r = gc_trace_reader_open(path, err, sizeof err);
        cr_assert(r != NULL, "%s: the recorded trace does not open: %s", w->name, err);
        h = heap_on(c, &replayed);
        cr_expect_eq(gc_trace_replay(h, r), 0, "%s on %s: replay failed: %s", w->name, c->name, gc_core(h)->error_msg);
        cr_expect(same_counts(&run_counts, &h->counts),
                  "%s on %s: the replay's mutator counts differ (allocs %llu vs %llu, sets %llu vs %llu, drops %llu vs "
                  "%llu)",
                  w->name, c->name, (unsigned long long)run_counts.allocs, (unsigned long long)h->counts.allocs,
                  (unsigned long long)run_counts.sets, (unsigned long long)h->counts.sets,
                  (unsigned long long)run_counts.drops, (unsigned long long)h->counts.drops);
        char what[128];
        snprintf(what, sizeof what, "%s on %s", w->name, c->name);
        expect_same_pauses(&ran, &replayed, what);
        gc_heap_destroy(h);
        gc_trace_reader_close(r);
        free(ran.p);
        free(replayed.p);
    }
    tst_rmtree(dir);
}

/* The recorder writes the format of docs/trace-format.md, operation for operation: the header
 * with the number of roots used, `-` for a nil source, `collect 2` for a full collection, and
 * set_threshold's values as given (one value leaves the others alone). */
Test(trace, recorder_writes_the_format) {
    char *dir = tst_tmpdir(), path[4200], err[256] = "";
    snprintf(path, sizeof path, "%s/r.trace", dir);
    gc_heap *h = tst_heap_new(gc_collector_find("rc-gen"), true);
    gc_trace_writer *w = gc_trace_writer_open(path, err, sizeof err);
    cr_assert(w != NULL, "%s", err);
    uint32_t f = gc_frame_push(h, 3);
    h->recorder = w;
    gc_new(h, f, 2, 8, 1);
    gc_new(h, f + 2, 0, 24, 1);
    gc_set(h, f, 1, f + 2);
    gc_set(h, f, 1, GC_NIL);
    gc_get(h, f + 1, f, 0);
    gc_copy(h, f + 1, f);
    gc_drop(h, f + 2);
    gc_collect(h, 0);
    gc_collect(h, -1);
    int64_t t[3] = {500, 7, 8};
    gc_control(h, GC_CTL_THRESHOLD, t, 1);
    gc_control(h, GC_CTL_THRESHOLD, t, 3);
    gc_control(h, GC_CTL_DISABLE, NULL, 0);
    gc_control(h, GC_CTL_ENABLE, NULL, 0);
    gc_control(h, GC_CTL_FREEZE, NULL, 0);
    gc_control(h, GC_CTL_UNFREEZE, NULL, 0);
    gc_frame_pop(h, f);
    h->recorder = NULL;
    cr_assert(gc_trace_writer_close(w, err, sizeof err) == 0, "%s", err);
    char *text = tst_read_file(path);
    cr_assert(text != NULL);
    const char *expected = "gclab-trace 1\nroots 3\n"
                           "alloc 0 2 8\nalloc 2 0 24\nset 0 1 2\nset 0 1 -\nget 1 0 0\ncopy 1 0\ndrop 2\n"
                           "collect 0\ncollect 2\nthreshold 500\nthreshold 500 7 8\ndisable\nenable\nfreeze\nunfreeze\n"
                           "drop 1\ndrop 0\n";
    cr_expect_str_eq(text, expected);
    free(text);
    gc_heap_destroy(h);
    tst_rmtree(dir);
}

/* The reader takes comments (whole-line and trailing), blank lines, tabs, CRLF line ends and a
 * last line without a newline, and threshold with one to three values. */
Test(trace, reader_is_liberal_in_layout) {
    char *dir = tst_tmpdir(), err[256] = "";
    char *path = write_temp(dir, "ok.trace",
                           "# a comment before the header\n\ngclab-trace 1   # version\r\n"
                           "roots 2\n\talloc 0 1 8\r\n\n# nothing\nalloc\t1 1 8 # B\nset 0 0 1\nset 1 0 0\n"
                           "threshold 100\nthreshold 100 2\nthreshold 100 2 3\ndrop 1\ndrop 0\ncollect 2");
    gc_trace_reader *r = gc_trace_reader_open(path, err, sizeof err);
    cr_assert(r != NULL, "%s", err);
    cr_expect_eq(gc_trace_reader_roots(r), 2);
    pause_log log = {0};
    gc_heap *h = heap_on(gc_collector_find("rc-gen"), &log);
    cr_assert_eq(gc_trace_replay(h, r), 0, "%s", gc_core(h)->error_msg);
    cr_expect_eq(gc_trace_reader_ops(r), 10);
    cr_expect(h->counts.allocs == 2 && h->counts.sets == 2 && h->counts.drops == 2);
    cr_assert_eq(log.n, 1);
    cr_expect(log.p[0].generation == 2 && log.p[0].collected == 2, "the last line, without a newline, collected the cycle");
    gc_heap_destroy(h);
    gc_trace_reader_close(r);
    free(log.p);
    free(path);
    tst_rmtree(dir);
}

typedef struct bad_case {
    const char *text;
    unsigned line;
    const char *fragment; /* the message must contain it */
} bad_case;

/* Bad input ends with one message naming the line, and nothing after it is replayed. */
Test(trace, bad_traces_name_the_line) {
    static const bad_case cases[] = {
        {"", 1, "missing header"},
        {"roots 2\nalloc 0 1 8\n", 1, "missing header"},
        {"gclab-trace 2\nroots 1\n", 1, "unsupported header"},
        {"gclab-trace 1\n# c\nalloc 0 1 8\n", 3, "missing 'roots N'"},
        {"gclab-trace 1\n", 1, "missing 'roots N'"},
        {"gclab-trace 1\nroots -1\n", 2, "malformed 'roots N'"},
        {"gclab-trace 1\nroots 2\nalloc 2 1 8\n", 3, "root r2 is out of range"},
        {"gclab-trace 1\nroots 2\nalloc 0 1 8\nset 0 0 5\n", 4, "root r5 is out of range"},
        {"gclab-trace 1\nroots 2\nset 1 0 0\n", 3, "set through nil root r1"},
        {"gclab-trace 1\nroots 2\nget 0 1 0\n", 3, "get through nil root r1"},
        {"gclab-trace 1\nroots 2\nalloc 0 2 8\nset 0 2 0\n", 4, "slot 2 is beyond the object in r0, which has 2 slots"},
        {"gclab-trace 1\nroots 2\nalloc 0 0 8\nget 1 0 0\n", 4, "slot 0 is beyond the object in r0, which has 0 slots"},
        {"gclab-trace 1\nroots 2\nalloc 0 1\n", 3, "'alloc' takes 3 arguments"},
        {"gclab-trace 1\nroots 2\nalloc 0 1 8 9\n", 3, "'alloc' takes 3 arguments"},
        {"gclab-trace 1\nroots 2\nalloc 0 x 8\n", 3, "must be whole numbers"},
        {"gclab-trace 1\nroots 2\nalloc 0 99999999999 8\n", 3, "must be whole numbers"},
        {"gclab-trace 1\nroots 2\nalloc 0 200000000 0\n", 3, "larger than 1 GiB"},
        {"gclab-trace 1\nroots 2\ncopy 0\n", 3, "'copy' takes 2 arguments"},
        {"gclab-trace 1\nroots 2\ndrop +1\n", 3, "'+1' is not a root index"},
        {"gclab-trace 1\nroots 2\ncollect 3\n", 3, "must be 0, 1 or 2"},
        {"gclab-trace 1\nroots 2\nthreshold\n", 3, "'threshold' takes 1 to 3 arguments"},
        {"gclab-trace 1\nroots 2\nthreshold 1 2 3 4\n", 3, "'threshold' takes 1 to 3 arguments"},
        {"gclab-trace 1\nroots 2\nthreshold 2147483648\n", 3, "not a whole number from 0 to 2147483647"},
        {"gclab-trace 1\nroots 2\nfreeze now\n", 3, "'freeze' takes 0 arguments"},
        {"gclab-trace 1\nroots 2\nroots 3\n", 3, "'roots' may appear only once"},
        {"gclab-trace 1\nroots 2\ngclab-trace 1\n", 3, "the header may appear only once"},
        {"gclab-trace 1\nroots 2\nalloc 0 1 8\nmalloc 0 1 8\n", 4, "unknown operation 'malloc'"},
    };
    char *dir = tst_tmpdir();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bad_case *bc = &cases[i];
        char *path = write_temp(dir, "bad.trace", bc->text), err[256] = "", want[64];
        snprintf(want, sizeof want, "bad.trace:%u: ", bc->line);
        gc_trace_reader *r = gc_trace_reader_open(path, err, sizeof err);
        const char *msg = err;
        gc_heap *h = NULL;
        if (r != NULL) {
            h = tst_heap_new(gc_collector_find("rc-gen"), true);
            cr_expect_eq(gc_trace_replay(h, r), GC_ERR_USAGE, "case %zu (%s) was accepted", i, bc->fragment);
            msg = gc_core(h)->error_msg;
            uint64_t ops = gc_trace_reader_ops(r), counted = h->counts.allocs + h->counts.sets + h->counts.gets +
                                                                 h->counts.copies + h->counts.drops;
            cr_expect_eq(ops, counted, "case %zu: %llu operations replayed, %llu counted", i, (unsigned long long)ops,
                         (unsigned long long)counted);
        }
        cr_expect(strstr(msg, want) != NULL && strstr(msg, bc->fragment) != NULL && strchr(msg, '\n') == NULL,
                  "case %zu: message '%s' should name '%s' and say '%s'", i, msg, want, bc->fragment);
        if (h) gc_heap_destroy(h);
        gc_trace_reader_close(r);
        free(path);
    }
    char long_line[6000];
    memset(long_line, 'x', sizeof long_line - 1);
    long_line[sizeof long_line - 1] = '\0';
    char *text = malloc(sizeof long_line + 64);
    sprintf(text, "gclab-trace 1\nroots 1\n#%s\n", long_line);
    char *path = write_temp(dir, "long.trace", text), err[256] = "";
    gc_trace_reader *r = gc_trace_reader_open(path, err, sizeof err);
    gc_heap *h = tst_heap_new(gc_collector_find("rc"), false);
    cr_expect_eq(gc_trace_replay(h, r), GC_ERR_USAGE);
    cr_expect(strstr(gc_core(h)->error_msg, "long.trace:3: line is longer than") != NULL, "%s", gc_core(h)->error_msg);
    gc_heap_destroy(h);
    gc_trace_reader_close(r);
    free(text);
    free(path);
    tst_rmtree(dir);
}

/* `gclab replay` end to end: the worked example of docs/collectors/rc-gen.md gives the
 * collections the document walks through (its figures are derived there from the rules), and a
 * bad trace exits with status 2 and one line naming the line. */
Test(trace, gclab_replay_command) {
    char *dir = tst_tmpdir(), out[4200];
    snprintf(out, sizeof out, "%s/out", dir);
    const char *example = GCLAB_SOURCE_ROOT "/tests/traces/worked-example.trace";
    const char *args[] = {"replay", "--collector", "rc-gen", example, "--out", out, "--quiet", NULL};
    tst_proc p = tst_run_gclab(args);
    cr_assert_eq(p.status, 0, "gclab replay failed: %s", p.err);
    tst_proc_free(&p);
    char path[4300];
    snprintf(path, sizeof path, "%s/events.csv", out);
    char *events = tst_read_file(path);
    cr_assert(events != NULL);
    /* columns: seq,kind,generation,reason,...,alloc_index (8th),...,collected (15th) */
    size_t n = 0;
    long gen[4], idx[4], collected[4];
    for (char *line = strchr(events, '\n'); line && line[1] && n < 4; line = strchr(line + 1, '\n')) {
        char kind[16], reason[16];
        long seq, s, e, d, ob, bb, oa, ba, of, bf;
        if (sscanf(line + 1, "%ld,%15[^,],%ld,%15[^,],%ld,%ld,%ld,%ld,%ld,%ld,%ld,%ld,%ld,%ld,%ld", &seq, kind, &gen[n],
                   reason, &s, &e, &d, &idx[n], &ob, &bb, &oa, &ba, &of, &bf, &collected[n]) == 15 &&
            strcmp(kind, "gen") == 0)
            n++;
    }
    cr_assert_eq(n, 2, "expected two collections in:\n%s", events);
    cr_expect(gen[0] == 0 && idx[0] == 5 && collected[0] == 2, "first: generation 0 at allocation 5, collecting A and B");
    cr_expect(gen[1] == 2 && idx[1] == 5 && collected[1] == 0, "second: the explicit full collection, nothing to collect");
    free(events);
    snprintf(path, sizeof path, "%s/summary.json", out);
    char *summary = tst_read_file(path);
    cr_assert(summary != NULL);
    cr_expect(strstr(summary, "\"workload\": \"trace\"") != NULL, "summary.json names the workload 'trace'");
    cr_expect(strstr(summary, "\"long_lived_total\": 2") != NULL, "C and D survive the full collection");
    free(summary);

    char *bad = write_temp(dir, "bad.trace", "gclab-trace 1\nroots 1\nalloc 0 1 8\nset 0 0 1\n");
    const char *bad_args[] = {"replay", "--collector", "marksweep", bad, "--quiet", NULL};
    p = tst_run_gclab(bad_args);
    cr_expect_eq(p.status, 2);
    cr_expect(tst_count_lines(p.err) == 1 && strstr(p.err, "bad.trace:4: root r1 is out of range") != NULL,
              "stderr: %s", p.err);
    tst_proc_free(&p);
    const char *no_trace[] = {"replay", "--collector", "rc-gen", NULL};
    p = tst_run_gclab(no_trace);
    cr_expect_eq(p.status, 2);
    cr_expect(tst_count_lines(p.err) == 1, "stderr: %s", p.err);
    tst_proc_free(&p);
    free(bad);
    tst_rmtree(dir);
}
