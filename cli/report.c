/* Reports: report.md (the table of medians with confidence intervals) and the figures, from the
 * rows of one or more experiment directories. `gclab merge` is here too.
 *
 * Statistics (cli/stats.c). Each table entry is the median over a group's finished invocations,
 * with a distribution-free confidence interval for the median from order statistics:
 * [x(l), x(n+1-l)] covers the median with probability 1 - 2 P(B < l), B ~ Binomial(n, 1/2); l is
 * the largest rank that keeps that coverage at or above 95%. With fewer than 6 invocations no pair
 * of order statistics reaches 95%; then the interval is [min, max] and the report states its
 * coverage.
 *
 * Figures take one representative cell per collector and workload, at the largest heap setting
 * of the experiment (the one where collectors are least likely to fail): the finished invocation
 * with the median wall time. The pause-time CDF pools every finished invocation at that setting. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/experiment.h"
#include "cli/stats.h"
#include "core/buildinfo.h"
#include "core/outfile.h"

#define MAXG 64
#define MAX_GROUP 1024 /* rows of one group (invocations) that a report uses */

typedef struct names {
    const char *v[MAXG];
    int n;
} names;

static int name_index(names *s, const char *name) {
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->v[i], name) == 0) return i;
    if (s->n == MAXG) return -1;
    s->v[s->n] = name;
    return s->n++;
}

static double heap_key(const cell_row *r) {
    if (!isnan(r->heap_multiple)) return r->heap_multiple;
    return (double)r->heap_limit; /* 0: no limit */
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The rows of one group (workload, heap setting, collector): at most MAX_GROUP, into out. */
static int group_rows(const cell_table *t, const char *w, double heap, const char *c, bool ok_only, const cell_row **out) {
    int n = 0;
    for (size_t i = 0; i < t->n; i++) {
        const cell_row *r = &t->rows[i];
        if (strcmp(r->workload, w) || strcmp(r->collector, c) || heap_key(r) != heap) continue;
        if (ok_only && strcmp(r->status, "ok") != 0) continue;
        if (n == MAX_GROUP) break;
        out[n++] = r;
    }
    return n;
}

static estimate figure(const cell_row **rows, int n, size_t offset, double scale) {
    double v[MAX_GROUP];
    int m = 0;
    for (int i = 0; i < n && m < MAX_GROUP; i++) {
        double x = *(const double *)((const char *)rows[i] + offset);
        if (!isnan(x)) v[m++] = x * scale;
    }
    return stats_estimate(v, m, 0.95);
}

static void put_est(FILE *f, estimate e, const char *fmt) {
    if (isnan(e.median)) {
        fprintf(f, " – |");
        return;
    }
    fprintf(f, " ");
    fprintf(f, fmt, e.median);
    if (e.n > 1) {
        fprintf(f, " [");
        fprintf(f, fmt, e.lo);
        fprintf(f, ", ");
        fprintf(f, fmt, e.hi);
        fprintf(f, "]");
    }
    fprintf(f, " |");
}

static void heap_label(double heap, bool multiple, char *buf, size_t len) {
    if (multiple) cli_fmt(buf, len, "%g× min heap", heap);
    else if (heap == 0) cli_fmt(buf, len, "no limit");
    else cli_fmt(buf, len, "%.1f MiB", heap / 1048576.0);
}

/* The sorted distinct heap settings of a workload. */
static int heaps_of(const cell_table *t, const char *w, double *heaps, bool *multiple) {
    int n = 0;
    *multiple = false;
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->rows[i].workload, w)) continue;
        if (!isnan(t->rows[i].heap_multiple)) *multiple = true;
        double h = heap_key(&t->rows[i]);
        bool seen = false;
        for (int k = 0; k < n; k++) seen |= heaps[k] == h;
        if (!seen && n < MAXG) heaps[n++] = h;
    }
    qsort(heaps, (size_t)n, sizeof *heaps, cmp_double);
    return n;
}

/* ---------- plot data ---------- */

static const char *plots_dir(void) {
    const char *env = getenv("GCLAB_PLOTS_DIR");
    if (env && *env) return env;
    if (access(GCLAB_PLOTS_SOURCE_DIR "/style.gp", R_OK) == 0) return GCLAB_PLOTS_SOURCE_DIR;
    return GCLAB_PLOTS_INSTALL_DIR;
}

/* Copy columns of a CSV file into a data file, scaled: out gets one line per row with the chosen
 * columns multiplied by their scale. Returns the number of rows. */
static long csv_columns(const char *in, FILE *out, const int *cols, const double *scale, int ncols) {
    FILE *f = fopen(in, "r");
    if (f == NULL) return -1;
    char line[1024];
    long rows = 0;
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return 0;
    }
    while (fgets(line, sizeof line, f)) {
        double v[32];
        int nv = 0;
        for (char *save = NULL, *tok = strtok_r(line, ",\n", &save); tok && nv < 32; tok = strtok_r(NULL, ",\n", &save))
            v[nv++] = strtod(tok, NULL);
        for (int k = 0; k < ncols; k++) fprintf(out, "%s%.9g", k ? " " : "", cols[k] < nv ? v[cols[k]] * scale[k] : NAN);
        fputc('\n', out);
        rows++;
    }
    fclose(f);
    return rows;
}

static const cell_row *representative(const cell_row **rows, int n) {
    const cell_row *best = NULL;
    double v[MAX_GROUP];
    int m = 0;
    for (int i = 0; i < n && m < MAX_GROUP; i++) v[m++] = rows[i]->wall_ns;
    estimate e = stats_estimate(v, m, 0.95);
    double dist = INFINITY;
    for (int i = 0; i < n; i++)
        if (fabs(rows[i]->wall_ns - e.median) < dist) {
            dist = fabs(rows[i]->wall_ns - e.median);
            best = rows[i];
        }
    return best;
}

/* Pooled pause durations (ms) of the rows, sorted, with their cumulative fraction. Returns the
 * number of pauses, or -1. */
static long write_pause_cdf(const cell_row **rows, int n, const char *path) {
    size_t cap = 1024, m = 0;
    double *d = malloc(cap * sizeof *d);
    if (d == NULL) return -1;
    for (int i = 0; i < n; i++) {
        char ev[4400], line[1024];
        cli_fmt(ev, sizeof ev, "%s/events.csv", rows[i]->dir);
        FILE *f = fopen(ev, "r");
        if (f == NULL) continue;
        if (!fgets(line, sizeof line, f)) {
            fclose(f);
            continue;
        }
        while (fgets(line, sizeof line, f)) {
            char *save = NULL, *tok = strtok_r(line, ",", &save);
            for (int col = 0; tok && col < 6; col++) tok = strtok_r(NULL, ",", &save);
            if (!tok) continue;
            if (m == cap) {
                double *nd = realloc(d, 2 * cap * sizeof *d);
                if (nd == NULL) break;
                d = nd;
                cap *= 2;
            }
            d[m++] = strtod(tok, NULL) / 1e6;
        }
        fclose(f);
    }
    qsort(d, m, sizeof *d, cmp_double);
    FILE *out = fopen(path, "w");
    if (out == NULL) {
        free(d);
        return -1;
    }
    /* At most ~2000 points: every k-th pause and always the last. */
    size_t step = m > 2000 ? m / 2000 : 1;
    for (size_t i = 0; i < m; i++)
        if (i % step == 0 || i == m - 1) fprintf(out, "%.9g %.9g\n", d[i] > 0 ? d[i] : 1e-6, (double)(i + 1) / (double)m);
    free(d);
    if (fclose(out) != 0) return -1;
    return (long)m;
}

static void add_word(char *list, size_t len, const char *word) {
    size_t used = strlen(list);
    cli_fmt(list + used, len - used, "%s%s", used ? " " : "", word);
}

static FILE *data_file(const char *dir, const char *w, const char *what, const char *c) {
    char path[4400];
    cli_fmt(path, sizeof path, "%s/%s.%s.%s.dat", dir, w, what, c);
    return fopen(path, "w");
}

static int run_gnuplot(const char *script, const char *vars, const char *log) {
    char path[4400];
    cli_fmt(path, sizeof path, "%s/%s", plots_dir(), script);
    char *args[] = {"gnuplot", "-e", (char *)vars, path, NULL};
    int st = cli_spawn("gnuplot", args, NULL, log);
    return (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0) ? 0 : -1;
}

/* Data files and figures for one workload; appends the figure names to the report. */
static int plot_workload(const cell_table *t, const char *w, names *cs, const char *out_dir, FILE *md) {
    char data[4400], vars[8192], clist[2048] = "";
    cli_fmt(data, sizeof data, "%s/plots/data", out_dir);
    if (gc_mkdir_p(data) != 0) return -1;
    double heaps[MAXG];
    bool multiple;
    int nh = heaps_of(t, w, heaps, &multiple);
    double plot_heap = heaps[nh - 1];
    /* Per figure, the collectors that have data for it (gnuplot refuses a file with no points). */
    char with_pauses[2048] = "", with_mmu[2048] = "", with_footprint[2048] = "";
    const cell_row *rows[MAX_GROUP];
    for (int c = 0; c < cs->n; c++) {
        int n = group_rows(t, w, plot_heap, cs->v[c], true, rows);
        if (n == 0) continue;
        add_word(clist, sizeof clist, cs->v[c]);
        char path[4600];
        cli_fmt(path, sizeof path, "%s/%s.pauses.%s.dat", data, w, cs->v[c]);
        if (write_pause_cdf(rows, n, path) > 0) add_word(with_pauses, sizeof with_pauses, cs->v[c]);
        const cell_row *rep = representative(rows, n);
        cli_fmt(path, sizeof path, "%s/events.csv", rep->dir);
        FILE *f = data_file(data, w, "timeline", cs->v[c]);
        if (f) {
            int cols[] = {4, 6};
            double sc[] = {1e-9, 1e-6};
            csv_columns(path, f, cols, sc, 2);
            fclose(f);
        }
        cli_fmt(path, sizeof path, "%s/mmu.csv", rep->dir);
        if ((f = data_file(data, w, "mmu", cs->v[c]))) {
            int cols[] = {0, 1};
            double sc[] = {1e-6, 1};
            if (csv_columns(path, f, cols, sc, 2) > 0) add_word(with_mmu, sizeof with_mmu, cs->v[c]);
            fclose(f);
        }
        cli_fmt(path, sizeof path, "%s/timeline.csv", rep->dir);
        if ((f = data_file(data, w, "footprint", cs->v[c]))) {
            int cols[] = {0, 4, 8, 9};
            double sc[] = {1e-9, 1.0 / 1048576, 1.0 / 1048576, 1.0 / 1048576};
            if (csv_columns(path, f, cols, sc, 4) > 0) add_word(with_footprint, sizeof with_footprint, cs->v[c]);
            fclose(f);
        }
        /* The final census: live bytes when the workload ended, one point on the footprint figure. */
        if ((f = data_file(data, w, "live", cs->v[c]))) {
            if (!isnan(rep->live_bytes) && !isnan(rep->run_end_ns))
                fprintf(f, "%.9g %.9g\n", rep->run_end_ns * 1e-9, rep->live_bytes / 1048576);
            else fprintf(f, "NaN NaN\n");
            fclose(f);
        }
    }
    /* Time against heap size: one block (gnuplot `index`) per collector that finished at some
     * heap setting, in the order of with_sweep, the list the script gets. */
    char path[4600], with_sweep[2048] = "";
    cli_fmt(path, sizeof path, "%s/%s.heaps.dat", data, w);
    FILE *f = fopen(path, "w");
    if (f == NULL) return -1;
    for (int c = 0; c < cs->n; c++) {
        bool any = false;
        for (int h = 0; h < nh; h++) {
            int n = group_rows(t, w, heaps[h], cs->v[c], true, rows);
            if (n == 0) continue;
            if (!any) fprintf(f, "# %s\n", cs->v[c]);
            estimate wall = figure(rows, n, offsetof(cell_row, wall_ns), 1e-9);
            estimate gc = figure(rows, n, offsetof(cell_row, gc_ns), 1e-9);
            double x = multiple ? heaps[h] : heaps[h] / 1048576.0;
            fprintf(f, "%.9g %.9g %.9g %.9g %.9g %.9g %.9g\n", x, wall.median, wall.lo, wall.hi, gc.median, gc.lo, gc.hi);
            any = true;
        }
        if (any) {
            fprintf(f, "\n\n");
            add_word(with_sweep, sizeof with_sweep, cs->v[c]);
        }
    }
    fclose(f);
    if (!clist[0] && !with_sweep[0]) return 0;
    /* Summary bars at the plotted heap setting. */
    cli_fmt(path, sizeof path, "%s/%s.summary.dat", data, w);
    if ((f = fopen(path, "w")) == NULL) return -1;
    for (int c = 0; c < cs->n; c++) {
        int n = group_rows(t, w, plot_heap, cs->v[c], true, rows);
        if (n == 0) continue;
        fprintf(f, "%s %.9g %.9g %.9g %.9g\n", cs->v[c], figure(rows, n, offsetof(cell_row, gc_share), 100).median,
                figure(rows, n, offsetof(cell_row, pause_max_ns), 1e-6).median,
                figure(rows, n, offsetof(cell_row, heap_bytes_peak), 1.0 / 1048576).median,
                figure(rows, n, offsetof(cell_row, leaked_bytes), 1.0 / 1048576).median);
    }
    fclose(f);

    char hl[64];
    heap_label(plot_heap, multiple, hl, sizeof hl);
    const struct {
        const char *script, *title, *collectors;
    } figs[] = {{"pause-cdf", "Pause-time distribution", with_pauses},
                {"pause-timeline", "Pause timeline", with_pauses},
                {"mmu", "Minimum mutator utilisation", with_mmu},
                {"footprint", "Footprint over time", with_footprint},
                {"heap-sweep", "Time against heap size", nh >= 2 ? with_sweep : ""},
                {"summary", "Summary", clist}};
    /* Every collector of the experiment, in one order for all workloads: each keeps its colour. */
    char all[2048] = "";
    for (int c = 0; c < cs->n; c++) add_word(all, sizeof all, cs->v[c]);
    int failures = 0;
    fprintf(md, "\n### %s\n\nFigures at %s unless the figure varies the heap.\n\n", w, hl);
    for (size_t i = 0; i < sizeof figs / sizeof figs[0]; i++) {
        if (!figs[i].collectors[0]) {
            if (strcmp(figs[i].script, "heap-sweep") != 0) fprintf(md, "- %s: no data (no collector recorded any)\n\n", figs[i].title);
            continue;
        }
        cli_fmt(vars, sizeof vars,
                 "data='%s/%s'; out='%s/plots/%s-%s'; collectors='%s'; allcollectors='%s'; wl='%s'; heaplabel='%s'; "
                 "multiple=%d; style='%s/style.gp'",
                 data, w, out_dir, w, figs[i].script, figs[i].collectors, all, w, hl, multiple ? 1 : 0, plots_dir());
        char script[128];
        cli_fmt(script, sizeof script, "%s.gp", figs[i].script);
        char log[4500];
        cli_fmt(log, sizeof log, "%s/plots/%s-%s.log", out_dir, w, figs[i].script);
        if (run_gnuplot(script, vars, log) != 0) {
            failures++;
            fprintf(md, "- %s: gnuplot failed (see plots/%s-%s.log; the data are in plots/data/)\n", figs[i].title, w,
                    figs[i].script);
            continue;
        }
        unlink(log); /* gnuplot's warnings (an empty range, say) are not worth keeping */
        fprintf(md, "**%s** ([PDF](plots/%s-%s.pdf), [SVG](plots/%s-%s.svg))\n\n![%s](plots/%s-%s.png)\n\n", figs[i].title, w,
                figs[i].script, w, figs[i].script, figs[i].title, w, figs[i].script);
    }
    return failures ? -1 : 0;
}

/* ---------- report.md ---------- */

static void write_table(FILE *md, const cell_table *t, const char *w, names *cs) {
    double heaps[MAXG];
    bool multiple;
    int nh = heaps_of(t, w, heaps, &multiple);
    fprintf(md, "\n## %s\n\n", w);
    fprintf(md, "| heap | collector | cells ok | wall time (ms) | GC time (ms) | GC share | max pause (ms) | p99 pause (ms) "
                "| MMU at 10 ms | peak heap (MiB) | peak RSS (MiB) | leaked (MiB) |\n");
    fprintf(md, "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    const cell_row *rows[MAX_GROUP];
    for (int h = 0; h < nh; h++)
        for (int c = 0; c < cs->n; c++) {
            int all = group_rows(t, w, heaps[h], cs->v[c], false, rows);
            if (all == 0) continue;
            int n = group_rows(t, w, heaps[h], cs->v[c], true, rows);
            char hl[64];
            heap_label(heaps[h], multiple, hl, sizeof hl);
            fprintf(md, "| %s | %s | %d/%d |", hl, cs->v[c], n, all);
            put_est(md, figure(rows, n, offsetof(cell_row, wall_ns), 1e-6), "%.1f");
            put_est(md, figure(rows, n, offsetof(cell_row, gc_ns), 1e-6), "%.1f");
            put_est(md, figure(rows, n, offsetof(cell_row, gc_share), 100), "%.1f%%");
            put_est(md, figure(rows, n, offsetof(cell_row, pause_max_ns), 1e-6), "%.3f");
            put_est(md, figure(rows, n, offsetof(cell_row, pause_p99_ns), 1e-6), "%.3f");
            put_est(md, figure(rows, n, offsetof(cell_row, mmu_10ms), 1), "%.2f");
            put_est(md, figure(rows, n, offsetof(cell_row, heap_bytes_peak), 1.0 / 1048576), "%.1f");
            put_est(md, figure(rows, n, offsetof(cell_row, rss_peak), 1.0 / 1048576), "%.1f");
            put_est(md, figure(rows, n, offsetof(cell_row, leaked_bytes), 1.0 / 1048576), "%.2f");
            fputc('\n', md);
            if (n < all) {
                /* say what happened to the cells that did not finish */
                int total = group_rows(t, w, heaps[h], cs->v[c], false, rows);
                fprintf(md, "| | | failed: ");
                for (int i = 0; i < total; i++)
                    if (strcmp(rows[i]->status, "ok")) fprintf(md, "i%u %s; ", rows[i]->invocation, rows[i]->status);
                fprintf(md, "| | | | | | | | | |\n");
            }
        }
}

/* ---------- lower-bound overhead ---------- */

/* The median of a group's figure at `offset` (finished cells), or NAN. */
static double group_median(const cell_table *t, const char *w, double heap, const char *c, size_t offset) {
    const cell_row *rows[MAX_GROUP];
    int n = group_rows(t, w, heap, c, true, rows);
    return figure(rows, n, offset, 1).median;
}

/* Lower-bound overhead (Cai, Blackburn, Bond and Maas, ISPASS 2022), docs/experiments.md: for a
 * workload and heap setting, each collector's distilled cost is its wall time less its time in
 * collections (medians over its finished cells); the least distilled cost of any collector there
 * is the baseline, an estimate of the mutator's own cost with no collector at all; a collector's
 * LBO is its wall time over that baseline, less 1. One table: the geometric mean over the
 * workloads of 1 + LBO, less 1, per heap setting and collector. */
static void write_lbo(FILE *md, const cell_table *t, const names *ws, const names *cs) {
    double keys[MAXG];
    int nk = 0;
    bool multiple = false;
    for (size_t i = 0; i < t->n; i++) {
        double h = heap_key(&t->rows[i]);
        multiple |= !isnan(t->rows[i].heap_multiple);
        bool seen = false;
        for (int k = 0; k < nk; k++) seen |= keys[k] == h;
        if (!seen && nk < MAXG) keys[nk++] = h;
    }
    qsort(keys, (size_t)nk, sizeof *keys, cmp_double);
    fprintf(md, "\n## Lower-bound overhead\n\nA collector's time over the least distilled cost (wall time less "
                "time in collections) of any collector at the same workload and heap, less 1: the geometric mean "
                "over the workloads, with how many workloads entered it where some lacked a finished cell "
                "(docs/experiments.md). nogc, where it finishes, sets the lowest baseline.\n\n| heap |");
    for (int c = 0; c < cs->n; c++) fprintf(md, " %s |", cs->v[c]);
    fprintf(md, "\n|---|");
    for (int c = 0; c < cs->n; c++) fprintf(md, "---|");
    fputc('\n', md);
    for (int k = 0; k < nk; k++) {
        char hl[64];
        heap_label(keys[k], multiple, hl, sizeof hl);
        fprintf(md, "| %s |", hl);
        for (int c = 0; c < cs->n; c++) {
            double log_sum = 0;
            int n = 0, present = 0;
            for (int w = 0; w < ws->n; w++) {
                double base = NAN;
                for (int b = 0; b < cs->n; b++) {
                    double wall = group_median(t, ws->v[w], keys[k], cs->v[b], offsetof(cell_row, wall_ns));
                    double gc = group_median(t, ws->v[w], keys[k], cs->v[b], offsetof(cell_row, gc_ns));
                    double distilled = wall - gc;
                    if (!isnan(distilled) && distilled > 0 && (isnan(base) || distilled < base)) base = distilled;
                }
                double total = group_median(t, ws->v[w], keys[k], cs->v[c], offsetof(cell_row, wall_ns));
                present += !isnan(base);
                if (isnan(base) || isnan(total) || total <= 0) continue;
                log_sum += log(total / base);
                n++;
            }
            if (n == 0) fprintf(md, " – |");
            else if (n < present) fprintf(md, " %+.1f%% (%d of %d) |", 100 * (exp(log_sum / n) - 1), n, present);
            else fprintf(md, " %+.1f%% |", 100 * (exp(log_sum / n) - 1));
        }
        fputc('\n', md);
    }
}

static int write_report(const cell_table *t, const char *out_dir, bool plots) {
    /* Written beside and renamed over the old report only when complete. */
    char path[4400], err[4600];
    cli_fmt(path, sizeof path, "%s/report.md", out_dir);
    gc_outfile out;
    if (gc_outfile_open(&out, path, err, sizeof err) != 0) {
        fprintf(stderr, "gclab: %s\n", err);
        return gc_outfile_status();
    }
    FILE *md = out.f;
    names ws = {0}, cs = {0};
    for (size_t i = 0; i < t->n; i++) {
        name_index(&ws, t->rows[i].workload);
        name_index(&cs, t->rows[i].collector);
    }
    /* Which group sizes below 6 occur (a group with no finished cell has no bracket). */
    bool small_n[6] = {false};
    for (size_t i = 0; i < t->n; i++) {
        const cell_row *rows[MAX_GROUP];
        int n = group_rows(t, t->rows[i].workload, heap_key(&t->rows[i]), t->rows[i].collector, true, rows);
        if (n >= 2 && n < 6) small_n[n] = true;
    }
    fprintf(md, "# gclab report\n\n%zu cells: collectors %d, workloads %d. Made by gclab %s (%s).\n\n", t->n, cs.n, ws.n,
            GCLAB_VERSION, GCLAB_GIT_REVISION);
    fprintf(md, "Each entry is the median over the finished invocations of a cell, with a distribution-free "
                "confidence interval for the median in brackets (order statistics; 95%% coverage needs at least "
                "6 invocations, below that the bracket is [min, max]");
    const char *sep = ", whose coverage is ";
    for (int n = 2; n < 6; n++)
        if (small_n[n]) {
            fprintf(md, "%s%.2f%% with %d invocations", sep, 100 * stats_order_coverage(n, 1), n);
            sep = ", ";
        }
    fprintf(md, "). Definitions of every figure: docs/metrics.md and docs/experiments.md. "
                "Raw data: results.csv and cells/.\n");
    size_t noisy = 0, judged = 0;
    for (size_t i = 0; i < t->n; i++)
        if (!isnan(t->rows[i].noisy)) {
            judged++;
            noisy += t->rows[i].noisy > 0;
        }
    fprintf(md, "\n**Noise:** %zu of %zu runs were noisy: they had their CPU less than %.0f%% of their wall time, or "
                "were preempted more than once per %.0f ms (results.csv, column `noisy`; docs/experiments.md).%s\n",
            noisy, judged, 100 * CLI_NOISY_CPU_SHARE, CLI_NOISY_MS_PER_SWITCH,
            noisy ? " Their times are inflated by other jobs on the machine: rerun them on a quieter one, or with more "
                    "invocations."
                  : "");
    for (int w = 0; w < ws.n; w++) write_table(md, t, ws.v[w], &cs);
    write_lbo(md, t, &ws, &cs);
    int rc = 0;
    if (plots) {
        fprintf(md, "\n## Figures\n");
        for (int w = 0; w < ws.n; w++)
            if (plot_workload(t, ws.v[w], &cs, out_dir, md) != 0) rc = GC_ERR_IO;
        if (rc) fprintf(stderr, "gclab: some figures could not be drawn (is gnuplot installed? plots: %s)\n", plots_dir());
    }
    if (gc_outfile_commit(&out, err, sizeof err) != 0) {
        fprintf(stderr, "gclab: %s\n", err);
        return gc_outfile_status();
    }
    return rc;
}

int merge_dirs(const char *const *dirs, int ndirs, const char *out, bool plots) {
    cell_table t = {0};
    char err[4600];
    int rc;
    for (int i = 0; i < ndirs; i++)
        if ((rc = results_load(dirs[i], &t, err, sizeof err)) != 0) {
            fprintf(stderr, "gclab: %s\n", err);
            results_free(&t);
            return rc == -2 ? GC_ERR_NOMEM : GC_ERR_USAGE;
        }
    if (t.n == 0) {
        fprintf(stderr, "gclab: no cells found in %s\n", dirs[0]);
        return GC_ERR_USAGE;
    }
    if (results_combine(&t, err, sizeof err) != 0) {
        fprintf(stderr, "gclab: %s\n", err);
        results_free(&t);
        return GC_ERR_USAGE;
    }
    if (gc_mkdir_p(out) != 0) {
        fprintf(stderr, "gclab: cannot create %s: %s\n", out, strerror(errno));
        results_free(&t);
        return GC_ERR_IO;
    }
    char path[4400];
    cli_fmt(path, sizeof path, "%s/results.csv", out);
    rc = 0;
    if (results_write_csv(&t, path, err, sizeof err) != 0) {
        fprintf(stderr, "gclab: %s\n", err);
        rc = gc_outfile_status();
    } else {
        rc = write_report(&t, out, plots);
        printf("gclab: results in %s/results.csv; report in %s/report.md\n", out, out);
    }
    results_free(&t);
    return rc;
}

static int merge_or_plot(int argc, char **argv, bool plots_default, const char *cmd) {
    const char *dirs[256], *out = NULL;
    int n = 0;
    bool plots = plots_default;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--out") == 0) {
            if (i + 1 == argc) {
                fprintf(stderr, "gclab: %s: option --out needs a value\n", cmd);
                return GC_ERR_USAGE;
            }
            out = argv[++i];
            if (*out == '\0') {
                fprintf(stderr, "gclab: %s: --out: empty path\n", cmd);
                return GC_ERR_USAGE;
            }
        } else if (strcmp(argv[i], "--no-plots") == 0) plots = false;
        else if (argv[i][0] == '-') {
            fprintf(stderr, "gclab: %s: unknown option '%s'\n", cmd, argv[i]);
            return GC_ERR_USAGE;
        } else if (n == 256) {
            fprintf(stderr, "gclab: %s: more than 256 directories\n", cmd);
            return GC_ERR_USAGE;
        } else dirs[n++] = argv[i];
    }
    if (n == 0) {
        fprintf(stderr, "gclab: %s: give at least one experiment directory\n", cmd);
        return GC_ERR_USAGE;
    }
    return merge_dirs(dirs, n, out ? out : dirs[0], plots);
}

int cmd_merge(const cli_catalog *cat, int argc, char **argv) {
    (void)cat;
    return merge_or_plot(argc, argv, true, "merge");
}
