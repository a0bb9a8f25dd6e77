/* The gclab command line: `list` and `run` (the commands are in docs/cli.md).
 *
 * Every bad input ends with one line on stderr that names the problem and a non-zero exit code:
 * 2 for bad input, 3 for an exceeded heap limit, 4 out of memory, 5 output not writable,
 * 6 a failed check, 128 + N when stopped by signal N (SIGINT, SIGTERM). A run that meets several
 * failures prints one line for each and exits with the first one's code. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buildinfo.h"
#include "cli/experiment.h"
#include "cli/run_args.h"
#include "gclab/cli.h"
#include "gclab/run.h"

typedef cli_catalog catalog;

const gc_collector_ops *cli_find_collector(const catalog *cat, const char *name) {
    const gc_collector_ops *c = gc_collector_find(name);
    for (size_t i = 0; !c && cat->extra_c && cat->extra_c[i]; i++)
        if (strcmp(cat->extra_c[i]->name, name) == 0) c = cat->extra_c[i];
    return c;
}

const gc_workload *cli_find_workload(const catalog *cat, const char *name) {
    const gc_workload *w = gc_workload_find(name);
    for (size_t i = 0; !w && cat->extra_w && cat->extra_w[i]; i++)
        if (strcmp(cat->extra_w[i]->name, name) == 0) w = cat->extra_w[i];
    return w;
}

static int usage_error(const char *fmt, const char *arg) {
    char shown[200];
    fprintf(stderr, "gclab: ");
    fprintf(stderr, fmt, gc_printable(arg, shown, sizeof shown)); /* one line whatever the argument */
    fprintf(stderr, " (see gclab help)\n");
    return GC_ERR_USAGE;
}

static const char *type_name(gc_param_type t) {
    switch (t) {
    case GC_PARAM_INT: return "int";
    case GC_PARAM_REAL: return "real";
    case GC_PARAM_SIZE: return "size";
    case GC_PARAM_CHOICE: return "choice";
    case GC_PARAM_TEXT: return "text";
    }
    return "?";
}

static void print_params(const gc_param_desc *d) {
    for (size_t i = 0; d && d[i].name; i++) {
        char range[96];
        if (d[i].type == GC_PARAM_CHOICE) snprintf(range, sizeof range, "%s", d[i].choices);
        else if (d[i].type == GC_PARAM_TEXT) snprintf(range, sizeof range, "any text");
        else snprintf(range, sizeof range, "%.12g..%.12g", d[i].min, d[i].max);
        printf("      %-18s %-6s default %-8s %-8s [%s] %s\n", d[i].name, type_name(d[i].type), d[i].def,
               d[i].unit, range, d[i].help);
    }
}

static void print_collector(const gc_collector_ops *c) {
    printf("  %-12s %s\n", c->name, c->summary);
    printf("      capabilities:%s%s%s%s%s%s\n", c->caps & GC_CAP_RECLAIMS_CYCLES ? " reclaims-cycles" : "",
           c->caps & GC_CAP_REFCOUNT ? " refcount" : "", c->caps & GC_CAP_DEFERS_RELEASE ? " defers-release" : "",
           c->caps & GC_CAP_MOVING ? " moving" : "", c->caps & GC_CAP_GENERATIONAL ? " generational" : "",
           c->caps & GC_CAP_INCREMENTAL ? " incremental" : "");
    print_params(c->params);
}

static void print_workload(const gc_workload *w) {
    printf("  %-12s %s\n", w->name, w->summary);
    print_params(w->params);
}

static int cmd_list(const catalog *cat, int argc, char **argv) {
    const char *only_c = NULL, *only_w = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--collector") == 0 && i + 1 < argc) only_c = argv[++i];
        else if (strcmp(argv[i], "--workload") == 0 && i + 1 < argc) only_w = argv[++i];
        else return usage_error("list: unexpected argument '%s'", argv[i]);
    }
    if (only_c || only_w) {
        if (only_c) {
            const gc_collector_ops *c = cli_find_collector(cat, only_c);
            if (!c) return usage_error("unknown collector '%s'", only_c);
            print_collector(c);
        }
        if (only_w) {
            const gc_workload *w = cli_find_workload(cat, only_w);
            if (!w) return usage_error("unknown workload '%s'", only_w);
            print_workload(w);
        }
        return 0;
    }
    printf("collectors (parameters: name, type, default, unit, range, meaning):\n");
    for (size_t i = 0; gc_collectors[i]; i++) print_collector(gc_collectors[i]);
    for (size_t i = 0; cat->extra_c && cat->extra_c[i]; i++) print_collector(cat->extra_c[i]);
    printf("\nworkloads:\n");
    for (size_t i = 0; gc_workloads[i]; i++) print_workload(gc_workloads[i]);
    for (size_t i = 0; cat->extra_w && cat->extra_w[i]; i++) print_workload(cat->extra_w[i]);
    return 0;
}

static void human_bytes(uint64_t b, char *buf, size_t len) {
    if (b < 1024) snprintf(buf, len, "%llu B", (unsigned long long)b);
    else if (b < 1024 * 1024) snprintf(buf, len, "%.1f KiB", b / 1024.0);
    else if (b < 1024ull * 1024 * 1024) snprintf(buf, len, "%.1f MiB", b / 1048576.0);
    else snprintf(buf, len, "%.2f GiB", b / 1073741824.0);
}

static void human_ns(uint64_t ns, char *buf, size_t len) {
    if (ns < 1000) snprintf(buf, len, "%llu ns", (unsigned long long)ns);
    else if (ns < 1000000) snprintf(buf, len, "%.1f us", ns / 1e3);
    else if (ns < 1000000000) snprintf(buf, len, "%.2f ms", ns / 1e6);
    else snprintf(buf, len, "%.3f s", ns / 1e9);
}

void cli_print_summary(const gc_run_config *cfg, const gc_run_result *r) {
    char a[32], b[32], c[32], d[32];
    if (cfg->replay_trace) printf("gclab replay: collector %s, trace %s\n", cfg->collector->name, cfg->replay_trace);
    else
        printf("gclab run: collector %s, workload %s, seed %llu\n", cfg->collector->name, cfg->workload->name,
               (unsigned long long)cfg->seed);
    human_ns(r->wall_ns, a, sizeof a);
    human_ns(r->mutator_ns, b, sizeof b);
    human_ns(r->gc_ns, c, sizeof c);
    human_ns(r->sampling_ns, d, sizeof d);
    printf("  wall time       %s (mutator %s, GC %s, sampling %s)\n", a, b, c, d);
    human_ns(r->pauses.p50_ns, a, sizeof a);
    human_ns(r->pauses.p99_ns, b, sizeof b);
    human_ns(r->pauses.max_ns, c, sizeof c);
    printf("  pauses          %llu (p50 %s, p99 %s, max %s)\n", (unsigned long long)r->pauses.count, a, b, c);
    human_bytes(r->heap_bytes_peak, a, sizeof a);
    human_bytes(r->block_bytes_peak, b, sizeof b);
    human_bytes(r->je_resident_peak, c, sizeof c);
    human_bytes(r->rss_peak, d, sizeof d);
    printf("  peak footprint  heap %s, blocks %s, jemalloc resident %s, RSS %s\n", a, b, c, d);
    human_bytes(r->counts.bytes_allocated, a, sizeof a);
    printf("  allocated       %llu objects, %s\n", (unsigned long long)r->counts.allocs, a);
    human_bytes(r->leaked_bytes, a, sizeof a);
    printf("  leaked          %llu objects, %s\n", (unsigned long long)r->leaked_objects, a);
    if (cfg->out_dir) printf("  results in      %s/\n", cfg->out_dir);
}

void cli_report_run(const gc_run_result *res) {
    for (size_t i = 0; i < res->nwarnings; i++) fprintf(stderr, "gclab: warning: %s\n", res->warnings[i]);
    for (size_t i = 0; i < res->nstatuses; i++) fprintf(stderr, "gclab: %s\n", res->messages[i]);
}

static int parse_u64(const char *text, uint64_t *out) {
    char *end;
    errno = 0;
    if (*text == '-' || *text == '\0') return -1;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

int cli_prepare_run(const catalog *cat, const char *cname, const char *wname, char *const *params, int nparams,
                    gc_run_config *cfg, char *err, size_t errlen) {
    char shown[200]; /* names as messages show them: on one line */
    if (!(cfg->collector = cli_find_collector(cat, cname))) {
        snprintf(err, errlen, "unknown collector '%s' (see gclab list)", gc_printable(cname, shown, sizeof shown));
        return GC_ERR_USAGE;
    }
    if (wname && !(cfg->workload = cli_find_workload(cat, wname))) {
        snprintf(err, errlen, "unknown workload '%s' (see gclab list)", gc_printable(wname, shown, sizeof shown));
        return GC_ERR_USAGE;
    }
    if (gc_params_init(&cfg->collector_params, cfg->collector->params, err, errlen) != 0 ||
        gc_params_init(&cfg->workload_params, wname ? cfg->workload->params : NULL, err, errlen) != 0)
        return GC_ERR_USAGE;
    for (int i = 0; i < nparams; i++) {
        char name[128], msg[256];
        const char *eq = strchr(params[i], '=');
        if (!eq || eq == params[i] || (size_t)(eq - params[i]) >= sizeof name) {
            snprintf(err, errlen, "bad --param '%s': expected NAME=VALUE", gc_printable(params[i], shown, sizeof shown));
            return GC_ERR_USAGE;
        }
        /* one value per parameter: a second one used to win silently */
        for (int k = 0; k < i; k++)
            if (strncmp(params[k], params[i], (size_t)(eq - params[i]) + 1) == 0) {
                char first[200];
                snprintf(err, errlen, "parameter '%.*s' is given twice (--param %s, then --param %s): give each once",
                         (int)(eq - params[i]), gc_printable(params[i], shown, sizeof shown),
                         gc_printable(params[k], first, sizeof first), gc_printable(params[i], shown, sizeof shown));
                return GC_ERR_USAGE;
            }
        snprintf(name, sizeof name, "%.*s", (int)(eq - params[i]), params[i]);
        int rc = gc_params_set(&cfg->collector_params, name, eq + 1, msg, sizeof msg);
        if (rc == GC_PARAM_UNKNOWN) rc = gc_params_set(&cfg->workload_params, name, eq + 1, msg, sizeof msg);
        if (rc == GC_PARAM_UNKNOWN) {
            snprintf(err, errlen, "unknown parameter '%s' for collector %s%s%s (see gclab list)",
                     gc_printable(name, shown, sizeof shown), cname, wname ? " and workload " : "", wname ? wname : "");
            return GC_ERR_USAGE;
        }
        if (rc != 0) {
            snprintf(err, errlen, "%s", msg);
            return GC_ERR_USAGE;
        }
    }
    return GC_OK;
}

bool cli_is_option(const char *a, const char *const *opts) {
    for (size_t i = 0; opts[i]; i++)
        if (strcmp(a, opts[i]) == 0) return true;
    return false;
}

/* The options of `run` and `replay` that take a value. */
static const char *const run_value_options[] = {"--collector", "--workload", "--out", "--record-trace", "--trace-events", "--param",
                                                "--seed", "--heap-limit", "--sample-every", "--cascade-pause-min", NULL};

/* The options of `run` and `replay` (see cli/run_args.h). */
int cli_parse_run_args(const char *command, int argc, char **argv, cli_run_args *r) {
    *r = (cli_run_args){.cfg = {.seed = 1, .sample_every = 1024 * 1024}};
    gc_run_config *cfg = &r->cfg;
    bool replay = strcmp(command, "replay") == 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool has = i + 1 < argc;
        if (strcmp(a, "--poison") == 0) cfg->poison = true;
        else if (strcmp(a, "--verify") == 0) cfg->verify = true;
        else if (strcmp(a, "--quiet") == 0) r->quiet = true;
        else if (replay && a[0] != '-') {
            if (r->positional) return usage_error("replay: one trace at a time ('%s' is a second)", a);
            r->positional = a;
        } else if (replay && (strcmp(a, "--workload") == 0 || strcmp(a, "--seed") == 0))
            return usage_error("replay: %s does not apply: the trace is the workload", a);
        else if (!has && cli_is_option(a, run_value_options)) return usage_error("option %s needs a value", a);
        else if (strcmp(a, "--collector") == 0) r->collector = argv[++i];
        else if (strcmp(a, "--workload") == 0) r->workload = argv[++i];
        else if (strcmp(a, "--out") == 0 || strcmp(a, "--record-trace") == 0 || strcmp(a, "--trace-events") == 0) {
            if (argv[++i][0] == '\0') return usage_error("%s: empty path", a);
            *(strcmp(a, "--out") == 0 ? &cfg->out_dir : strcmp(a, "--trace-events") == 0 ? &cfg->trace_events : &cfg->record_trace) = argv[i];
        }
        else if (strcmp(a, "--param") == 0) {
            if (r->nparams == CLI_MAX_PARAMS) return usage_error("too many --param options%s", "");
            r->params[r->nparams++] = argv[++i];
        } else if (strcmp(a, "--seed") == 0) {
            if (gc_parse_seed(argv[++i], &cfg->seed) != 0)
                return usage_error("bad --seed '%s': expected a whole number from 0 to 9223372036854775807", argv[i]);
        } else if (strcmp(a, "--heap-limit") == 0) {
            /* below 2^63: summary.json records it as a JSON integer (int64_t) */
            if (gc_parse_size(argv[++i], &cfg->heap_limit) != 0 || cfg->heap_limit == 0 || cfg->heap_limit > INT64_MAX)
                return usage_error("bad --heap-limit '%s': expected a positive size below 2^63 bytes such as 64M", argv[i]);
        } else if (strcmp(a, "--sample-every") == 0) {
            if (gc_parse_size(argv[++i], &cfg->sample_every) != 0 || cfg->sample_every > INT64_MAX)
                return usage_error("bad --sample-every '%s': expected a size below 2^63 bytes such as 1M (0 for none)", argv[i]);
        } else if (strcmp(a, "--cascade-pause-min") == 0) {
            if (parse_u64(argv[++i], &cfg->cascade_pause_min) != 0 || cfg->cascade_pause_min == 0)
                return usage_error("bad --cascade-pause-min '%s': expected a positive whole number", argv[i]);
        } else {
            char shown[200];
            fprintf(stderr, "gclab: %s: unknown option '%s' (see gclab help)\n", command, gc_printable(a, shown, sizeof shown));
            return GC_ERR_USAGE;
        }
    }
    return 0;
}

static int cmd_run(const catalog *cat, int argc, char **argv) {
    cli_run_args a;
    if (cli_parse_run_args("run", argc, argv, &a) != 0) return GC_ERR_USAGE;
    if (!a.collector) return usage_error("run: --collector is required%s", "");
    if (!a.workload) return usage_error("run: --workload is required%s", "");
    char err[320];
    if (cli_prepare_run(cat, a.collector, a.workload, a.params, a.nparams, &a.cfg, err, sizeof err) != GC_OK) {
        fprintf(stderr, "gclab: %s\n", err);
        return GC_ERR_USAGE;
    }
    gc_run_result res;
    gc_run_catch_signals();
    gc_error e = gc_run(&a.cfg, &res);
    if (!a.quiet && e != GC_ERR_USAGE && (e == GC_OK || res.wall_ns > 0)) cli_print_summary(&a.cfg, &res);
    fflush(stdout);
    cli_report_run(&res);
    return gc_run_exit_code(&res);
}

#define GC_STR_(x) #x
#define GC_STR(x) GC_STR_(x)

/* Each command's usage, for `gclab help CMD`, `gclab CMD --help` and, all of them, `gclab help`. */
static const struct command_help {
    const char *name, *text;
} command_help[] = {
    {"list", "  gclab list [--collector NAME] [--workload NAME]\n"
             "      the collectors and workloads, with their parameters (name, type, default, unit, range)\n"},
    {"run", "  gclab run --collector NAME --workload NAME [options]\n"
            "      --param NAME=VALUE    a collector or workload parameter (repeatable; see gclab list)\n"
            "      --seed N              seed of the workload's random choices (default 1)\n"
            "      --heap-limit SIZE     fail with exit code 3 if a full collection cannot keep the heap under SIZE\n"
            "      --sample-every SIZE   bytes allocated between footprint samples (default 1M; 0 for none)\n"
            "      --cascade-pause-min N RC free cascades of at least N objects are pause events (default " GC_STR(
                GC_CASCADE_PAUSE_MIN_DEFAULT) ")\n"
            "      --out DIR             write events.csv, timeline.csv, mmu.csv and summary.json to DIR\n"
            "      --record-trace FILE   record the run's mutator operations as a trace\n"
            "      --trace-events FILE   write the pauses and the footprint as Chrome trace events (Perfetto UI)\n"
            "      --poison              fill freed memory with a pattern (debugging)\n"
            "      --verify              check the collector's invariants at the end\n"
            "      --quiet               print no summary\n"},
    {"replay", "  gclab replay --collector NAME TRACE [options]\n"
               "      replay a trace file (docs/trace-format.md) with run's options but --workload and --seed\n"},
    {"compare", "  gclab compare --collectors A,B --workloads W,V [--heap-multiples 1.5,2,4 | --heap-limits 32M,64M]\n"
                "                [--invocations N] [--param NAME=VALUE] [--seed N] [--sample-every SIZE]\n"
                "                [--minheap-collector NAME] [--tolerance R] [--no-plots]\n"
                "                [--emit-jobs FILE [--slurm-throttle N]] --out DIR\n"
                "      run every cell in its own process; results.csv, report.md and figures in DIR\n"},
    {"minheap", "  gclab minheap --collector NAME --workload NAME [--param ...] [--seed N] [--tolerance R] [--out DIR]\n"
                "      the smallest heap limit at which the run completes (bisection), printed with its unit\n"},
    {"run-cell", "  gclab run-cell DIR NAME\n"
                 "      run one planned cell of an experiment (what --emit-jobs lists)\n"},
    {"merge", "  gclab merge [--out DIR] [--no-plots] DIR...\n"
              "      results, report and figures from cells (all of these: docs/experiments.md)\n"},
};

static const struct command_help *find_help(const char *cmd) {
    for (size_t i = 0; i < sizeof command_help / sizeof command_help[0]; i++)
        if (strcmp(command_help[i].name, cmd) == 0) return &command_help[i];
    return NULL;
}

static const char help_tail[] =
    "Options take their value as the next argument or after '=' (--seed 7, --seed=7); every command\n"
    "takes --help. Sizes take k, M or G suffixes (powers of 1024). Exit codes: 0 ok, 2 bad input, 3 heap\n"
    "limit, 4 out of memory, 5 not written, 6 a failed check, 130/143 SIGINT/SIGTERM (docs/cli.md).\n"
    "Documentation: docs/.\n";

static void help(void) {
    printf("gclab %s: a garbage-collector research testbed\n\nusage:\n", GCLAB_VERSION);
    for (size_t i = 0; i < sizeof command_help / sizeof command_help[0]; i++) fputs(command_help[i].text, stdout);
    printf("  gclab help [COMMAND] | gclab COMMAND --help | gclab --version\n");
    fputs(help_tail, stdout);
}

static void help_command(const struct command_help *c) {
    printf("usage:\n%s", c->text);
    fputs(help_tail, stdout);
}

/* "--name=value" becomes "--name" "value", for every command (a value may itself hold '=':
 * --param=growth=1 is --param growth=1). The split arguments live in `store`, which the caller
 * frees. Returns the new argv, or NULL if out of memory. */
static char **split_equals(int argc, char **argv, int *out_argc, char **store) {
    char **v = malloc(((size_t)argc * 2 + 1) * sizeof *v);
    size_t bytes = 0;
    for (int i = 0; i < argc; i++) bytes += strlen(argv[i]) + 2;
    char *buf = malloc(bytes + 1);
    if (v == NULL || buf == NULL) {
        free(v);
        free(buf);
        return NULL;
    }
    *store = buf;
    int n = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *eq = a[0] == '-' && a[1] == '-' && a[2] ? strchr(a + 2, '=') : NULL;
        if (eq == NULL) {
            v[n++] = argv[i];
            continue;
        }
        size_t len = (size_t)(eq - a);
        memcpy(buf, a, len);
        buf[len] = '\0';
        v[n++] = buf;
        buf += len + 1;
        strcpy(buf, eq + 1);
        v[n++] = buf;
        buf += strlen(eq + 1) + 1;
    }
    v[n] = NULL;
    *out_argc = n;
    return v;
}

static int dispatch(const catalog *cat, const char *cmd, int argc, char **argv) {
    if (strcmp(cmd, "list") == 0) return cmd_list(cat, argc, argv);
    if (strcmp(cmd, "run") == 0) return cmd_run(cat, argc, argv);
    if (strcmp(cmd, "replay") == 0) return cmd_replay(cat, argc, argv);
    if (strcmp(cmd, "compare") == 0) return cmd_compare(cat, argc, argv);
    if (strcmp(cmd, "run-cell") == 0) return cmd_run_cell(cat, argc, argv);
    if (strcmp(cmd, "minheap") == 0) return cmd_minheap(cat, argc, argv);
    if (strcmp(cmd, "merge") == 0) return cmd_merge(cat, argc, argv);
    return usage_error("unknown command '%s'", cmd);
}

int gclab_main(int argc, char **argv, const gc_collector_ops *const *extra_collectors,
               const gc_workload *const *extra_workloads) {
    catalog cat = {extra_collectors, extra_workloads};
    /* A write past the file-size limit (ulimit -f) then fails with EFBIG, reported like a full
     * disk, instead of killing the process before it can say so. */
    signal(SIGXFSZ, SIG_IGN);
    if (argc < 2) {
        help();
        return GC_ERR_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        if (argc > 2) {
            const struct command_help *c = find_help(argv[2]);
            if (c == NULL || argc > 3) return usage_error("help: unknown command '%s'", argv[argc > 3 ? 3 : 2]);
            help_command(c);
            return 0;
        }
        help();
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("gclab %s (%s)\n", GCLAB_VERSION, GCLAB_GIT_REVISION);
        return 0;
    }
    const struct command_help *c = find_help(cmd);
    if (c == NULL) return usage_error("unknown command '%s'", cmd);
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            help_command(c);
            return 0;
        }
    char *store = NULL;
    int n;
    char **args = split_equals(argc - 2, argv + 2, &n, &store);
    if (args == NULL) {
        fprintf(stderr, "gclab: out of memory\n");
        return GC_ERR_NOMEM;
    }
    int rc = dispatch(&cat, cmd, n, args);
    free(args);
    free(store);
    return rc;
}
