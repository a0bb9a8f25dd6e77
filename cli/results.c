/* Results: read every cell of an experiment directory into rows, and write results.csv (one tidy
 * row per cell; columns defined in docs/experiments.md). */
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
                         &r->mmu_100ms, &r->live_bytes, &r->run_end_ns};
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
    if (d == NULL) {
        cli_fmt(err, errlen, "%s is not an experiment directory (no cells/: %s)", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        size_t len = strlen(e->d_name);
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
    /* Written beside and renamed over the old file, so that a failed write never leaves a
     * truncated results.csv where a complete one was. */
    char tmp[4200];
    cli_fmt(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        cli_fmt(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        return -1;
    }
    fprintf(f, "cell,collector,workload,heap_multiple,heap_limit,invocation,seed,status,wall_ns,gc_ns,mutator_ns,"
               "gc_share,pause_count,pause_p50_ns,pause_p90_ns,pause_p99_ns,pause_p99_9_ns,pause_max_ns,"
               "heap_bytes_peak,block_bytes_peak,jemalloc_resident_peak,rss_peak,allocations,bytes_allocated,"
               "leaked_objects,leaked_bytes,mmu_1ms,mmu_10ms,mmu_100ms,live_bytes\n");
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
                      r->live_bytes};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) put(f, v[k]);
        fputc('\n', f);
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        cli_fmt(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}
