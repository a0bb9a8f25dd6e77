/* gclab-bench, the performance benchmark's driver (docs/performance.md). Shared declarations.
 *
 * The driver is three measurements, each a file of its own:
 *   bench_gcbench.c   GCBench side by side: the native yardsticks (glibc, jemalloc, mimalloc,
 *                     bdwgc, hand-written RC, the fresh-page floor), every collector of gclab's
 *                     registry and, for context, CPython's own collector on the same program
 *                     (bench/gcbench.py), interleaved over rounds;
 *   bench_fastpath.c  instructions per allocation and per store, counted by callgrind;
 *   bench_scaling.c   GC time per live megabyte from a 10 MB to a 1 GB live heap (marksweep,
 *                     semispace, or --collectors), on a randomly laid-out heap (cache) and one
 *                     in allocation order (trees).
 * bench_spawn.c runs the child processes; bench.c parses the command line and holds the small
 * helpers below. Every figure is printed as a Markdown table and written under the output
 * directory, with the raw per-run data beside it. */
#ifndef GCLAB_BENCH_H
#define GCLAB_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

typedef struct bench_opts {
    const char *bin_dir;    /* where the bench-* programs are (this build's bench/) */
    const char *gclab;      /* the gclab program (run-time dispatch) */
    const char *source_dir; /* the source tree: gnuplot scripts (bench/scaling.gp, plots/style.gp), bench/gcbench.py */
    const char *out_dir;    /* results */
    int rounds;             /* gcbench: rounds of every variant */
    const char *python;     /* gcbench: the interpreter for bench/gcbench.py (name on PATH or path) */
    bool cpython;           /* gcbench: run CPython's GCBench too, if that interpreter is CPython */
    bool no_prime;          /* gcbench: no priming run before each run (--no-prime) */
    uint64_t fastpath_ops;  /* fastpath: operations per phase */
    double sizes[16];       /* scaling: live sizes in MiB */
    int nsizes;
    int scaling_runs;       /* scaling: runs per size */
    int storerate_runs;     /* storerate, pausetarget: runs per point */
    int collections;        /* scaling: steady-state collections per run (about) */
    unsigned scaling_workloads; /* scaling: bit i: entry i of bench_scaling.c's table; 0: all */
    const char *scaling_collectors[8]; /* scaling: collectors of the registry (--collectors) */
    int nscaling_collectors;           /* 0: those with a scaling target that the registry has */
} bench_opts;

/* A finished child process. */
typedef struct bench_child {
    int status;     /* waitpid status */
    long maxrss_kb; /* wait4's ru_maxrss: the child's peak resident set, KiB */
    double cpu_s;   /* user + system CPU time of the child */
    double wall_s;  /* from start to exit: cpu_s / wall_s is the share of a CPU it got */
    char *out;      /* captured standard output, NUL-terminated (NULL if not captured) */
} bench_child;

/* Run argv[0] (a path, or a name looked up on PATH) with argv and wait for it. Standard output is
 * captured into c->out when `capture`, else discarded; standard error goes to stderr_path, or is
 * inherited when that is NULL. Returns 0 if the program ran and exited with status 0; otherwise
 * prints one line naming the program and what happened, and returns -1. Free c->out with free(). */
int bench_run(char *const argv[], bool capture, const char *stderr_path, bench_child *c);

/* Fault in and free `bytes` of fresh memory, untimed, just before a timed run (unless
 * --no-prime): on a virtual machine that hands free memory back to its host, the run then meets
 * memory the guest has just freed rather than memory the host must fault in again (the reason is
 * in bench/bench_gcbench.c and docs/performance.md). */
void bench_prime(const bench_opts *o, uint64_t bytes);

/* The three measurements. Each returns 0 if everything it needed could run. */
int bench_gcbench(const bench_opts *o);
int bench_fastpath(const bench_opts *o);
int bench_scaling(const bench_opts *o);
int bench_storerate(const bench_opts *o);
int bench_pausetarget(const bench_opts *o);
/* Draw OUT_DIR/NAME.{pdf,svg,png} with SOURCE_DIR/bench/NAME.gp given `vars` (gnuplot -e), its
 * log in OUT_DIR/NAME.gnuplot.log; a failure is reported (-1), not fatal. */
int bench_draw(const bench_opts *o, const char *name, const char *vars);
/* A comma-separated list of scaling workload labels ("cache,trees") into a mask for
 * bench_opts.scaling_workloads; prints the bad name and returns -1 if one is unknown. */
int bench_scaling_select(const char *list, unsigned *mask);
/* A comma-separated list of collector names into o->scaling_collectors; prints the bad name and
 * the registry's collectors and returns -1 if one is not in the registry. */
int bench_scaling_collectors(const char *list, bench_opts *o);

/* --- helpers (bench.c) --- */
/* The machine and its load (nproc, CPU model, memory, compiler, kernel, load average) and the
 * gclab revision measured, as a few Markdown lines. */
void bench_machine(FILE *f, const char *gclab);
double bench_median(const double *v, size_t n); /* n >= 1; v is left unchanged */
double bench_median_known(const double *v, int n); /* of the first n (at most 64) that are not NaN; NaN if none */
/* snprintf into a fixed buffer, exiting on truncation (a path too long is a usage error). */
void bench_fmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Create a directory and its parents; prints the problem and returns -1 on failure. */
int bench_mkdir(const char *path);
/* A summary.json written by `gclab run`, or NULL with a message. */
json_t *bench_load_json(const char *path);
/* An integer at a dotted path ("time.wall_ns") of a JSON object; -1 if absent. */
int64_t bench_json_int(json_t *root, const char *path);
/* Open a results file for writing, or print why not and return NULL. */
FILE *bench_open(const char *path);
/* Read a gclab events.csv (docs/metrics.md) by column name: for every row, call row(kind, v, ctx)
 * with the row's `kind` and v[i] = the value of column cols[i] (as a number). Returns 0, or -1
 * after one line on stderr if the file cannot be read, lacks a column, or row() returns non-zero. */
int bench_read_events(const char *path, const char *const *cols, int ncols,
                      int (*row)(const char *kind, const double *v, void *ctx), void *ctx);
/* Print to stdout and to f (if not NULL): every table goes to both. */
void bench_out(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
