/* `gclab compare`: plan an experiment's cells, run each in its own process (or emit them as jobs
 * for GNU parallel or Slurm), then write results.csv, report.md and the figures.
 * `gclab run-cell DIR NAME`: run one planned cell (what compare, parallel and Slurm call).
 *
 * Order: invocations outermost, then workloads, heap settings, and collectors rotated by one
 * place per invocation, so that slow drift of the machine does not favour one collector.
 * Resumption: a finished cell (DIR/cells/NAME) is skipped; an unfinished one (NAME.tmp) is
 * removed and redone; a cell never merges with an older run of itself. */
#define _GNU_SOURCE /* realpath; fopencookie */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/experiment.h"
#include "core/buildinfo.h"
#include "core/outfile.h"

#define MAX_ITEMS 64
#define MAX_PARAMS 64
#define SLURM_MAX_ARRAY 1000 /* tasks per job array: Slurm's default MaxArraySize is 1001 (indices 0..1000) */
#define MAX_LIMIT 9223372036854775807.0 /* a heap limit must fit a plan file's JSON integer (int64_t) */

typedef struct experiment {
    char *collectors[MAX_ITEMS], *workloads[MAX_ITEMS];
    int ncollectors, nworkloads;
    double multiples[MAX_ITEMS];
    uint64_t limits[MAX_ITEMS];
    int nmultiples, nlimits;
    unsigned invocations;
    uint64_t seed, sample_every;
    char *params[MAX_PARAMS];
    int nparams;
    const char *out, *emit_jobs, *minheap_collector;
    double tolerance;
    unsigned slurm_throttle; /* 0: none; else at most this many tasks of the Slurm arrays at once */
    bool plots;
} experiment;

static int fail(const char *fmt, const char *a) {
    fprintf(stderr, "gclab: ");
    fprintf(stderr, fmt, a);
    fputc('\n', stderr);
    return GC_ERR_USAGE;
}

/* Split the value of a list option, with a one-line error for an empty item or list. */
static int split_option(const char *opt, char *v, char **items) {
    char copy[512];
    cli_fmt(copy, sizeof copy, "%s", v);
    int n = cli_split_list(v, items, MAX_ITEMS);
    if (n == -2) {
        fprintf(stderr, "gclab: %s: more than %d items\n", opt, MAX_ITEMS);
        return -1;
    }
    if (n < 0) {
        fprintf(stderr, "gclab: %s: '%s' has an empty item (expected a comma-separated list such as a,b)\n", opt, copy);
        return -1;
    }
    return n;
}

/* The first item of a list that appears twice, or NULL. */
static const char *first_repeat(char *const *items, int n) {
    for (int i = 0; i < n; i++)
        for (int k = 0; k < i; k++)
            if (strcmp(items[i], items[k]) == 0) return items[i];
    return NULL;
}

/* Does this collector or workload declare the parameter NAME=...? */
static bool declares(const gc_param_desc *d, const char *assignment) {
    size_t len = strcspn(assignment, "=");
    for (size_t i = 0; d && d[i].name; i++)
        if (strlen(d[i].name) == len && strncmp(d[i].name, assignment, len) == 0) return true;
    return false;
}

/* The --param assignments that apply to one (collector, workload) pair; with c NULL, the
 * workload's alone. */
static int params_for(const cli_catalog *cat, const experiment *x, const char *c, const char *w, char **out) {
    const gc_collector_ops *co = c ? cli_find_collector(cat, c) : NULL;
    const gc_workload *wo = cli_find_workload(cat, w);
    int n = 0;
    for (int i = 0; i < x->nparams; i++)
        if ((co && declares(co->params, x->params[i])) || declares(wo->params, x->params[i])) out[n++] = x->params[i];
    return n;
}

static void heap_tag(const experiment *x, int h, char *buf, size_t len);

static int parse_args(const cli_catalog *cat, experiment *x, int argc, char **argv) {
    *x = (experiment){.invocations = 5, .seed = 1, .sample_every = 1024 * 1024, .tolerance = 0.02,
                      .minheap_collector = "marksweep", .plots = true};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--no-plots") == 0) {
            x->plots = false;
            continue;
        }
        static const char *const value_options[] = {
            "--collectors", "--workloads", "--heap-multiples", "--heap-limits", "--invocations", "--seed",
            "--sample-every", "--slurm-throttle", "--param", "--out", "--emit-jobs", "--minheap-collector",
            "--tolerance", NULL};
        if (!cli_is_option(a, value_options)) return fail("compare: unknown option '%s' (see gclab compare --help)", a);
        if (i + 1 >= argc) return fail("option %s needs a value", a);
        char *v = argv[++i];
        if (strcmp(a, "--collectors") == 0) {
            if ((x->ncollectors = split_option(a, v, x->collectors)) < 0) return GC_ERR_USAGE;
        } else if (strcmp(a, "--workloads") == 0) {
            if ((x->nworkloads = split_option(a, v, x->workloads)) < 0) return GC_ERR_USAGE;
        } else if (strcmp(a, "--heap-multiples") == 0) {
            char *items[MAX_ITEMS];
            int n = split_option(a, v, items);
            if (n < 0) return GC_ERR_USAGE;
            x->nmultiples = 0; /* given twice, the last one counts */
            for (int k = 0; k < n; k++) {
                char *end;
                double m = strtod(items[k], &end);
                if (*end || !(m > 0) || isinf(m)) return fail("--heap-multiples: '%s' is not a positive number", items[k]);
                /* any minimum heap (at least 1 byte) times this would be a limit beyond 2^63 bytes */
                if (m >= MAX_LIMIT) return fail("--heap-multiples: '%s' is too large (the heap limit would exceed 2^63 bytes)", items[k]);
                x->multiples[x->nmultiples++] = m;
            }
        } else if (strcmp(a, "--heap-limits") == 0) {
            char *items[MAX_ITEMS];
            int n = split_option(a, v, items);
            if (n < 0) return GC_ERR_USAGE;
            x->nlimits = 0;
            for (int k = 0; k < n; k++)
                if (gc_parse_size(items[k], &x->limits[x->nlimits++]) != 0 || x->limits[x->nlimits - 1] == 0 ||
                    (double)x->limits[x->nlimits - 1] > MAX_LIMIT)
                    return fail("--heap-limits: '%s' is not a positive size below 2^63 bytes such as 64M", items[k]);
        } else if (strcmp(a, "--invocations") == 0) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || n < 1 || n > 1000) return fail("--invocations: '%s' is not a whole number from 1 to 1000", v);
            x->invocations = (unsigned)n;
        } else if (strcmp(a, "--seed") == 0) {
            if (gc_parse_seed(v, &x->seed) != 0) return fail("--seed: '%s' is not a whole number from 0 to 9223372036854775807", v);
        } else if (strcmp(a, "--sample-every") == 0) {
            if (gc_parse_size(v, &x->sample_every) != 0 || (double)x->sample_every > MAX_LIMIT)
                return fail("--sample-every: '%s' is not a size below 2^63 bytes", v);
        } else if (strcmp(a, "--slurm-throttle") == 0) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || *v < '0' || *v > '9' || n < 1 || n > SLURM_MAX_ARRAY)
                return fail("--slurm-throttle: '%s' is not a whole number from 1 to 1000", v);
            x->slurm_throttle = (unsigned)n;
        } else if (strcmp(a, "--param") == 0) {
            if (x->nparams == MAX_PARAMS) return fail("too many --param options%s", "");
            if (!strchr(v, '=') || *v == '=') return fail("bad --param '%s': expected NAME=VALUE", v);
            x->params[x->nparams++] = v;
        } else if ((strcmp(a, "--out") == 0 || strcmp(a, "--emit-jobs") == 0) && *v == '\0') return fail("%s: empty path", a);
        else if (strcmp(a, "--out") == 0) x->out = v;
        else if (strcmp(a, "--emit-jobs") == 0) x->emit_jobs = v;
        else if (strcmp(a, "--minheap-collector") == 0) x->minheap_collector = v;
        else if (strcmp(a, "--tolerance") == 0) {
            char *end;
            x->tolerance = strtod(v, &end);
            if (*end || end == v || !(x->tolerance > 0 && x->tolerance < 1)) return fail("--tolerance: '%s' is not a number in (0, 1)", v);
        } else return fail("compare: unknown option '%s'", a);
    }
    if (!x->out) return fail("compare: --out DIR is required%s", "");
    if (x->nmultiples && x->nlimits) return fail("give --heap-multiples or --heap-limits, not both%s", "");
    if (x->ncollectors == 0)
        for (size_t i = 0; gc_collectors[i] && x->ncollectors < MAX_ITEMS; i++)
            x->collectors[x->ncollectors++] = (char *)gc_collectors[i]->name;
    if (x->nworkloads == 0) {
        static char gcbench[] = "gcbench", rings[] = "rings";
        x->workloads[x->nworkloads++] = gcbench;
        x->workloads[x->nworkloads++] = rings;
    }
    const char *twice;
    if ((twice = first_repeat(x->collectors, x->ncollectors))) return fail("--collectors: '%s' is listed twice", twice);
    if ((twice = first_repeat(x->workloads, x->nworkloads))) return fail("--workloads: '%s' is listed twice", twice);
    for (int i = 0; i < x->ncollectors; i++)
        if (!cli_find_collector(cat, x->collectors[i])) return fail("unknown collector '%s' (see gclab list)", x->collectors[i]);
    for (int i = 0; i < x->nworkloads; i++)
        if (!cli_find_workload(cat, x->workloads[i])) return fail("unknown workload '%s' (see gclab list)", x->workloads[i]);
    /* Cells are named by their heap setting's tag: two settings with one tag would be one cell. */
    for (int h = 0; h < x->nmultiples + x->nlimits; h++)
        for (int k = 0; k < h; k++) {
            char a[64], b[64];
            heap_tag(x, h, a, sizeof a);
            heap_tag(x, k, b, sizeof b);
            if (strcmp(a, b) == 0)
                return fail(x->nmultiples ? "--heap-multiples: '%s' is listed twice" : "--heap-limits: '%s' is listed twice",
                            a + (x->nmultiples ? 1 : 5));
        }
    if (x->nmultiples && !cli_find_collector(cat, x->minheap_collector))
        return fail("unknown --minheap-collector '%s'", x->minheap_collector);
    /* Every --param must mean something to at least one cell, and be valid there. */
    for (int p = 0; p < x->nparams; p++) {
        bool used = false;
        for (int c = 0; c < x->ncollectors; c++)
            for (int w = 0; w < x->nworkloads; w++) {
                char *ps[MAX_PARAMS];
                int n = params_for(cat, x, x->collectors[c], x->workloads[w], ps);
                for (int k = 0; k < n; k++) used |= ps[k] == x->params[p];
                gc_run_config cfg = {0};
                char err[320];
                if (cli_prepare_run(cat, x->collectors[c], x->workloads[w], ps, n, &cfg, err, sizeof err) != GC_OK)
                    return fail("%s", err);
            }
        if (!used) return fail("parameter '%s' belongs to none of the collectors and workloads", x->params[p]);
    }
    return 0;
}

/* The heap setting's part of a cell's name: x1.5, limit67108864 or nolimit. */
static void heap_tag(const experiment *x, int h, char *buf, size_t len) {
    if (x->nmultiples) cli_fmt(buf, len, "x%g", x->multiples[h]);
    else if (x->nlimits) cli_fmt(buf, len, "limit%llu", (unsigned long long)x->limits[h]);
    else cli_fmt(buf, len, "nolimit");
}

/* Write j to path, unless the file is there already: then it must hold the same JSON (the same
 * experiment re-run), else the directory belongs to another experiment and is left alone. */
static int write_json_if_new(const char *path, json_t *j, const char *what) {
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_error_t je;
    json_t *old = json_load_file(path, 0, &je);
    int rc = 0;
    if (old == NULL && access(path, F_OK) == 0) {
        fprintf(stderr, "gclab: cannot read the %s %s (%s); use another --out\n", what, path, je.text);
        rc = GC_ERR_USAGE;
    } else if (old) {
        char *old_text = json_dumps(old, JSON_INDENT(2) | JSON_SORT_KEYS);
        if (strcmp(old_text, text) != 0) {
            fprintf(stderr, "gclab: %s differs from the %s already in that directory; use another --out\n", path, what);
            rc = GC_ERR_USAGE;
        }
        free(old_text);
        json_decref(old);
    } else {
        char err[4400];
        if (gc_outfile_write_json(path, j, JSON_INDENT(2) | JSON_SORT_KEYS, err, sizeof err) != 0) {
            fprintf(stderr, "gclab: %s\n", err);
            rc = gc_outfile_status();
        }
    }
    free(text);
    return rc;
}

/* A word for sh, in single quotes; a quote inside it is written as '\'' (close, escaped quote,
 * reopen). */
static void put_shell_word(FILE *f, const char *word) {
    fputc('\'', f);
    for (const char *c = word; *c; c++)
        if (*c == '\'') fputs("'\\''", f);
        else fputc(*c, f);
    fputc('\'', f);
}

static json_t *string_array(char **items, int n) {
    json_t *a = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(a, json_string(items[i]));
    return a;
}

static bool is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Remove a directory holding only files (an unfinished cell). */
static int remove_flat_dir(const char *path) {
    DIR *d = opendir(path);
    if (d == NULL) return errno == ENOENT ? 0 : -1;
    struct dirent *e;
    char file[4400];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        cli_fmt(file, sizeof file, "%s/%s", path, e->d_name);
        unlink(file);
    }
    closedir(d);
    return rmdir(path);
}

static void fmt_clock(double s, char *buf, size_t len) {
    long t = (long)(s + 0.5);
    cli_fmt(buf, len, "%ld:%02ld", t / 60, t % 60);
}

/* A cell whose process died of a signal of its own (a crash, not a kill): keep what it wrote,
 * and say so in its summary, as a finished cell (a crash is a result; a re-run would crash again).
 * Each file complete or absent; if one cannot be written the cell stays unfinished (NAME.tmp). */
static void record_crash(const char *dir, const char *name, int sig) {
    char tmp[4400], final[4400], file[4500], planp[4400], err[4600];
    cli_fmt(final, sizeof final, "%s/cells/%s", dir, name);
    cli_fmt(tmp, sizeof tmp, "%s.tmp", final);
    cli_fmt(planp, sizeof planp, "%s/plan/%s.json", dir, name);
    json_t *s = json_object();
    json_object_set_new(s, "status", json_string("crashed"));
    json_object_set_new(s, "signal", json_integer(sig));
    json_t *plan = json_load_file(planp, 0, NULL);
    int rc = plan && gc_mkdir_p(tmp) == 0 ? 0 : -1;
    if (rc == 0) rc = (cli_fmt(file, sizeof file, "%s/summary.json", tmp), gc_outfile_write_json(file, s, JSON_INDENT(2), err, sizeof err));
    if (rc == 0) rc = (cli_fmt(file, sizeof file, "%s/cell.json", tmp), gc_outfile_write_json(file, plan, JSON_INDENT(2), err, sizeof err));
    if (rc == 0 && rename(tmp, final) != 0) cli_fmt(err, sizeof err, "cannot rename %s: %s", tmp, strerror(errno)), rc = -1;
    if (rc != 0) fprintf(stderr, "gclab: cell %s crashed (signal %d) and cannot be recorded: %s\n", name, sig, plan ? err : "no plan");
    json_decref(plan);
    json_decref(s);
}

/* The Slurm job script FILE.sbatch: array task T of an array submitted with GCLAB_TASK_OFFSET=O
 * runs line O + T of the job file. Its own #SBATCH --array covers the first array, so that a sweep
 * of at most 1000 cells is submitted with `sbatch FILE.sbatch` alone. */
static void put_sbatch(FILE *s, const char *out_abs, const char *sb_abs, const char *jobs_abs, size_t ncells,
                       unsigned throttle, const char *submit_abs) {
    size_t first = ncells < SLURM_MAX_ARRAY ? ncells : SLURM_MAX_ARRAY;
    char alone[4400];
    if (ncells > SLURM_MAX_ARRAY) cli_fmt(alone, sizeof alone, "(sbatch of this script alone runs only the first %d)", SLURM_MAX_ARRAY);
    else cli_fmt(alone, sizeof alone, "(or: sbatch %s)", sb_abs);
    /* sbatch reads #SBATCH lines up to the first command; the comments may come first. */
    fprintf(s,
            "#!/bin/bash\n"
            "# Slurm job array for the gclab experiment in %s: one array task per cell, at most %d tasks\n"
            "# per array (Slurm's default MaxArraySize is 1001). Submit all %zu cells with: bash %s\n"
            "# %s, then, when all tasks are done: gclab merge %s\n"
            "#SBATCH --job-name=gclab\n#SBATCH --array=1-%zu",
            out_abs, SLURM_MAX_ARRAY, ncells, submit_abs, alone, out_abs, first);
    if (throttle) fprintf(s, "%%%u", throttle);
    fprintf(s,
            "\n#SBATCH --cpus-per-task=1\n#SBATCH --exclusive\n"
            "#SBATCH --output=%s/logs/slurm-%%A_%%a.out\n"
            "set -euo pipefail\n"
            "task=$(( ${GCLAB_TASK_OFFSET:-0} + SLURM_ARRAY_TASK_ID ))\n"
            "line=$(sed -n \"${task}p\" ",
            out_abs);
    put_shell_word(s, jobs_abs);
    fputs(")\n[ -n \"$line\" ] || { echo \"gclab: no line $task in the job file\" >&2; exit 2; }\neval \"$line\"\n", s);
}

/* FILE.submit: one `sbatch --array=1-K` per 1000 cells, each with its offset. With a throttle,
 * each array waits for the one before (afterany), so that the throttle bounds the whole sweep. */
static void put_submit(FILE *s, const char *sb_abs, size_t ncells, unsigned throttle) {
    size_t narrays = (ncells + SLURM_MAX_ARRAY - 1) / SLURM_MAX_ARRAY;
    fprintf(s, "#!/bin/bash\n# Submits the %zu cells as %zu Slurm job array%s of at most %d tasks.\nset -euo pipefail\nprev=\n",
            ncells, narrays, narrays == 1 ? "" : "s", SLURM_MAX_ARRAY);
    for (size_t k = 0; k < narrays; k++) {
        size_t off = k * SLURM_MAX_ARRAY, n = ncells - off < SLURM_MAX_ARRAY ? ncells - off : SLURM_MAX_ARRAY;
        fprintf(s, "prev=$(sbatch --parsable%s --array=1-%zu", throttle ? " ${prev:+--dependency=afterany:${prev%%;*}}" : "", n);
        if (throttle) fprintf(s, "%%%u", throttle);
        fprintf(s, " --export=ALL,GCLAB_TASK_OFFSET=%zu ", off);
        put_shell_word(s, sb_abs);
        fputs(")\necho \"submitted job array $prev\"\n", s);
    }
}

/* --emit-jobs FILE: FILE (one command per cell), FILE.sbatch and FILE.submit. */
static int emit_jobs(const experiment *x, const char *self, char (*names)[200], size_t ncells) {
    /* Absolute paths: GNU parallel runs remote jobs in the login's home directory, and Slurm
     * in the directory sbatch was called from. */
    char out_abs[4096], jobs_abs[4096], sb[4200], sb_abs[4200], submit[4200], err[4600];
    gc_outfile f, s, u;
    if (gc_outfile_open(&f, x->emit_jobs, err, sizeof err) != 0) {
        fprintf(stderr, "gclab: %s\n", err);
        return gc_outfile_status();
    }
    if (realpath(x->out, out_abs) == NULL || realpath(x->emit_jobs, jobs_abs) == NULL) {
        /* the temporary file beside it exists: realpath of the directory, then the name */
        char dir[4096];
        const char *slash = strrchr(x->emit_jobs, '/');
        cli_fmt(dir, sizeof dir, "%.*s", slash ? (int)(slash - x->emit_jobs) + (slash == x->emit_jobs) : 1,
                slash ? x->emit_jobs : ".");
        char dir_abs[4096];
        if (realpath(x->out, out_abs) == NULL || realpath(dir, dir_abs) == NULL) {
            int e = errno;
            gc_outfile_discard(&f);
            fprintf(stderr, "gclab: cannot write %s: %s\n", x->emit_jobs, strerror(e));
            return GC_ERR_IO;
        }
        cli_fmt(jobs_abs, sizeof jobs_abs, "%s/%s", strcmp(dir_abs, "/") ? dir_abs : "", slash ? slash + 1 : x->emit_jobs);
    }
    for (size_t i = 0; i < ncells; i++) {
        put_shell_word(f.f, self);
        fputs(" run-cell ", f.f);
        put_shell_word(f.f, out_abs);
        fputc(' ', f.f);
        put_shell_word(f.f, names[i]);
        fputc('\n', f.f);
    }
    if (gc_outfile_commit(&f, err, sizeof err) != 0) {
        fprintf(stderr, "gclab: %s\n", err);
        return gc_outfile_status();
    }
    cli_fmt(sb, sizeof sb, "%s.sbatch", x->emit_jobs);
    cli_fmt(sb_abs, sizeof sb_abs, "%s.sbatch", jobs_abs);
    cli_fmt(submit, sizeof submit, "%s.submit", x->emit_jobs);
    if (gc_outfile_open(&s, sb, err, sizeof err) != 0) {
        fprintf(stderr, "gclab: %s\n", err);
        return gc_outfile_status();
    }
    char submit_abs[4300];
    cli_fmt(submit_abs, sizeof submit_abs, "%s.submit", jobs_abs);
    put_sbatch(s.f, out_abs, sb_abs, jobs_abs, ncells, x->slurm_throttle, submit_abs);
    if (gc_outfile_commit(&s, err, sizeof err) != 0 || gc_outfile_open(&u, submit, err, sizeof err) != 0) {
        fprintf(stderr, "gclab: %s\n", err);
        return gc_outfile_status();
    }
    put_submit(u.f, sb_abs, ncells, x->slurm_throttle);
    if (gc_outfile_commit(&u, err, sizeof err) != 0) {
        fprintf(stderr, "gclab: %s\n", err);
        return gc_outfile_status();
    }
    printf("gclab: %zu cells written to %s (one command per line), %s and %s.\n"
           "  local, one cell per core:  parallel -j $(nproc) < %s\n"
           "  across hosts:             parallel --sshloginfile HOSTS < %s   (shared filesystem)\n"
           "  Slurm:                    bash %s   (%zu job array%s of at most %d tasks)\n"
           "  then:                     gclab merge %s\n",
           ncells, x->emit_jobs, sb, submit, x->emit_jobs, x->emit_jobs, submit,
           (ncells + SLURM_MAX_ARRAY - 1) / SLURM_MAX_ARRAY, ncells > SLURM_MAX_ARRAY ? "s" : "", SLURM_MAX_ARRAY, x->out);
    return 0;
}

/* One compare per experiment directory at a time: an exclusive flock on DIR/compare.lock, held
 * until this process ends (the kernel releases it however the process ends, so a killed compare
 * leaves nothing to clean up). The descriptor is close-on-exec: cells do not hold the lock. Returns
 * the descriptor, or -1 after printing one line. */
static int lock_experiment(const char *dir) {
    char path[4400];
    cli_fmt(path, sizeof path, "%s/compare.lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
        fprintf(stderr, "gclab: cannot create the lock file %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR) continue;
        if (errno == EWOULDBLOCK)
            fprintf(stderr, "gclab: another gclab compare is running on %s (it holds %s); wait for it to end\n", dir, path);
        else fprintf(stderr, "gclab: cannot lock %s: %s\n", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static int compare_locked(const cli_catalog *cat, experiment *xp);

/* The job files never replace a file of the experiment (docs/cli.md, "Faults"). */
static int check_job_paths(const experiment *x) {
    static const char *const mine[] = {"experiment.json", "minheap.json", "compare.lock", "results.csv", "report.md"};
    static const char *const suffix[] = {"", ".sbatch", ".submit"};
    for (size_t k = 0; k < sizeof suffix / sizeof suffix[0]; k++)
        for (size_t i = 0; i < sizeof mine / sizeof mine[0]; i++) {
            char job[4200], file[4400];
            cli_fmt(job, sizeof job, "%s%s", x->emit_jobs, suffix[k]);
            cli_fmt(file, sizeof file, "%s/%s", x->out, mine[i]);
            if (gc_same_file(file, job)) {
                fprintf(stderr, "gclab: --emit-jobs: %s is also the experiment's %s: an input is never overwritten\n", job, mine[i]);
                return GC_ERR_USAGE;
            }
        }
    return 0;
}

int cmd_compare(const cli_catalog *cat, int argc, char **argv) {
    experiment x;
    int rc = parse_args(cat, &x, argc, argv);
    if (rc) return rc;
    if (x.emit_jobs && (rc = check_job_paths(&x)) != 0) return rc;
    if (gc_mkdir_p(x.out) != 0) {
        fprintf(stderr, "gclab: cannot create output directory %s: %s\n", x.out, strerror(errno));
        return GC_ERR_IO;
    }
    int lock = lock_experiment(x.out);
    if (lock < 0) return errno == EWOULDBLOCK ? GC_ERR_USAGE : GC_ERR_IO;
    rc = compare_locked(cat, &x);
    close(lock);
    return rc;
}

static int compare_locked(const cli_catalog *cat, experiment *xp) {
    experiment x = *xp;
    int rc;
    char path[4400], err[512];
    cli_fmt(path, sizeof path, "%s/plan", x.out);
    if (gc_mkdir_p(path) != 0 || (cli_fmt(path, sizeof path, "%s/cells", x.out), gc_mkdir_p(path) != 0) ||
        (cli_fmt(path, sizeof path, "%s/logs", x.out), gc_mkdir_p(path) != 0)) {
        fprintf(stderr, "gclab: cannot create %s: %s\n", path, strerror(errno));
        return GC_ERR_IO;
    }

    json_t *ex = json_object();
    json_object_set_new(ex, "collectors", string_array(x.collectors, x.ncollectors));
    json_object_set_new(ex, "workloads", string_array(x.workloads, x.nworkloads));
    json_t *hs = json_array();
    for (int h = 0; h < x.nmultiples; h++) json_array_append_new(hs, json_real(x.multiples[h]));
    json_object_set_new(ex, "heap_multiples", hs);
    hs = json_array();
    for (int h = 0; h < x.nlimits; h++) json_array_append_new(hs, json_integer((json_int_t)x.limits[h]));
    json_object_set_new(ex, "heap_limits", hs);
    json_object_set_new(ex, "seed", json_integer((json_int_t)x.seed));
    json_object_set_new(ex, "params", string_array(x.params, x.nparams));
    json_object_set_new(ex, "sample_every", json_integer((json_int_t)x.sample_every));
    json_object_set_new(ex, "minheap_collector", json_string(x.minheap_collector));
    json_object_set_new(ex, "tolerance", json_real(x.tolerance));
    cli_fmt(path, sizeof path, "%s/experiment.json", x.out);
    rc = write_json_if_new(path, ex, "experiment");
    json_decref(ex);
    if (rc) return rc;

    /* Minimum heaps, per workload, with the reference collector. */
    uint64_t minheap[MAX_ITEMS] = {0};
    for (int w = 0; w < x.nworkloads && x.nmultiples; w++) {
        char *ps[MAX_PARAMS];
        /* the reference collector at its defaults, whatever the experiment sets for the collectors
         * it compares: a heap multiple then means the same bytes in every experiment */
        int n = params_for(cat, &x, NULL, x.workloads[w], ps);
        cli_fmt(path, sizeof path, "%s/minheap.json", x.out);
        if (isatty(2)) fprintf(stderr, "gclab: finding the minimum heap of %s with %s...\n", x.workloads[w], x.minheap_collector);
        if (minheap_find(x.minheap_collector, x.workloads[w], ps, n, x.seed, x.tolerance, path, &minheap[w], err,
                         sizeof err) != 0) {
            fprintf(stderr, "gclab: %s\n", err);
            return GC_ERR_USAGE;
        }
    }

    /* Plan. */
    int nheaps = x.nmultiples ? x.nmultiples : x.nlimits ? x.nlimits : 1;
    size_t ncells = (size_t)x.invocations * (size_t)x.nworkloads * (size_t)nheaps * (size_t)x.ncollectors;
    char (*names)[200] = calloc(ncells, sizeof *names);
    if (names == NULL) return fail("out of memory%s", "");
    size_t k = 0;
    for (unsigned inv = 1; inv <= x.invocations; inv++)
        for (int w = 0; w < x.nworkloads; w++)
            for (int h = 0; h < nheaps; h++)
                for (int ci = 0; ci < x.ncollectors; ci++) {
                    int c = (ci + (int)(inv - 1)) % x.ncollectors;
                    char tag[64];
                    heap_tag(&x, h, tag, sizeof tag);
                    cli_fmt(names[k], sizeof names[k], "%s_%s_%s_i%u", x.collectors[c], x.workloads[w], tag, inv);
                    json_t *plan = json_object();
                    char *ps[MAX_PARAMS];
                    int n = params_for(cat, &x, x.collectors[c], x.workloads[w], ps);
                    uint64_t limit = x.nlimits ? x.limits[h] : 0;
                    if (x.nmultiples) {
                        double l = ceil(x.multiples[h] * (double)minheap[w]);
                        if (!(l >= 1 && l <= MAX_LIMIT)) {
                            fprintf(stderr, "gclab: --heap-multiples: %g times the minimum heap of %s (%llu bytes) is not a heap limit from 1 byte to 2^63 bytes\n",
                                    x.multiples[h], x.workloads[w], (unsigned long long)minheap[w]);
                            free(names);
                            json_decref(plan);
                            return GC_ERR_USAGE;
                        }
                        limit = (uint64_t)l;
                    }
                    json_object_set_new(plan, "collector", json_string(x.collectors[c]));
                    json_object_set_new(plan, "workload", json_string(x.workloads[w]));
                    json_object_set_new(plan, "params", string_array(ps, n));
                    json_object_set_new(plan, "seed", json_integer((json_int_t)x.seed));
                    json_object_set_new(plan, "heap_limit", json_integer((json_int_t)limit));
                    json_object_set_new(plan, "heap_multiple", x.nmultiples ? json_real(x.multiples[h]) : json_null());
                    json_object_set_new(plan, "minheap", json_integer((json_int_t)minheap[w]));
                    json_object_set_new(plan, "invocation", json_integer(inv));
                    json_object_set_new(plan, "sample_every", json_integer((json_int_t)x.sample_every));
                    cli_fmt(path, sizeof path, "%s/plan/%s.json", x.out, names[k]);
                    rc = write_json_if_new(path, plan, "cell plan");
                    json_decref(plan);
                    if (rc) {
                        free(names);
                        return rc;
                    }
                    k++;
                }

    char self[4096];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    self[sl > 0 ? sl : 0] = '\0';
    if (x.emit_jobs) {
        rc = emit_jobs(&x, self, names, ncells);
        free(names);
        return rc;
    }

    /* Run, one cell at a time. */
    bool tty = isatty(2);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t ran = 0, skipped = 0, failed = 0;
    for (size_t i = 0; i < ncells; i++) {
        cli_fmt(path, sizeof path, "%s/cells/%s", x.out, names[i]);
        if (is_dir(path)) {
            skipped++;
            continue;
        }
        if (tty) {
            clock_gettime(CLOCK_MONOTONIC, &t1);
            double el = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
            char a[32], b[32];
            fmt_clock(el, a, sizeof a);
            if (ran) fmt_clock(el / (double)ran * (double)(ncells - i), b, sizeof b);
            else cli_fmt(b, sizeof b, "?");
            fprintf(stderr, "\r\033[K[%zu/%zu] %s elapsed, ~%s left: %s", i + 1, ncells, a, b, names[i]);
        }
        char log[4400];
        cli_fmt(log, sizeof log, "%s/logs/%s.log", x.out, names[i]);
        char *args[] = {"gclab", "run-cell", (char *)x.out, names[i], NULL};
        int st = cli_spawn_self(args, "/dev/null", log);
        ran++;
        if (st == -1 || !WIFEXITED(st) || (WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != GC_ERR_HEAP_LIMIT)) failed++;
        if (st != -1 && WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL && WTERMSIG(st) != SIGINT && WTERMSIG(st) != SIGTERM)
            record_crash(x.out, names[i], WTERMSIG(st));
    }
    if (tty) fprintf(stderr, "\r\033[K");
    free(names);
    printf("gclab: %zu cells run, %zu already done, %zu failed (see %s/logs)\n", ran, skipped, failed, x.out);

    const char *dirs[] = {x.out};
    return merge_dirs(dirs, 1, x.out, x.plots);
}

/* Read a plan file into a run configuration. */
static int load_plan(const cli_catalog *cat, const char *file, gc_run_config *cfg, char *err, size_t errlen) {
    json_error_t je;
    json_t *plan = json_load_file(file, 0, &je);
    if (plan == NULL) {
        cli_fmt(err, errlen, "cannot read cell plan %s: %s", file, je.text);
        return GC_ERR_USAGE;
    }
    const char *c = json_string_value(json_object_get(plan, "collector"));
    const char *w = json_string_value(json_object_get(plan, "workload"));
    json_t *params = json_object_get(plan, "params");
    char *ps[MAX_PARAMS];
    int n = 0;
    size_t i;
    json_t *v;
    json_array_foreach(params, i, v) if (n < MAX_PARAMS && json_is_string(v)) ps[n++] = (char *)json_string_value(v);
    int rc = GC_ERR_USAGE;
    bool numbers_ok = true; /* whole numbers >= 0, as compare writes them */
    static const char *const keys[] = {"seed", "heap_limit", "sample_every"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        json_t *n = json_object_get(plan, keys[k]);
        numbers_ok &= json_is_integer(n) && json_integer_value(n) >= 0;
    }
    if (!c || !w || !numbers_ok)
        cli_fmt(err, errlen, "cell plan %s is malformed (collector, workload, seed, heap_limit, sample_every)", file);
    else if ((rc = cli_prepare_run(cat, c, w, ps, n, cfg, err, errlen)) == GC_OK) {
        cfg->seed = (uint64_t)json_integer_value(json_object_get(plan, "seed"));
        cfg->heap_limit = (uint64_t)json_integer_value(json_object_get(plan, "heap_limit"));
        cfg->sample_every = (uint64_t)json_integer_value(json_object_get(plan, "sample_every"));
    }
    /* cfg keeps pointers into the plan's strings only through the registries, not the JSON */
    json_decref(plan);
    return rc;
}

/* Is the unfinished cell in tmp complete: every file there, summary.json readable with a status?
 * NULL if so, else what is wrong (in buf). */
static const char *cell_incomplete(const char *tmp, char *buf, size_t len) {
    static const char *const files[] = {"cell.json", "summary.json", "events.csv", "timeline.csv", "mmu.csv"};
    char file[4500];
    struct stat st;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        cli_fmt(file, sizeof file, "%s/%s", tmp, files[i]);
        if (stat(file, &st) != 0) {
            cli_fmt(buf, len, "%s: %s", file, strerror(errno));
            return buf;
        }
    }
    cli_fmt(file, sizeof file, "%s/summary.json", tmp);
    json_error_t je;
    json_t *s = json_load_file(file, 0, &je);
    bool ok = s && json_is_string(json_object_get(s, "status"));
    json_decref(s);
    if (ok) return NULL;
    cli_fmt(buf, len, "%s: %s", file, s ? "no status" : je.text);
    return buf;
}

/* A cell's stderr: every line names the cell ("gclab: cell NAME: ..."), since under GNU parallel
 * or Slurm many cells' messages share one stream. Lines are assembled here and written whole. */
static struct {
    char name[256];
    char line[2048];
    size_t len;
} cell_err;

static void cell_err_emit(void) {
    if (cell_err.len == 0) return;
    const char *l = cell_err.line;
    size_t n = cell_err.len;
    if (n >= 7 && strncmp(l, "gclab: ", 7) == 0) l += 7, n -= 7; /* the line's own "gclab: " comes first */
    dprintf(STDERR_FILENO, "gclab: cell %s: %.*s%s", cell_err.name, (int)n, l, l[n - 1] == '\n' ? "" : "\n");
    cell_err.len = 0;
}

static ssize_t cell_err_write(void *cookie, const char *buf, size_t n) {
    (void)cookie;
    for (size_t i = 0; i < n; i++) {
        cell_err.line[cell_err.len++] = buf[i];
        if (buf[i] == '\n' || cell_err.len == sizeof cell_err.line - 1) cell_err_emit();
    }
    return (ssize_t)n;
}

static int cell_err_close(void *cookie) {
    (void)cookie;
    cell_err_emit();
    return 0;
}

static void cell_err_at_exit(void) { cell_err_emit(); }

static void name_the_cell_on_stderr(const char *name) {
    cli_fmt(cell_err.name, sizeof cell_err.name, "%s", name);
    FILE *f = fopencookie(NULL, "w", (cookie_io_functions_t){.write = cell_err_write, .close = cell_err_close});
    if (f == NULL) return; /* the messages then go out unnamed */
    setvbuf(f, NULL, _IONBF, 0);
    stderr = f;
    atexit(cell_err_at_exit);
}

int cmd_run_cell(const cli_catalog *cat, int argc, char **argv) {
    if (argc != 2) return fail("usage: gclab run-cell DIR NAME%s", "");
    const char *dir = argv[0], *name = argv[1];
    name_the_cell_on_stderr(name);
    char plan[4400], final[4400], tmp[4400], err[4600];
    cli_fmt(plan, sizeof plan, "%s/plan/%s.json", dir, name);
    cli_fmt(final, sizeof final, "%s/cells/%s", dir, name);
    cli_fmt(tmp, sizeof tmp, "%s/cells/%s.tmp", dir, name);
    if (is_dir(final)) return 0; /* done already */
    gc_run_config cfg = {0};
    int rc = load_plan(cat, plan, &cfg, err, sizeof err);
    if (rc != GC_OK) {
        fprintf(stderr, "gclab: %s\n", err);
        return rc;
    }
    /* One run of a cell at a time: an exclusive flock on its plan, waited for. A second run-cell of
     * the same cell (two job runners, or a compare re-run while a dying orphan finishes) waits,
     * then finds the cell done or redoes it alone. Close-on-exec; released when the process ends. */
    int lock = open(plan, O_RDONLY | O_CLOEXEC);
    while (lock >= 0 && flock(lock, LOCK_EX) != 0)
        if (errno != EINTR) {
            close(lock);
            lock = -1;
        }
    if (lock < 0) {
        fprintf(stderr, "gclab: cannot lock the cell plan %s: %s\n", plan, strerror(errno));
        return GC_ERR_IO;
    }
    if (is_dir(final)) {
        close(lock);
        return 0; /* finished while this one waited */
    }
    if (remove_flat_dir(tmp) != 0 && errno != ENOENT) {
        fprintf(stderr, "gclab: cannot remove the unfinished cell %s: %s\n", tmp, strerror(errno));
        close(lock);
        return GC_ERR_IO;
    }
    cfg.out_dir = tmp;
    gc_run_result res;
    gc_run_catch_signals();
    gc_run(&cfg, &res);
    cli_report_run(&res);
    /* The cell is finished (renamed to its final name) only if its run is a result, heap limit
     * exceeded and other failures of the run included, and every file was written and checked.
     * Otherwise it stays NAME.tmp, which merge reports as incomplete and compare redoes. */
    bool unfinished = false;
    for (size_t i = 0; i < res.nstatuses; i++)
        unfinished |= res.statuses[i] == GC_ERR_IO || res.statuses[i] == GC_ERR_INTERRUPTED;
    int code = gc_run_exit_code(&res);
    if (!is_dir(tmp)) {
        close(lock);
        return code; /* the run refused to start (its message is out): nothing was written */
    }
    if (unfinished) {
        fprintf(stderr, "gclab: left unfinished as %s (to be redone)\n", tmp); /* the cell's name: see cell_err */
        close(lock);
        return code;
    }
    char cell[4500], why[4600];
    cli_fmt(cell, sizeof cell, "%s/cell.json", tmp);
    json_t *p = json_load_file(plan, 0, NULL);
    const char *bad = NULL;
    if (p == NULL) bad = "the plan cannot be read again";
    else if (gc_outfile_write_json(cell, p, JSON_INDENT(2), why, sizeof why) != 0) bad = why;
    else bad = cell_incomplete(tmp, why, sizeof why);
    json_decref(p);
    if (bad == NULL && rename(tmp, final) != 0) bad = (cli_fmt(why, sizeof why, "cannot rename %s to %s: %s", tmp, final, strerror(errno)), why);
    close(lock);
    if (bad) {
        fprintf(stderr, "gclab: left unfinished as %s (to be redone): %s\n", tmp, bad);
        return GC_ERR_IO;
    }
    /* A cell that exceeded its heap limit is a result, recorded like any other: report success,
     * so that GNU parallel and Slurm count only cells that could not be run or recorded. */
    return res.status == GC_ERR_HEAP_LIMIT ? 0 : code;
}
