/* Running one workload on one collector with full metrics: what `gclab run` does, as a library
 * call, so that a researcher's own program (docs/extending.md) gets the same results directory. */
#ifndef GCLAB_RUN_H
#define GCLAB_RUN_H

#include "gclab/collector.h"
#include "gclab/heap.h"
#include "gclab/params.h"
#include "gclab/workload.h"

typedef struct gc_run_config {
    const gc_collector_ops *collector;
    gc_params collector_params;
    const gc_workload *workload;
    gc_params workload_params;
    uint64_t seed;
    uint64_t heap_limit;        /* 0: none */
    uint64_t sample_every;      /* bytes allocated between timeline samples; 0: none */
    uint64_t cascade_pause_min; /* 0: GC_CASCADE_PAUSE_MIN_DEFAULT */
    bool poison;
    bool verify;                /* run the collector's verify hook at the end */
    const char *out_dir;        /* NULL: write no files */
    const char *record_trace;   /* NULL: record no trace */
    const char *trace_events;   /* a Chrome/Perfetto trace of the pauses and the footprint; NULL: none */
    const char *replay_trace;   /* replay this trace (docs/trace-format.md) instead of running
                                   `workload`, which may then be NULL; `seed` is unused */
} gc_run_config;

/* Percentiles are exact, by nearest rank over every recorded pause. */
typedef struct gc_pause_stats {
    uint64_t count, total_ns, p50_ns, p90_ns, p99_ns, p999_ns, max_ns;
} gc_pause_stats;

enum { GC_RUN_MAX_STATUSES = 8 };

typedef struct gc_run_result {
    gc_error status;          /* GC_OK, or the first failure the run met: its exit code */
    char message[320];        /* one line when status != GC_OK */
    /* Every failure met, in order (statuses[0] is `status`): a run can exceed its heap limit and
     * then find its disk full; both are reported. At most GC_RUN_MAX_STATUSES are kept. */
    size_t nstatuses;
    size_t nwarnings;                        /* gc_heap_warn's, in order: not failures */
    char warnings[GC_MAX_WARNINGS][240];
    gc_error statuses[GC_RUN_MAX_STATUSES];
    char messages[GC_RUN_MAX_STATUSES][320];
    int signal;               /* the signal, when status is GC_ERR_INTERRUPTED */
    uint64_t wall_ns, gc_ns, sampling_ns, mutator_ns;
    uint64_t run_begin_ns, run_end_ns;       /* the workload's run, on the pauses' clock */
    uint64_t cascade_ns;                     /* time in timed RC cascades (part of gc_ns) */
    uint64_t lazy_sweep_ns;                  /* time sweeping queued blocks on allocation (part of gc_ns) */
    uint64_t cpu_user_ns, cpu_system_ns;     /* the process's CPU time during the workload's run */
    uint64_t involuntary_switches;           /* times the kernel took the CPU from it meanwhile */
    uint64_t voluntary_switches;             /* times it gave the CPU up (waited) meanwhile */
    gc_pause_stats pauses;
    gc_mutator_counts counts;
    uint64_t heap_bytes_peak, block_bytes_peak, rss_peak, je_resident_peak;
    uint64_t garbage_objects, garbage_bytes; /* unreachable but held when the workload ended */
    uint64_t leaked_objects, leaked_bytes;   /* still held after a final full collection */
    uint64_t live_objects, live_bytes;       /* reachable when the workload ended */
} gc_run_result;

/* Run it. Returns res->status. Every figure recorded before a failure is still written. Before
 * anything else, the inputs (the replayed trace, every text parameter that names an existing
 * file) are compared with the outputs (--record-trace, the files of out_dir): the same file on
 * both sides is GC_ERR_USAGE, and nothing is read or written. */
gc_error gc_run(const gc_run_config *cfg, gc_run_result *res);

/* Catch SIGINT and SIGTERM from now on: a run in progress stops at its next safe point (a
 * timeline sample, at least every GC_RUN_STOP_CHECK_BYTES allocated), writes what it recorded with
 * the status "interrupted" and returns GC_ERR_INTERRUPTED with res->signal set. The handler only
 * records the signal (it is async-signal-safe) and is reset to the default by its first call, so
 * a second signal ends the process at once. For programs that want this; `gclab` does. */
void gc_run_catch_signals(void);
#define GC_RUN_STOP_CHECK_BYTES ((uint64_t)1 << 20)

/* The exit code for a run's status: the status itself, 128 + signal for GC_ERR_INTERRUPTED. */
int gc_run_exit_code(const gc_run_result *res);

/* Figures from a sorted array of pause durations. */
void gc_pause_stats_of(uint64_t *durations, size_t n, gc_pause_stats *out);

/* Create a directory and its parents; 0 or -1 with errno. */
int gc_mkdir_p(const char *path);

#endif
