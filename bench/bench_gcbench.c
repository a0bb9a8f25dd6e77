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
 *
 * CPython, for context (not a target): bench/gcbench.py, the same program in Python, run by
 * CPython with its collector enabled and with gc.disable(), as two more variants in the same
 * rounds. Its own table sets CPython's gc-on / gc-off ratio beside gclab's rc-gen / rc, each taken
 * pair by pair within a round, with both collectors' collections and time in collections per
 * generation (CPython: gc.get_stats() and gc.callbacks; rc-gen: the `gen` rows of its events.csv).
 * CPython is optional: without it (not on PATH, not CPython, --no-cpython) one line says so.
 * Output: Markdown tables (stdout and DIR/gcbench.md) and every run (DIR/gcbench-runs.csv). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

typedef struct variant {
    const char *name;
    const char *program;   /* in bin_dir; NULL: the gclab program given by --gclab, or CPython */
    const char *collector; /* gclab's collector; NULL for a native program or CPython */
    const char *python_gc; /* "on" or "off": bench/gcbench.py run by --python; NULL otherwise */
} variant;

/* The main table shows the variants before NMAIN; CPython's come after, in a table of their own. */
enum {
    V_GLIBC,
    V_JEMALLOC,
    V_BDWGC,
    V_RC_HAND,
    V_RC,
    V_RC_GEN,
    V_MS,
    V_MS_FIXED,
    V_RC_FIXED,
    V_PY_OFF,
    V_PY_ON,
    NVARIANTS,
    NMAIN = V_PY_OFF
};

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
    [V_PY_OFF] = {"CPython, gc disabled", NULL, NULL, "off"},
    [V_PY_ON] = {"CPython, gc enabled", NULL, NULL, "on"},
};

/* What one run measured. CPU share: the process's CPU time / its elapsed time, under 1 when it
 * waited for a CPU. For a generational collector (CPython, rc-gen), collections and their time
 * per generation 0, 1, 2 (GEN_COLLECTIONS + g, GEN_NS + g); NaN for the others. */
enum { WALL_NS, RSS_KIB, COLLECTIONS, MAX_PAUSE_NS, CPU_SHARE, GEN_COLLECTIONS, GEN_NS = GEN_COLLECTIONS + 3,
       NFIELDS = GEN_NS + 3 };

typedef struct sample {
    bool ok;
    double f[NFIELDS];
} sample;

/* Mark the per-generation fields as not applicable. */
static void clear_generations(sample *s) {
    for (int k = GEN_COLLECTIONS; k < GEN_NS + 3; k++) s->f[k] = NAN;
}

/* The name of a variant in progress lines. */
static const char *short_name(const variant *v) {
    if (v->python_gc) return strcmp(v->python_gc, "on") == 0 ? "cpython-gc-on" : "cpython-gc-off";
    return v->program ? v->program : v->collector;
}

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
        clear_generations(s);
    } else if (rc == 0) {
        fprintf(stderr, "gclab-bench: %s printed no result line\n", path);
        rc = -1;
    }
    free(c.out);
    return rc;
}

/* rc-gen's collections and their time per generation, from a run's events.csv: the rows of kind
 * `gen`, each one whole collection, the reference-counting frees it causes included
 * (docs/collectors/rc-gen.md), as CPython's gc.callbacks bracket one. */
static int count_generation(const char *kind, const double *v, void *ctx) {
    sample *s = ctx;
    int g = (int)v[0];
    if (strcmp(kind, "gen") == 0 && g >= 0 && g <= 2) {
        s->f[GEN_COLLECTIONS + g] += 1;
        s->f[GEN_NS + g] += v[1];
    }
    return 0;
}

static int read_generations(const char *path, sample *s) {
    static const char *const cols[] = {"generation", "duration_ns"};
    for (int g = 0; g < 3; g++) s->f[GEN_COLLECTIONS + g] = s->f[GEN_NS + g] = 0;
    return bench_read_events(path, cols, 2, count_generation, s);
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
    clear_generations(s);
    bool generational = json_object_get(json_object_get(j, "collector_stats"), "generations") != NULL;
    json_decref(j);
    if (!generational) return 0;
    bench_fmt(summary, sizeof summary, "%s/events.csv", dir);
    return read_generations(summary, s);
}

/* Element i of a JSON array as a number, or NaN. */
static double json_array_number(json_t *root, const char *key, size_t i) {
    json_t *x = json_array_get(json_object_get(root, key), i);
    return json_is_number(x) ? json_number_value(x) : NAN;
}

/* One run of bench/gcbench.py under CPython. It prints one line of JSON (bench/gcbench.py's
 * docstring); its wall time, like the native programs', excludes start-up. */
static int run_cpython(const bench_opts *o, const char *script, const variant *v, sample *s) {
    char *argv[] = {(char *)o->python, (char *)script, (char *)v->python_gc, NULL};
    bench_child c;
    int rc = bench_run(argv, true, NULL, &c);
    json_t *j = rc == 0 ? json_loads(c.out, 0, NULL) : NULL;
    free(c.out);
    if (rc != 0) return -1;
    *s = (sample){true,
                  {(double)bench_json_int(j, "wall_ns"), (double)c.maxrss_kb, 0,
                   (double)bench_json_int(j, "max_pause_ns"), c.cpu_s / c.wall_s}};
    for (int g = 0; g < 3; g++) {
        s->f[GEN_COLLECTIONS + g] = json_array_number(j, "collections", (size_t)g);
        s->f[GEN_NS + g] = json_array_number(j, "collection_ns", (size_t)g);
        s->f[COLLECTIONS] += s->f[GEN_COLLECTIONS + g];
    }
    json_decref(j);
    bool complete = s->f[WALL_NS] > 0 && s->f[MAX_PAUSE_NS] >= 0;
    for (int k = GEN_COLLECTIONS; k < NFIELDS; k++) complete = complete && !isnan(s->f[k]);
    if (!complete) {
        fprintf(stderr, "gclab-bench: %s %s %s printed no complete result line\n", o->python, script, v->python_gc);
        return -1;
    }
    return 0;
}

/* Whether a program can be run: a path that is executable, or a name found on PATH. */
static bool on_path(const char *prog) {
    if (strchr(prog, '/')) return access(prog, X_OK) == 0;
    const char *path = getenv("PATH");
    for (const char *p = path ? path : "/usr/bin:/bin";; p++) {
        size_t n = strcspn(p, ":");
        char buf[4096];
        int len = n ? snprintf(buf, sizeof buf, "%.*s/%s", (int)n, p, prog) : snprintf(buf, sizeof buf, "%s", prog);
        if (len > 0 && (size_t)len < sizeof buf && access(buf, X_OK) == 0) return true;
        p += n;
        if (*p == '\0') return false;
    }
}

/* Whether CPython's variants can run: not turned off, the interpreter there, the script there,
 * and the interpreter CPython 3.7 or later (gc.freeze, time.perf_counter_ns). Fills `script`,
 * and `version` ("CPython 3.11.7") or else `why` (a reason for the report). */
static bool find_cpython(const bench_opts *o, char *script, size_t slen, char *version, size_t vlen, char *why,
                         size_t wlen) {
    bench_fmt(script, slen, "%s/bench/gcbench.py", o->source_dir);
    if (!o->cpython) {
        bench_fmt(why, wlen, "--no-cpython was given");
        return false;
    }
    if (!on_path(o->python)) {
        bench_fmt(why, wlen, "%s is not on PATH", o->python);
        return false;
    }
    if (access(script, R_OK) != 0) {
        bench_fmt(why, wlen, "%s cannot be read", script);
        return false;
    }
    char *argv[] = {(char *)o->python, "-c",
                    "import platform; print(platform.python_implementation(), platform.python_version())", NULL};
    bench_child c;
    char impl[32] = "", ver[32] = "";
    if (bench_run(argv, true, NULL, &c) == 0 && sscanf(c.out, "%31s %31s", impl, ver) != 2) impl[0] = '\0';
    free(c.out);
    int major = 0, minor = 0;
    sscanf(ver, "%d.%d", &major, &minor);
    bench_fmt(version, vlen, "%s %s", impl, ver);
    if (strcmp(impl, "CPython") != 0 || major * 100 + minor < 307) {
        bench_fmt(why, wlen, "%s is not CPython 3.7 or later (it says: %s)", o->python, impl[0] ? version : "nothing");
        return false;
    }
    return true;
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
        if (runs[i][v].ok && !isnan(runs[i][v].f[field])) {
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
    for (int v = 0; v < NMAIN; v++) {
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

/* The medians of three per-generation fields as "a / b / c", each divided by `unit`; "–" when the
 * variant has no generations. */
static void format_generations(char *buf, size_t len, sample (*runs)[NVARIANTS], int rounds, int v, int field,
                               double unit) {
    double m[3], lo, hi;
    for (int g = 0; g < 3; g++) m[g] = field_median(runs, rounds, v, field + g, &lo, &hi) / unit;
    if (isnan(m[0]) || isnan(m[1]) || isnan(m[2])) bench_fmt(buf, len, "–");
    else bench_fmt(buf, len, "%.0f / %.0f / %.0f", m[0], m[1], m[2]);
}

/* CPython's table: its collector's cost (gc enabled / gc disabled) beside rc-gen's (rc-gen / rc),
 * from the same rounds. Context for the rc-gen target, not a target itself. `skipped`: why there
 * are no CPython rows, or NULL. */
static void report_cpython(FILE *f, sample (*runs)[NVARIANTS], int rounds, const char *version,
                           const char *skipped) {
    if (skipped) {
        bench_out(f, "\nCPython's GCBench (bench/gcbench.py) skipped: %s.\n", skipped);
        return;
    }
    bench_out(f, "\n%s on the same GCBench (bench/gcbench.py), beside rc-gen; context, not a target:\n\n", version);
    bench_out(f, "| variant | median time (ms) | min–max (ms) | × without cycle collection | peak RSS (MiB) "
                 "| collections, gen 0 / 1 / 2 | time in collections, gen 0 / 1 / 2 (ms) | CPU share |\n");
    bench_out(f, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    /* Each collector with its cycle collection, after the same program without it. */
    static const int rows[][2] = {{V_PY_OFF, -1}, {V_PY_ON, V_PY_OFF}, {V_RC, -1}, {V_RC_GEN, V_RC}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int v = rows[i][0], base = rows[i][1];
        double wall, lo, hi, ignore, rss, cpu;
        wall = field_median(runs, rounds, v, WALL_NS, &lo, &hi);
        rss = field_median(runs, rounds, v, RSS_KIB, &ignore, &ignore);
        cpu = field_median(runs, rounds, v, CPU_SHARE, &ignore, &ignore);
        char ratio[32], colls[64], times[64];
        if (base < 0) bench_fmt(ratio, sizeof ratio, "–");
        else bench_fmt(ratio, sizeof ratio, "%.2f", ratio_median(runs, rounds, v, base, WALL_NS));
        format_generations(colls, sizeof colls, runs, rounds, v, GEN_COLLECTIONS, 1);
        format_generations(times, sizeof times, runs, rounds, v, GEN_NS, 1e6);
        bench_out(f, "| %s | %.0f | %.0f–%.0f | %s | %.1f | %s | %s | %.2f |\n", variants[v].name, wall / 1e6,
                  lo / 1e6, hi / 1e6, ratio, rss / 1024, colls, times, cpu);
    }
    bench_out(f, "\nMedians over %d rounds. × without cycle collection: CPython gc enabled / gc disabled, and "
                 "rc-gen / rc, each taken within a round, then the median. Collections and their time: CPython's "
                 "gc.get_stats() and gc.callbacks (start to stop), rc-gen's `gen` pauses. CPython with gc disabled "
                 "takes %.1f× gclab rc's time (same rounds): its mutator is that much slower, so the same "
                 "collections weigh less in its ratio.\n",
              rounds, ratio_median(runs, rounds, V_PY_OFF, V_RC, WALL_NS));
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
    char script[4200], version[80] = "", why[4300];
    bool cpython = find_cpython(o, script, sizeof script, version, sizeof version, why, sizeof why);
    fprintf(csv, "round,position,variant,wall_ns,rss_kib,collections,max_pause_ns,cpu_share,"
                 "collections_gen0,collections_gen1,collections_gen2,collection_ns_gen0,collection_ns_gen1,"
                 "collection_ns_gen2\n");
    int failures = 0;
    int nvariants = cpython ? NVARIANTS : NMAIN; /* CPython's are the last ones */
    printf("== GCBench: %d variants%s, %d rounds, interleaved ==\n", nvariants,
           cpython ? " (2 of them CPython's)" : "", rounds);
    for (int r = 0; r < rounds; r++) {
        fprintf(stderr, "gclab-bench: gcbench round %d/%d:", r + 1, rounds);
        for (int k = 0; k < nvariants; k++) {
            int v = (r + k) % nvariants;
            sample *s = &runs[r][v];
            int rc = variants[v].python_gc ? run_cpython(o, script, &variants[v], s)
                     : variants[v].collector ? run_gclab(o, &variants[v], r, s)
                                             : run_native(o, &variants[v], s);
            if (rc != 0) {
                failures++;
                s->ok = false;
                continue;
            }
            fprintf(stderr, " %s %.0f ms;", short_name(&variants[v]), s->f[WALL_NS] / 1e6);
            fprintf(csv, "%d,%d,\"%s\",%.0f,%.0f,%.0f,%.0f,%.3f", r, k, variants[v].name, s->f[WALL_NS],
                    s->f[RSS_KIB], s->f[COLLECTIONS], s->f[MAX_PAUSE_NS], s->f[CPU_SHARE]);
            for (int f = GEN_COLLECTIONS; f < NFIELDS; f++) { /* empty where there are no generations */
                if (isnan(s->f[f])) fputc(',', csv);
                else fprintf(csv, ",%.0f", s->f[f]);
            }
            fputc('\n', csv);
        }
        fprintf(stderr, "\n");
    }
    fclose(csv);
    bench_fmt(path, sizeof path, "%s/gcbench.md", o->out_dir);
    FILE *md = bench_open(path);
    report(md, runs, rounds);
    report_cpython(md, runs, rounds, version, cpython ? NULL : why);
    if (md) fclose(md);
    printf("\n");
    free(runs);
    return failures || md == NULL ? -1 : 0;
}
