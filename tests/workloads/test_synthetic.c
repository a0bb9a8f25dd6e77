/* The synthetic workload families (workloads/<name>.c): what each promises beyond the generic checks
 * of test_determinism.c (same counts on every collector, no leak from acyclic work).
 *
 *  - cyclic garbage: reference counting leaks exactly the structures the workload made cyclic
 *    (computed from the run's own allocation counts), and nothing when they are acyclic;
 *    every collector that reclaims cycles leaks nothing;
 *  - the peak live sizes that docs/workloads.md gives as formulas: the census, sampled during the
 *    run, never sees more than the formula's peak and reaches its steady part;
 *  - lifetimes: the live set holds `live` objects on average (Little's law);
 *  - size distributions: draws stay in range and have the requested mean;
 *  - bad parameter combinations end the run with a one-line usage error. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "core/internal.h"
#include "gclab/run.h"
#include "tests/support.h"
#include "workloads/dist.h"
#include "workloads/table.h"

/* ---------- running a workload ---------- */

/* Every run here uses seed 7 (tests/support.h runs it, with poison and verify on). */
static gc_error run_status(const gc_collector_ops *c, const char *wname, const char *list, gc_run_result *res) {
    return tst_run_workload(c, wname, list, 7, res);
}

static gc_run_result run_ok(const gc_collector_ops *c, const char *wname, const char *list) {
    return tst_run_workload_ok(c, wname, list, 7);
}

/* Every registered collector that reclaims cycles leaks nothing. */
static void expect_cycle_collectors_leak_nothing(const char *wname, const char *list) {
    for (size_t i = 0; gc_collectors[i]; i++) {
        if (!(gc_collectors[i]->caps & GC_CAP_RECLAIMS_CYCLES)) continue;
        gc_run_result r = run_ok(gc_collectors[i], wname, list);
        cr_expect_eq(r.leaked_objects, 0, "%s (%s) on %s: %" PRIu64 " objects leaked", wname, list,
                     gc_collectors[i]->name, r.leaked_objects);
    }
}

/* rc holds exactly `objects` objects and `bytes` bytes of garbage at the end, and can free none
 * of it. */
static void expect_rc_holds(const char *wname, const char *list, const gc_run_result *r, uint64_t objects,
                            uint64_t bytes) {
    cr_expect_eq(r->garbage_objects, objects, "%s (%s) on rc: %" PRIu64 " objects of garbage held, expected %" PRIu64,
                 wname, list, r->garbage_objects, objects);
    cr_expect_eq(r->garbage_bytes, bytes, "%s (%s) on rc: %" PRIu64 " bytes of garbage held, expected %" PRIu64, wname,
                 list, r->garbage_bytes, bytes);
    cr_expect_eq(r->leaked_objects, r->garbage_objects, "%s (%s): rc's final collection freed something", wname, list);
}

/* ---------- cyclic garbage and reference counting ---------- */

/* All structures cyclic: rc holds every object except the table (freed when dropped at the end). */
Test(cycle_mix, all_cyclic_rc_holds_exactly_the_structures) {
    static const char *const cases[] = {
        "structures=5000,live=300,cyclic_fraction=1",
        "structures=5000,live=300,cyclic_fraction=1,replace=fifo,size_dist=pareto,size_mean=6",
        "structures=3000,live=0,cyclic_fraction=1,size_dist=uniform,size_mean=3",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gc_params p;
        tst_workload_params(gc_workload_find("cycle-mix"), &p, cases[i]);
        int64_t live = gc_param_int(&p, "live");
        uint64_t table = (uint64_t)(live > 0 ? live : 1);
        gc_run_result r = run_ok(tst_collector("rc"), "cycle-mix", cases[i]);
        expect_rc_holds("cycle-mix", cases[i], &r, r.counts.allocs - wl_table_objects(table),
                        r.counts.bytes_allocated - wl_table_bytes(table));
        cr_expect_gt(r.garbage_objects, 0, "cycle-mix (%s) made no garbage", cases[i]);
        expect_cycle_collectors_leak_nothing("cycle-mix", cases[i]);
    }
}

Test(cycle_mix, all_acyclic_rc_frees_everything) {
    const char *list = "structures=5000,live=300,cyclic_fraction=0,size_dist=pareto";
    gc_run_result r = run_ok(tst_collector("rc"), "cycle-mix", list);
    expect_rc_holds("cycle-mix", list, &r, 0, 0);
}

/* Half the structures cyclic: rc keeps about half of the structures' objects (the fraction is
 * drawn per structure; with 20,000 structures it is within a few hundredths). */
Test(cycle_mix, half_cyclic_rc_holds_half) {
    const char *list = "structures=20000,live=300,cyclic_fraction=0.5";
    gc_run_result r = run_ok(tst_collector("rc"), "cycle-mix", list);
    double share = (double)r.garbage_objects / (double)(r.counts.allocs - wl_table_objects(300));
    cr_expect(share > 0.45 && share < 0.55, "cycle-mix (%s): rc holds %.3f of the structures' objects", list, share);
}

/* Every list of two or more nodes is cyclic garbage; a list of one node is not. */
Test(dlists, rc_leaks_every_list_longer_than_one) {
    const char *list = "lists=2000,live_lists=50,length_dist=fixed,length_mean=7";
    gc_run_result r = run_ok(tst_collector("rc"), "dlists", list);
    expect_rc_holds("dlists", list, &r, r.counts.allocs - wl_table_objects(50),
                    r.counts.bytes_allocated - wl_table_bytes(50));
    expect_cycle_collectors_leak_nothing("dlists", list);
    const char *single = "lists=2000,live_lists=50,length_dist=fixed,length_mean=1";
    r = run_ok(tst_collector("rc"), "dlists", single);
    expect_rc_holds("dlists", single, &r, 0, 0);
}

/* Every parent-child pair is a 2-cycle: rc frees none of a tree; a lone root is acyclic. */
Test(parent_trees, rc_leaks_whole_trees) {
    const char *list = "trees=60,depth=4,fanout=3,live_trees=5";
    gc_run_result r = run_ok(tst_collector("rc"), "parent-trees", list);
    expect_rc_holds("parent-trees", list, &r, r.counts.allocs - wl_table_objects(5),
                    r.counts.bytes_allocated - wl_table_bytes(5));
    expect_cycle_collectors_leak_nothing("parent-trees", list);
    const char *roots = "trees=500,depth=0,live_trees=5";
    r = run_ok(tst_collector("rc"), "parent-trees", roots);
    expect_rc_holds("parent-trees", roots, &r, 0, 0);
}

/* Detached regions are partly cyclic: rc frees some of the garbage and leaks the rest. */
Test(graph, rc_leaks_part_of_the_detached_regions) {
    const char *list = "steps=5000,vertices=1000,detach_rate=0.05,detach_size=16";
    gc_run_result r = run_ok(tst_collector("rc"), "graph", list);
    gc_run_result m = run_ok(tst_collector("marksweep"), "graph", list);
    cr_expect_gt(r.leaked_objects, 0, "graph (%s): rc leaked nothing", list);
    /* marksweep's final collection frees every vertex ever made; rc must have freed some of them */
    uint64_t vertices_made = r.counts.allocs - wl_table_objects(1000);
    cr_expect_lt(r.leaked_objects, vertices_made, "graph (%s): rc freed no vertex at all", list);
    cr_expect_eq(m.leaked_objects, 0);
    expect_cycle_collectors_leak_nothing("graph", list);
}

/* Killed clusters die old: rc leaks every ring (all of them in the end), and no chain. */
Test(long_lived_death, rc_leaks_exactly_the_rings) {
    const char *list = "steps=20000,clusters=300,cluster_size=5,temporaries=3,death_rate=0.1";
    gc_run_result r = run_ok(tst_collector("rc"), "long-lived-death", list);
    uint64_t temporaries = 20000 * 3, made = r.counts.allocs - wl_table_objects(300) - temporaries;
    expect_rc_holds("long-lived-death", list, &r, made, made * gc_object_size(1, 16));
    expect_cycle_collectors_leak_nothing("long-lived-death", list);
    const char *chains = "steps=20000,clusters=300,cyclic_fraction=0";
    r = run_ok(tst_collector("rc"), "long-lived-death", chains);
    expect_rc_holds("long-lived-death", chains, &r, 0, 0);
}

/* gcbench completes, its own check passing, over the whole range of its array: the original's
 * check reads element 1000, which an array shorter than 2002 doubles (or a small scale) leaves
 * unfilled. */
Test(gcbench, short_arrays_pass_the_check) {
    static const char *const cases[] = {
        "stretch_depth=8,long_lived_depth=6,max_depth=6,array_size=1001",
        "stretch_depth=8,long_lived_depth=6,max_depth=6,array_size=2001",
        "stretch_depth=8,long_lived_depth=6,max_depth=6,array_size=2002",
        "scale=0.001",
    };
    static const char *const collectors[] = {"rc", "marksweep"};
    for (size_t c = 0; c < 2; c++)
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
            run_ok(tst_collector(collectors[c]), "gcbench", cases[i]);
}

/* lists is acyclic in both link directions and for every length distribution. */
Test(lists, acyclic_whatever_the_shape) {
    static const char *const cases[] = {
        "lists=2000,live_lists=40,build=prepend,length_dist=fixed,length_mean=20",
        "lists=2000,live_lists=40,build=append,length_dist=uniform",
        "lists=2000,live_lists=0,build=append,length_dist=pareto",
        "lists=2000,live_lists=40,build=prepend,length_dist=exponential,length_mean=1",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gc_run_result r = run_ok(tst_collector("rc"), "lists", cases[i]);
        expect_rc_holds("lists", cases[i], &r, 0, 0);
    }
}

/* ---------- documented live sizes, checked with the census ---------- */

typedef struct sampler {
    uint64_t samples, max_bytes;
    uint64_t late_from;                       /* allocations after which samples are "late" */
    uint64_t late_samples;
    double late_objects;                      /* sum of reachable objects over late samples */
} sampler;

static void take_sample(void *ctx, gc_heap *h) {
    sampler *s = ctx;
    gc_census_result c;
    gc_census(h, &c);
    s->samples++;
    if (c.reachable_bytes > s->max_bytes) s->max_bytes = c.reachable_bytes;
    if (h->counts.allocs >= s->late_from) {
        s->late_samples++;
        s->late_objects += (double)c.reachable_objects;
    }
}

/* Run the workload through the heap API with a census every `every` bytes of allocation. */
static sampler sample_census(const char *wname, const char *list, uint64_t every, uint64_t late_from) {
    const gc_workload *w = gc_workload_find(wname);
    cr_assert(w != NULL, "workload %s is not registered", wname);
    tst_note("census samples of %s (%s)", wname, list);
    gc_params p;
    tst_workload_params(w, &p, list);
    sampler s = {.late_from = late_from};
    gc_heap_config cfg = {
        .collector = tst_collector("marksweep"),
        .sample_every = every,
        .listener = {.ctx = &s, .sample = take_sample},
    };
    gc_heap *h = tst_heap_create(&cfg);
    gc_rng rng;
    gc_rng_seed(&rng, 3);
    int rc = w->run(h, &p, &rng);
    cr_assert(rc == 0 && gc_core(h)->error == GC_OK, "%s (%s) failed: %s", wname, list, gc_core(h)->error_msg);
    gc_heap_destroy(h);
    cr_assert_gt(s.samples, 10, "%s (%s): too few census samples", wname, list);
    return s;
}

/* The sampled peak lies between the formula's steady part and its peak. */
static void expect_peak(const char *wname, const char *list, uint64_t steady, uint64_t peak) {
    sampler s = sample_census(wname, list, 16 * 1024, 0);
    cr_expect(s.max_bytes <= peak, "%s (%s): census saw %" PRIu64 " live bytes, documented peak %" PRIu64, wname, list,
              s.max_bytes, peak);
    cr_expect(s.max_bytes >= steady, "%s (%s): census saw at most %" PRIu64 " live bytes, documented steady %" PRIu64,
              wname, list, s.max_bytes, steady);
}

Test(peak_live, cache) {
    uint64_t entries = 3000, value = 24 + 16 + 32;
    uint64_t steady = wl_table_bytes(entries) + entries * (32 + 32 + value);
    expect_peak("cache", "steps=30000,entries=3000", steady, steady + value);
}

Test(peak_live, graph) {
    uint64_t vertex = gc_object_size(4, 16), steady = wl_table_bytes(2000) + 2000 * vertex;
    expect_peak("graph", "steps=20000,vertices=2000,degree=4,detach_size=20", steady, steady + 21 * vertex);
}

Test(peak_live, long_lived_death) {
    uint64_t cluster = 8 * gc_object_size(1, 16), steady = wl_table_bytes(1000) + 1000 * cluster;
    expect_peak("long-lived-death", "steps=20000,clusters=1000,cluster_size=8", steady, steady + cluster);
}

Test(peak_live, long_build) {
    /* the structure only grows: its final size is the peak, and the last samples come close to it */
    uint64_t records = 30000, chunks = (records + 999) / 1000;
    uint64_t peak = records * (gc_object_size(2, 0) + 2 * gc_object_size(0, 16)) + chunks * gc_object_size(1001, 0);
    expect_peak("long-build", "records=30000,chunk=1000", peak - peak / 20, peak);
}

Test(peak_live, fixed_length_queues) {
    uint64_t node = gc_object_size(1, 16), dnode = gc_object_size(2, 16);
    uint64_t lists = wl_table_bytes(100) + 100 * 30 * node;
    expect_peak("lists", "lists=3000,live_lists=100,length_dist=fixed,length_mean=30", lists, lists + 30 * node);
    uint64_t dlists = wl_table_bytes(100) + 100 * 30 * dnode;
    expect_peak("dlists", "lists=3000,live_lists=100,length_dist=fixed,length_mean=30", dlists, dlists + 30 * dnode);
    uint64_t mix = wl_table_bytes(400) + 400 * 5 * node;
    expect_peak("cycle-mix", "structures=8000,live=400,replace=fifo,size_dist=fixed,size_mean=5", mix, mix + 5 * node);
    /* fanout 1 makes a tree a path of depth + 1 nodes: N * (32 + payload) - 8 bytes */
    uint64_t tree = 11 * (32 + 16) - 8, trees = wl_table_bytes(20) + 20 * tree;
    expect_peak("parent-trees", "trees=3000,depth=10,fanout=1,live_trees=20", trees, trees + tree);
}

/* Little's law: with mean lifetime `live` allocations the live set holds `live` objects on
 * average once it has filled (the table is a further wl_table_objects(2 * live + 64)). */
Test(lifetimes, live_set_averages_live) {
    static const struct {
        const char *list;
        uint64_t warmup;
    } cases[] = {
        {"objects=60000,live=2000,lifetime=exponential", 20000},
        /* the long-lived mode lives (2000 - 0.9 * 10) / 0.1 = 19,910 allocations: fill for longer */
        {"objects=400000,live=2000,lifetime=bimodal,young_fraction=0.9,young_mean=10", 200000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sampler s = sample_census("lifetimes", cases[i].list, 8 * 1024, cases[i].warmup);
        cr_assert_gt(s.late_samples, 10);
        double mean = s.late_objects / (double)s.late_samples - (double)wl_table_objects(2 * 2000 + 64);
        cr_expect(mean > 0.85 * 2000 && mean < 1.15 * 2000, "lifetimes (%s): the live set averaged %.0f objects",
                  cases[i].list, mean);
    }
}

/* Atomic sizes follow the size parameters; arrays have array_slots .. 2 * array_slots - 1 slots. */
Test(big_objects, sizes_follow_the_parameters) {
    gc_run_result r = run_ok(tst_collector("marksweep"), "big-objects",
                             "objects=3000,live=100,array_fraction=0,size_dist=fixed,size_mean=5000");
    cr_expect_eq(r.counts.bytes_allocated, wl_table_bytes(100) + 3000 * gc_object_size(0, 5000));
    r = run_ok(tst_collector("marksweep"), "big-objects", "objects=300,live=100,array_fraction=1,array_fill=0");
    uint64_t arrays = r.counts.bytes_allocated - wl_table_bytes(100);
    cr_expect(arrays >= 300 * gc_object_size(1000, 0) && arrays <= 300 * gc_object_size(1999, 0),
              "big-objects: 300 arrays took %" PRIu64 " bytes", arrays);
    cr_expect(arrays > 300 * gc_object_size(1400, 0) && arrays < 300 * gc_object_size(1600, 0),
              "big-objects: 300 arrays of uniform size took %" PRIu64 " bytes (mean far from 1,500 slots)", arrays);
}

/* ---------- size distributions ---------- */

Test(dist, draws_in_range_with_the_requested_mean) {
    static const struct {
        wl_dist_kind kind;
        double mean;
        int64_t lo, hi;
    } cases[] = {
        {WL_DIST_FIXED, 7, 1, 100},          {WL_DIST_UNIFORM, 10, 1, 100},      {WL_DIST_UNIFORM, 90, 1, 100},
        {WL_DIST_EXPONENTIAL, 1.5, 1, 1000}, {WL_DIST_EXPONENTIAL, 50, 1, 100000},
        {WL_DIST_EXPONENTIAL, 50, 1, 80},    {WL_DIST_PARETO, 4, 1, 1000},       {WL_DIST_PARETO, 50, 1, 200},
        {WL_DIST_PARETO, 512, 0, 4 << 20},   {WL_DIST_PARETO, 100, 100, 100},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wl_dist d;
        cr_assert(wl_dist_init(&d, cases[i].kind, cases[i].mean, cases[i].lo, cases[i].hi) == 0);
        gc_rng rng;
        gc_rng_seed(&rng, 11 + i);
        const int n = 400000;
        double sum = 0;
        int64_t least = INT64_MAX, most = INT64_MIN;
        for (int k = 0; k < n; k++) {
            int64_t v = wl_dist_draw(&d, &rng);
            sum += (double)v;
            least = v < least ? v : least;
            most = v > most ? v : most;
        }
        double mean = sum / n;
        cr_expect(least >= cases[i].lo && most <= cases[i].hi, "case %zu: draws in [%" PRId64 ", %" PRId64 "]", i,
                  least, most);
        /* heavy tails converge slowly: 3% (the Pareto case clamped far out has infinite variance
         * in all but name) */
        double tolerance = cases[i].kind == WL_DIST_PARETO && cases[i].hi > 100000 ? 0.06 : 0.03;
        cr_expect(fabs(mean - cases[i].mean) <= tolerance * cases[i].mean, "case %zu: mean %.3f, requested %.3f", i,
                  mean, cases[i].mean);
    }
    wl_dist d;
    cr_expect(wl_dist_init(&d, WL_DIST_EXPONENTIAL, 0.5, 1, 10) != 0, "a mean below the lower bound is accepted");
    cr_expect(wl_dist_init(&d, WL_DIST_UNIFORM, 11, 1, 10) != 0, "a mean above the upper bound is accepted");
}

/* ---------- runs that end early ---------- */

/* A run stopped by the heap limit leaves the workload's bookkeeping (gc_heap_scratch) to the heap,
 * which frees it (checked by LeakSanitizer in the sanitizer build). */
Test(heap_limit, bookkeeping_freed_when_a_run_stops) {
    static const char *const cases[][2] = {
        {"graph", "steps=20000,vertices=20000"},
        {"lifetimes", "objects=200000,live=20000"},
        {"big-objects", "objects=10000,live=2000"},
        {"parent-trees", "trees=500,depth=6"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const gc_workload *w = gc_workload_find(cases[i][0]);
        gc_run_config cfg = {.collector = tst_collector("rc"), .workload = w, .seed = 1, .heap_limit = 512 * 1024};
        char err[256] = "";
        cr_assert(gc_params_init(&cfg.collector_params, cfg.collector->params, err, sizeof err) == 0, "%s", err);
        tst_workload_params(w, &cfg.workload_params, cases[i][1]);
        gc_run_result res;
        cr_expect_eq(gc_run(&cfg, &res), GC_ERR_HEAP_LIMIT, "%s (%s) under a 512 KiB limit: %s", cases[i][0],
                     cases[i][1], res.message);
    }
    tst_expect_no_leaks();
}

/* ---------- bad parameters ---------- */

/* A parameter combination the ranges alone cannot catch ends the run with a usage error that
 * names the parameter, before any work. */
Test(bad_params, combinations_rejected_by_the_run) {
    static const struct {
        const char *workload, *list, *names;
    } cases[] = {
        {"cycle-mix", "size_mean=50,size_max=10", "size_mean"},
        {"lists", "length_mean=500,length_max=100", "length_mean"},
        {"dlists", "length_mean=500,length_max=100", "length_mean"},
        {"big-objects", "size_mean=5000,size_max=1000", "size_mean"},
        {"lifetimes", "live=1000,young_mean=5000", "young_mean"},
        {"parent-trees", "depth=30,fanout=10", "depth"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gc_run_result res;
        gc_error e = run_status(tst_collector("marksweep"), cases[i].workload, cases[i].list, &res);
        cr_expect_eq(e, GC_ERR_USAGE, "%s (%s): status %d, expected a usage error", cases[i].workload, cases[i].list,
                     e);
        cr_expect(strstr(res.message, cases[i].names) != NULL, "%s (%s): message '%s' does not name %s",
                  cases[i].workload, cases[i].list, res.message, cases[i].names);
        cr_expect_eq(res.counts.allocs, 0, "%s (%s): %" PRIu64 " allocations before the error", cases[i].workload,
                     cases[i].list, res.counts.allocs);
    }
}

/* The same through the command line: exit code 2 and one line on stderr. */
Test(bad_params, command_line) {
    static const char *const cases[][10] = {
        {"run", "--collector", "rc", "--workload", "cycle-mix", "--param", "size_mean=50", "--param", "size_max=10",
         NULL},
        {"run", "--collector", "rc", "--workload", "cycle-mix", "--param", "replace=lifo", NULL},
        {"run", "--collector", "rc", "--workload", "lifetimes", "--param", "lifetime=weibull", NULL},
        {"run", "--collector", "rc", "--workload", "graph", "--param", "degree=0", NULL},
        {"run", "--collector", "rc", "--workload", "big-objects", "--param", "size_max=12Q", NULL},
        {"run", "--collector", "rc", "--workload", "long-build", "--param", "records=-5", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tst_proc p = tst_run_gclab(cases[i]);
        cr_expect_eq(p.status, 2, "case %zu: exit %d, stderr: %s", i, p.status, p.err);
        cr_expect_eq(tst_count_lines(p.err), 1, "case %zu: stderr is not one line: %s", i, p.err);
        cr_expect(strncmp(p.err, "gclab: ", 7) == 0, "case %zu: stderr: %s", i, p.err);
        tst_proc_free(&p);
    }
}
