/* Results: read every cell of an experiment directory into rows, and write results.csv (one tidy
 * row per cell; columns defined in docs/experiments.md).
 *
 * A finished cell is checked before it becomes a row: summary.json must hold every figure a row
 * takes, each a number in its range (counts and times whole and non-negative, MMUs in [0, 1]),
 * and events.csv, timeline.csv and mmu.csv must have their exact header, every line complete
 * (ending in a newline) with the header's number of fields, each of its column's kind. A cell
 * that fails is an error naming the file and line (merge refuses it: nothing half-true is
 * merged); an entry of cells/ that is not a directory is skipped with a warning. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/experiment.h"
#include "core/metrics.h"
#include "core/outfile.h"

static double num(json_t *obj, const char *a, const char *b) {
    json_t *v = json_object_get(obj, a);
    if (b) v = json_object_get(v, b);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static void copy_str(char *dst, size_t len, json_t *v, const char *fallback) {
    cli_fmt(dst, len, "%s", json_is_string(v) ? json_string_value(v) : fallback);
}

static int add_row(cell_table *t, const cell_row *r) {
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        cell_row *rows = realloc(t->rows, cap * sizeof *rows);
        if (rows == NULL) return -1;
        t->rows = rows;
        t->cap = cap;
    }
    t->rows[t->n++] = *r;
    return 0;
}

/* A cell's JSON, parsed (j; NULL if it could not be, with je saying why): an object holding the
 * string `key`, or NULL, with a message naming the cell and the file. Consumes j on failure. */
static json_t *check_cell_json(json_t *j, const json_error_t *je, const char *path, const char *cell, const char *key,
                               char *err, size_t errlen) {
    if (j == NULL || !json_is_string(json_object_get(j, key))) {
        char why[sizeof je->text]; /* jansson quotes the text near the error, which may hold a newline */
        cli_fmt(err, errlen, "corrupt cell %s: %s is missing or malformed (%s%s)", cell, path, j ? "no " : "",
                j ? key : gc_printable(je->text, why, sizeof why));
        json_decref(j);
        return NULL;
    }
    return j;
}

/* ---------------------------------------------------------------- checking a cell's files */

/* A results file's header and its columns' kinds (core/metrics.h: 'u' a whole number >= 0, 'i' a
 * whole number (a sign allowed), 'w' a word (printable ASCII, no blank or quote), 'f' a decimal
 * fraction in [0, 1]). */
typedef struct csv_format {
    const char *file, *header, *kinds;
} csv_format;

static const csv_format cell_csvs[] = {
    {"events.csv", GC_EVENTS_CSV_HEADER, GC_EVENTS_CSV_KINDS},
    {"timeline.csv", GC_TIMELINE_CSV_HEADER, GC_TIMELINE_CSV_KINDS},
    {"mmu.csv", GC_MMU_CSV_HEADER, GC_MMU_CSV_KINDS},
};

static bool field_ok(const char *t, size_t n, char kind) {
    if (n == 0) return false;
    switch (kind) {
    case 'i':
        if (*t == '-' && n > 1) t++, n--;
        /* fall through */
    case 'u':
        if (n > 20) return false;
        for (size_t k = 0; k < n; k++)
            if (t[k] < '0' || t[k] > '9') return false;
        return true;
    case 'w': /* a name the recorder wrote: printable, no blank (collectors choose their pause kinds) */
        for (size_t k = 0; k < n; k++)
            if (t[k] <= ' ' || t[k] > '~' || t[k] == '"') return false;
        return true;
    case 'f': {
        char buf[64], *end;
        if (n >= sizeof buf || strspn(t, "0123456789.") < n) return false;
        memcpy(buf, t, n);
        buf[n] = '\0';
        double v = strtod(buf, &end);
        return *end == '\0' && v >= 0 && v <= 1;
    }
    }
    return false;
}

static const char *kind_name(char kind) {
    return kind == 'u' ? "a whole number >= 0" : kind == 'i' ? "a whole number" : kind == 'w' ? "a word" : "a number in [0, 1]";
}

/* 0, or -1 with "corrupt cell NAME: FILE:LINE: what" in err. */
/* Check the file open on f (named `path` in messages); closes f. */
static int check_csv_stream(FILE *f, const char *path, const char *cell, const csv_format *fmt, char *err,
                            size_t errlen) {
    char *line = NULL;
    size_t cap = 0, ncols = strlen(fmt->kinds);
    ssize_t len;
    unsigned long long no = 0;
    const char *what = NULL;
    char why[160];
    while (what == NULL && (len = getline(&line, &cap, f)) >= 0) {
        no++;
        if (len == 0 || line[len - 1] != '\n') {
            what = "the line is incomplete (no newline at its end: a truncated file?)";
            break;
        }
        line[--len] = '\0';
        if (memchr(line, '\0', (size_t)len)) {
            what = "the line contains a NUL byte";
        } else if (no == 1) {
            if (strcmp(line, fmt->header) != 0) what = "the header is not the expected one (docs/metrics.md)";
        } else {
            size_t col = 0;
            for (const char *t = line;; col++) {
                size_t n = strcspn(t, ",");
                if (col < ncols && !field_ok(t, n, fmt->kinds[col])) {
                    cli_fmt(why, sizeof why, "field %zu '%.*s' is not %s", col + 1, (int)(n < 40 ? n : 40), t, kind_name(fmt->kinds[col]));
                    what = why;
                    break;
                }
                if (t[n] == '\0') break;
                t += n + 1;
            }
            if (what == NULL && col + 1 != ncols) {
                cli_fmt(why, sizeof why, "%zu fields, the header has %zu", col + 1, ncols);
                what = why;
            }
        }
    }
    if (what == NULL && ferror(f)) what = strerror(errno);
    if (what == NULL && no == 0) what = "the file is empty (no header)";
    free(line);
    fclose(f);
    if (what == NULL) return 0;
    cli_fmt(err, errlen, "corrupt cell %s: %s:%llu: %s", cell, path, no ? no : 1, what);
    return -1;
}

static int check_csv(const char *dir, const char *cell, const csv_format *fmt, char *err, size_t errlen) {
    char path[4400];
    cli_fmt(path, sizeof path, "%s/%s", dir, fmt->file);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        cli_fmt(err, errlen, "corrupt cell %s: %s: %s", cell, path, strerror(errno));
        return -1;
    }
    return check_csv_stream(f, path, cell, fmt, err, errlen);
}

int results_check_csv_text(const char *cell, unsigned which, const char *text, size_t len, char *err, size_t errlen) {
    const csv_format *fmt = &cell_csvs[which % (sizeof cell_csvs / sizeof cell_csvs[0])];
    /* fmemopen of an empty buffer is refused by some C libraries: an empty file is an empty text */
    static char empty[1];
    FILE *f = fmemopen(len ? (void *)text : empty, len ? len : 1, "r");
    if (f == NULL) {
        cli_fmt(err, errlen, "out of memory reading %s", fmt->file);
        return -2;
    }
    if (len == 0) fgetc(f); /* consume the placeholder byte: the stream is then at its end */
    return check_csv_stream(f, fmt->file, cell, fmt, err, errlen);
}

/* The figures of summary.json that a row takes: present, numbers, in range. */
static int check_summary(json_t *s, const char *path, const char *cell, char *err, size_t errlen) {
    static const char *const whole[][2] = {
        {"time", "wall_ns"}, {"time", "gc_ns"}, {"time", "mutator_ns"}, {"time", "run_end_ns"},
        {"pauses", "count"}, {"pauses", "p50_ns"}, {"pauses", "p90_ns"}, {"pauses", "p99_ns"},
        {"pauses", "p99_9_ns"}, {"pauses", "max_ns"}, {"footprint", "heap_bytes_peak"},
        {"footprint", "block_bytes_peak"}, {"footprint", "jemalloc_resident_peak"}, {"footprint", "rss_peak"},
        {"mutator", "allocations"}, {"mutator", "bytes_allocated"}, {"final", "leaked_objects"},
        {"final", "leaked_bytes"}, {"final", "live_bytes"}};
    static const char *const fraction[][2] = {{"mmu", "window_1ms"}, {"mmu", "window_10ms"}, {"mmu", "window_100ms"}};
    for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++) {
        json_t *v = json_object_get(json_object_get(s, whole[i][0]), whole[i][1]);
        if (!json_is_integer(v) || json_integer_value(v) < 0) {
            cli_fmt(err, errlen, "corrupt cell %s: %s: %s.%s is %s (expected a whole number >= 0)", cell, path, whole[i][0],
                    whole[i][1], v == NULL ? "missing" : json_is_integer(v) ? "negative" : "not a whole number");
            return -1;
        }
    }
    for (size_t i = 0; i < sizeof fraction / sizeof fraction[0]; i++) {
        json_t *v = json_object_get(json_object_get(s, fraction[i][0]), fraction[i][1]);
        if (!json_is_number(v) || !(json_number_value(v) >= 0 && json_number_value(v) <= 1)) {
            cli_fmt(err, errlen, "corrupt cell %s: %s: %s.%s is %s (expected a number in [0, 1])", cell, path,
                    fraction[i][0], fraction[i][1], v == NULL ? "missing" : "out of range");
            return -1;
        }
    }
    return 0;
}

static json_t *load_cell_json(const char *path, const char *cell, const char *key, char *err, size_t errlen) {
    json_error_t je;
    return check_cell_json(json_load_file(path, 0, &je), &je, path, cell, key, err, errlen);
}

/* The plan's part of a row (cell.json or plan/NAME.json); every figure NAN. */
static void row_from_plan(cell_row *r, json_t *cell) {
    copy_str(r->collector, sizeof r->collector, json_object_get(cell, "collector"), "?");
    copy_str(r->workload, sizeof r->workload, json_object_get(cell, "workload"), "?");
    r->heap_multiple = num(cell, "heap_multiple", NULL);
    r->heap_limit = (uint64_t)json_integer_value(json_object_get(cell, "heap_limit"));
    r->invocation = (unsigned)json_integer_value(json_object_get(cell, "invocation"));
    r->seed = (uint64_t)json_integer_value(json_object_get(cell, "seed"));
    double *figures[] = {&r->wall_ns, &r->gc_ns, &r->mutator_ns, &r->gc_share, &r->pause_count, &r->pause_p50_ns,
                         &r->pause_p90_ns, &r->pause_p99_ns, &r->pause_p999_ns, &r->pause_max_ns, &r->heap_bytes_peak,
                         &r->block_bytes_peak, &r->jemalloc_resident_peak, &r->rss_peak, &r->allocations,
                         &r->bytes_allocated, &r->leaked_objects, &r->leaked_bytes, &r->mmu_1ms, &r->mmu_10ms,
                         &r->mmu_100ms, &r->live_bytes, &r->run_end_ns, &r->cpu_share, &r->involuntary_switches,
                         &r->noisy};
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++) *figures[i] = NAN;
}

/* The run's part of a finished cell's row (summary.json). */
static void row_from_summary(cell_row *r, json_t *s) {
    copy_str(r->status, sizeof r->status, json_object_get(s, "status"), "?");
    r->wall_ns = num(s, "time", "wall_ns");
    r->gc_ns = num(s, "time", "gc_ns");
    r->mutator_ns = num(s, "time", "mutator_ns");
    r->gc_share = r->wall_ns > 0 ? r->gc_ns / r->wall_ns : NAN;
    r->pause_count = num(s, "pauses", "count");
    r->pause_p50_ns = num(s, "pauses", "p50_ns");
    r->pause_p90_ns = num(s, "pauses", "p90_ns");
    r->pause_p99_ns = num(s, "pauses", "p99_ns");
    r->pause_p999_ns = num(s, "pauses", "p99_9_ns");
    r->pause_max_ns = num(s, "pauses", "max_ns");
    r->heap_bytes_peak = num(s, "footprint", "heap_bytes_peak");
    r->block_bytes_peak = num(s, "footprint", "block_bytes_peak");
    r->jemalloc_resident_peak = num(s, "footprint", "jemalloc_resident_peak");
    r->rss_peak = num(s, "footprint", "rss_peak");
    r->allocations = num(s, "mutator", "allocations");
    r->bytes_allocated = num(s, "mutator", "bytes_allocated");
    r->leaked_objects = num(s, "final", "leaked_objects");
    r->leaked_bytes = num(s, "final", "leaked_bytes");
    r->mmu_1ms = num(s, "mmu", "window_1ms");
    r->mmu_10ms = num(s, "mmu", "window_10ms");
    r->mmu_100ms = num(s, "mmu", "window_100ms");
    r->live_bytes = num(s, "final", "live_bytes");
    r->run_end_ns = num(s, "time", "run_end_ns");
    /* Cells written before these figures existed have none: NAN, and no noise verdict. */
    double user = num(s, "time", "cpu_user_ns"), sys = num(s, "time", "cpu_system_ns");
    r->cpu_share = r->wall_ns > 0 ? (user + sys) / r->wall_ns : NAN;
    r->involuntary_switches = num(s, "time", "involuntary_switches");
    if (!isnan(r->cpu_share) && !isnan(r->involuntary_switches)) {
        double allowed = r->wall_ns / 1e6 / CLI_NOISY_MS_PER_SWITCH;
        r->noisy = r->cpu_share < CLI_NOISY_CPU_SHARE ||
                   (r->involuntary_switches > CLI_NOISY_MIN_SWITCHES && r->involuntary_switches > allowed);
    }
}

int results_row_from_text(const char *name, const char *cell_json, size_t cell_len, const char *summary_json,
                          size_t summary_len, cell_row *r, char *err, size_t errlen) {
    memset(r, 0, sizeof *r);
    cli_fmt(r->name, sizeof r->name, "%s", name);
    json_error_t je;
    json_t *cell = check_cell_json(json_loadb(cell_json, cell_len, 0, &je), &je, "cell.json", name, "collector", err,
                                   errlen);
    if (cell == NULL) return -1;
    row_from_plan(r, cell);
    json_decref(cell);
    json_t *s = check_cell_json(json_loadb(summary_json, summary_len, 0, &je), &je, "summary.json", name, "status",
                                err, errlen);
    if (s == NULL) return -1;
    copy_str(r->status, sizeof r->status, json_object_get(s, "status"), "?");
    if (strcmp(r->status, "crashed") != 0 && check_summary(s, "summary.json", name, err, errlen) != 0) {
        json_decref(s);
        return -1;
    }
    row_from_summary(r, s);
    json_decref(s);
    return 0;
}

/* What is known of a cell: a finished directory (cells/NAME), an unfinished one (cells/NAME.tmp),
 * or only its plan (plan/NAME.json: never started, e.g. a job of --emit-jobs not yet run). */
typedef enum cell_state { CELL_FINISHED, CELL_UNFINISHED, CELL_NOT_RUN } cell_state;

/* One cell: cell.json (the plan) and summary.json (the run's figures) of a finished cell; the plan
 * alone otherwise. `name` is the entry's name in cells/ (or plan/). */
static int load_cell(const char *dir, const char *name, cell_state state, cell_table *t, char *err, size_t errlen) {
    char path[4400];
    cell_row r;
    memset(&r, 0, sizeof r);
    size_t suffix = state == CELL_FINISHED ? 0 : state == CELL_UNFINISHED ? 4 : 5; /* .tmp, .json */
    cli_fmt(r.name, sizeof r.name, "%.*s", (int)(strlen(name) - suffix), name);
    cli_fmt(r.dir, sizeof r.dir, "%s/cells/%s", dir, state == CELL_UNFINISHED ? name : r.name);
    bool finished = state == CELL_FINISHED;
    if (finished) cli_fmt(path, sizeof path, "%s/cell.json", r.dir);
    else cli_fmt(path, sizeof path, "%s/plan/%s.json", dir, r.name);
    json_t *cell = load_cell_json(path, r.name, "collector", err, errlen);
    if (cell == NULL) return -1;
    row_from_plan(&r, cell);
    json_decref(cell);
    if (!finished) {
        cli_fmt(r.status, sizeof r.status, state == CELL_UNFINISHED ? "incomplete" : "not-run");
        return add_row(t, &r);
    }
    cli_fmt(path, sizeof path, "%s/summary.json", r.dir);
    json_t *s = load_cell_json(path, r.name, "status", err, errlen);
    if (s == NULL) return -1;
    copy_str(r.status, sizeof r.status, json_object_get(s, "status"), "?");
    /* A crashed cell has its status and nothing else to check (compare wrote it for the run). */
    if (strcmp(r.status, "crashed") != 0) {
        int bad = check_summary(s, path, r.name, err, errlen);
        for (size_t i = 0; !bad && i < sizeof cell_csvs / sizeof cell_csvs[0]; i++)
            bad = check_csv(r.dir, r.name, &cell_csvs[i], err, errlen);
        if (bad) {
            json_decref(s);
            return -1;
        }
    }
    row_from_summary(&r, s);
    json_decref(s);
    return add_row(t, &r);
}

static int cmp_row(const void *a, const void *b) {
    const cell_row *x = a, *y = b;
    return strcmp(x->name, y->name);
}

int results_load(const char *dir, cell_table *t, char *err, size_t errlen) {
    char path[4200];
    cli_fmt(path, sizeof path, "%s/cells", dir);
    DIR *d = opendir(path);
    if (d == NULL && errno == ENOMEM) {
        cli_fmt(err, errlen, "out of memory reading %s", path);
        return -2;
    }
    if (d == NULL) {
        cli_fmt(err, errlen, "%s is not an experiment directory (no cells/: %s)", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        size_t len = strlen(e->d_name);
        char entry[4400];
        struct stat st;
        cli_fmt(entry, sizeof entry, "%s/%s", path, e->d_name);
        if (stat(entry, &st) != 0 || !S_ISDIR(st.st_mode)) {
            fprintf(stderr, "gclab: warning: %s is not a cell directory: skipped\n", entry);
            continue;
        }
        bool tmp = len > 4 && strcmp(e->d_name + len - 4, ".tmp") == 0;
        if (tmp) {
            /* an unfinished cell counts only if no finished one has its name */
            char fin[4400];
            cli_fmt(fin, sizeof fin, "%s/%.*s", path, (int)(len - 4), e->d_name);
            DIR *f = opendir(fin);
            if (f) {
                closedir(f);
                continue;
            }
        }
        rc = load_cell(dir, e->d_name, tmp ? CELL_UNFINISHED : CELL_FINISHED, t, err, errlen);
    }
    closedir(d);
    /* Planned cells with no directory at all. An experiment directory without plan/ (cells
     * copied by hand) simply has none. */
    cli_fmt(path, sizeof path, "%s/plan", dir);
    if (rc == 0 && (d = opendir(path)) != NULL) {
        while (rc == 0 && (e = readdir(d)) != NULL) {
            size_t len = strlen(e->d_name);
            if (e->d_name[0] == '.' || len <= 5 || strcmp(e->d_name + len - 5, ".json") != 0) continue;
            char cell[4400];
            struct stat st;
            cli_fmt(cell, sizeof cell, "%s/cells/%.*s", dir, (int)(len - 5), e->d_name);
            if (stat(cell, &st) == 0) continue;
            cli_fmt(cell, sizeof cell, "%s/cells/%.*s.tmp", dir, (int)(len - 5), e->d_name);
            if (stat(cell, &st) == 0) continue;
            rc = load_cell(dir, e->d_name, CELL_NOT_RUN, t, err, errlen);
        }
        closedir(d);
    }
    if (rc == 0 && t->n) qsort(t->rows, t->n, sizeof *t->rows, cmp_row);
    return rc;
}

/* How much a row knows: a finished cell over an unfinished one over a mere plan. */
static int row_rank(const cell_row *r) {
    if (strcmp(r->status, "not-run") == 0) return 0;
    if (strcmp(r->status, "incomplete") == 0) return 1;
    return 2;
}

int results_combine(cell_table *t, char *err, size_t errlen) {
    if (t->n) qsort(t->rows, t->n, sizeof *t->rows, cmp_row);
    size_t kept = 0;
    for (size_t i = 0; i < t->n; i++) {
        cell_row *r = &t->rows[i];
        if (kept && strcmp(t->rows[kept - 1].name, r->name) == 0) {
            cell_row *prev = &t->rows[kept - 1];
            if (row_rank(prev) == 2 && row_rank(r) == 2) {
                cli_fmt(err, errlen, "cell %s is in two places (%s and %s): merge each cell once", r->name, prev->dir,
                        r->dir);
                return -1;
            }
            if (row_rank(r) > row_rank(prev)) *prev = *r;
            continue;
        }
        if (kept != i) t->rows[kept] = *r;
        kept++;
    }
    t->n = kept;
    return 0;
}

void results_free(cell_table *t) {
    free(t->rows);
    *t = (cell_table){0};
}

static void put(FILE *f, double v) {
    if (isnan(v)) fputs(",", f);
    else if (v == floor(v) && fabs(v) < 1e17) fprintf(f, ",%.0f", v);
    else fprintf(f, ",%.6g", v);
}

int results_write_csv(const cell_table *t, const char *path, char *err, size_t errlen) {
    /* Complete or absent: a failed write never leaves a truncated results.csv where a complete
     * one was. */
    gc_outfile out;
    if (gc_outfile_open(&out, path, err, errlen) != 0) return -1;
    FILE *f = out.f;
    fprintf(f, "cell,collector,workload,heap_multiple,heap_limit,invocation,seed,status,wall_ns,gc_ns,mutator_ns,"
               "gc_share,pause_count,pause_p50_ns,pause_p90_ns,pause_p99_ns,pause_p99_9_ns,pause_max_ns,"
               "heap_bytes_peak,block_bytes_peak,jemalloc_resident_peak,rss_peak,allocations,bytes_allocated,"
               "leaked_objects,leaked_bytes,mmu_1ms,mmu_10ms,mmu_100ms,live_bytes,cpu_share,involuntary_switches,"
               "noisy\n");
    for (size_t i = 0; i < t->n; i++) {
        const cell_row *r = &t->rows[i];
        fprintf(f, "%s,%s,%s", r->name, r->collector, r->workload);
        put(f, r->heap_multiple);
        fprintf(f, ",%llu,%u,%llu,%s", (unsigned long long)r->heap_limit, r->invocation, (unsigned long long)r->seed,
                r->status);
        double v[] = {r->wall_ns, r->gc_ns, r->mutator_ns, r->gc_share, r->pause_count, r->pause_p50_ns,
                      r->pause_p90_ns, r->pause_p99_ns, r->pause_p999_ns, r->pause_max_ns, r->heap_bytes_peak,
                      r->block_bytes_peak, r->jemalloc_resident_peak, r->rss_peak, r->allocations,
                      r->bytes_allocated, r->leaked_objects, r->leaked_bytes, r->mmu_1ms, r->mmu_10ms, r->mmu_100ms,
                      r->live_bytes, r->cpu_share, r->involuntary_switches, r->noisy};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) put(f, v[k]);
        fputc('\n', f);
    }
    return gc_outfile_commit(&out, err, errlen);
}
