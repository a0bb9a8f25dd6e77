/* GCBench side by side (issue 6): the native yardsticks of bench/gcbench_native.c and gclab's
 * `gcbench` workload on each collector, with run-time dispatch (the normal gclab program) and
 * with the fast paths fixed at compile time (gclab-fixed-*).
 *
 * Interleaving: R rounds; each round runs every variant once, starting one variant further along
 * the list than the round before (a rotation), so that a slow spell of a shared machine falls on
 * different variants in different rounds, and no variant always runs first or after the same one.
 * Ratios are taken pair by pair within a round (variant / bdwgc of the same round), and the table
 * shows the median of those ratios, which cancels what a round's conditions did to both runs as far
 * as they did the same to both (on a busy machine, only partly).
 *
 * What is measured, per run:
 *   time         the benchmark's own wall time, as the program reports it (native: the whole
 *                benchmark from its first allocation; gclab: summary.json time.wall_ns, the
 *                workload's run), so process start-up and gclab's after-run census and files are
 *                excluded;
 *   peak RSS     wait4's ru_maxrss of the process;
 *   pauses       collections (bdwgc: GC_EVENT_START events; gclab: pauses.count, which for the
 *                RC collectors counts free cascades of 16 objects or more);
 *   max pause    the longest of them.
 * Output: a Markdown table (stdout and DIR/gcbench.md) and every run (DIR/gcbench-runs.csv). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

typedef struct variant {
    const char *name;
    const char *program;   /* in bin_dir; NULL: the gclab program given by --gclab */
    const char *collector; /* gclab's collector; NULL for a native program */
} variant;

enum { V_GLIBC, V_JEMALLOC, V_BDWGC, V_RC_HAND, V_RC, V_RC_GEN, V_MS, V_MS_FIXED, V_RC_FIXED, NVARIANTS };

static const variant variants[NVARIANTS] = {
    [V_GLIBC] = {"glibc malloc/free", "bench-glibc", NULL},
    [V_JEMALLOC] = {"jemalloc malloc/free", "bench-jemalloc", NULL},
    [V_BDWGC] = {"bdwgc", "bench-bdwgc", NULL},
    [V_RC_HAND] = {"hand-written RC", "bench-rc-hand", NULL},
    [V_RC] = {"gclab rc", NULL, "rc"},
    [V_RC_GEN] = {"gclab rc-gen", NULL, "rc-gen"},
    [V_MS] = {"gclab marksweep", NULL, "marksweep"},
    [V_MS_FIXED] = {"gclab marksweep, fixed dispatch", "gclab-fixed-marksweep", "marksweep"},
    [V_RC_FIXED] = {"gclab rc, fixed dispatch", "gclab-fixed-rc", "rc"},
};

/* What one run measured. CPU share: the process's CPU time / its elapsed time, under 1 when it
 * waited for a CPU. */
enum { WALL_NS, RSS_KIB, COLLECTIONS, MAX_PAUSE_NS, CPU_SHARE, NFIELDS };

typedef struct sample {
    bool ok;
    double f[NFIELDS];
} sample;

/* One run of a native variant: it prints "name wall_ns collections max_pause_ns". */
static int run_native(const bench_opts *o, const variant *v, sample *s) {
    char path[4096];
    bench_fmt(path, sizeof path, "%s/%s", o->bin_dir, v->program);
    char *argv[] = {path, NULL};
    bench_child c;
    int rc = bench_run(argv, true, NULL, &c);
    unsigned long long wall, coll, pause;
    char name[64];
    if (rc == 0 && sscanf(c.out, "%63s %llu %llu %llu", name, &wall, &coll, &pause) == 4) {
        *s = (sample){true, {(double)wall, (double)c.maxrss_kb, (double)coll, (double)pause, c.cpu_s / c.wall_s}};
    } else if (rc == 0) {
        fprintf(stderr, "gclab-bench: %s printed no result line\n", path);
        rc = -1;
    }
    free(c.out);
    return rc;
}

/* One run of gclab's gcbench workload; its summary.json gives the figures. */
static int run_gclab(const bench_opts *o, const variant *v, int round, sample *s) {
    char prog[4096], dir[4096], summary[4200];
    if (v->program) bench_fmt(prog, sizeof prog, "%s/%s", o->bin_dir, v->program);
    else bench_fmt(prog, sizeof prog, "%s", o->gclab);
    bench_fmt(dir, sizeof dir, "%s/runs/gcbench-%s%s-%d", o->out_dir, v->collector, v->program ? "-fixed" : "",
              round);
    char *argv[] = {prog, "run", "--collector", (char *)v->collector, "--workload", "gcbench", "--sample-every",
                    "0", "--out", dir, "--quiet", NULL};
    bench_child c;
    if (bench_run(argv, false, NULL, &c) != 0) return -1;
    bench_fmt(summary, sizeof summary, "%s/summary.json", dir);
    json_t *j = bench_load_json(summary);
    if (j == NULL) return -1;
    *s = (sample){true,
                  {(double)bench_json_int(j, "time.wall_ns"), (double)c.maxrss_kb,
                   (double)bench_json_int(j, "pauses.count"), (double)bench_json_int(j, "pauses.max_ns"),
                   c.cpu_s / c.wall_s}};
    json_decref(j);
    return 0;
}

/* Median over the rounds of field(a) / field(b) within each round where both ran; NaN if none. */
static double ratio_median(sample (*runs)[NVARIANTS], int rounds, int a, int b, int field) {
    double r[1000];
    size_t n = 0;
    for (int i = 0; i < rounds; i++) {
        const sample *x = &runs[i][a], *y = &runs[i][b];
        if (x->ok && y->ok && y->f[field] > 0) r[n++] = x->f[field] / y->f[field];
    }
    return n ? bench_median(r, n) : NAN;
}

/* Median of one field over the rounds where the variant ran, and its range; NaN if it never ran. */
static double field_median(sample (*runs)[NVARIANTS], int rounds, int v, int field, double *lo, double *hi) {
    double r[1000];
    size_t n = 0;
    *lo = INFINITY;
    *hi = -INFINITY;
    for (int i = 0; i < rounds; i++)
        if (runs[i][v].ok) {
            r[n] = runs[i][v].f[field];
            *lo = fmin(*lo, r[n]);
            *hi = fmax(*hi, r[n]);
            n++;
        }
    if (n == 0) return *lo = *hi = NAN;
    return bench_median(r, n);
}

static void print_target(FILE *f, const char *what, double measured, double target) {
    const char *verdict = measured != measured ? "n/a" : measured <= target ? "PASS" : "FAIL";
    bench_out(f, "| %s | %.3f | ≤ %.2f | %s |\n", what, measured, target, verdict);
}

/* The table and the targets, from every round's samples. */
static void report(FILE *f, sample (*runs)[NVARIANTS], int rounds) {
    bench_out(f, "| variant | median time (ms) | min–max (ms) | × bdwgc | × glibc | peak RSS (MiB) | collections "
                 "| max pause (ms) | CPU share |\n");
    bench_out(f, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (int v = 0; v < NVARIANTS; v++) {
        double med[NFIELDS], lo[NFIELDS], hi[NFIELDS];
        for (int k = 0; k < NFIELDS; k++) med[k] = field_median(runs, rounds, v, k, &lo[k], &hi[k]);
        bench_out(f, "| %s | %.0f | %.0f–%.0f | %.2f | %.2f | %.1f | %.0f | %.1f | %.2f |\n", variants[v].name,
                  med[WALL_NS] / 1e6, lo[WALL_NS] / 1e6, hi[WALL_NS] / 1e6,
                  ratio_median(runs, rounds, v, V_BDWGC, WALL_NS), ratio_median(runs, rounds, v, V_GLIBC, WALL_NS),
                  med[RSS_KIB] / 1024, med[COLLECTIONS], med[MAX_PAUSE_NS] / 1e6, med[CPU_SHARE]);
    }
    bench_out(f, "\nMedians over %d rounds; ratios are medians of the per-round ratios. Collections: bdwgc's "
                 "collections, gclab's pauses (for rc and rc-gen these include free cascades of 16+ objects); "
                 "max pause: median over the rounds of each run's longest; CPU share: the process's CPU time over "
                 "its elapsed time (1.00 on an idle machine; lower when it waited for a CPU).\n\n",
              rounds);
    bench_out(f, "| target (issue 6) | measured | target | |\n| --- | ---: | ---: | --- |\n");
    print_target(f, "marksweep time / bdwgc time", ratio_median(runs, rounds, V_MS, V_BDWGC, WALL_NS), 0.8);
    print_target(f, "marksweep peak RSS / bdwgc peak RSS", ratio_median(runs, rounds, V_MS, V_BDWGC, RSS_KIB), 1.0);
    print_target(f, "rc time / hand-written RC time", ratio_median(runs, rounds, V_RC, V_RC_HAND, WALL_NS), 1.1);
    print_target(f, "rc-gen time / rc time", ratio_median(runs, rounds, V_RC_GEN, V_RC, WALL_NS), 1.3);
    print_target(f, "marksweep: run-time / fixed dispatch", ratio_median(runs, rounds, V_MS, V_MS_FIXED, WALL_NS),
                 1.05);
    print_target(f, "rc: run-time / fixed dispatch", ratio_median(runs, rounds, V_RC, V_RC_FIXED, WALL_NS), 1.05);
}

int bench_gcbench(const bench_opts *o) {
    int rounds = o->rounds;
    sample(*runs)[NVARIANTS] = calloc((size_t)rounds, sizeof *runs);
    char path[4200];
    bench_fmt(path, sizeof path, "%s/gcbench-runs.csv", o->out_dir);
    FILE *csv = bench_open(path);
    if (runs == NULL || csv == NULL) {
        free(runs);
        if (csv) fclose(csv);
        return -1;
    }
    fprintf(csv, "round,position,variant,wall_ns,rss_kib,collections,max_pause_ns,cpu_share\n");
    int failures = 0;
    printf("== GCBench: %d variants, %d rounds, interleaved ==\n", NVARIANTS, rounds);
    for (int r = 0; r < rounds; r++) {
        fprintf(stderr, "gclab-bench: gcbench round %d/%d:", r + 1, rounds);
        for (int k = 0; k < NVARIANTS; k++) {
            int v = (r + k) % NVARIANTS;
            sample *s = &runs[r][v];
            int rc = variants[v].collector ? run_gclab(o, &variants[v], r, s) : run_native(o, &variants[v], s);
            if (rc != 0) {
                failures++;
                s->ok = false;
                continue;
            }
            fprintf(stderr, " %s %.0f ms;", variants[v].program ? variants[v].program : variants[v].collector,
                    s->f[WALL_NS] / 1e6);
            fprintf(csv, "%d,%d,\"%s\",%.0f,%.0f,%.0f,%.0f,%.3f\n", r, k, variants[v].name, s->f[WALL_NS],
                    s->f[RSS_KIB], s->f[COLLECTIONS], s->f[MAX_PAUSE_NS], s->f[CPU_SHARE]);
        }
        fprintf(stderr, "\n");
    }
    fclose(csv);
    bench_fmt(path, sizeof path, "%s/gcbench.md", o->out_dir);
    FILE *md = bench_open(path);
    report(md, runs, rounds);
    if (md) fclose(md);
    printf("\n");
    free(runs);
    return failures || md == NULL ? -1 : 0;
}
