/* The options that `gclab run` and `gclab replay` share, parsed in one place (cli/cli.c), and the
 * `replay` command itself (cli/replay.c). */
#ifndef GCLAB_CLI_RUN_ARGS_H
#define GCLAB_CLI_RUN_ARGS_H

#include <stdbool.h>

#include "cli/experiment.h"
#include "gclab/run.h"

enum { CLI_MAX_PARAMS = 256 };

typedef struct cli_run_args {
    gc_run_config cfg;       /* the options' values; defaults: seed 1, a sample every 1M */
    const char *collector;   /* --collector, or NULL */
    const char *workload;    /* --workload (run only), or NULL */
    char *params[CLI_MAX_PARAMS]; /* --param NAME=VALUE, in order */
    int nparams;
    const char *positional;  /* the one operand (replay's TRACE), or NULL */
    bool quiet;
} cli_run_args;

/* Parse argv for `command`: "run" takes --workload, --seed and no operand; "replay" takes one
 * operand (the trace) and neither --workload nor --seed. Returns 0, or GC_ERR_USAGE after
 * printing one line. */
int cli_parse_run_args(const char *command, int argc, char **argv, cli_run_args *a);

/* The human summary of a run or replay on standard output. */
void cli_print_summary(const gc_run_config *cfg, const gc_run_result *r);

/* `gclab replay --collector NAME TRACE [options]` (cli/replay.c). */
int cmd_replay(const cli_catalog *cat, int argc, char **argv);

#endif
