/* gc_run: one workload on one collector, with every metric, as `gclab run` does it.
 *
 * The order of a run: refuse an output that is also an input (check_paths), open the trace to
 * replay, create the output directory (fail before any work if it cannot be written), create the
 * heap with the recorder as its listener, run the workload (or replay the
 * trace that stands for one: core/trace_replay.c) under setjmp so
 * that a fatal heap error (limit exceeded, out of memory) comes back here, then, outside every
 * timed region: a census (what the workload left reachable, and the garbage the collector still
 * holds), one final full collection with the listener detached and a second census (what the
 * collector can never reclaim: the leak), the collector's verify hook if asked, and the files.
 * The files are written whatever happened, so a failed run keeps what it recorded; each through
 * core/outfile.h (complete or absent), and every failure met is kept in res (status_add), the
 * first one being the exit code.
 *
 * Signals (gc_run_catch_signals): the handler stores the signal number in a volatile
 * sig_atomic_t and does nothing else. The flag is read at one safe point, the heap's sample hook
 * (run_sample), which the allocation slow path calls at the same place a heap-limit failure is
 * raised, so the heap is as consistent there as after that failure; the run then fails with
 * GC_ERR_INTERRUPTED through the fatal handler and goes on to write its files like any failed
 * run. The hook is armed even with --sample-every 0 (every GC_RUN_STOP_CHECK_BYTES, recording
 * nothing) so that every run that allocates notices a signal. */
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "core/internal.h"
#include "core/buildinfo.h"
#include "core/metrics.h"
#include "core/outfile.h"
#include "gclab/mmu.h"
#include "gclab/run.h"
#include "gclab/trace.h"

int gc_mkdir_p(const char *path) {
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
    struct stat st;
    if (stat(buf, &st) != 0) return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least p of the values at or below it. */
static uint64_t rank(const uint64_t *sorted, size_t n, double p) {
    if (n == 0) return 0;
    size_t k = (size_t)(p * (double)n + 0.999999999);
    if (k < 1) k = 1;
    if (k > n) k = n;
    return sorted[k - 1];
}

void gc_pause_stats_of(uint64_t *d, size_t n, gc_pause_stats *out) {
    qsort(d, n, sizeof *d, cmp_u64);
    *out = (gc_pause_stats){.count = n};
    for (size_t i = 0; i < n; i++) out->total_ns += d[i];
    out->p50_ns = rank(d, n, 0.50);
    out->p90_ns = rank(d, n, 0.90);
    out->p99_ns = rank(d, n, 0.99);
    out->p999_ns = rank(d, n, 0.999);
    out->max_ns = n ? d[n - 1] : 0;
}

typedef struct run_env {
    jmp_buf escape;
    gc_error error;
    char message[256];
    gc_recorder *rec;
    bool record_samples; /* false with --sample-every 0: the hook only checks for a signal */
} run_env;

/* Record one failure the run met; the first one is its status (and exit code). */
static void status_add(gc_run_result *res, gc_error e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void status_add(gc_run_result *res, gc_error e, const char *fmt, ...) {
    if (res->nstatuses == GC_RUN_MAX_STATUSES) return;
    char *m = res->messages[res->nstatuses];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof res->messages[0], fmt, ap);
    va_end(ap);
    res->statuses[res->nstatuses++] = e;
    if (res->status == GC_OK) {
        res->status = e;
        memcpy(res->message, m, sizeof res->message);
    }
}

static volatile sig_atomic_t stop_signal; /* the signal caught, 0 if none (see the top) */

static void on_stop_signal(int sig) { stop_signal = sig; }

void gc_run_catch_signals(void) {
    struct sigaction sa = {0};
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESETHAND; /* a second signal: the default action, the process ends */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int gc_run_exit_code(const gc_run_result *res) {
    return res->status == GC_ERR_INTERRUPTED ? 128 + res->signal : (int)res->status;
}

/* The heap's sample hook: the safe point where a caught signal stops the run. */
static void run_sample(void *ctx, gc_heap *h) {
    run_env *env = ctx;
    int sig = stop_signal;
    if (sig) gc_fail(h, GC_ERR_INTERRUPTED, "interrupted by %s", sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal");
    if (env->record_samples) gc_recorder_sample(env->rec, h);
}

static void run_pause_end(void *ctx, gc_heap *h, const gc_pause *p) {
    run_env *env = ctx;
    gc_recorder_listener(env->rec).pause_end(env->rec, h, p);
}

/* ------------------------------------------------ inputs and outputs never the same file */

enum { MAX_NAMED_FILES = 2 * GC_MAX_PARAMS + 6 };
typedef struct named_file {
    char what[96];
    char path[4200];
} named_file;

static void add_named(named_file *v, size_t *n, const char *what, const char *path) {
    if (*n == MAX_NAMED_FILES || path == NULL || *path == '\0') return;
    snprintf(v[*n].what, sizeof v[*n].what, "%s", what);
    snprintf(v[*n].path, sizeof v[*n].path, "%s", path);
    (*n)++;
}

static void add_text_params(named_file *v, size_t *n, const gc_params *p) {
    for (size_t i = 0; p->desc && i < p->n; i++)
        if (p->desc[i].type == GC_PARAM_TEXT) {
            char what[96];
            snprintf(what, sizeof what, "parameter %s", p->desc[i].name);
            add_named(v, n, what, gc_param_text(p, p->desc[i].name));
        }
}

/* 0, or GC_ERR_USAGE with a message if an output would overwrite an input or another output. */
static int check_paths(const gc_run_config *cfg, gc_run_result *res) {
    named_file out[8], *in = malloc(MAX_NAMED_FILES * sizeof *in); /* ~300 KiB: not on the stack */
    size_t nin = 0, nout = 0;
    if (in == NULL) {
        status_add(res, GC_ERR_NOMEM, "out of memory for checking the run's file names");
        return GC_ERR_NOMEM;
    }
    add_named(in, &nin, "the replayed trace", cfg->replay_trace);
    add_text_params(in, &nin, &cfg->collector_params);
    if (cfg->workload) add_text_params(in, &nin, &cfg->workload_params);
    add_named(out, &nout, "--record-trace", cfg->record_trace);
    add_named(out, &nout, "--trace-events", cfg->trace_events);
    if (cfg->out_dir) {
        static const char *const files[] = {"events.csv", "timeline.csv", "mmu.csv", "summary.json"};
        for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
            char what[64], path[4200];
            snprintf(what, sizeof what, "--out's %s", files[i]);
            snprintf(path, sizeof path, "%s/%s", cfg->out_dir, files[i]);
            add_named(out, &nout, what, path);
        }
    }
    for (size_t o = 0; o < nout; o++) {
        for (size_t i = 0; i < nin; i++)
            if (gc_same_file(in[i].path, out[o].path)) {
                status_add(res, GC_ERR_USAGE, "%s %.1000s is also %s (%.1000s): an input is never overwritten", out[o].what,
                           out[o].path, in[i].what, in[i].path);
                free(in);
                return GC_ERR_USAGE;
            }
        for (size_t k = 0; k < o; k++)
            if (gc_same_file(out[k].path, out[o].path)) {
                status_add(res, GC_ERR_USAGE, "%s %.1000s is also %s: two outputs cannot share a file", out[o].what,
                           out[o].path, out[k].what);
                free(in);
                return GC_ERR_USAGE;
            }
    }
    free(in);
    return 0;
}

static void on_fatal(gc_heap *h, gc_error e, const char *message, void *ctx) {
    (void)h;
    run_env *env = ctx;
    env->error = e;
    snprintf(env->message, sizeof env->message, "%s", message);
    longjmp(env->escape, 1);
}

static json_t *params_json(const gc_params *p) {
    json_t *o = json_object();
    for (size_t i = 0; i < p->n; i++) {
        char buf[64];
        gc_param_format(p, i, buf, sizeof buf);
        const gc_param_desc *d = &p->desc[i];
        if (d->type == GC_PARAM_CHOICE) json_object_set_new(o, d->name, json_string(buf));
        else if (d->type == GC_PARAM_TEXT) json_object_set_new(o, d->name, json_string(gc_param_text(p, d->name)));
        else if (d->type == GC_PARAM_REAL) json_object_set_new(o, d->name, json_real(p->v[i].real));
        else json_object_set_new(o, d->name, json_integer(p->v[i].i));
    }
    return o;
}

/* Collector reports arrive as dotted paths; build the nested objects. */
static void report_into(void *ctx, const char *key, int64_t value) {
    json_t *node = ctx;
    char part[128];
    const char *k = key;
    for (const char *dot; (dot = strchr(k, '.')) != NULL; k = dot + 1) {
        snprintf(part, sizeof part, "%.*s", (int)(dot - k), k);
        json_t *child = json_object_get(node, part);
        if (child == NULL) {
            child = json_object();
            json_object_set_new(node, part, child);
        }
        node = child;
    }
    json_object_set_new(node, k, json_integer(value));
}

#define JU(v) json_integer((json_int_t)(v))

/* A collector's own figures (ops->report) as a JSON object. */
static json_t *collector_stats_json(gc_heap *h) {
    json_t *c = json_object();
    if (h->ops->report) h->ops->report(h, report_into, c);
    return c;
}

static json_t *summary_json(const gc_run_config *cfg, const gc_run_result *res, const gc_recorder *rec, gc_heap *h,
                            json_t *collector_stats) {
    json_t *s = json_object();
    json_object_set_new(s, "gclab_version", json_string(GCLAB_VERSION));
    json_object_set_new(s, "git_revision", json_string(GCLAB_GIT_REVISION));
#ifdef __clang__
    json_object_set_new(s, "compiler", json_string("clang " __clang_version__));
#else
    json_object_set_new(s, "compiler", json_string("gcc " __VERSION__));
#endif
    json_object_set_new(s, "cflags", json_string(GCLAB_CFLAGS));
    struct utsname u;
    if (uname(&u) == 0) {
        char host[600];
        snprintf(host, sizeof host, "%s %s %s %s", u.nodename, u.sysname, u.release, u.machine);
        json_object_set_new(s, "host", json_string(host));
    }
    json_object_set_new(s, "collector", json_string(cfg->collector->name));
    json_object_set_new(s, "collector_params", params_json(&cfg->collector_params));
    json_object_set_new(s, "workload", json_string(cfg->replay_trace ? "trace" : cfg->workload->name));
    json_object_set_new(s, "workload_params", params_json(&cfg->workload_params));
    if (cfg->replay_trace) json_object_set_new(s, "trace", json_string(cfg->replay_trace));
    json_object_set_new(s, "seed", JU(cfg->seed));
    json_object_set_new(s, "heap_limit", JU(cfg->heap_limit));
    json_object_set_new(s, "sample_every", JU(cfg->sample_every));
    json_object_set_new(s, "cascade_pause_min", JU(h ? gc_core(h)->cascade_pause_min : cfg->cascade_pause_min));
    json_object_set_new(s, "status", json_string(res->status == GC_OK                ? "ok"
                                                 : res->status == GC_ERR_HEAP_LIMIT  ? "heap-limit-exceeded"
                                                 : res->status == GC_ERR_INTERRUPTED ? "interrupted"
                                                                                     : "error"));
    if (res->status != GC_OK) json_object_set_new(s, "error", json_string(res->message));
    if (res->status == GC_ERR_INTERRUPTED) json_object_set_new(s, "signal", json_integer(res->signal));
    if (res->nwarnings) {
        json_t *all = json_array();
        for (size_t i = 0; i < res->nwarnings; i++) json_array_append_new(all, json_string(res->warnings[i]));
        json_object_set_new(s, "warnings", all);
    }
    if (res->nstatuses > 1) { /* every failure met, the first one included */
        json_t *all = json_array();
        for (size_t i = 0; i < res->nstatuses; i++) json_array_append_new(all, json_string(res->messages[i]));
        json_object_set_new(s, "errors", all);
    }

    json_t *t = json_object();
    json_object_set_new(t, "wall_ns", JU(res->wall_ns));
    json_object_set_new(t, "gc_ns", JU(res->gc_ns));
    json_object_set_new(t, "mutator_ns", JU(res->mutator_ns));
    json_object_set_new(t, "sampling_ns", JU(res->sampling_ns));
    json_object_set_new(t, "cascade_ns", JU(res->cascade_ns));
    json_object_set_new(t, "lazy_sweep_ns", JU(res->lazy_sweep_ns));
    json_object_set_new(t, "run_begin_ns", JU(res->run_begin_ns));
    json_object_set_new(t, "run_end_ns", JU(res->run_end_ns));
    json_object_set_new(t, "cpu_user_ns", JU(res->cpu_user_ns));
    json_object_set_new(t, "cpu_system_ns", JU(res->cpu_system_ns));
    json_object_set_new(t, "involuntary_switches", JU(res->involuntary_switches));
    json_object_set_new(t, "voluntary_switches", JU(res->voluntary_switches));
    json_object_set_new(s, "time", t);

    json_t *p = json_object();
    json_object_set_new(p, "count", JU(res->pauses.count));
    json_object_set_new(p, "total_ns", JU(res->pauses.total_ns));
    json_object_set_new(p, "p50_ns", JU(res->pauses.p50_ns));
    json_object_set_new(p, "p90_ns", JU(res->pauses.p90_ns));
    json_object_set_new(p, "p99_ns", JU(res->pauses.p99_ns));
    json_object_set_new(p, "p99_9_ns", JU(res->pauses.p999_ns));
    json_object_set_new(p, "max_ns", JU(res->pauses.max_ns));
    json_object_set_new(s, "pauses", p);

    static const struct { const char *key; uint64_t ns; } mmu_windows[] = {
        {"window_1ms", 1000000}, {"window_10ms", 10000000}, {"window_100ms", 100000000}, {"window_1s", 1000000000}};
    json_t *mm = json_object(), *bm = json_object();
    /* BMU(w), the least MMU over the windows of at least w: over w itself and the curve's 64
     * windows (mmu.csv's) from w up; -1 if either could not be computed */
    enum { POINTS = 64 };
    uint64_t curve_w[POINTS];
    double curve_mmu[POINTS];
    size_t npoints = 0;
    bool curve = gc_mmu_curve_spans(rec->spans, rec->npauses, res->run_begin_ns, res->run_end_ns, POINTS, curve_w,
                                    curve_mmu, &npoints) == 0;
    for (size_t i = 0; i < sizeof mmu_windows / sizeof mmu_windows[0]; i++) {
        double at = gc_mmu_at_spans(rec->spans, rec->npauses, res->run_begin_ns, res->run_end_ns, mmu_windows[i].ns);
        json_object_set_new(mm, mmu_windows[i].key, json_real(at));
        double bmu = curve && at >= 0 ? at : -1;
        for (size_t k = 0; bmu >= 0 && k < npoints; k++)
            if (curve_w[k] >= mmu_windows[i].ns && curve_mmu[k] < bmu) bmu = curve_mmu[k];
        json_object_set_new(bm, mmu_windows[i].key, json_real(bmu));
    }
    json_object_set_new(s, "mmu", mm);
    json_object_set_new(s, "bmu", bm);

    json_t *m = json_object();
    json_object_set_new(m, "allocations", JU(res->counts.allocs));
    json_object_set_new(m, "bytes_allocated", JU(res->counts.bytes_allocated));
    json_object_set_new(m, "sets", JU(res->counts.sets));
    json_object_set_new(m, "gets", JU(res->counts.gets));
    json_object_set_new(m, "copies", JU(res->counts.copies));
    json_object_set_new(m, "drops", JU(res->counts.drops));
    json_object_set_new(s, "mutator", m);

    json_t *f = json_object();
    json_object_set_new(f, "heap_bytes_peak", JU(res->heap_bytes_peak));
    json_object_set_new(f, "block_bytes_peak", JU(res->block_bytes_peak));
    json_object_set_new(f, "jemalloc_allocated_peak", JU(rec->peak.je_allocated));
    json_object_set_new(f, "jemalloc_active_peak", JU(rec->peak.je_active));
    json_object_set_new(f, "jemalloc_resident_peak", JU(rec->peak.je_resident));
    json_object_set_new(f, "rss_peak", JU(res->rss_peak));
    json_object_set_new(f, "samples", JU(rec->nsamples));
    /* each space's own figures at the end of the run (docs/metrics.md) */
    json_t *sp = json_object();
    for (gc_space *x = gc_heap_spaces(h); x; x = x->next) {
        json_t *one = json_object();
        json_object_set_new(one, "objects", JU(gc_space_objects(h, x)));
        json_object_set_new(one, "bytes", JU(gc_space_bytes(h, x)));
        json_object_set_new(one, "block_bytes_peak", JU(x->block_bytes_peak));
        json_object_set_new(sp, x->name, one);
    }
    json_object_set_new(f, "spaces", sp);
    json_object_set_new(s, "footprint", f);

    json_t *e = json_object();
    json_object_set_new(e, "live_objects", JU(res->live_objects));
    json_object_set_new(e, "live_bytes", JU(res->live_bytes));
    json_object_set_new(e, "garbage_objects", JU(res->garbage_objects));
    json_object_set_new(e, "garbage_bytes", JU(res->garbage_bytes));
    json_object_set_new(e, "leaked_objects", JU(res->leaked_objects));
    json_object_set_new(e, "leaked_bytes", JU(res->leaked_bytes));
    json_object_set_new(s, "final", e);

    json_object_set(s, "collector_stats", collector_stats);
    return s;
}

/* The MMU curve over the workload's run, at 64 window lengths. */
static int write_mmu(FILE *f, const gc_recorder *rec, const gc_run_result *res) {
    enum { POINTS = 64 }; /* window lengths; each costs one pass over the pause log */
    uint64_t windows[POINTS];
    double mmu[POINTS];
    size_t n;
    if (gc_mmu_curve_spans(rec->spans, rec->npauses, res->run_begin_ns, res->run_end_ns, POINTS, windows, mmu, &n) != 0) {
        errno = ENOMEM;
        return -1;
    }
    fputs(GC_MMU_CSV_HEADER "\n", f);
    for (size_t i = 0; i < n; i++) fprintf(f, "%llu,%.6f\n", (unsigned long long)windows[i], mmu[i]);
    return ferror(f) ? -1 : 0;
}

typedef struct run_outputs {
    const gc_recorder *rec;
    const gc_run_result *res;
} run_outputs;

static int put_mmu(FILE *f, const run_outputs *o) { return write_mmu(f, o->rec, o->res); }
static int put_events(FILE *f, const run_outputs *o) { return gc_recorder_write_events(o->rec, f); }
static int put_timeline(FILE *f, const run_outputs *o) { return gc_recorder_write_timeline(o->rec, f); }

/* The results directory. Each file is complete or absent; every one that cannot be written is a
 * failure of its own (GC_ERR_IO) added to res, and summary.json, written last, lists them. */
static void write_outputs(const gc_run_config *cfg, gc_run_result *res, const gc_recorder *rec, gc_heap *h,
                          json_t *collector_stats) {
    static const struct {
        const char *name;
        int (*put)(FILE *, const run_outputs *);
    } csv[] = {{"mmu.csv", put_mmu}, {"events.csv", put_events}, {"timeline.csv", put_timeline}};
    run_outputs o = {rec, res};
    char path[4200], err[4400];
    size_t ncsv = sizeof csv / sizeof csv[0];
    for (size_t i = 0; i < ncsv + 1; i++) {
        bool trace = i == ncsv; /* --trace-events, after --out's files */
        if (trace ? cfg->trace_events == NULL || rec->log_errno : cfg->out_dir == NULL) continue;
        if (!trace && csv[i].put == put_events && rec->log_errno) continue; /* reported already */
        if (trace) snprintf(path, sizeof path, "%s", cfg->trace_events);
        else snprintf(path, sizeof path, "%s/%s", cfg->out_dir, csv[i].name);
        gc_outfile f;
        if (gc_outfile_open(&f, path, err, sizeof err) != 0) {
            status_add(res, GC_ERR_IO, "%.300s", err);
            continue;
        }
        errno = 0;
        char title[200];
        snprintf(title, sizeof title, "gclab %s on %s", cfg->collector ? cfg->collector->name : "?",
                 cfg->workload ? cfg->workload->name : "a replayed trace");
        if ((trace ? gc_recorder_write_trace_events(rec, title, f.f) : csv[i].put(f.f, &o)) != 0) {
            int e = errno ? errno : EIO;
            gc_outfile_discard(&f);
            status_add(res, GC_ERR_IO, "cannot write %.200s: %s", path, strerror(e));
        } else if (gc_outfile_commit(&f, err, sizeof err) != 0) {
            status_add(res, GC_ERR_IO, "%.300s", err);
        }
    }
    if (cfg->out_dir == NULL) return; /* only --trace-events was asked for */
    snprintf(path, sizeof path, "%s/summary.json", cfg->out_dir);
    json_t *s = summary_json(cfg, res, rec, h, collector_stats);
    if (gc_outfile_write_json(path, s, JSON_INDENT(2) | JSON_PRESERVE_ORDER, err, sizeof err) != 0)
        status_add(res, GC_ERR_IO, "%.300s", err);
    json_decref(s);
}

static uint64_t timeval_ns(const struct timeval *t) {
    return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_usec * 1000u;
}

/* This process's peak resident set: VmHWM of /proc/self/status, the high-water mark of its own
 * address space, which exec starts afresh. Not getrusage's ru_maxrss: Linux carries that across
 * exec, so a forked launcher's pages counted (one cell measured 16.2 MB under GNU parallel and
 * 6.9 MB under gclab compare). Falls back to ru_maxrss where /proc is not mounted. */
static uint64_t process_peak_rss(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long long kib = 0;
    bool found = false;
    while (f && !found && fgets(line, sizeof line, f)) found = sscanf(line, "VmHWM: %llu kB", &kib) == 1;
    if (f) fclose(f);
    if (found) return (uint64_t)kib * 1024;
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? (uint64_t)ru.ru_maxrss * 1024 : 0;
}

gc_error gc_run(const gc_run_config *cfg, gc_run_result *res) {
    *res = (gc_run_result){0};
    if (check_paths(cfg, res) != 0) return res->status;
    gc_recorder rec = {0};
    run_env env = {.rec = &rec, .record_samples = cfg->sample_every != 0};
    gc_heap_config hc = {
        .collector = cfg->collector,
        .collector_params = &cfg->collector_params,
        .heap_limit = cfg->heap_limit,
        .sample_every = cfg->sample_every ? cfg->sample_every : GC_RUN_STOP_CHECK_BYTES,
        .cascade_pause_min = cfg->cascade_pause_min,
        .poison = cfg->poison,
        .verify = cfg->verify,
        .listener = {.ctx = &env, .pause_end = run_pause_end, .sample = run_sample},
        .on_fatal = on_fatal,
        .fatal_ctx = &env,
    };
    gc_heap *h = NULL;
    char err[320];
    gc_trace_reader *volatile reader = NULL; /* a trace replaces the workload */
    if (cfg->replay_trace) {
        gc_trace_reader *r;
        int opened = gc_trace_open(cfg->replay_trace, NULL, 0, &r, err, sizeof err);
        if (opened != GC_OK) {
            status_add(res, (gc_error)opened, "%s", err); /* out of memory (4) or bad input (2) */
            return res->status;
        }
        reader = r;
    }
    if (cfg->out_dir && gc_mkdir_p(cfg->out_dir) != 0) {
        status_add(res, GC_ERR_IO, "cannot create output directory %.250s: %s", cfg->out_dir, strerror(errno));
        gc_trace_reader_close(reader);
        return res->status;
    }
    gc_error e = gc_heap_create(&hc, &h, err, sizeof err);
    if (e != GC_OK) {
        status_add(res, e, "%s", err);
        gc_trace_reader_close(reader);
        return e;
    }
    gc_trace_writer *volatile writer = NULL;
#if defined(GCLAB_FIXED_RECORDER) && !(GCLAB_FIXED_RECORDER)
    if (cfg->record_trace) { /* its mutator operations would not be recorded */
        status_add(res, GC_ERR_USAGE, "this build is compiled for runs that record no trace: --record-trace is refused");
        gc_heap_destroy(h);
        gc_trace_reader_close(reader);
        return res->status;
    }
#endif
    if (cfg->record_trace) {
        gc_trace_writer *w = gc_trace_writer_open(cfg->record_trace, err, sizeof err);
        if (w == NULL) {
            status_add(res, GC_ERR_IO, "%s", err);
            gc_heap_destroy(h);
            gc_trace_reader_close(reader);
            return res->status;
        }
        writer = w;
        h->recorder = w;
    }
    gc_rng rng;
    gc_rng_seed(&rng, cfg->seed);
    gc_recorder_sample(&rec, h); /* the timeline starts at zero (and has two rows with --sample-every 0) */
    uint64_t sampling_outside = rec.sampling_ns; /* the first and last samples are outside wall_ns */
    struct rusage ru_start, ru_end;
    bool have_rusage = getrusage(RUSAGE_SELF, &ru_start) == 0;
    uint64_t start = gc_now_ns();
    volatile int workload_status = 0;
    if (setjmp(env.escape) == 0) {
        workload_status = reader ? gc_trace_replay(h, reader) : gc_workload_specialise(cfg->workload, h)->run(h, &cfg->workload_params, &rng);
    } else {
        status_add(res, env.error, "%s", env.message);
        if (env.error == GC_ERR_INTERRUPTED) res->signal = stop_signal;
    }
    uint64_t end = gc_now_ns();
    if (have_rusage && getrusage(RUSAGE_SELF, &ru_end) == 0) {
        res->cpu_user_ns = timeval_ns(&ru_end.ru_utime) - timeval_ns(&ru_start.ru_utime);
        res->cpu_system_ns = timeval_ns(&ru_end.ru_stime) - timeval_ns(&ru_start.ru_stime);
        res->involuntary_switches = (uint64_t)(ru_end.ru_nivcsw - ru_start.ru_nivcsw);
        res->voluntary_switches = (uint64_t)(ru_end.ru_nvcsw - ru_start.ru_nvcsw);
    }
    gc_core(h)->on_fatal = NULL; /* from here on nothing may longjmp */
    h->recorder = NULL;
    uint64_t sampling_inside = rec.sampling_ns - sampling_outside;
    gc_recorder_sample(&rec, h);
    if (res->status == GC_OK && workload_status != 0)
        status_add(res, GC_ERR_VERIFY, "workload %s failed its own integrity check", reader ? "trace" : cfg->workload->name);
    if (writer && gc_trace_writer_close(writer, err, sizeof err) != 0) status_add(res, GC_ERR_IO, "%s", err);

    res->wall_ns = end - start;
    res->run_begin_ns = start - gc_core(h)->t0_ns;
    res->run_end_ns = end - gc_core(h)->t0_ns;
    res->gc_ns = gc_core(h)->gc_ns;
    res->cascade_ns = gc_core(h)->cascade_ns;
    res->lazy_sweep_ns = gc_core(h)->lazy_sweep_ns;
    res->sampling_ns = sampling_inside;
    res->mutator_ns = res->wall_ns > res->gc_ns + res->sampling_ns ? res->wall_ns - res->gc_ns - res->sampling_ns : 0;
    res->counts = h->counts;
    res->heap_bytes_peak = gc_heap_bytes_peak(h);
    res->nwarnings = gc_core(h)->nwarnings;
    memcpy(res->warnings, gc_core(h)->warnings, sizeof res->warnings);
    res->block_bytes_peak = gc_core(h)->block_bytes_peak;
    /* The process's high-water mark is exact where samples can miss a peak. */
    uint64_t maxrss = process_peak_rss();
    res->rss_peak = rec.peak.rss > maxrss ? rec.peak.rss : maxrss;
    res->je_resident_peak = rec.peak.je_resident;
    uint64_t *d = malloc((rec.npauses ? rec.npauses : 1) * sizeof *d);
    if (d) {
        for (size_t i = 0; i < rec.npauses; i++) d[i] = rec.spans[2 * i + 1] - rec.spans[2 * i];
        gc_pause_stats_of(d, rec.npauses, &res->pauses);
        free(d);
    }

    /* Outside timed regions: what is left, and what can never be reclaimed. After a heap-limit
     * failure or an interruption (both raised at the same point of the allocation slow path)
     * the heap is consistent (the failing allocation changed nothing); after any other failure
     * (out of memory, a collector's broken invariant) it may be half way through a collection,
     * so nothing more walks it: the census figures stay 0 and the failure is the result. */
    gc_error failed = gc_core(h)->error;
    bool consistent = failed == GC_OK || failed == GC_ERR_HEAP_LIMIT || failed == GC_ERR_INTERRUPTED;
    gc_census_result c = {0};
    if (consistent) gc_census(h, &c);
    res->live_objects = c.reachable_objects;
    res->live_bytes = c.reachable_bytes;
    res->garbage_objects = c.unreachable_objects;
    res->garbage_bytes = c.unreachable_bytes;
    json_t *collector_stats = collector_stats_json(h); /* as the run left them, before the final collection */
    gc_core(h)->listener = (gc_listener){0};
    /* On a consistent heap the leak is measured after a final collection. */
    if (h->ops->collect && consistent) {
        gc_core(h)->heap_limit = 0; /* the final collection must not fail on the limit */
        h->ops->collect(h, -1, GC_REASON_EXPLICIT);
    }
    if (consistent) gc_census(h, &c);
    res->leaked_objects = c.unreachable_objects;
    res->leaked_bytes = c.unreachable_bytes;
    if (cfg->verify && res->status == GC_OK && gc_verify(h, err, sizeof err) != 0)
        status_add(res, GC_ERR_VERIFY, "verify failed: %s", err);
    if (rec.oom) status_add(res, GC_ERR_NOMEM, "out of memory while recording metrics: results are incomplete");
    if (rec.log_errno)
        status_add(res, GC_ERR_IO, "cannot keep the log of pauses (a temporary file): %s; events.csv is not written",
                   strerror(rec.log_errno));
    if (cfg->out_dir || cfg->trace_events) write_outputs(cfg, res, &rec, h, collector_stats);
    json_decref(collector_stats);
    gc_trace_reader_close(reader);
    gc_heap_destroy(h);
    gc_recorder_free(&rec);
    return res->status;
}
