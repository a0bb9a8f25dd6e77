/* GCBench side by side (issues 6 and 11): the native yardsticks of bench/gcbench_native.c
 * (glibc, jemalloc and mimalloc malloc/free, bdwgc, hand-written RC), gclab's `gcbench` workload
 * on every collector of the registry with run-time dispatch (the normal gclab program) and, for
 * marksweep and rc, with the fast paths fixed at compile time (gclab-fixed-*), and the fresh-page
 * floor (bench/freshfloor.c) filling as many fresh bytes as the workload allocates. The targets
 * name collectors; one whose collector the registry lacks prints "n/a (collector not built)".
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
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gclab/collector.h"

#include "bench.h"

/* One program of the table. The list is built at run time (make_variants): the native
 * yardsticks, then one row for every collector of the registry (gc_collectors), then the
 * fixed-dispatch builds of collectors the registry has, then the fresh-page floor, then
 * CPython's two.
 *
 * Priming (on unless --no-prime): just before every timed run, bench-freshfloor faults in and
 * frees a quarter more fresh memory than the largest run touches, untimed. Why: on a virtual
 * machine that reports free memory to its host (Linux free page reporting), memory that has been
 * free for a second or two is handed back to the host, and touching it again costs the host's page
 * faults on top of the guest's. Measured here (docs/performance.md): the floor's 617 MB took
 * 1.28-1.31 s after an idle spell and 0.10-0.11 s right after a primer; nogc, 0.6-1.3 s unprimed
 * and 0.142-0.146 s primed. Unprimed, a run's time depended on what ran before it more than on
 * the allocator; primed, every run meets memory the guest kernel has just zeroed and freed, as on
 * a machine without a host, and the figures are about the program.
 * The floor still comes after every gclab program: with --no-prime, a collector placed right
 * after it would meet its just-freed 600 MB in every round but the first. */
typedef struct variant {
    char name[80];         /* the table's row */
    char id[48];           /* short name: targets, progress lines, run directories */
    const char *program;   /* in bin_dir; NULL: the gclab program given by --gclab, or CPython */
    const char *collector; /* gclab's collector; NULL for a native program or CPython */
    const char *python_gc; /* "on" or "off": bench/gcbench.py run by --python; NULL otherwise */
    const char *param;     /* a gclab collector parameter ("name=value") of this variant's; NULL: defaults */
    bool fresh_floor;      /* bench-freshfloor: given the bytes a gclab run allocates */
} variant;

/* The native programs of bench/meson.build: name, id, program. */
static const struct {
    const char *name, *id, *program;
} natives[] = {
    {"glibc malloc/free", "glibc", "bench-glibc"},
    {"jemalloc malloc/free", "jemalloc", "bench-jemalloc"},
    {"mimalloc malloc/free", "mimalloc", "bench-mimalloc"},
    {"bdwgc", "bdwgc", "bench-bdwgc"},
    {"bdwgc, incremental (GC_enable_incremental)", "bdwgc-incremental", "bench-bdwgc-incremental"},
    {"hand-written RC", "rc-hand", "bench-rc-hand"},
};
static const variant fresh_floor = {.name = "fresh-page floor", .id = "fresh-floor", .program = "bench-freshfloor",
                                    .fresh_floor = true};

/* The builds with the fast paths fixed at compile time for one collector (bench/meson.build's
 * bench_fixed): program, collector. */
static const struct {
    const char *program, *collector;
} fixed_builds[] = {
    {"gclab-fixed-marksweep", "marksweep"},
    {"gclab-fixed-rc", "rc"},
};

/* gclab collectors at a parameter other than their default: collector, parameter, id. */
static const struct {
    const char *collector, *param, *id;
} param_variants[] = {
    {"incremental", "barrier=insertion", "incremental-insertion"},
};

enum { MAX_VARIANTS = 64, LAST_VARIANTS = 3 /* the floor and CPython's two */ };

/* Fill vs with every variant, CPython's last; returns how many, and sets *nmain to the number
 * before CPython's (the main table's rows). */
static int make_variants(variant *vs, int *nmain) {
    int n = 0;
    for (size_t i = 0; i < sizeof natives / sizeof natives[0]; i++) {
        variant *v = &vs[n++];
        *v = (variant){.program = natives[i].program};
        bench_fmt(v->name, sizeof v->name, "%s", natives[i].name);
        bench_fmt(v->id, sizeof v->id, "%s", natives[i].id);
    }
    for (size_t i = 0; gc_collectors[i] && n < MAX_VARIANTS - LAST_VARIANTS; i++) {
        variant *v = &vs[n++];
        *v = (variant){.collector = gc_collectors[i]->name};
        bench_fmt(v->name, sizeof v->name, "gclab %s", v->collector);
        bench_fmt(v->id, sizeof v->id, "%s", v->collector);
    }
    /* collectors at another parameter than their default, for targets that name it */
    for (size_t i = 0; i < sizeof param_variants / sizeof param_variants[0] && n < MAX_VARIANTS - LAST_VARIANTS; i++) {
        if (gc_collector_find(param_variants[i].collector) == NULL) continue;
        variant *v = &vs[n++];
        *v = (variant){.collector = param_variants[i].collector, .param = param_variants[i].param};
        bench_fmt(v->name, sizeof v->name, "gclab %s, %s", v->collector, v->param);
        bench_fmt(v->id, sizeof v->id, "%s", param_variants[i].id);
    }
    for (size_t i = 0; i < sizeof fixed_builds / sizeof fixed_builds[0] && n < MAX_VARIANTS - LAST_VARIANTS; i++) {
        if (gc_collector_find(fixed_builds[i].collector) == NULL) continue;
        variant *v = &vs[n++];
        *v = (variant){.program = fixed_builds[i].program, .collector = fixed_builds[i].collector};
        bench_fmt(v->name, sizeof v->name, "gclab %s, fixed dispatch", v->collector);
        bench_fmt(v->id, sizeof v->id, "%s-fixed", v->collector);
    }
    vs[n++] = fresh_floor;
    *nmain = n;
    vs[n++] = (variant){.name = "CPython, gc disabled", .id = "cpython-gc-off", .python_gc = "off"};
    vs[n++] = (variant){.name = "CPython, gc enabled", .id = "cpython-gc-on", .python_gc = "on"};
    return n;
}

/* What one run measured. CPU share: the process's CPU time / its elapsed time, under 1 when it
 * waited for a CPU. For a generational collector (CPython, rc-gen), collections and their time
 * per generation 0, 1, 2 (GEN_COLLECTIONS + g, GEN_NS + g); NaN for the others. BYTES: the
 * object bytes a gclab run allocated (mutator.bytes_allocated), or the bytes the fresh-page
 * floor filled; NaN for the others. MINOR_MAX_NS: gen's longest `minor` pause; NaN for the others.
 * P99_NS, MMU_10MS: a gclab run's pauses.p99_ns and mmu.window_10ms (summary.json). */
enum { WALL_NS, RSS_KIB, COLLECTIONS, MAX_PAUSE_NS, CPU_SHARE, GEN_COLLECTIONS, GEN_NS = GEN_COLLECTIONS + 3,
       BYTES = GEN_NS + 3, MINOR_MAX_NS, P99_NS, MMU_10MS, NFIELDS };

typedef struct sample {
    bool ok;
    double f[NFIELDS];
} sample;

/* Every round's samples of every variant. */
typedef struct results {
    const variant *v;
    int nvariants, rounds;
    sample *s; /* s[round * nvariants + variant] */
} results;

static const sample *at(const results *r, int round, int v) { return &r->s[(size_t)round * r->nvariants + v]; }

/* The variant with this id, or -1. */
static int find_variant(const results *r, const char *id) {
    for (int v = 0; v < r->nvariants; v++)
        if (strcmp(r->v[v].id, id) == 0) return v;
    return -1;
}

/* Mark the per-generation fields and the bytes as not applicable. */
static void clear_generations(sample *s) {
    for (int k = GEN_COLLECTIONS; k < NFIELDS; k++) s->f[k] = NAN;
}

/* One run of a native variant: it prints "name wall_ns collections max_pause_ns". The fresh-page
 * floor is given `floor_bytes`, the object bytes to fill. */
static int run_native(const bench_opts *o, const variant *v, uint64_t floor_bytes, sample *s) {
    char path[4096], bytes[32];
    bench_fmt(path, sizeof path, "%s/%s", o->bin_dir, v->program);
    bench_fmt(bytes, sizeof bytes, "%llu", (unsigned long long)floor_bytes);
    char *argv[] = {path, v->fresh_floor ? bytes : NULL, NULL};
    bench_child c;
    int rc = bench_run(argv, true, NULL, &c);
    unsigned long long wall, coll, pause;
    char name[64];
    if (rc == 0 && sscanf(c.out, "%63s %llu %llu %llu", name, &wall, &coll, &pause) == 4) {
        *s = (sample){true, {(double)wall, (double)c.maxrss_kb, (double)coll,
                             pause == ULLONG_MAX ? NAN : (double)pause, /* not measured */ c.cpu_s / c.wall_s}};
        clear_generations(s);
        if (v->fresh_floor) s->f[BYTES] = (double)floor_bytes;
    } else if (rc == 0) {
        fprintf(stderr, "gclab-bench: %s printed no result line\n", path);
        rc = -1;
    }
    free(c.out);
    return rc;
}

/* A generational collector's collections and their time per generation, from a run's events.csv:
 * rc-gen's rows of kind `gen`, each one whole collection, the reference-counting frees it causes
 * included (docs/collectors/rc-gen.md), as CPython's gc.callbacks bracket one; gen's `minor`
 * (generation 0) and `major` (1) rows, and the longest minor one. */
static int count_generation(const char *kind, const double *v, void *ctx) {
    sample *s = ctx;
    int g = (int)v[0];
    bool minor = strcmp(kind, "minor") == 0;
    if ((strcmp(kind, "gen") == 0 || minor || strcmp(kind, "major") == 0) && g >= 0 && g <= 2) {
        s->f[GEN_COLLECTIONS + g] += 1;
        s->f[GEN_NS + g] += v[1];
    }
    if (minor && !(s->f[MINOR_MAX_NS] >= v[1])) s->f[MINOR_MAX_NS] = v[1];
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
    bench_fmt(dir, sizeof dir, "%s/runs/gcbench-%s-%d", o->out_dir, v->id, round);
    char *argv[] = {prog, "run", "--collector", (char *)v->collector, "--workload", "gcbench", "--sample-every",
                    "0", "--out", dir, "--quiet", v->param ? "--param" : NULL, (char *)v->param, NULL};
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
    s->f[BYTES] = (double)bench_json_int(j, "mutator.bytes_allocated");
    s->f[P99_NS] = (double)bench_json_int(j, "pauses.p99_ns");
    json_t *mmu = json_object_get(json_object_get(j, "mmu"), "window_10ms");
    s->f[MMU_10MS] = json_is_number(mmu) ? json_number_value(mmu) : NAN;
    const gc_collector_ops *ops = gc_collector_find(v->collector);
    bool generational = ops != NULL && (ops->caps & GC_CAP_GENERATIONAL);
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
    for (int k = GEN_COLLECTIONS; k < BYTES; k++) complete = complete && !isnan(s->f[k]); /* its per-generation figures */
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

/* Median over the rounds of field(a) / field(b) within each round where both ran; NaN if none
 * (or if a or b is -1: no such variant). */
static double ratio_median(const results *res, int a, int b, int field) {
    double r[1000];
    size_t n = 0;
    for (int i = 0; i < res->rounds && a >= 0 && b >= 0; i++) {
        const sample *x = at(res, i, a), *y = at(res, i, b);
        if (x->ok && y->ok && y->f[field] > 0) r[n++] = x->f[field] / y->f[field];
    }
    return n ? bench_median(r, n) : NAN;
}

/* Median of one field over the rounds where the variant ran, and its range; NaN if it never ran. */
static double field_median(const results *res, int v, int field, double *lo, double *hi) {
    double r[1000];
    size_t n = 0;
    *lo = INFINITY;
    *hi = -INFINITY;
    for (int i = 0; i < res->rounds && v >= 0; i++) {
        const sample *x = at(res, i, v);
        if (x->ok && !isnan(x->f[field])) {
            r[n] = x->f[field];
            *lo = fmin(*lo, r[n]);
            *hi = fmax(*hi, r[n]);
            n++;
        }
    }
    if (n == 0) return *lo = *hi = NAN;
    return bench_median(r, n);
}

/* The targets, each "a's field / b's field <= bound" as the median of the per-round ratios.
 * `needs`: the gclab collectors it judges; when the registry lacks one (gc_collector_find), the
 * line says so instead of a verdict, and the run goes on (semispace and nogc before they land). */
typedef struct target {
    const char *what;
    const char *a, *b; /* variant ids */
    int field;
    double bound;
    const char *needs[2];
    const char *issue;
} target;

static const target targets[] = {
    {"marksweep time / bdwgc time", "marksweep", "bdwgc", WALL_NS, 0.6, {"marksweep"}, "11 (6: 0.8)"},
    {"marksweep peak RSS / bdwgc peak RSS", "marksweep", "bdwgc", RSS_KIB, 1.0, {"marksweep"}, "6"},
    {"rc time / hand-written RC time", "rc", "rc-hand", WALL_NS, 1.0, {"rc"}, "11 (6: 1.1)"},
    {"rc-gen time / rc time", "rc-gen", "rc", WALL_NS, 1.3, {"rc-gen", "rc"}, "6"},
    {"marksweep: run-time / fixed dispatch", "marksweep", "marksweep-fixed", WALL_NS, 1.05, {"marksweep"}, "6, 11"},
    {"rc: run-time / fixed dispatch", "rc", "rc-fixed", WALL_NS, 1.05, {"rc"}, "6, 11"},
    {"semispace time / mimalloc malloc/free time", "semispace", "mimalloc", WALL_NS, 0.7, {"semispace"}, "11"},
    {"semispace time / marksweep time", "semispace", "marksweep", WALL_NS, 0.9, {"semispace", "marksweep"}, "11"},
    {"semispace peak RSS / marksweep peak RSS", "semispace", "marksweep", RSS_KIB, 2.0, {"semispace", "marksweep"},
     "11"},
    {"nogc time / fresh-page floor time", "nogc", "fresh-floor", WALL_NS, 1.2, {"nogc"}, "11"},
    {"gen time / marksweep time", "gen", "marksweep", WALL_NS, 0.8, {"gen", "marksweep"}, "12"},
    /* b NULL: a bound on a's field itself, in ms (ns fields) or as it is */
    {"gen's longest minor pause (ms)", "gen", NULL, MINOR_MAX_NS, 1.0, {"gen"}, "12"},
    {"incremental (satb) longest pause (ms)", "incremental", NULL, MAX_PAUSE_NS, 1.0, {"incremental"}, "13"},
    {"incremental (satb) p99 pause (ms)", "incremental", NULL, P99_NS, 0.5, {"incremental"}, "13"},
    {"incremental (satb) time / marksweep time", "incremental", "marksweep", WALL_NS, 1.5, {"incremental", "marksweep"}, "13"},
    {"incremental (satb) MMU at 10 ms (at least)", "incremental", NULL, MMU_10MS, -0.7, {"incremental"}, "13"},
    {"incremental (insertion) longest pause (ms)", "incremental-insertion", NULL, MAX_PAUSE_NS, 1.0, {"incremental"}, "13"},
    {"incremental (insertion) p99 pause (ms)", "incremental-insertion", NULL, P99_NS, 0.5, {"incremental"}, "13"},
    {"incremental (insertion) time / marksweep time", "incremental-insertion", "marksweep", WALL_NS, 1.5,
     {"incremental", "marksweep"}, "13"},
    {"incremental (insertion) MMU at 10 ms (at least)", "incremental-insertion", NULL, MMU_10MS, -0.7, {"incremental"},
     "13"},
};

static void print_target(FILE *f, const results *res, const target *t) {
    for (int k = 0; k < 2; k++)
        if (t->needs[k] && gc_collector_find(t->needs[k]) == NULL) {
            bench_out(f, "| %s | – | %s %.2f | n/a (collector not built: %s) | %s |\n", t->what, t->bound < 0 ? "≥" : "≤", fabs(t->bound), t->needs[k],
                      t->issue);
            return;
        }
    double lo, hi, measured = t->b ? ratio_median(res, find_variant(res, t->a), find_variant(res, t->b), t->field)
                                   : field_median(res, find_variant(res, t->a), t->field, &lo, &hi);
    if (!t->b && t->field != MMU_10MS) measured /= 1e6; /* ns to ms */
    /* a negative bound is a lower bound: measured >= -bound */
    bool pass = t->bound < 0 ? measured >= -t->bound : measured <= t->bound;
    const char *verdict = isnan(measured) ? "n/a (did not run)" : pass ? "PASS" : "FAIL";
    bench_out(f, "| %s | %.3f | %s %.2f | %s | %s |\n", t->what, measured, t->bound < 0 ? "≥" : "≤", fabs(t->bound),
              verdict, t->issue);
}

/* The table and the targets, from every round's samples; the main table's rows are the variants
 * before nmain. */
static void report(FILE *f, const results *res, int nmain) {
    int bdwgc = find_variant(res, "bdwgc"), glibc = find_variant(res, "glibc");
    bench_out(f, "| variant | median time (ms) | min–max (ms) | × bdwgc | × glibc | peak RSS (MiB) | collections "
                 "| max pause (ms) | CPU share |\n");
    bench_out(f, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (int v = 0; v < nmain; v++) {
        double med[NFIELDS], lo[NFIELDS], hi[NFIELDS];
        for (int k = 0; k < NFIELDS; k++) med[k] = field_median(res, v, k, &lo[k], &hi[k]);
        bench_out(f, "| %s | %.0f | %.0f–%.0f | %.2f | %.2f | %.1f | %.0f | %.1f | %.2f |\n", res->v[v].name,
                  med[WALL_NS] / 1e6, lo[WALL_NS] / 1e6, hi[WALL_NS] / 1e6, ratio_median(res, v, bdwgc, WALL_NS),
                  ratio_median(res, v, glibc, WALL_NS), med[RSS_KIB] / 1024, med[COLLECTIONS],
                  med[MAX_PAUSE_NS] / 1e6, med[CPU_SHARE]);
    }
    double lo, hi, floor_bytes = field_median(res, find_variant(res, "fresh-floor"), BYTES, &lo, &hi);
    bench_out(f, "\nMedians over %d rounds; ratios are medians of the per-round ratios. Collections: bdwgc's "
                 "collections, gclab's pauses (for rc and rc-gen these include free cascades of 16+ objects); "
                 "max pause: median over the rounds of each run's longest; CPU share: the process's CPU time over "
                 "its elapsed time (1.00 on an idle machine; lower when it waited for a CPU). Fresh-page floor "
                 "(bench/freshfloor.c): %.1f MB, the object bytes gclab's gcbench allocates, filled as 40-byte "
                 "objects bump-allocated through fresh 2 MiB chunks advised MADV_HUGEPAGE, as gclab's heap obtains "
                 "them: the least a collector that never reuses memory (nogc) can take.\n\n",
              res->rounds, floor_bytes / 1e6);
    bench_out(f, "| target | measured | target | | issue |\n| --- | ---: | ---: | --- | --- |\n");
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) print_target(f, res, &targets[i]);
}

/* The medians of three per-generation fields as "a / b / c", each divided by `unit`; "–" when the
 * variant has no generations. */
static void format_generations(char *buf, size_t len, const results *res, int v, int field, double unit) {
    double m[3], lo, hi;
    for (int g = 0; g < 3; g++) m[g] = field_median(res, v, field + g, &lo, &hi) / unit;
    if (isnan(m[0]) || isnan(m[1]) || isnan(m[2])) bench_fmt(buf, len, "–");
    else bench_fmt(buf, len, "%.0f / %.0f / %.0f", m[0], m[1], m[2]);
}

/* CPython's table: its collector's cost (gc enabled / gc disabled) beside rc-gen's (rc-gen / rc),
 * from the same rounds. Context for the rc-gen target, not a target itself. `skipped`: why there
 * are no CPython rows, or NULL. */
static void report_cpython(FILE *f, const results *res, const char *version, const char *skipped) {
    if (skipped) {
        bench_out(f, "\nCPython's GCBench (bench/gcbench.py) skipped: %s.\n", skipped);
        return;
    }
    int py_off = find_variant(res, "cpython-gc-off"), py_on = find_variant(res, "cpython-gc-on");
    int rc = find_variant(res, "rc"), rc_gen = find_variant(res, "rc-gen");
    bench_out(f, "\n%s on the same GCBench (bench/gcbench.py), beside rc-gen; context, not a target:\n\n", version);
    bench_out(f, "| variant | median time (ms) | min–max (ms) | × without cycle collection | peak RSS (MiB) "
                 "| collections, gen 0 / 1 / 2 | time in collections, gen 0 / 1 / 2 (ms) | CPU share |\n");
    bench_out(f, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    /* Each collector with its cycle collection, after the same program without it. */
    const int rows[][2] = {{py_off, -1}, {py_on, py_off}, {rc, -1}, {rc_gen, rc}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int v = rows[i][0], base = rows[i][1];
        if (v < 0) continue; /* a collector this build does not have */
        double wall, lo, hi, ignore, rss, cpu;
        wall = field_median(res, v, WALL_NS, &lo, &hi);
        rss = field_median(res, v, RSS_KIB, &ignore, &ignore);
        cpu = field_median(res, v, CPU_SHARE, &ignore, &ignore);
        char ratio[32], colls[64], times[64];
        if (i % 2 == 0) bench_fmt(ratio, sizeof ratio, "–");
        else bench_fmt(ratio, sizeof ratio, "%.2f", ratio_median(res, v, base, WALL_NS));
        format_generations(colls, sizeof colls, res, v, GEN_COLLECTIONS, 1);
        format_generations(times, sizeof times, res, v, GEN_NS, 1e6);
        bench_out(f, "| %s | %.0f | %.0f–%.0f | %s | %.1f | %s | %s | %.2f |\n", res->v[v].name, wall / 1e6,
                  lo / 1e6, hi / 1e6, ratio, rss / 1024, colls, times, cpu);
    }
    bench_out(f, "\nMedians over %d rounds. × without cycle collection: CPython gc enabled / gc disabled, and "
                 "rc-gen / rc, each taken within a round, then the median. Collections and their time: CPython's "
                 "gc.get_stats() and gc.callbacks (start to stop), rc-gen's `gen` pauses. CPython with gc disabled "
                 "takes %.1f× gclab rc's time (same rounds): its mutator is that much slower, so the same "
                 "collections weigh less in its ratio.\n",
              res->rounds, ratio_median(res, py_off, rc, WALL_NS));
}

/* The object bytes gclab's gcbench workload allocates (mutator.bytes_allocated: the same on every
 * collector, docs/metrics.md), from one untimed run on the registry's first collector, for the
 * fresh-page floor; 0 after a message if it cannot be had. */
static uint64_t gcbench_bytes(const bench_opts *o) {
    char dir[4096], summary[4200];
    bench_fmt(dir, sizeof dir, "%s/runs/gcbench-bytes", o->out_dir);
    char *argv[] = {(char *)o->gclab, "run", "--collector", (char *)gc_collectors[0]->name, "--workload", "gcbench",
                    "--sample-every", "0", "--out", dir, "--quiet", NULL};
    bench_child c;
    if (bench_run(argv, false, NULL, &c) != 0) return 0;
    bench_fmt(summary, sizeof summary, "%s/summary.json", dir);
    json_t *j = bench_load_json(summary);
    int64_t bytes = j ? bench_json_int(j, "mutator.bytes_allocated") : -1;
    json_decref(j);
    if (bytes <= 0) {
        fprintf(stderr, "gclab-bench: %s has no mutator.bytes_allocated\n", summary);
        return 0;
    }
    return (uint64_t)bytes;
}

int bench_gcbench(const bench_opts *o) {
    variant vs[MAX_VARIANTS];
    int nmain, nall = make_variants(vs, &nmain);
    int rounds = o->rounds;
    results res = {vs, nall, rounds, calloc((size_t)rounds * (size_t)nall, sizeof(sample))};
    char path[4200];
    bench_fmt(path, sizeof path, "%s/gcbench-runs.csv", o->out_dir);
    FILE *csv = bench_open(path);
    if (res.s == NULL || csv == NULL) {
        free(res.s);
        if (csv) fclose(csv);
        return -1;
    }
    char script[4200], version[80] = "", why[4300];
    bool cpython = find_cpython(o, script, sizeof script, version, sizeof version, why, sizeof why);
    fprintf(csv, "round,position,variant,wall_ns,rss_kib,collections,max_pause_ns,cpu_share,"
                 "collections_gen0,collections_gen1,collections_gen2,collection_ns_gen0,collection_ns_gen1,"
                 "collection_ns_gen2,bytes\n");
    int failures = 0;
    int nvariants = cpython ? nall : nmain; /* CPython's are the last ones */
    printf("== GCBench: %d variants%s, %d rounds, interleaved ==\n", nvariants,
           cpython ? " (2 of them CPython's)" : "", rounds);
    uint64_t floor_bytes = gcbench_bytes(o);
    if (floor_bytes == 0) failures++; /* and the floor's runs are skipped */
    /* nogc and the floor touch about floor_bytes; a quarter more covers headers and block ends */
    uint64_t prime_bytes = floor_bytes ? floor_bytes + floor_bytes / 4 : (uint64_t)1 << 30;
    for (int r = 0; r < rounds; r++) {
        fprintf(stderr, "gclab-bench: gcbench round %d/%d:", r + 1, rounds);
        for (int k = 0; k < nvariants; k++) {
            int v = (r + k) % nvariants;
            const variant *va = &vs[v];
            sample *s = &res.s[(size_t)r * nall + v];
            bench_prime(o, prime_bytes);
            int rc = va->python_gc                     ? run_cpython(o, script, va, s)
                     : va->collector                   ? run_gclab(o, va, r, s)
                     : va->fresh_floor && !floor_bytes ? -1
                                                       : run_native(o, va, floor_bytes, s);
            if (rc != 0) {
                failures++;
                s->ok = false;
                continue;
            }
            fprintf(stderr, " %s %.0f ms;", va->id, s->f[WALL_NS] / 1e6);
            fprintf(csv, "%d,%d,\"%s\",%.0f,%.0f,%.0f,%.0f,%.3f", r, k, va->name, s->f[WALL_NS], s->f[RSS_KIB],
                    s->f[COLLECTIONS], s->f[MAX_PAUSE_NS], s->f[CPU_SHARE]);
            for (int f = GEN_COLLECTIONS; f < NFIELDS; f++) { /* empty where not applicable */
                if (isnan(s->f[f])) fputc(',', csv);
                else fprintf(csv, ",%.0f", s->f[f]);
            }
            fputc('\n', csv);
            /* The floor fills what one run allocates; a collector that allocated otherwise says so. */
            if (va->collector && floor_bytes && s->f[BYTES] != (double)floor_bytes)
                fprintf(stderr, "\ngclab-bench: %s allocated %.0f object bytes, not the %llu the fresh-page floor "
                                "fills\n", va->id, s->f[BYTES], (unsigned long long)floor_bytes);
        }
        fprintf(stderr, "\n");
    }
    fclose(csv);
    bench_fmt(path, sizeof path, "%s/gcbench.md", o->out_dir);
    FILE *md = bench_open(path);
    report(md, &res, nmain);
    report_cpython(md, &res, version, cpython ? NULL : why);
    if (md) fclose(md);
    printf("\n");
    free(res.s);
    return failures || md == NULL ? -1 : 0;
}
