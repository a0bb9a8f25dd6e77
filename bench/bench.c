/* gclab-bench: the performance benchmark's driver (docs/performance.md).
 *
 *   gclab-bench [all|gcbench|fastpath|scaling] [options]
 *
 * A benchmark, not a test: whatever the figures, it exits 0 when everything could run, 1 when
 * something could not (a program missing or failing, a file unwritable), 2 on bad usage. The
 * targets of issues 6 and 11 are printed as PASS or FAIL lines, never turned into an exit status;
 * a target whose collector this build's registry lacks is printed as n/a. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"

#ifndef BENCH_BIN_DIR
#define BENCH_BIN_DIR "."
#endif
#ifndef BENCH_GCLAB
#define BENCH_GCLAB "gclab"
#endif
#ifndef BENCH_SOURCE_DIR
#define BENCH_SOURCE_DIR "."
#endif

static const char usage[] =
    "usage: gclab-bench [all|gcbench|fastpath|scaling|storerate|pausetarget] [options]\n"
    "  all (default)        the five measurements below, in this order\n"
    "  gcbench              GCBench: glibc, jemalloc and mimalloc malloc/free, bdwgc, hand-written RC,\n"
    "                       the fresh-page floor and every gclab collector, interleaved over rounds;\n"
    "                       median times, ratios, peak RSS, the issues' targets;\n"
    "                       and CPython's collector on the same program, gc on and off, for context\n"
    "  fastpath             instructions per allocation and per store, counted by callgrind\n"
    "  scaling              GC time per collection per live MiB, 10 MiB to 1 GiB live, on cache\n"
    "                       (random layout) and trees (allocation order), per collector\n"
    "  storerate            gen against marksweep on cache at store_rate 0, 0.01, 0.1, 0.5: table, figure\n"
    "  pausetarget          incremental's longest pause and time against pause_target, both barriers, GCBench\n"
    "options:\n"
    "  --out DIR            results directory (default results/bench)\n"
    "  --rounds N           gcbench rounds, each running every variant once (default 7)\n"
    "  --python PROG        gcbench: the Python that runs bench/gcbench.py, CPython 3.7 or later\n"
    "                       (default python3; skipped with a note if absent)\n"
    "  --no-cpython         gcbench: leave out CPython's GCBench (gc on and off)\n"
    "  --no-prime           gcbench, scaling: do not fault in and free fresh memory before each run (the\n"
    "                       runs then meet memory as the machine left it; see docs/performance.md)\n"
    "  --ops N              fastpath operations per phase (default 1000000)\n"
    "  --sizes LIST         scaling live sizes in MiB (default 10,30,100,300,1000)\n"
    "  --scaling-runs N     scaling runs per size (default 3)\n"
    "  --storerate-runs N   storerate and pausetarget runs per point (default 3)\n"
    "  --collections N      scaling steady-state collections per run, about (trees: at least; default 6)\n"
    "  --scaling-workloads LIST\n"
    "                       scaling workloads, of cache and trees (default: both)\n"
    "  --collectors LIST    scaling collectors, of this build's (default: those with a scaling target:\n"
    "                       marksweep, semispace, markcompact)\n"
    "  --bin-dir DIR        where the bench-* programs are (default: this build's bench/)\n"
    "  --gclab PATH         the gclab program (default: this build's)\n"
    "  --source-dir DIR     the gclab source tree, for the gnuplot scripts and bench/gcbench.py\n"
    "                       (default: this build's)\n";

void bench_prime(const bench_opts *o, uint64_t bytes) {
    if (o->no_prime) return;
    char path[4096], arg[32];
    bench_fmt(path, sizeof path, "%s/bench-freshfloor", o->bin_dir);
    bench_fmt(arg, sizeof arg, "%llu", (unsigned long long)bytes);
    char *argv[] = {path, arg, NULL};
    bench_child c;
    (void)bench_run(argv, false, NULL, &c); /* one that fails (and says so) only leaves a run unprimed */
}

int bench_read_events(const char *path, const char *const *cols, int ncols,
                      int (*row)(const char *kind, const double *v, void *ctx), void *ctx) {
    enum { MAXCOLS = 64, MAXWANT = 8 };
    FILE *f = fopen(path, "r");
    if (f == NULL || ncols > MAXWANT) {
        fprintf(stderr, "gclab-bench: cannot read %s\n", path);
        if (f) fclose(f);
        return -1;
    }
    char line[2048], *col[MAXCOLS];
    int at[MAXWANT], kind = -1, rc = 0;
    for (int i = 0; i < ncols; i++) at[i] = -1;
    for (bool header = true; rc == 0 && fgets(line, sizeof line, f); header = false) {
        int n = 0; /* split the line in place at its commas (no field is quoted) */
        for (char *p = line; n < MAXCOLS; p++) {
            col[n++] = p;
            p += strcspn(p, ",\n");
            bool last = *p != ',';
            *p = '\0';
            if (last) break;
        }
        if (header) {
            for (int c = 0; c < n; c++) {
                if (strcmp(col[c], "kind") == 0) kind = c;
                for (int i = 0; i < ncols; i++)
                    if (strcmp(col[c], cols[i]) == 0) at[i] = c;
            }
            for (int i = -1; i < ncols && rc == 0; i++)
                if ((i < 0 ? kind : at[i]) < 0) {
                    fprintf(stderr, "gclab-bench: %s has no column %s\n", path, i < 0 ? "kind" : cols[i]);
                    rc = -1;
                }
            continue;
        }
        double v[MAXWANT];
        bool whole = kind < n;
        for (int i = 0; i < ncols; i++) {
            whole = whole && at[i] < n;
            v[i] = whole ? strtod(col[at[i]], NULL) : 0;
        }
        if (whole && row(col[kind], v, ctx) != 0) {
            fprintf(stderr, "gclab-bench: %s: out of memory reading it\n", path);
            rc = -1;
        }
    }
    if (rc == 0 && kind < 0) {
        fprintf(stderr, "gclab-bench: %s is empty\n", path);
        rc = -1;
    }
    fclose(f);
    return rc;
}

double bench_median(const double *v, size_t n) {
    double *s = malloc(n * sizeof *s);
    if (s == NULL) return v[0];
    memcpy(s, v, n * sizeof *s);
    for (size_t i = 1; i < n; i++) /* insertion sort: a handful of values */
        for (size_t j = i; j > 0 && s[j - 1] > s[j]; j--) {
            double t = s[j];
            s[j] = s[j - 1];
            s[j - 1] = t;
        }
    double m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    free(s);
    return m;
}

void bench_fmt(char *buf, size_t len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= len) {
        fprintf(stderr, "gclab-bench: a path or argument is too long: %.60s...\n", buf);
        exit(2);
    }
}

int bench_mkdir(const char *path) {
    char buf[4096];
    bench_fmt(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) break;
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "gclab-bench: cannot create directory %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

json_t *bench_load_json(const char *path) {
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);
    if (j == NULL) fprintf(stderr, "gclab-bench: cannot read %s: %s\n", path, e.text);
    return j;
}

int64_t bench_json_int(json_t *root, const char *path) {
    char key[128];
    json_t *node = root;
    for (const char *k = path; node != NULL;) {
        size_t len = strcspn(k, ".");
        bench_fmt(key, sizeof key, "%.*s", (int)len, k);
        node = json_object_get(node, key);
        if (k[len] == '\0') break;
        k += len + 1;
    }
    return json_is_integer(node) ? (int64_t)json_integer_value(node) : -1;
}

FILE *bench_open(const char *path) {
    FILE *f = fopen(path, "w");
    if (f == NULL) fprintf(stderr, "gclab-bench: cannot write %s: %s\n", path, strerror(errno));
    return f;
}

void bench_out(FILE *f, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    if (f) {
        va_start(ap, fmt);
        vfprintf(f, fmt, ap);
        va_end(ap);
    }
}

/* A comma-separated list of positive MiB figures into o->sizes, or exit 2. */
static void parse_sizes(bench_opts *o, const char *list) {
    enum { MAX = sizeof o->sizes / sizeof o->sizes[0] };
    o->nsizes = 0;
    for (const char *p = list;;) {
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || errno || !(v > 0 && v < 1e7) || (*end != ',' && *end != '\0') || o->nsizes == MAX) {
            fprintf(stderr,
                    "gclab-bench: bad --sizes '%s': expected up to %d positive MiB figures separated by commas\n", list,
                    (int)MAX);
            exit(2);
        }
        o->sizes[o->nsizes++] = v;
        if (*end == '\0') break;
        p = end + 1;
    }
}

/* The first line of `path` that starts with `key`, after the key and any ':' and blanks. */
static void read_field(const char *path, const char *key, char *out, size_t len) {
    FILE *f = fopen(path, "r");
    char line[512];
    bench_fmt(out, len, "unknown");
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, key, strlen(key)) != 0) continue;
        const char *v = line + strlen(key);
        v += strspn(v, " \t:");
        bench_fmt(out, len, "%.*s", (int)strcspn(v, "\n"), v);
        break;
    }
    if (f) fclose(f);
}

void bench_machine(FILE *f, const char *gclab) {
    char cpu[256], mem[64], load[128];
    read_field("/proc/cpuinfo", "model name", cpu, sizeof cpu);
    read_field("/proc/meminfo", "MemTotal", mem, sizeof mem);
    read_field("/proc/loadavg", "", load, sizeof load);
    struct utsname u;
    if (uname(&u) != 0) bench_fmt(u.release, sizeof u.release, "unknown");
    bench_out(f, "- machine: %ld CPUs online, %s, %s memory; kernel %s; compiler gcc %s\n",
              sysconf(_SC_NPROCESSORS_ONLN), cpu, mem, u.release, __VERSION__);
    bench_out(f, "- load average (1, 5, 15 min; running/total tasks): %s\n", load);
    char *argv[] = {(char *)gclab, "--version", NULL};
    bench_child c;
    if (bench_run(argv, true, NULL, &c) == 0)
        bench_out(f, "- %.*s (a '+' after the revision: uncommitted changes)\n", (int)strcspn(c.out, "\n"), c.out);
    free(c.out);
}

/* A whole number in [lo, hi], or exit 2 naming the option. */
static uint64_t parse_count(const char *opt, const char *s, uint64_t lo, uint64_t hi) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end != '\0' || s[0] == '-' || v < lo || v > hi) {
        fprintf(stderr, "gclab-bench: bad %s '%s': expected a whole number from %llu to %llu\n", opt, s,
                (unsigned long long)lo, (unsigned long long)hi);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv) {
    bench_opts o = {
        .bin_dir = BENCH_BIN_DIR,
        .gclab = BENCH_GCLAB,
        .source_dir = BENCH_SOURCE_DIR,
        .out_dir = "results/bench",
        .rounds = 7,
        .python = "python3",
        .cpython = true,
        .fastpath_ops = 1000000,
        .scaling_runs = 3,
        .storerate_runs = 3,
        .collections = 6,
    };
    parse_sizes(&o, "10,30,100,300,1000");
    const char *what = "all";
    int i = 1;
    if (i < argc && argv[i][0] != '-') what = argv[i++];
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        }
        if (strcmp(a, "--no-cpython") == 0) { /* the options without a value */
            o.cpython = false;
            continue;
        }
        if (strcmp(a, "--no-prime") == 0) {
            o.no_prime = true;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "gclab-bench: %s: unknown option, or its value is missing (see gclab-bench --help)\n", a);
            return 2;
        }
        const char *v = argv[++i];
        if (strcmp(a, "--out") == 0) o.out_dir = v;
        else if (strcmp(a, "--rounds") == 0) o.rounds = (int)parse_count(a, v, 1, 1000);
        else if (strcmp(a, "--python") == 0) o.python = v;
        else if (strcmp(a, "--ops") == 0) o.fastpath_ops = parse_count(a, v, 1000, 1u << 28);
        else if (strcmp(a, "--sizes") == 0) parse_sizes(&o, v);
        else if (strcmp(a, "--scaling-runs") == 0) o.scaling_runs = (int)parse_count(a, v, 1, 100);
        else if (strcmp(a, "--storerate-runs") == 0) o.storerate_runs = (int)parse_count(a, v, 1, 16);
        else if (strcmp(a, "--collections") == 0) o.collections = (int)parse_count(a, v, 1, 1000);
        else if (strcmp(a, "--scaling-workloads") == 0) {
            if (bench_scaling_select(v, &o.scaling_workloads) != 0) return 2;
        } else if (strcmp(a, "--collectors") == 0) {
            if (bench_scaling_collectors(v, &o) != 0) return 2;
        } else if (strcmp(a, "--bin-dir") == 0) o.bin_dir = v;
        else if (strcmp(a, "--gclab") == 0) o.gclab = v;
        else if (strcmp(a, "--source-dir") == 0) o.source_dir = v;
        else {
            fprintf(stderr, "gclab-bench: unknown option %s (see gclab-bench --help)\n", a);
            return 2;
        }
    }
    bool all = strcmp(what, "all") == 0;
    if (!all && strcmp(what, "gcbench") != 0 && strcmp(what, "fastpath") != 0 && strcmp(what, "scaling") != 0 &&
        strcmp(what, "storerate") != 0 && strcmp(what, "pausetarget") != 0) {
        fprintf(stderr, "gclab-bench: unknown measurement '%s' (all, gcbench, fastpath, scaling, storerate or pausetarget)\n", what);
        return 2;
    }
    if (bench_mkdir(o.out_dir) != 0) return 1;
    char path[4200];
    bench_fmt(path, sizeof path, "%s/machine.md", o.out_dir);
    FILE *machine = bench_open(path);
    if (machine == NULL) return 1;
    printf("== Machine, at the start ==\n");
    bench_machine(machine, o.gclab);
    printf("\n");
    int failed = 0;
    if (all || strcmp(what, "gcbench") == 0) failed |= bench_gcbench(&o) != 0;
    if (all || strcmp(what, "fastpath") == 0) failed |= bench_fastpath(&o) != 0;
    if (all || strcmp(what, "scaling") == 0) failed |= bench_scaling(&o) != 0;
    if (all || strcmp(what, "storerate") == 0) failed |= bench_storerate(&o) != 0;
    if (all || strcmp(what, "pausetarget") == 0) failed |= bench_pausetarget(&o) != 0;
    printf("== Machine, at the end ==\n");
    fprintf(machine, "At the end:\n");
    bench_machine(machine, o.gclab);
    fclose(machine);
    if (failed) fprintf(stderr, "gclab-bench: some measurements could not run (see above)\n");
    return failed ? 1 : 0;
}

int bench_draw(const bench_opts *o, const char *name, const char *vars) {
    char script[4200], log[4200];
    bench_fmt(script, sizeof script, "%s/bench/%s.gp", o->source_dir, name);
    bench_fmt(log, sizeof log, "%s/%s.gnuplot.log", o->out_dir, name);
    char *argv[] = {"gnuplot", "-e", (char *)vars, script, NULL};
    bench_child c;
    if (bench_run(argv, false, log, &c) == 0) {
        printf("Figure: %s/%s.{pdf,svg,png}\n", o->out_dir, name);
        return 0;
    }
    fprintf(stderr, "gclab-bench: the %s figure could not be drawn (see %s)\n", name, log);
    return -1;
}

double bench_median_known(const double *v, int n) {
    double r[64];
    size_t k = 0;
    for (int i = 0; i < n && k < sizeof r / sizeof r[0]; i++)
        if (!isnan(v[i])) r[k++] = v[i];
    return k ? bench_median(r, k) : NAN;
}
