/* The CPython-shaped workloads: pyobjects (workloads/pyobjects.c) and heap-graph
 * (workloads/heap_graph.c, reading docs/snapshot-format.md files), and TEXT parameters.
 *
 *  - heap-graph builds exactly the snapshot's graph: objects, edges and bytes counted by a plain
 *    scan of the file here, compared with the heap after the build and after churn (HG-1);
 *  - malformed snapshot files end the run with a usage error naming the line, and the CLI says
 *    so in one line with exit code 2;
 *  - both workloads do the same operations on every collector, and depend on the seed;
 *  - pyobjects' cycles leak under rc and nowhere else; with its cycle knobs at 0 nothing leaks. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "gclab/run.h"
#include "tests/support.h"
#include "workloads/snapshot_dirs.h"

static const char *const shipped[] = {"stdlib-imports", "ast-inspect"};

static bool same_counts(const gc_mutator_counts *a, const gc_mutator_counts *b) {
    return a->allocs == b->allocs && a->sets == b->sets && a->gets == b->gets && a->copies == b->copies &&
           a->drops == b->drops && a->bytes_allocated == b->bytes_allocated;
}

/* Same operation counts on every registered collector for one seed; other counts for another. */
static void expect_deterministic(const char *wname, const char *list) {
    gc_run_result first = tst_run_workload_ok(gc_collectors[0], wname, list, 7);
    for (size_t i = 0; gc_collectors[i]; i++) {
        gc_run_result r = tst_run_workload_ok(gc_collectors[i], wname, list, 7);
        cr_expect(same_counts(&r.counts, &first.counts),
                  "%s (%s): %s made %" PRIu64 " allocations / %" PRIu64 " sets / %" PRIu64 " gets, %s made %" PRIu64
                  " / %" PRIu64 " / %" PRIu64,
                  wname, list, gc_collectors[i]->name, r.counts.allocs, r.counts.sets, r.counts.gets,
                  gc_collectors[0]->name, first.counts.allocs, first.counts.sets, first.counts.gets);
    }
    gc_run_result other = tst_run_workload_ok(gc_collectors[0], wname, list, 8);
    cr_expect(!same_counts(&other.counts, &first.counts), "%s (%s): seeds 7 and 8 made the same operations", wname,
              list);
}

/* ---------- heap-graph builds the snapshot's graph ---------- */

typedef struct graph_counts {
    uint64_t objects, edges, bytes; /* bytes: gc_object_size of the objects heap-graph makes */
} graph_counts;

/* Count a snapshot's objects and edges by a plain scan of its o, r and a records (independent of
 * workloads/snapshot.c). heap-graph makes each object max(size, 16 + 8 * referents) bytes. */
static graph_counts count_file(const char *path) {
    FILE *f = fopen(path, "r");
    cr_assert(f != NULL, "cannot open %s", path);
    graph_counts c = {0};
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        if (!strchr("ora", line[0]) || line[1] != ' ') continue;
        char *save = NULL;
        strtok_r(line, " \n", &save); /* kind */
        strtok_r(NULL, " \n", &save); /* id */
        strtok_r(NULL, " \n", &save); /* type */
        uint64_t size = strtoull(strtok_r(NULL, " \n", &save), NULL, 10), refs = 0;
        while (strtok_r(NULL, " \n", &save)) refs++;
        c.objects++;
        c.edges += refs;
        c.bytes += size > 16 + 8 * refs ? size : 16 + 8 * refs;
    }
    free(line);
    fclose(f);
    return c;
}

static void count_object(gc_object *o, void *ctx) {
    graph_counts *c = ctx;
    c->objects++;
    c->bytes += gc_object_size(o->nslots, o->nbytes);
    for (uint32_t i = 0; i < o->nslots; i++) c->edges += gc_slots(o)[i] != NULL;
}

static void shipped_path(const char *name, char *buf, size_t len) {
    snprintf(buf, len, "%s/%s.snap", WL_SNAPSHOT_SOURCE_DIR, name);
}

/* Run heap-graph directly on a fresh heap (no gc_run), so that the heap can be examined after. */
static gc_heap *run_heap_graph(const gc_collector_ops *c, const char *list) {
    const gc_workload *w = gc_workload_find("heap-graph");
    cr_assert(w != NULL);
    gc_params p;
    tst_workload_params(w, &p, list);
    tst_note("heap-graph (%s) on %s", list, c->name);
    gc_heap *h = tst_heap_new(c, true);
    gc_rng rng;
    gc_rng_seed(&rng, 7);
    int rc = w->run(h, &p, &rng);
    cr_assert(rc == 0 && gc_core(h)->error == GC_OK, "heap-graph (%s) on %s failed: %s", list, c->name, gc_core(h)->error_msg);
    return h;
}

/* After a full mark-sweep collection the heap holds exactly the reachable graph: it must be the
 * snapshot's, object for object and edge for edge, after the build and after churn (HG-1). */
Test(heap_graph, builds_exactly_the_snapshot_graph) {
    for (size_t s = 0; s < sizeof shipped / sizeof *shipped; s++) {
        char path[1024], list[1200];
        shipped_path(shipped[s], path, sizeof path);
        graph_counts want = count_file(path);
        cr_assert(want.objects > 10000 && want.edges > want.objects, "%s: a suspiciously small snapshot", path);
        for (int churned = 0; churned < 2; churned++) {
            snprintf(list, sizeof list, "path=%s,steps=%d,churn=0.02", path, churned ? 25 : 0);
            gc_heap *h = run_heap_graph(tst_collector("marksweep"), list);
            gc_collect(h, -1);
            graph_counts got = {0};
            gc_heap_each(h, count_object, &got);
            cr_expect_eq(got.objects, want.objects, "%s: %" PRIu64 " objects in the heap, %" PRIu64 " in the file",
                         list, got.objects, want.objects);
            cr_expect_eq(got.edges, want.edges, "%s: %" PRIu64 " edges in the heap, %" PRIu64 " in the file", list,
                         got.edges, want.edges);
            cr_expect_eq(got.bytes, want.bytes, "%s: %" PRIu64 " bytes in the heap, %" PRIu64 " expected", list,
                         got.bytes, want.bytes);
            tst_verify(h, list);
            gc_heap_destroy(h);
        }
    }
}

/* On every collector the census after the build and after churn sees the snapshot's objects. */
TST_FOR_EACH_COLLECTOR(heap_graph, census_sees_the_snapshot_on_every_collector) {
    const gc_collector_ops *c = gc_collectors[*collector_index];
    char path[1024], list[1200];
    shipped_path(shipped[0], path, sizeof path);
    graph_counts want = count_file(path);
    for (int churned = 0; churned < 2; churned++) {
        snprintf(list, sizeof list, "path=%s,steps=%d", path, churned ? 20 : 0);
        gc_heap *h = run_heap_graph(c, list);
        gc_census_result census;
        gc_census(h, &census);
        cr_expect_eq(census.reachable_objects, want.objects, "%s on %s: census %" PRIu64 ", file %" PRIu64, list,
                     c->name, census.reachable_objects, want.objects);
        cr_expect_eq(census.reachable_bytes, want.bytes, "%s on %s: census %" PRIu64 " bytes, expected %" PRIu64, list,
                     c->name, census.reachable_bytes, want.bytes);
        tst_verify(h, list);
        gc_heap_destroy(h);
    }
}

Test(heap_graph, same_operations_on_every_collector) {
    expect_deterministic("heap-graph", gc_workload_find("heap-graph")->test_params);
    expect_deterministic("heap-graph", "snapshot=ast-inspect,steps=10,churn=0.02");
}

/* The module graph is cyclic (functions refer to their module's dict): dropping its subgraphs
 * leaks under rc, and a collector that reclaims cycles leaks nothing. */
Test(heap_graph, churn_garbage_is_cyclic) {
    gc_run_result rc = tst_run_workload_ok(tst_collector("rc"), "heap-graph", "steps=40,churn=0.02", 7);
    cr_expect(rc.leaked_objects > 0, "rc leaked nothing from churning the stdlib-imports graph");
    for (size_t i = 0; gc_collectors[i]; i++) {
        if (!(gc_collectors[i]->caps & GC_CAP_RECLAIMS_CYCLES)) continue;
        gc_run_result r = tst_run_workload_ok(gc_collectors[i], "heap-graph", "steps=40,churn=0.02", 7);
        cr_expect_eq(r.leaked_objects, 0, "%s leaked %" PRIu64 " objects", gc_collectors[i]->name, r.leaked_objects);
        cr_expect_eq(r.live_objects, rc.live_objects, "%s: %" PRIu64 " live objects at the end, rc %" PRIu64,
                     gc_collectors[i]->name, r.live_objects, rc.live_objects);
    }
}

/* ---------- malformed snapshot files ---------- */

/* A valid snapshot: 4 objects (a root dict, a dict, two atoms), 4 edges, 1 root, 2 types. */
static const char valid[] = "gclab-pyheap-snapshot 1\n"  /* line 1 */
                            "meta note a test\n"         /* 2 */
                            "counts 4 4 1 2\n"           /* 3 */
                            "type 0 dict\n"              /* 4 */
                            "type 1 str\n"               /* 5 */
                            "r 0 0 100 1 2\n"            /* 6 */
                            "o 1 0 64 0 3\n"             /* 7 */
                            "a 2 1 50\n"                 /* 8 */
                            "a 3 1 52\n"                 /* 9 */
                            "end\n";                     /* 10 */

static void write_text(const char *path, const char *text, size_t len) {
    FILE *f = fopen(path, "wb");
    cr_assert(f != NULL, "cannot write %s", path);
    cr_assert_eq(fwrite(text, 1, len, f), len);
    fclose(f);
}

/* `valid` with its first occurrence of `from` replaced by `to`. */
static void mutate(char *out, size_t cap, const char *from, const char *to) {
    const char *at = strstr(valid, from);
    cr_assert(at != NULL, "'%s' is not in the valid snapshot", from);
    snprintf(out, cap, "%.*s%s%s", (int)(at - valid), valid, to, at + strlen(from));
}

/* Run heap-graph on the text; the run must fail with a usage error whose message names `line`
 * and contains `words`. */
static void expect_rejected(const char *dir, const char *text, size_t len, const char *line, const char *words) {
    char path[4200], list[4300];
    snprintf(path, sizeof path, "%s/bad.snap", dir);
    write_text(path, text, len);
    snprintf(list, sizeof list, "path=%s", path);
    gc_run_result res;
    gc_error e = tst_run_workload(tst_collector("rc"), "heap-graph", list, 1, &res);
    cr_expect_eq(e, GC_ERR_USAGE, "expected a usage error for a snapshot with %s, got %d (%s)", words, e, res.message);
    if (line) cr_expect(strstr(res.message, line) != NULL, "'%s' does not name %s", res.message, line);
    cr_expect(strstr(res.message, words) != NULL, "'%s' does not say '%s'", res.message, words);
    cr_expect(strchr(res.message, '\n') == NULL, "the message is not one line: '%s'", res.message);
}

Test(heap_graph, malformed_files_fail_naming_the_line) {
    char *dir = tst_tmpdir(), text[sizeof valid + 64];
    size_t n = strlen(valid);
    /* the valid file itself loads: the mutations below are what make the difference */
    snprintf(text, sizeof text, "%s/good.snap", dir);
    write_text(text, valid, n);
    char list[4300];
    snprintf(list, sizeof list, "path=%s,steps=3", text);
    gc_run_result ok = tst_run_workload_ok(tst_collector("rc"), "heap-graph", list, 1);
    cr_expect_eq(ok.live_objects, 4);

    struct {
        const char *from, *to, *line, *words;
    } cases[] = {
        {"gclab-pyheap-snapshot 1", "gclab-heap 1", "line 1:", "not a heap snapshot"},
        {"gclab-pyheap-snapshot 1", "gclab-pyheap-snapshot 2", "line 1:", "format version 2"},
        {"o 1 0 64 0 3", "o 1 0 64 0 9", "line 7:", "refers to object 9"},
        {"o 1 0 64 0 3", "o 1 0 -64 0 3", "line 7:", "negative size"},
        {"o 1 0 64 0 3", "o 1 0 sixty 0 3", "line 7:", "expected size"},
        {"o 1 0 64", "o 5 0 64", "line 7:", "out of order"},
        {"a 2 1 50", "a 2 7 50", "line 8:", "type 7"},
        {"a 2 1 50", "a 2 1 50 3", "line 8:", "atom 2 has referents"},
        {"a 3 1 52", "x 3 1 52", "line 9:", "unknown record 'x'"},
        {"counts 4 4 1 2", "counts 4 3 1 2", "line 7:", "more edges than"},
        {"counts 4 4 1 2", "counts 5 4 1 2", "line 10:", "'end' after 4 of 5 objects"},
        {"counts 4 4 1 2", "counts 4 4", "line 3:", "missing root count"},
        {"end\n", "end\nr 4 0 1\n", "line 11:", "text after the 'end' record"},
        {"end\n", "", "line 10:", "truncated"},
        {"type 1 str\n", "", "line 5:", "an object before all 2 types"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        mutate(text, sizeof text, cases[i].from, cases[i].to);
        expect_rejected(dir, text, strlen(text), cases[i].line, cases[i].words);
    }
    /* cut in the middle of a record: whichever check notices, it says the file is truncated */
    expect_rejected(dir, valid, (size_t)(strstr(valid, "o 1 0 64") + 5 - valid), NULL, "truncated");
    expect_rejected(dir, "", 0, "line 1:", "not a heap snapshot");

    snprintf(list, sizeof list, "path=%s/no-such.snap", dir);
    gc_run_result res;
    cr_expect_eq(tst_run_workload(tst_collector("rc"), "heap-graph", list, 1, &res), GC_ERR_USAGE);
    cr_expect(strstr(res.message, "cannot open snapshot") != NULL, "'%s'", res.message);
    tst_rmtree(dir);
}

/* The command line: one line on stderr naming the file and line, nothing on stdout, exit 2. */
Test(heap_graph, cli_reports_a_malformed_file_in_one_line) {
    char *dir = tst_tmpdir(), text[sizeof valid + 64], path[4200], param[4300];
    mutate(text, sizeof text, "o 1 0 64 0 3", "o 1 0 64 0 99");
    snprintf(path, sizeof path, "%s/bad.snap", dir);
    write_text(path, text, strlen(text));
    snprintf(param, sizeof param, "path=%s", path);
    const char *args[] = {"run", "--collector", "marksweep", "--workload", "heap-graph", "--param", param, NULL};
    tst_proc p = tst_run_gclab(args);
    cr_expect_eq(p.status, 2, "exit status %d, stderr: %s", p.status, p.err);
    cr_expect_eq(tst_count_lines(p.err), 1, "stderr is not one line: %s", p.err);
    cr_expect(strstr(p.err, "bad.snap line 7: object 1 refers to object 99") != NULL, "stderr: %s", p.err);
    cr_expect_str_eq(p.out, "", "a usage error printed a summary: %s", p.out);
    tst_proc_free(&p);
    tst_rmtree(dir);
}

/* ---------- pyobjects ---------- */

Test(pyobjects, same_operations_on_every_collector) {
    expect_deterministic("pyobjects", gc_workload_find("pyobjects")->test_params);
}

/* Back references, stored bound methods and exceptions make cycles: rc leaks them (and cannot
 * free them in its final collection), a collector that reclaims cycles leaks nothing. */
Test(pyobjects, rc_leaks_its_cycles_and_cycle_collectors_do_not) {
    const char *list = gc_workload_find("pyobjects")->test_params;
    gc_run_result rc = tst_run_workload_ok(tst_collector("rc"), "pyobjects", list, 7);
    cr_expect(rc.leaked_objects > 0, "rc leaked nothing");
    cr_expect_eq(rc.leaked_objects, rc.garbage_objects, "rc's final collection freed something");
    for (size_t i = 0; gc_collectors[i]; i++) {
        if (!(gc_collectors[i]->caps & GC_CAP_RECLAIMS_CYCLES)) continue;
        gc_run_result r = tst_run_workload_ok(gc_collectors[i], "pyobjects", list, 7);
        cr_expect_eq(r.leaked_objects, 0, "%s leaked %" PRIu64 " objects", gc_collectors[i]->name, r.leaked_objects);
        cr_expect_eq(r.live_objects, rc.live_objects, "%s: %" PRIu64 " live objects at the end, rc %" PRIu64,
                     gc_collectors[i]->name, r.live_objects, rc.live_objects);
    }
}

/* The cycle knobs are the only source of cyclic garbage: at 0 rc leaks nothing (the modules'
 * own cycles stay reachable); at 1, every dropped request leaks its instance, its dict, a child
 * and the child's dict at least. */
Test(pyobjects, cycles_come_from_the_cycle_knobs) {
    gc_run_result none = tst_run_workload_ok(tst_collector("rc"), "pyobjects",
                                             "requests=5000,pool=500,modules=4,backref_fraction=0,method_fraction=0,"
                                             "exception_fraction=0",
                                             7);
    cr_expect_eq(none.leaked_objects, 0, "rc leaked %" PRIu64 " objects with every cycle knob at 0",
                 none.leaked_objects);
    cr_expect(none.counts.allocs > 5000 * 4, "suspiciously few allocations: %" PRIu64, none.counts.allocs);
    gc_run_result all = tst_run_workload_ok(
        tst_collector("rc"), "pyobjects",
        "requests=5000,pool=500,modules=4,child_fraction=1,backref_fraction=1,keep_fraction=0", 7);
    cr_expect(all.leaked_objects >= 5000 * 4, "rc leaked only %" PRIu64 " objects from 5000 cyclic requests",
              all.leaked_objects);
}

/* ---------- TEXT parameters (heap-graph's path) ---------- */

Test(params, text_values_are_kept_and_bounded) {
    const gc_workload *w = gc_workload_find("heap-graph");
    gc_params p;
    char err[256] = "", value[GC_PARAM_TEXT_POOL + 16];
    tst_workload_params(w, &p, "");
    cr_expect_str_eq(gc_param_text(&p, "path"), "");
    for (int i = 0; i < 100; i++) { /* setting a value again never uses the pool up */
        snprintf(value, sizeof value, "/some/directory/with/a/long/name/snapshot-%03d.snap", i);
        cr_assert_eq(gc_params_set(&p, "path", value, err, sizeof err), 0, "set %d: %s", i, err);
    }
    gc_params copy = p; /* values are offsets: a copy stays valid */
    cr_expect_str_eq(gc_param_text(&copy, "path"), value);
    memset(value, 'x', GC_PARAM_TEXT_POOL);
    value[GC_PARAM_TEXT_POOL] = '\0';
    cr_expect_eq(gc_params_set(&p, "path", value, err, sizeof err), GC_PARAM_BAD);
    cr_expect(strstr(err, "path") != NULL && strstr(err, "too long") != NULL, "'%s'", err);
    cr_expect_str_eq(gc_param_text(&p, "path"), gc_param_text(&copy, "path"), "a failed set changed the value");
    char shown[128];
    for (size_t i = 0; i < p.n; i++)
        if (strcmp(p.desc[i].name, "path") == 0) gc_param_format(&p, i, shown, sizeof shown);
    cr_expect_str_eq(shown, gc_param_text(&copy, "path"));
}
