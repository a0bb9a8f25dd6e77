/* Experiments: many cells (collector x workload x heap size x invocation), each run in its own
 * process, collected into results.csv, report.md and figures. Shared by `gclab compare`,
 * `gclab run-cell`, `gclab minheap` and `gclab merge` (docs/experiments.md).
 *
 * Layout of an experiment directory DIR:
 *   DIR/experiment.json         the compare command's settings
 *   DIR/minheap.json            cached minimum heaps
 *   DIR/plan/NAME.json          one cell's full description (written before any cell runs)
 *   DIR/cells/NAME.tmp/         a cell being run (removed and redone if found on a re-run)
 *   DIR/cells/NAME/             a finished cell: cell.json, summary.json, events.csv, timeline.csv, mmu.csv
 *   DIR/results.csv, DIR/report.md, DIR/plots/ */
#ifndef GCLAB_CLI_EXPERIMENT_H
#define GCLAB_CLI_EXPERIMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gclab/cli.h"
#include "gclab/run.h"

typedef struct cli_catalog {
    const gc_collector_ops *const *extra_c;
    const gc_workload *const *extra_w;
} cli_catalog;

const gc_collector_ops *cli_find_collector(const cli_catalog *cat, const char *name);
const gc_workload *cli_find_workload(const cli_catalog *cat, const char *name);

/* Resolve names and apply NAME=VALUE parameters (collector's table first, then the workload's)
 * into cfg. wname may be NULL (a replay: the trace is the workload). GC_OK, or GC_ERR_USAGE with
 * a one-line message. */
int cli_prepare_run(const cli_catalog *cat, const char *cname, const char *wname, char *const *params, int nparams,
                    gc_run_config *cfg, char *err, size_t errlen);

/* Every failure a run met, one line each on standard error (cli/cli.c). */
void cli_report_run(const gc_run_result *res);

/* One result row: a finished (or failed) cell. Figures are NAN when the cell has none. */
typedef struct cell_row {
    char name[200], collector[64], workload[64], status[40];
    double heap_multiple; /* NAN for an absolute limit or none */
    uint64_t heap_limit;  /* 0: none */
    unsigned invocation;
    uint64_t seed;
    double wall_ns, gc_ns, mutator_ns, gc_share;
    double pause_count, pause_p50_ns, pause_p90_ns, pause_p99_ns, pause_p999_ns, pause_max_ns;
    double heap_bytes_peak, block_bytes_peak, jemalloc_resident_peak, rss_peak;
    double allocations, bytes_allocated, leaked_objects, leaked_bytes;
    double mmu_1ms, mmu_10ms, mmu_100ms;
    double live_bytes;  /* reachable at the end of the workload (the final census) */
    double run_end_ns;  /* the workload's end, on the clock of events.csv and timeline.csv */
    double cpu_share;   /* (cpu_user_ns + cpu_system_ns) / wall_ns; NAN if the cell does not say */
    double involuntary_switches;
    double noisy;       /* 1 if the run competed for its CPU (results_is_noisy), 0 if not, NAN unknown */
    char dir[4096]; /* the cell's directory */
} cell_row;

/* The noise rule (docs/experiments.md): a run is noisy if it had its CPU less than
 * CLI_NOISY_CPU_SHARE of its wall time, or was preempted more than once per
 * CLI_NOISY_MS_PER_SWITCH ms of it (and more than CLI_NOISY_MIN_SWITCHES times in all). */
#define CLI_NOISY_CPU_SHARE 0.95
#define CLI_NOISY_MS_PER_SWITCH 10.0
#define CLI_NOISY_MIN_SWITCHES 5

typedef struct cell_table {
    cell_row *rows;
    size_t n, cap;
} cell_table;

/* Load every cell of DIR/cells (finished ones, and unfinished ones as status "incomplete").
 * A corrupt cell (unreadable or malformed JSON) is an error naming it. */
/* Check the text of a cell's results file as merge checks the file: `which` 0 events.csv,
 * 1 timeline.csv, 2 mmu.csv (modulo 3). 0, or -1 with one line naming the cell, the file and the
 * line; -2 out of memory. (For the fuzz target: the same checks, on memory.) */
int results_check_csv_text(const char *cell, unsigned which, const char *text, size_t len, char *err, size_t errlen);
/* 0; -1 with a message (not an experiment, a corrupt cell); -2 out of memory. */
int results_load(const char *dir, cell_table *t, char *err, size_t errlen);
/* One finished cell's row from the texts of its cell.json and summary.json (what results_load
 * reads from the files; the fuzz target's way in). 0, or -1 with a message naming the cell. */
int results_row_from_text(const char *name, const char *cell_json, size_t cell_len, const char *summary_json,
                          size_t summary_len, cell_row *r, char *err, size_t errlen);
/* Sort the rows by cell name and keep one row per cell: several directories given to merge may
 * be copies of one experiment, each with the plans of cells run elsewhere, so a finished cell
 * replaces the same cell's incomplete or not-run rows. A cell finished in two places is an error
 * naming it. */
int results_combine(cell_table *t, char *err, size_t errlen);
int results_write_csv(const cell_table *t, const char *path, char *err, size_t errlen);
void results_free(cell_table *t);

/* Spawn this program with argv (argv[0] is ignored); stdout/stderr to the files if non-NULL.
 * Returns the wait status, or -1. */
int cli_spawn_self(char *const argv[], const char *stdout_path, const char *stderr_path);
/* Spawn any program found on PATH; returns the wait status or -1. */
int cli_spawn(const char *prog, char *const argv[], const char *stdout_path, const char *stderr_path);

/* Load the cells of every directory in dirs, write out/results.csv, out/report.md and (with
 * plots) the figures. Returns an exit code. */
int merge_dirs(const char *const *dirs, int ndirs, const char *out, bool plots);

/* The commands. */
int cmd_compare(const cli_catalog *cat, int argc, char **argv);
int cmd_run_cell(const cli_catalog *cat, int argc, char **argv);
int cmd_minheap(const cli_catalog *cat, int argc, char **argv);
int cmd_merge(const cli_catalog *cat, int argc, char **argv);

/* Minimum heap (bytes of cells in use) at which a run completes, by bisection within
 * `tolerance` (relative). Cached in cache_path (a JSON object) when it is not NULL. */
int minheap_find(const char *collector, const char *workload, char *const *params, int nparams, uint64_t seed,
                 double tolerance, const char *cache_path, uint64_t *out, char *err, size_t errlen);

/* snprintf for paths and messages built from user-given names: truncation is possible by design
 * (the buffers are large) and harmless, so it is not worth a compiler warning at every call. */
int cli_fmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Is `a` one of the options in the NULL-terminated list `opts` (cli/cli.c)? So that an unknown
 * option last on the line is called unknown, not one that "needs a value". */
bool cli_is_option(const char *a, const char *const *opts);

/* Lists given as "a,b,c": split in place into at most max items. Returns the count; -1 if the list
 * or one of its items is empty ("", ",", "a,,b", "a,"), -2 if it has more than max items (text is
 * then unchanged). */
int cli_split_list(char *text, char **items, int max);

#endif
