/* gclab-bench storerate: gen against marksweep on `cache` at store_rate 0, 0.01, 0.1 and 0.5
 * (issue 12: the barrier and the remembered set must pay for themselves even where old-to-young
 * stores are frequent; target gen <= 1.0 x marksweep at the default rate, 0.1).
 *
 * Every run is `gclab run --collector C --workload cache --param store_rate=R` with the
 * workload's other defaults; the runs are interleaved (run k of every rate and collector before
 * run k + 1), each after a priming run (bench_prime), and the figure is wall time (summary.json
 * time.wall_ns). Writes storerate.md (the table), storerate-C.{runs,median}.dat and the figure
 * storerate.{pdf,svg,png} (bench/storerate.gp). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gclab/collector.h"

#include "bench.h"

static const char *const rates[] = {"0", "0.01", "0.1", "0.5"};
enum { NRATES = 4, DEFAULT_RATE = 2, MAX_RUNS = 16 };
static const char *const collectors[] = {"marksweep", "gen"};
enum { NCOLL = 2 };

static double run_one(const bench_opts *o, const char *collector, const char *rate, int run) {
    char dir[4200], param[64], summary[4300];
    bench_fmt(dir, sizeof dir, "%s/runs/storerate-%s-%s-%d", o->out_dir, collector, rate, run);
    bench_fmt(param, sizeof param, "store_rate=%s", rate);
    char *argv[] = {(char *)o->gclab, "run", "--collector", (char *)collector, "--workload", "cache", "--param", param,
                    "--sample-every", "0", "--out", dir, "--quiet", NULL};
    bench_child c;
    if (bench_run(argv, false, NULL, &c) != 0) return NAN;
    bench_fmt(summary, sizeof summary, "%s/summary.json", dir);
    json_t *j = bench_load_json(summary);
    if (j == NULL) return NAN;
    double ms = (double)bench_json_int(j, "time.wall_ns") / 1e6;
    json_decref(j);
    return ms;
}

/* The median of the per-run ratios a/b (runs where both ran). */
static double ratio_median(const double *a, const double *b, int runs) {
    double r[MAX_RUNS];
    size_t n = 0;
    for (int i = 0; i < runs; i++)
        if (!isnan(a[i]) && !isnan(b[i]) && b[i] > 0) r[n++] = a[i] / b[i];
    return n ? bench_median(r, n) : NAN;
}

int bench_storerate(const bench_opts *o) {
    for (int k = 0; k < NCOLL; k++)
        if (gc_collector_find(collectors[k]) == NULL) {
            printf("== store rate: n/a (collector %s not built) ==\n\n", collectors[k]);
            return 0;
        }
    int runs = o->storerate_runs < MAX_RUNS ? o->storerate_runs : MAX_RUNS;
    static double ms[NCOLL][NRATES][MAX_RUNS];
    for (int run = 0; run < runs; run++)
        for (int r = 0; r < NRATES; r++)
            for (int k = 0; k < NCOLL; k++) {
                if (!o->no_prime) bench_prime(o, (uint64_t)128 << 20); /* about twice cache's footprint */
                ms[k][r][run] = run_one(o, collectors[k], rates[r], run);
                fprintf(stderr, "gclab-bench: storerate run %d/%d: %s store_rate=%s %.0f ms\n", run + 1, runs,
                        collectors[k], rates[r], ms[k][r][run]);
            }

    char path[4200];
    bench_fmt(path, sizeof path, "%s/storerate.md", o->out_dir);
    FILE *md = bench_open(path);
    if (md == NULL) return -1;
    printf("== gen against marksweep on cache, by store_rate (%d runs each, interleaved) ==\n", runs);
    bench_out(md, "| store_rate | marksweep median (ms) | gen median (ms) | gen / marksweep |\n| ---: | ---: | ---: | ---: |\n");
    for (int r = 0; r < NRATES; r++)
        bench_out(md, "| %s | %.0f | %.0f | %.3f |\n", rates[r], bench_median_known(ms[0][r], runs), bench_median_known(ms[1][r], runs),
                  ratio_median(ms[1][r], ms[0][r], runs));
    double at_default = ratio_median(ms[1][DEFAULT_RATE], ms[0][DEFAULT_RATE], runs);
    bench_out(md, "\nMedians of wall time (summary.json time.wall_ns) over the runs; the ratio is the median of the "
                  "per-run ratios. cache's other parameters are its defaults.\n\n");
    bench_out(md, "| target | measured | target | | issue |\n| --- | ---: | ---: | --- | --- |\n");
    bench_out(md, "| gen time / marksweep time on cache (store_rate 0.1) | %.3f | ≤ 1.00 | %s | 12 |\n\n", at_default,
              isnan(at_default) ? "n/a (did not run)" : at_default <= 1.0 ? "PASS" : "FAIL");
    fclose(md);

    for (int k = 0; k < NCOLL; k++) {
        char rp[4300], mp[4300];
        bench_fmt(rp, sizeof rp, "%s/storerate-%s.runs.dat", o->out_dir, collectors[k]);
        bench_fmt(mp, sizeof mp, "%s/storerate-%s.median.dat", o->out_dir, collectors[k]);
        FILE *rf = bench_open(rp), *mf = bench_open(mp);
        if (rf == NULL || mf == NULL) {
            if (rf) fclose(rf);
            if (mf) fclose(mf);
            return -1;
        }
        for (int r = 0; r < NRATES; r++) {
            for (int run = 0; run < runs; run++)
                if (!isnan(ms[k][r][run])) fprintf(rf, "%d %s %.3f\n", r, rates[r], ms[k][r][run]);
            fprintf(mf, "%d %s %.3f\n", r, rates[r], bench_median_known(ms[k][r], runs));
        }
        fclose(rf);
        fclose(mf);
    }
    char vars[8192];
    bench_fmt(vars, sizeof vars, "data='%s/storerate'; out='%s/storerate'; collectors='marksweep gen'; style='%s/plots/style.gp'",
              o->out_dir, o->out_dir, o->source_dir);
    bench_draw(o, "storerate", vars);
    printf("\n");
    return 0;
}
