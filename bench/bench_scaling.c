/* Linear scaling (issue 6): marksweep's GC time per collection per live MiB, from a 10 MiB to a
 * 1 GiB live heap. The target: the largest value at most 1.5 times the smallest.
 *
 * The workload is `cache`: after its build phase its live data is constant (entries long-lived
 * entries, each with a key and a value of two objects, in a chunked table: about 146 cell bytes
 * per entry with value_bytes=32), while every step allocates a new value (72 cell bytes) that
 * either dies at once or replaces an entry's value. So the live size is set by `entries`, and the
 * number of collections at that size by `steps`: in the steady state marksweep's default policy
 * (growth 0.75, a heap that does not shrink) collects after allocating 0.75 times the bytes that
 * survived, so each steady-state collection takes about 0.75 * live / 72 steps.
 *
 * The figure per run comes from events.csv, one row per collection: the steady-state
 * collections are those whose surviving bytes (bytes_after: marksweep's marked cell bytes) are
 * at least 90% of the run's largest; the value is their total pause time divided by their total
 * surviving MiB, i.e. the pause time per collection per live MiB. Collections of the build phase,
 * at smaller live sizes, are left out. A collection's pause is marking plus queueing blocks for
 * the lazy sweep; the sweeping itself happens later, in the allocator, outside any pause (gclab
 * counts it in gc_ns as lazy_sweep_ns).
 * Output: a table (stdout, DIR/scaling.md), the data (DIR/scaling.runs.dat,
 * DIR/scaling.median.dat) and the figure DIR/scaling.{pdf,svg,png} (bench/scaling.gp). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define ENTRY_CELL_BYTES 146.0 /* bytes: entry 32 + key 32 + value 24 + leaf 48 + table ~10 */
#define STEP_CELL_BYTES 72.0   /* bytes allocated per step: value 24 + leaf 48 */
#define MARKSWEEP_GROWTH 0.75  /* marksweep's default `growth` (collectors/marksweep.c) */
#define MIB 1048576.0
enum { MAX_SIZES = sizeof ((bench_opts *)0)->sizes / sizeof(double), MAX_RUNS = 100 };

typedef struct scaling_run {
    bool ok;
    double live_mib;   /* mean surviving MiB of the steady-state collections */
    double ns_per_mib; /* their pause time / their surviving MiB */
    double pause_ms;   /* their mean pause */
    int collections;   /* how many */
    double rss_mib;    /* peak RSS of the process */
    double cpu_share;  /* its CPU time / its elapsed time */
} scaling_run;

/* The steady-state figures of one run from its events.csv. */
static int read_events(const char *path, scaling_run *r) {
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "gclab-bench: cannot read %s\n", path);
        return -1;
    }
    size_t n = 0, cap = 0;
    double *dur = NULL, *after = NULL, max_after = 0;
    char line[1024];
    bool header = true;
    while (fgets(line, sizeof line, f)) {
        if (header) {
            header = false;
            continue;
        }
        /* seq,kind,generation,reason,start_ns,end_ns,duration_ns,alloc_index,objects_before,
         * bytes_before,objects_after,bytes_after,... */
        double field[12];
        char *p = line;
        int k = 0;
        for (; k < 12 && p; k++) {
            field[k] = strtod(p, NULL);
            p = strchr(p, ',');
            if (p) p++;
        }
        if (k < 12) continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            double *d = realloc(dur, cap * sizeof *d), *a = d ? realloc(after, cap * sizeof *a) : NULL;
            if (d) dur = d;
            if (a) after = a;
            if (d == NULL || a == NULL) break;
        }
        dur[n] = field[6];
        after[n] = field[11];
        if (after[n] > max_after) max_after = after[n];
        n++;
    }
    fclose(f);
    double sum_ns = 0, sum_mib = 0;
    int steady = 0;
    for (size_t i = 0; i < n; i++)
        if (after[i] >= 0.9 * max_after && after[i] > 0) {
            sum_ns += dur[i];
            sum_mib += after[i] / MIB;
            steady++;
        }
    free(dur);
    free(after);
    if (steady == 0) {
        fprintf(stderr, "gclab-bench: %s: no collection at the full live size (too few steps?)\n", path);
        return -1;
    }
    r->live_mib = sum_mib / steady;
    r->ns_per_mib = sum_ns / sum_mib;
    r->pause_ms = sum_ns / steady / 1e6;
    r->collections = steady;
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

static int run_size(const bench_opts *o, double size_mib, int run, scaling_run *r) {
    uint64_t entries = (uint64_t)(size_mib * MIB / ENTRY_CELL_BYTES);
    uint64_t steps =
        (uint64_t)ceil(o->collections * (double)entries * ENTRY_CELL_BYTES * MARKSWEEP_GROWTH / STEP_CELL_BYTES);
    char dir[4096], pe[64], ps[64], events[4200];
    bench_fmt(dir, sizeof dir, "%s/runs/scaling-%g-%d", o->out_dir, size_mib, run);
    bench_fmt(pe, sizeof pe, "entries=%llu", (unsigned long long)entries);
    bench_fmt(ps, sizeof ps, "steps=%llu", (unsigned long long)steps);
    char *argv[] = {(char *)o->gclab, "run", "--collector", "marksweep", "--workload", "cache", "--param", pe,
                    "--param", ps, "--sample-every", "0", "--out", dir, "--quiet", NULL};
    bench_child c;
    if (bench_run(argv, false, NULL, &c) != 0) return -1;
    bench_fmt(events, sizeof events, "%s/events.csv", dir);
    if (read_events(events, r) != 0) return -1;
    r->rss_mib = (double)c.maxrss_kb / 1024;
    r->cpu_share = c.cpu_s / c.wall_s;
    r->ok = true;
    return 0;
}

/* Draw the figure with bench/scaling.gp; a failure is reported, not fatal. */
static void draw(const bench_opts *o, double bound) {
    char vars[8192], script[4200], log[4200];
    bench_fmt(vars, sizeof vars,
              "data='%s/scaling'; out='%s/scaling'; bound=%.6g; collectors='marksweep'; style='%s/plots/style.gp'",
              o->out_dir, o->out_dir, bound, o->source_dir);
    bench_fmt(script, sizeof script, "%s/bench/scaling.gp", o->source_dir);
    bench_fmt(log, sizeof log, "%s/scaling.gnuplot.log", o->out_dir);
    char *argv[] = {"gnuplot", "-e", vars, script, NULL};
    bench_child c;
    if (bench_run(argv, false, log, &c) == 0) printf("Figure: %s/scaling.{pdf,svg,png}\n", o->out_dir);
    else fprintf(stderr, "gclab-bench: the scaling figure could not be drawn (see %s)\n", log);
}

/* One size's row of the table from its runs; returns the median ns per live MiB, or NAN, and
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

int bench_scaling(const bench_opts *o) {
    const double *sizes = o->sizes;
    int nsizes = o->nsizes;
    int runs = o->scaling_runs < MAX_RUNS ? o->scaling_runs : MAX_RUNS;
    printf("== Scaling: marksweep on cache, GC time per collection per live MiB (%d run%s per size) ==\n", runs,
           runs > 1 ? "s" : "");
    char path[4200];
    bench_fmt(path, sizeof path, "%s/scaling.runs.dat", o->out_dir);
    FILE *rd = bench_open(path);
    bench_fmt(path, sizeof path, "%s/scaling.median.dat", o->out_dir);
    FILE *md_dat = bench_open(path);
    bench_fmt(path, sizeof path, "%s/scaling.md", o->out_dir);
    FILE *md = bench_open(path);
    scaling_run(*r)[MAX_RUNS] = calloc(MAX_SIZES, sizeof *r);
    if (rd == NULL || md_dat == NULL || md == NULL || r == NULL) {
        if (rd) fclose(rd);
        if (md_dat) fclose(md_dat);
        if (md) fclose(md);
        free(r);
        return -1;
    }
    /* Sizes interleaved: run i of every size before run i+1 of any, so that a busy spell of the
     * machine does not fall on one size alone. */
    fprintf(rd, "# live_mib ns_per_live_mib mean_pause_ms collections peak_rss_mib cpu_share\n");
    int failures = 0;
    for (int i = 0; i < runs; i++)
        for (int s = 0; s < nsizes; s++) {
            if (available_mib() < 3 * sizes[s]) {
                fprintf(stderr, "gclab-bench: scaling %g MiB skipped: under %g MiB of memory available\n", sizes[s],
                        3 * sizes[s]);
                continue;
            }
            fprintf(stderr, "gclab-bench: scaling %g MiB, run %d/%d\n", sizes[s], i + 1, runs);
            scaling_run *x = &r[s][i];
            if (run_size(o, sizes[s], i, x) != 0) {
                failures++;
                continue;
            }
            fprintf(rd, "%.2f %.1f %.3f %d %.1f %.3f\n", x->live_mib, x->ns_per_mib, x->pause_ms, x->collections,
                    x->rss_mib, x->cpu_share);
        }
    fclose(rd);
    fprintf(md_dat, "# live_mib median_ns_per_live_mib median_scaled_by_cpu_share\n");
    bench_out(md, "| live (MiB) | collections | mean pause (ms) | GC ns per collection per live MiB | runs min–max | "
                  "× first size | peak RSS (MiB) | CPU share | × CPU share |\n"
                  "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    double lo = INFINITY, hi = 0, clo = INFINITY, chi = 0, first = NAN;
    int measured = 0;
    for (int s = 0; s < nsizes; s++) {
        double corrected, med = report_size(md, md_dat, sizes[s], r[s], runs, first, &corrected);
        if (med != med) continue;
        if (measured++ == 0) first = med;
        lo = fmin(lo, med);
        hi = fmax(hi, med);
        clo = fmin(clo, corrected);
        chi = fmax(chi, corrected);
    }
    fclose(md_dat);
    free(r);
    bench_out(md, "\nMedians over the runs. GC ns per collection per live MiB: pause time (wall clock, as gclab "
                  "records it) / surviving MiB, over the steady-state collections. CPU share: the process's CPU "
                  "time / its elapsed time; × CPU share: the same figure scaled by it, an estimate of the pause CPU "
                  "time per live MiB on a machine shared with other jobs (it assumes the process was descheduled "
                  "evenly).\n\n");
    if (measured >= 2)
        bench_out(md,
                  "Largest / smallest GC ns per collection per live MiB: %.2f (target ≤ 1.50): %s "
                  "(scaled by the CPU share: %.2f)\n\n",
                  hi / lo, hi / lo <= 1.5 ? "PASS" : "FAIL", chi / clo);
    else
        bench_out(md, "Fewer than two sizes measured: no ratio.\n\n");
    fclose(md);
    if (measured >= 1) draw(o, 1.5 * lo);
    return failures ? -1 : 0;
}
