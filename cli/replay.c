/* `gclab replay --collector NAME TRACE [options]`: replay a trace (docs/trace-format.md) on one
 * collector, with the same options, metrics and results directory as `gclab run` (the run driver
 * replays the trace in place of a workload: core/run.c). */
#include <stdio.h>

#include "cli/run_args.h"

int cmd_replay(const cli_catalog *cat, int argc, char **argv) {
    cli_run_args a;
    if (cli_parse_run_args("replay", argc, argv, &a) != 0) return GC_ERR_USAGE;
    if (!a.collector) {
        fprintf(stderr, "gclab: replay: --collector is required (see gclab help)\n");
        return GC_ERR_USAGE;
    }
    if (!a.positional) {
        fprintf(stderr, "gclab: replay: the trace file to replay is required (see gclab help)\n");
        return GC_ERR_USAGE;
    }
    char err[320];
    if (cli_prepare_run(cat, a.collector, NULL, a.params, a.nparams, &a.cfg, err, sizeof err) != GC_OK) {
        fprintf(stderr, "gclab: %s\n", err);
        return GC_ERR_USAGE;
    }
    a.cfg.replay_trace = a.positional;
    gc_run_result res;
    gc_run_catch_signals();
    gc_error e = gc_run(&a.cfg, &res);
    if (!a.quiet && (e == GC_OK || res.wall_ns > 0)) cli_print_summary(&a.cfg, &res);
    fflush(stdout);
    cli_report_run(&res);
    return gc_run_exit_code(&res);
}
