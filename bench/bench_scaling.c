/* Linear scaling (issues 6 and 11): each collector's GC time per collection per live MiB, from a
 * 10 MiB to a 1 GiB live heap. The targets, on the largest value over the smallest: marksweep at
 * most 1.5 (issue 6), semispace at most 1.3 (issue 11: copying streams what marking reads at
 * random, so the best collector should be flat), markcompact at most 1.3 (issue 12: sliding
 * turns a scattered heap into a streamed one); other collectors are measured without one.
 * The collectors are --collectors (default: every collector with a target that the registry has);
 * a target whose collector the registry lacks is reported as not built, never as a failure.
 *
 * Two workloads, because the time per live MiB has two parts that only two heap layouts can
 * separate (docs/performance.md, "3. Linear scaling of marksweep"):
 *   cache  values replaced at random: after a while every marked object lies somewhere random,
 *          so at 1 GiB each one is a DRAM miss while at 10 MiB the heap fits the L3 cache; the
 *          curve is the collector plus what the memory hierarchy adds to a scattered heap;
 *   trees  GCBench's long-lived binary tree, built once and never changed, so the live data
 *          keep their allocation order: every subtree lies in one stretch of memory and no
 *          object is ever moved away from its neighbours; the curve is marking without the
 *          scattering, what marksweep costs per MiB on a heap with locality.
 * Each workload is an entry of a const table: its gclab workload, a label (--scaling-workloads,
 * file names, tables, figure), a function turning a target live size into --param arguments
 * (with enough allocation for --collections steady-state collections at the full live size under
 * marksweep's policy; every collector runs the same parameters, so that the points compare), and
 * a line of explanation printed with its table.
 *
 * The figure per run comes from events.csv, one row per collection (rows of kind `cascade`, RC
 * free cascades, are not collections and are left out): the steady-state
 * collections are those whose surviving bytes (bytes_after: marksweep's marked cell bytes) are
 * at least 90% of the run's largest; the value is the median over them of each one's pause time
 * divided by its surviving MiB, i.e. the pause time per collection per live MiB. The median, not
 * the total over the total: a copying collector's first two collections at the full size copy
 * into to-space blocks never touched before, and on this VM first touches cost the host's page
 * faults (docs/performance.md): semispace on cache at 100 MiB took 113 and 200 ms for those two,
 * 38-39 ms for every later one. Collections of the build phase,
 * at smaller live sizes, are left out. A collection's pause is marking plus queueing blocks for
 * the lazy sweep; the sweeping itself happens later, in the allocator, outside any pause (gclab
 * counts it in gc_ns as lazy_sweep_ns).
 *
 * Runs are interleaved across sizes, workloads and collectors: run i of every (size, workload,
 * collector) before run i+1 of any, so that a busy spell of the machine does not fall on one
 * point alone.
 * Output: one table per workload and collector (stdout, DIR/scaling.md) and a table of the
 * verdicts, the data per workload and collector (DIR/scaling-LABEL-COLLECTOR.runs.dat and
 * .median.dat) and one figure with every curve, DIR/scaling.{pdf,svg,png} (bench/scaling.gp). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gclab/collector.h"

#include "bench.h"

#define MARKSWEEP_GROWTH 0.75 /* marksweep's default `growth` (collectors/marksweep.c) */
#define MIB 1048576.0
enum {
    MAX_SIZES = sizeof ((bench_opts *)0)->sizes / sizeof(double),
    MAX_RUNS = 100,
    MAX_PARAMS = 6,      /* --param arguments of one run */
    PARAM_LEN = 48,      /* bytes of one "name=value" */
    STEADY_PERCENT = 90, /* a steady-state collection keeps >= this % of the run's largest bytes_after */
    MAX_COLLECTORS = sizeof ((bench_opts *)0)->scaling_collectors / sizeof(const char *),
};

/* The scaling targets: largest / smallest GC ns per collection per live MiB, per collector. */
static const struct {
    const char *collector;
    double bound;
    const char *issue;
} scaling_targets[] = {
    {"marksweep", 1.5, "6"},
    {"semispace", 1.3, "11"},
    {"markcompact", 1.3, "12"},
};
enum { NTARGETS = sizeof scaling_targets / sizeof scaling_targets[0] };

/* The bound of a collector's target, or NAN if it has none. */
static double target_bound(const char *collector) {
    for (int t = 0; t < NTARGETS; t++)
        if (strcmp(scaling_targets[t].collector, collector) == 0) return scaling_targets[t].bound;
    return NAN;
}

int bench_scaling_collectors(const char *list, bench_opts *o) {
    o->nscaling_collectors = 0;
    for (const char *p = list;;) {
        size_t len = strcspn(p, ",");
        char name[64];
        bench_fmt(name, sizeof name, "%.*s", (int)len, p);
        const gc_collector_ops *c = gc_collector_find(name);
        if (c == NULL || o->nscaling_collectors == MAX_COLLECTORS) {
            fprintf(stderr, "gclab-bench: bad --collectors '%s': ", list);
            if (c) fprintf(stderr, "more than %d collectors\n", (int)MAX_COLLECTORS);
            else {
                fprintf(stderr, "'%s' is not a collector of this build (it has", name);
                for (size_t i = 0; gc_collectors[i]; i++) fprintf(stderr, " %s", gc_collectors[i]->name);
                fprintf(stderr, ")\n");
            }
            return -1;
        }
        o->scaling_collectors[o->nscaling_collectors++] = c->name;
        if (p[len] == '\0') return 0;
        p += len + 1;
    }
}

/* The collectors to measure: --collectors, or every collector with a scaling target that the
 * registry has (marksweep, and semispace once it exists). */
static int chosen_collectors(const bench_opts *o, const char **names) {
    int n = 0;
    for (int i = 0; i < o->nscaling_collectors; i++) names[n++] = o->scaling_collectors[i];
    for (int t = 0; t < NTARGETS && o->nscaling_collectors == 0; t++)
        if (gc_collector_find(scaling_targets[t].collector)) names[n++] = scaling_targets[t].collector;
    return n;
}

/* One point of a workload's curve: what to run for one requested size. */
typedef struct scaling_point {
    double size_mib;     /* the requested size (--sizes) */
    double expected_mib; /* the live size the parameters should give (for the memory check) */
    int nparams;
    char params[MAX_PARAMS][PARAM_LEN]; /* each passed as --param */
} scaling_point;

typedef struct scaling_workload {
    const char *label;    /* short name: --scaling-workloads, file names, tables, figure */
    const char *workload; /* the gclab workload */
    /* Fill p for a live size of size_mib and o->collections steady-state collections. */
    void (*make_point)(const bench_opts *o, double size_mib, scaling_point *p);
    const char *explanation; /* printed above its table */
} scaling_workload;

/* snprintf of one more "name=value" into p (the names and values here are short). */
static void add_param(scaling_point *p, const char *fmt, unsigned long long v) {
    if (p->nparams < MAX_PARAMS) bench_fmt(p->params[p->nparams++], PARAM_LEN, fmt, v);
}

/* --- cache ---------------------------------------------------------------------------------
 * After its build phase cache's live data is constant (entries long-lived entries, each with a
 * key and a value of two objects, in a chunked table: about 146 cell bytes per entry with
 * value_bytes=32), while every step allocates a new value (72 cell bytes) that either dies at
 * once or replaces an entry's value. So the live size is set by `entries`, and the number of
 * collections at that size by `steps`: in the steady state marksweep's default policy (growth
 * 0.75, a heap that does not shrink) collects after allocating 0.75 times the bytes that
 * survived, so each steady-state collection takes about 0.75 * live / 72 steps. */
#define ENTRY_CELL_BYTES 146.0 /* bytes: entry 32 + key 32 + value 24 + leaf 48 + table ~10 */
#define STEP_CELL_BYTES 72.0   /* bytes allocated per step: value 24 + leaf 48 */

static void cache_point(const bench_opts *o, double size_mib, scaling_point *p) {
    uint64_t entries = (uint64_t)(size_mib * MIB / ENTRY_CELL_BYTES);
    uint64_t steps =
        (uint64_t)ceil(o->collections * (double)entries * ENTRY_CELL_BYTES * MARKSWEEP_GROWTH / STEP_CELL_BYTES);
    p->expected_mib = size_mib;
    add_param(p, "entries=%llu", (unsigned long long)entries);
    add_param(p, "steps=%llu", (unsigned long long)steps);
}

/* --- trees (gcbench) -------------------------------------------------------------------------
 * workloads/gcbench.c: a stretch tree of depth stretch_depth (built and dropped), then the
 * long-lived tree of depth long_lived_depth (built top-down, never changed) and an atomic array,
 * then for d = min_depth, min_depth+2, ..., max_depth: 2 * (2 * TreeSize(stretch) / TreeSize(d))
 * temporary trees of TreeSize(d) = 2^(d+1) - 1 nodes each, every one dropped once built.
 *
 * Live size: the long-lived tree, TreeSize(long_lived_depth) nodes of 40 cell bytes, so the
 * sizes come in powers of two (10 MiB at depth 17, 1.25 GiB at depth 24); each requested size
 * gets the depth whose live size is nearest on a log scale, and the table prints what was
 * measured. The array stays at its smallest working length: it is one atomic object that
 * marking never scans, so a large one would add MiB to the denominator at no marking cost and
 * flatter the per-MiB figure (GCBench's default, 500,000 doubles, is 3.8 MiB: over a third of a
 * 10 MiB heap), so it takes the parameter's minimum, 1001 (8 KB).
 *
 * Allocation after the build: each depth d allocates about 4 * TreeSize(stretch) nodes whatever
 * d, so depths are added, from max_depth down by twos, until the predicted steady-state
 * collections (allocated bytes / (0.75 * live)) reach --collections. stretch_depth =
 * long_lived_depth - 1: the stretch tree's collections then keep at most half the live size, well
 * under the 90% rule, and each depth gives about 2.7 collections. max_depth = long_lived_depth - 5
 * (at most 16): a temporary tree half built when a collection comes is alive, and this keeps it
 * under 1/16 of the live data, so bytes_after wobbles by a few per cent at most and the 90% rule
 * still selects every collection at the full size (the collections column shows how many). */
#define NODE_CELL_BYTES 40.0 /* a gcbench node: header 16 + two slots 16 + 8 raw bytes */
enum {
    TREES_ARRAY_SIZE = 1001,    /* doubles: the parameter's minimum */
    TREES_MIN_DEPTH = 6,        /* long-lived depths tried: 6 leaves max_depth 1 */
    TREES_MAX_DEPTH = 30,       /* gcbench's limit */
    TREES_SHORT_MAX_DEPTH = 16, /* the deepest temporary tree (GCBench's own max_depth) */
    TREES_SHORT_BELOW_LIVE = 5, /* temporary trees at least this many levels below the live one */
};

static uint64_t tree_nodes(int depth) { return ((uint64_t)1 << (depth + 1)) - 1; }

/* Cell bytes live in the steady state at a long-lived depth: the tree and the array. */
static double trees_live_bytes(int depth) {
    return (double)tree_nodes(depth) * NODE_CELL_BYTES + 16.0 + 8.0 * TREES_ARRAY_SIZE;
}

/* Nodes gcbench allocates in temporary trees of depth d (integer division as it does). */
static uint64_t short_lived_nodes(int stretch, int d) {
    return 2 * (2 * tree_nodes(stretch) / tree_nodes(d)) * tree_nodes(d);
}

/* The long-lived depth nearest size_mib, and the stretch and temporary-tree depths that give
 * o->collections steady-state collections at it (the rules above). */
static void trees_point(const bench_opts *o, double size_mib, scaling_point *p) {
    int depth = TREES_MIN_DEPTH;
    for (int d = TREES_MIN_DEPTH + 1; d <= TREES_MAX_DEPTH; d++)
        if (fabs(log(trees_live_bytes(d) / (size_mib * MIB))) < fabs(log(trees_live_bytes(depth) / (size_mib * MIB))))
            depth = d;
    int stretch = depth - 1, max_short = depth - TREES_SHORT_BELOW_LIVE, min_short = max_short;
    if (max_short > TREES_SHORT_MAX_DEPTH) max_short = min_short = TREES_SHORT_MAX_DEPTH;
    double per_collection = MARKSWEEP_GROWTH * trees_live_bytes(depth), predicted = 0;
    for (int d = max_short; d >= 1 && predicted < o->collections; d -= 2) {
        min_short = d;
        predicted += (double)short_lived_nodes(stretch, d) * NODE_CELL_BYTES / per_collection;
    }
    if (predicted < o->collections)
        fprintf(stderr,
                "gclab-bench: scaling trees %g MiB: at most about %.0f steady-state collections (depths %d to %d)\n",
                size_mib, predicted, min_short, max_short);
    p->expected_mib = trees_live_bytes(depth) / MIB;
    add_param(p, "long_lived_depth=%llu", (unsigned long long)depth);
    add_param(p, "stretch_depth=%llu", (unsigned long long)stretch);
    add_param(p, "min_depth=%llu", (unsigned long long)min_short);
    add_param(p, "max_depth=%llu", (unsigned long long)max_short);
    add_param(p, "array_size=%llu", (unsigned long long)TREES_ARRAY_SIZE);
}

static const scaling_workload scaling_workloads[] = {
    {"cache", "cache", cache_point,
     "values replaced at random (store_rate 0.1), so the marked objects end up scattered over the heap: "
     "the collector plus what the memory hierarchy adds. Live size set by `entries`."},
    {"trees", "gcbench", trees_point,
     "GCBench's long-lived binary tree, built once and never changed, so the live data keep their "
     "allocation order: marking without the scattering. Live size set by `long_lived_depth` (powers of "
     "two); short-lived trees make the allocation."},
};
enum { NWORKLOADS = sizeof scaling_workloads / sizeof scaling_workloads[0] };

int bench_scaling_select(const char *list, unsigned *mask) {
    *mask = 0;
    for (const char *p = list;;) {
        size_t len = strcspn(p, ",");
        int w = 0;
        while (w < NWORKLOADS && !(strlen(scaling_workloads[w].label) == len &&
                                   strncmp(scaling_workloads[w].label, p, len) == 0))
            w++;
        if (w == NWORKLOADS) {
            fprintf(stderr, "gclab-bench: bad --scaling-workloads '%s': '%.*s' is not one of", list, (int)len, p);
            for (w = 0; w < NWORKLOADS; w++) fprintf(stderr, " %s", scaling_workloads[w].label);
            fprintf(stderr, "\n");
            return -1;
        }
        *mask |= 1u << w;
        if (p[len] == '\0') return 0;
        p += len + 1;
    }
}

typedef struct scaling_run {
    bool ok;
    double live_mib;   /* mean surviving MiB of the steady-state collections */
    double ns_per_mib; /* their pause time / their surviving MiB */
    double pause_ms;   /* their median pause */
    int collections;   /* how many */
    double rss_mib;    /* peak RSS of the process */
    double cpu_share;  /* its CPU time / its elapsed time */
} scaling_run;

/* The steady-state figures of one run from its events.csv. */
/* Every collection's pause and surviving bytes, in file order. */
typedef struct collection_log {
    size_t n, cap;
    double *dur, *after, max_after;
} collection_log;

static int log_collection(const char *kind, const double *v, void *ctx) {
    collection_log *c = ctx;
    if (strcmp(kind, "cascade") == 0) return 0; /* an RC free cascade, not a collection */
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        double *d = realloc(c->dur, cap * sizeof *d);
        if (d == NULL) return -1;
        c->dur = d;
        double *a = realloc(c->after, cap * sizeof *a);
        if (a == NULL) return -1;
        c->after = a;
        c->cap = cap;
    }
    c->dur[c->n] = v[0];
    c->after[c->n] = v[1];
    if (v[1] > c->max_after) c->max_after = v[1];
    c->n++;
    return 0;
}

static int read_events(const char *path, scaling_run *r) {
    static const char *const cols[] = {"duration_ns", "bytes_after"};
    collection_log c = {0};
    if (bench_read_events(path, cols, 2, log_collection, &c) != 0) {
        free(c.dur);
        free(c.after);
        return -1;
    }
    size_t n = c.n;
    double *dur = c.dur, *after = c.after, max_after = c.max_after;
    double sum_mib = 0;
    int steady = 0;
    /* in place over dur: each steady collection's ns per MiB, and after: its pause */
    for (size_t i = 0; i < n; i++)
        if (after[i] >= STEADY_PERCENT / 100.0 * max_after && after[i] > 0) {
            sum_mib += after[i] / MIB;
            double pause = dur[i];
            dur[steady] = pause / (after[i] / MIB);
            after[steady] = pause;
            steady++;
        }
    if (steady == 0) {
        free(dur);
        free(after);
        fprintf(stderr, "gclab-bench: %s: no collection at the full live size (too little allocation?)\n", path);
        return -1;
    }
    r->live_mib = sum_mib / steady;
    r->ns_per_mib = bench_median(dur, (size_t)steady);
    r->pause_ms = bench_median(after, (size_t)steady) / 1e6;
    r->collections = steady;
    free(dur);
    free(after);
    return 0;
}

/* MemAvailable from /proc/meminfo, in MiB (a large number if unknown). */
static double available_mib(void) {
    FILE *f = fopen("/proc/meminfo", "r");
    double kib = 1e12;
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %lf kB", &kib) == 1) break;
    if (f) fclose(f);
    return kib / 1024;
}

/* One run of a collector on a workload's point, its figures into r. */
static int run_point(const bench_opts *o, const scaling_workload *w, const char *collector, const scaling_point *pt,
                     int run, scaling_run *r) {
    char dir[4096], events[4200];
    bench_fmt(dir, sizeof dir, "%s/runs/scaling-%s-%s-%g-%d", o->out_dir, w->label, collector, pt->size_mib, run);
    char *argv[16 + 2 * MAX_PARAMS] = {(char *)o->gclab, "run", "--collector", (char *)collector, "--workload",
                                       (char *)w->workload, "--sample-every", "0", "--out", dir, "--quiet"};
    int argc = 11;
    for (int k = 0; k < pt->nparams; k++) {
        argv[argc++] = "--param";
        argv[argc++] = (char *)pt->params[k];
    }
    argv[argc] = NULL;
    /* primed with about what the largest footprint here touches (a semispace: three times the
     * live data, and the copies' reserve), within what the machine has free */
    double prime_mib = 4 * pt->size_mib + 64, avail = available_mib() * 0.8;
    bench_prime(o, (uint64_t)((prime_mib < avail ? prime_mib : avail) * MIB));
    bench_child c;
    if (bench_run(argv, false, NULL, &c) != 0) return -1;
    bench_fmt(events, sizeof events, "%s/events.csv", dir);
    if (read_events(events, r) != 0) return -1;
    r->rss_mib = (double)c.maxrss_kb / 1024;
    r->cpu_share = c.cpu_s / c.wall_s;
    r->ok = true;
    return 0;
}

/* Draw the figure with bench/scaling.gp (series: "WORKLOAD-COLLECTOR" of every curve with data;
 * bounds: each one's target bound, 0 for none; allseries: every curve asked for, for fixed
 * colours; collectors: the collectors, which plots/style.gp expects); a failure is reported, not
 * fatal. */
static void draw(const bench_opts *o, const char *series, const char *bounds, const char *all,
                 const char *collectors) {
    char vars[8192];
    bench_fmt(vars, sizeof vars,
              "data='%s/scaling'; out='%s/scaling'; series='%s'; bounds='%s'; allseries='%s'; collectors='%s'; "
              "style='%s/plots/style.gp'",
              o->out_dir, o->out_dir, series, bounds, all, collectors, o->source_dir);
    bench_draw(o, "scaling", vars);
}

/* One size's row of a table from its runs; returns the median ns per live MiB, or NAN, and
 * sets *corrected to the median of the same scaled by the CPU share. */
static double report_size(FILE *md, FILE *median_dat, double size, const scaling_run *r, int runs, double first,
                          double *corrected) {
    double v[MAX_RUNS], vc[MAX_RUNS], live[MAX_RUNS], pause[MAX_RUNS], rss[MAX_RUNS], coll[MAX_RUNS];
    double share[MAX_RUNS];
    int n = 0;
    for (int i = 0; i < runs; i++) {
        if (!r[i].ok) continue;
        v[n] = r[i].ns_per_mib;
        vc[n] = r[i].ns_per_mib * r[i].cpu_share;
        live[n] = r[i].live_mib;
        pause[n] = r[i].pause_ms;
        rss[n] = r[i].rss_mib;
        coll[n] = r[i].collections;
        share[n] = r[i].cpu_share;
        n++;
    }
    if (n == 0) {
        bench_out(md, "| %g | could not run (or skipped: too little memory available) | | | | | | | |\n", size);
        return NAN;
    }
    double lo = v[0], hi = v[0];
    for (int i = 1; i < n; i++) {
        if (v[i] < lo) lo = v[i];
        if (v[i] > hi) hi = v[i];
    }
    double med = bench_median(v, (size_t)n), live_mib = bench_median(live, (size_t)n);
    *corrected = bench_median(vc, (size_t)n);
    fprintf(median_dat, "%.2f %.1f %.1f\n", live_mib, med, *corrected);
    bench_out(md, "| %.1f | %.0f | %.2f | %.0f | %.0f–%.0f | %.2f | %.0f | %.2f | %.0f |\n", live_mib,
              bench_median(coll, (size_t)n), bench_median(pause, (size_t)n), med, lo, hi,
              med / (first == first ? first : med), bench_median(rss, (size_t)n), bench_median(share, (size_t)n),
              *corrected);
    return med;
}

/* A workload's points for the requested sizes; a size whose parameters repeat an earlier one's
 * (two sizes nearest the same tree depth) is dropped. Returns how many. */
static int make_points(const bench_opts *o, const scaling_workload *w, scaling_point *pts) {
    int n = 0;
    for (int s = 0; s < o->nsizes; s++) {
        scaling_point *p = &pts[n];
        *p = (scaling_point){.size_mib = o->sizes[s]};
        w->make_point(o, o->sizes[s], p);
        bool repeated = false;
        for (int j = 0; j < n && !repeated; j++)
            repeated = pts[j].nparams == p->nparams && memcmp(pts[j].params, p->params, sizeof p->params) == 0;
        if (repeated) fprintf(stderr, "gclab-bench: scaling %s %g MiB: same run as an earlier size, left out\n",
                              w->label, o->sizes[s]);
        else n++;
    }
    return n;
}

/* The results of one workload on one collector: its points, and runs[point][run]. */
typedef struct scaling_results {
    scaling_point points[MAX_SIZES];
    int npoints;
    scaling_run runs[MAX_SIZES][MAX_RUNS];
} scaling_results;

/* What is measured: every selected workload on every chosen collector. */
typedef struct scaling_plan {
    unsigned mask; /* workloads */
    const char *collectors[MAX_COLLECTORS];
    int ncollectors;
    scaling_results *res; /* res[w * ncollectors + c] */
    FILE **runs_dat;      /* the same index */
} scaling_plan;

/* The memory a run needs, as a multiple of its live size: a copying collector holds two copies
 * of the live data at a collection's end, a non-moving one one. */
static double memory_factor(const char *collector) {
    const gc_collector_ops *c = gc_collector_find(collector);
    return c && (c->caps & GC_CAP_MOVING) ? 6 : 3;
}

/* Run i of every point of every selected workload and collector, for i = 1..runs; each run is
 * appended to its runs file. Returns the number of runs that failed. */
static int run_all(const bench_opts *o, const scaling_plan *pl, int runs) {
    int failures = 0;
    for (int i = 0; i < runs; i++)
        for (int s = 0; s < MAX_SIZES; s++)
            for (int w = 0; w < NWORKLOADS; w++)
                for (int k = 0; k < pl->ncollectors && (pl->mask & (1u << w)); k++) {
                    scaling_results *res = &pl->res[w * pl->ncollectors + k];
                    if (s >= res->npoints) continue;
                    const scaling_point *pt = &res->points[s];
                    const char *label = scaling_workloads[w].label, *coll = pl->collectors[k];
                    double need = memory_factor(coll) * pt->expected_mib;
                    if (available_mib() < need) {
                        fprintf(stderr, "gclab-bench: scaling %s %s %g MiB skipped: under %.0f MiB of memory available\n",
                                coll, label, pt->size_mib, need);
                        continue;
                    }
                    fprintf(stderr, "gclab-bench: scaling %s %s %g MiB, run %d/%d\n", coll, label, pt->size_mib, i + 1,
                            runs);
                    scaling_run *x = &res->runs[s][i];
                    if (run_point(o, &scaling_workloads[w], coll, pt, i, x) != 0) {
                        failures++;
                        continue;
                    }
                    fprintf(pl->runs_dat[w * pl->ncollectors + k], "%.2f %.1f %.3f %d %.1f %.3f\n", x->live_mib,
                            x->ns_per_mib, x->pause_ms, x->collections, x->rss_mib, x->cpu_share);
                }
    return failures;
}

/* A workload's figures on one collector. */
typedef struct growth {
    double lo, hi;   /* smallest and largest median GC ns per collection per live MiB */
    double chi_clo;  /* the same ratio with the medians scaled by the CPU share */
    int measured;    /* sizes measured */
} growth;

/* A workload's table on one collector (stdout and md) and its median file; fills g. */
static void report_workload(const bench_opts *o, int w, const char *collector, const scaling_results *res, FILE *md,
                            int runs, growth *g) {
    const scaling_workload *wl = &scaling_workloads[w];
    char path[4200];
    *g = (growth){INFINITY, 0, NAN, 0};
    bench_fmt(path, sizeof path, "%s/scaling-%s-%s.median.dat", o->out_dir, wl->label, collector);
    FILE *md_dat = bench_open(path);
    if (md_dat == NULL) return;
    fprintf(md_dat, "# live_mib median_ns_per_live_mib median_scaled_by_cpu_share\n");
    bench_out(md, "**%s on %s** (gclab workload `%s`): %s\n\n", collector, wl->label, wl->workload, wl->explanation);
    bench_out(md, "| live (MiB) | collections | median pause (ms) | GC ns per collection per live MiB | runs min–max | "
                  "× first size | peak RSS (MiB) | CPU share | × CPU share |\n"
                  "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    double clo = INFINITY, chi = 0, first = NAN;
    for (int s = 0; s < res->npoints; s++) {
        double corrected, med = report_size(md, md_dat, res->points[s].size_mib, res->runs[s], runs, first, &corrected);
        if (med != med) continue;
        if (g->measured++ == 0) first = med;
        g->lo = fmin(g->lo, med);
        g->hi = fmax(g->hi, med);
        clo = fmin(clo, corrected);
        chi = fmax(chi, corrected);
    }
    fclose(md_dat);
    g->chi_clo = chi / clo;
    bench_out(md, "\nParameters (`gclab run --collector %s --workload %s --param ...`):", collector, wl->workload);
    for (int s = 0; s < res->npoints; s++) {
        bench_out(md, "%s %g MiB: ", s ? ";" : "", res->points[s].size_mib);
        for (int k = 0; k < res->points[s].nparams; k++)
            bench_out(md, "%s%s", k ? "," : "", res->points[s].params[k]);
    }
    bench_out(md, ".\n\n");
}

/* The verdicts: for every selected workload, every measured collector's growth (largest /
 * smallest median) against its target if it has one, and every target whose collector the
 * registry lacks. */
static void report_verdicts(FILE *md, const scaling_plan *pl, const growth *gs) {
    bench_out(md, "| collector | workload | largest / smallest GC ns per collection per live MiB | scaled by the CPU "
                  "share | target | | issue |\n| --- | --- | ---: | ---: | ---: | --- | --- |\n");
    for (int w = 0; w < NWORKLOADS; w++) {
        if (!(pl->mask & (1u << w))) continue;
        const char *label = scaling_workloads[w].label;
        for (int k = 0; k < pl->ncollectors; k++) {
            const growth *g = &gs[w * pl->ncollectors + k];
            const char *coll = pl->collectors[k], *issue = "–";
            double bound = target_bound(coll);
            for (int t = 0; t < NTARGETS; t++)
                if (strcmp(scaling_targets[t].collector, coll) == 0) issue = scaling_targets[t].issue;
            char bound_s[32] = "none";
            if (!isnan(bound)) bench_fmt(bound_s, sizeof bound_s, "≤ %.2f", bound);
            if (g->measured < 2) {
                bench_out(md, "| %s | %s | – | – | %s | n/a (fewer than two sizes measured) | %s |\n", coll, label,
                          bound_s, issue);
                continue;
            }
            double ratio = g->hi / g->lo;
            const char *verdict = isnan(bound) ? "no target" : ratio <= bound ? "PASS" : "FAIL";
            bench_out(md, "| %s | %s | %.2f | %.2f | %s | %s | %s |\n", coll, label, ratio, g->chi_clo, bound_s,
                      verdict, issue);
        }
        for (int t = 0; t < NTARGETS; t++)
            if (gc_collector_find(scaling_targets[t].collector) == NULL)
                bench_out(md, "| %s | %s | – | – | ≤ %.2f | n/a (collector not built) | %s |\n",
                          scaling_targets[t].collector, label, scaling_targets[t].bound, scaling_targets[t].issue);
    }
    bench_out(md, "\nA collector's growth: the largest of its median GC ns per collection per live MiB over the "
                  "sizes, divided by the smallest. Semispace's target is flat within 1.3x (copying streams what "
                  "marking reads at random); marksweep's, 1.5x.\n\n");
}

/* The machine's floor (bench/memfloor.c): the cost of one random and one streamed cache line at
 * each size's heap footprint (live × (1 + marksweep's growth)), in the same run as the markings,
 * so that the markings' ratio between sizes can be read against the hardware's. Reported, never
 * fatal. */
static void report_floor(const bench_opts *o, FILE *md) {
    char prog[4096], *argv[2 + MAX_SIZES] = {prog};
    char sizes[MAX_SIZES][32];
    int n = 0;
    bench_fmt(prog, sizeof prog, "%s/bench-memfloor", o->bin_dir);
    for (int s = 0; s < o->nsizes && s < MAX_SIZES; s++) {
        double footprint = o->sizes[s] * (1 + MARKSWEEP_GROWTH);
        if (footprint < 1 || available_mib() < 2 * footprint) continue; /* memfloor measures >= 1 MiB */
        bench_fmt(sizes[n], sizeof sizes[n], "%.3g", footprint);
        argv[1 + n] = sizes[n];
        n++;
    }
    argv[1 + n] = NULL;
    bench_child c;
    if (n == 0 || bench_run(argv, true, NULL, &c) != 0) return;
    bench_out(md, "**The machine's floor** (bench/memfloor.c, same run): one byte of every 64-byte line of a buffer "
                  "of the heap's footprint (each requested size × 1.75, rounded up to 2 MiB; trees' live sizes "
                  "snap to powers of two, so its points lie near these rows, not on them) incremented, in random "
                  "order with 32 lines prefetched ahead (a scattered heap), or in address order (a heap laid out as "
                  "it is marked); ns per line, best of three passes.\n\n| footprint (MiB) | random line (ns) | streamed line (ns) |\n"
                  "| ---: | ---: | ---: |\n");
    /* The ratio is the row of the largest footprint over the row of the smallest (--sizes need not
     * be in order), as docs/performance.md defines it: not the largest cost over the smallest. */
    double small_mib = INFINITY, small_ns = 0, large_mib = 0, large_ns = 0;
    int rows = 0;
    for (char *line = c.out; line && *line;) {
        double mib, rnd, seq;
        if (sscanf(line, "memfloor %lf %lf %lf", &mib, &rnd, &seq) == 3) {
            bench_out(md, "| %.0f | %.2f | %.2f |\n", mib, rnd, seq);
            if (mib < small_mib) small_mib = mib, small_ns = rnd;
            if (mib > large_mib) large_mib = mib, large_ns = rnd;
            rows++;
        }
        line = strchr(line, '\n');
        if (line) line++;
    }
    if (rows >= 2 && large_mib > small_mib && small_ns > 0)
        bench_out(md, "\nRandom line at the largest footprint / at the smallest: %.2f. A marking whose objects lie "
                      "at random pays about one such line per object once the heap outgrows the caches.\n\n",
                  large_ns / small_ns);
    else
        bench_out(md, "\n");
    free(c.out);
}

int bench_scaling(const bench_opts *o) {
    scaling_plan pl = {.mask = o->scaling_workloads ? o->scaling_workloads : (1u << NWORKLOADS) - 1};
    pl.ncollectors = chosen_collectors(o, pl.collectors);
    int runs = o->scaling_runs < MAX_RUNS ? o->scaling_runs : MAX_RUNS, ncurves = NWORKLOADS * pl.ncollectors;
    char names[512] = "", words[512] = "";
    for (int k = 0; k < pl.ncollectors; k++) {
        size_t n = strlen(names), nw = strlen(words);
        bench_fmt(names + n, sizeof names - n, "%s%s", k ? ", " : "", pl.collectors[k]);
        bench_fmt(words + nw, sizeof words - nw, "%s%s", k ? " " : "", pl.collectors[k]);
    }
    printf("== Scaling: %s, GC time per collection per live MiB (%d run%s per size, workload and collector) ==\n",
           pl.ncollectors ? names : "no collector", runs, runs > 1 ? "s" : "");
    pl.res = calloc((size_t)ncurves + 1, sizeof *pl.res);
    pl.runs_dat = calloc((size_t)ncurves + 1, sizeof *pl.runs_dat);
    growth *gs = calloc((size_t)ncurves + 1, sizeof *gs);
    char path[4200];
    bench_fmt(path, sizeof path, "%s/scaling.md", o->out_dir);
    FILE *md = bench_open(path);
    bool ok = pl.res != NULL && pl.runs_dat != NULL && gs != NULL && md != NULL;
    for (int w = 0; w < NWORKLOADS && ok; w++)
        for (int k = 0; k < pl.ncollectors && ok && (pl.mask & (1u << w)); k++) {
            int i = w * pl.ncollectors + k;
            pl.res[i].npoints = make_points(o, &scaling_workloads[w], pl.res[i].points);
            bench_fmt(path, sizeof path, "%s/scaling-%s-%s.runs.dat", o->out_dir, scaling_workloads[w].label,
                      pl.collectors[k]);
            pl.runs_dat[i] = bench_open(path);
            ok = pl.runs_dat[i] != NULL;
            if (ok)
                fprintf(pl.runs_dat[i], "# live_mib ns_per_live_mib median_pause_ms collections peak_rss_mib cpu_share\n");
        }
    int failures = ok ? run_all(o, &pl, runs) : 1;
    for (int i = 0; i < ncurves && pl.runs_dat; i++)
        if (pl.runs_dat[i]) fclose(pl.runs_dat[i]);
    char series[1024] = "", bounds[512] = "", all[1024] = "";
    for (int w = 0; w < NWORKLOADS && ok; w++)
        for (int k = 0; k < pl.ncollectors && (pl.mask & (1u << w)); k++) {
            int i = w * pl.ncollectors + k;
            size_t na = strlen(all);
            bench_fmt(all + na, sizeof all - na, "%s%s-%s", na ? " " : "", scaling_workloads[w].label,
                      pl.collectors[k]);
            report_workload(o, w, pl.collectors[k], &pl.res[i], md, runs, &gs[i]);
            if (gs[i].measured == 0) continue;
            double bound = target_bound(pl.collectors[k]);
            size_t ns = strlen(series), nb = strlen(bounds);
            bench_fmt(series + ns, sizeof series - ns, "%s%s-%s", ns ? " " : "", scaling_workloads[w].label,
                      pl.collectors[k]);
            bench_fmt(bounds + nb, sizeof bounds - nb, "%s%.6g", nb ? " " : "", isnan(bound) ? 0 : bound * gs[i].lo);
        }
    if (ok) {
        report_verdicts(md, &pl, gs);
        bench_out(md, "Medians over the runs. GC ns per collection per live MiB: the median over the steady-state "
                      "collections (bytes_after at least 90%% of the run's largest; collections: how many) of pause "
                      "time (wall clock, as gclab records it) / surviving MiB; pause: their median. CPU share: the process's CPU time / its elapsed "
                      "time; × CPU share: the same figure scaled by it, an estimate of the pause CPU time per live "
                      "MiB on a machine shared with other jobs (it assumes the process was descheduled evenly).\n\n");
        report_floor(o, md);
    }
    if (md) fclose(md);
    free(pl.res);
    free(pl.runs_dat);
    free(gs);
    if (series[0]) draw(o, series, bounds, all, words);
    return ok && failures == 0 ? 0 : -1;
}
