/* gclab-bench pausetarget: incremental's longest pause and total time against its pause_target
 * (0.25, 0.5, 1, 2 and 5 ms), for both barriers, on GCBench, with marksweep as the reference
 * (issue 13). Every run is `gclab run --workload gcbench` (summary.json time.wall_ns and
 * pauses.max_ns), interleaved over --storerate-runs rounds (run k of every point before run
 * k + 1), each after a priming run. Writes pausetarget.md, pausetarget-S.median.dat per series
 * (S: satb, insertion, marksweep) and the figure pausetarget.{pdf,svg,png} (bench/pausetarget.gp). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gclab/collector.h"

#include "bench.h"

static const char *const targets[] = {"0.25", "0.5", "1", "2", "5"};
static const char *const barriers[] = {"satb", "insertion"};
enum { NTARGETS = 5, NBARRIERS = 2, MAX_RUNS = 16 };

typedef struct point {
    double wall_ms[MAX_RUNS], max_ms[MAX_RUNS];
} point;

static void run_one(const bench_opts *o, const char *collector, const char *barrier, const char *target, int run,
                    double *wall_ms, double *max_ms) {
    char dir[4200], p1[64], p2[64], summary[4300];
    bench_fmt(dir, sizeof dir, "%s/runs/pausetarget-%s-%s-%s-%d", o->out_dir, collector, barrier ? barrier : "-",
              target ? target : "-", run);
    bench_fmt(p1, sizeof p1, "barrier=%s", barrier ? barrier : "");
    bench_fmt(p2, sizeof p2, "pause_target=%s", target ? target : "");
    char *argv[] = {(char *)o->gclab, "run", "--collector", (char *)collector, "--workload", "gcbench", "--sample-every",
                    "0", "--out", dir, "--quiet", barrier ? "--param" : NULL, p1, "--param", p2, NULL};
    *wall_ms = *max_ms = NAN;
    bench_child c;
    if (bench_run(argv, false, NULL, &c) != 0) return;
    bench_fmt(summary, sizeof summary, "%s/summary.json", dir);
    json_t *j = bench_load_json(summary);
    if (j == NULL) return;
    *wall_ms = (double)bench_json_int(j, "time.wall_ns") / 1e6;
    *max_ms = (double)bench_json_int(j, "pauses.max_ns") / 1e6;
    json_decref(j);
}

int bench_pausetarget(const bench_opts *o) {
    if (gc_collector_find("incremental") == NULL || gc_collector_find("marksweep") == NULL) {
        printf("== pause target: n/a (collector incremental or marksweep not built) ==\n\n");
        return 0;
    }
    int runs = o->storerate_runs < MAX_RUNS ? o->storerate_runs : MAX_RUNS;
    static point inc[NBARRIERS][NTARGETS], ms;
    for (int run = 0; run < runs; run++) {
        if (!o->no_prime) bench_prime(o, (uint64_t)768 << 20); /* about what GCBench allocates */
        run_one(o, "marksweep", NULL, NULL, run, &ms.wall_ms[run], &ms.max_ms[run]);
        for (int b = 0; b < NBARRIERS; b++)
            for (int t = 0; t < NTARGETS; t++) {
                if (!o->no_prime) bench_prime(o, (uint64_t)768 << 20);
                run_one(o, "incremental", barriers[b], targets[t], run, &inc[b][t].wall_ms[run], &inc[b][t].max_ms[run]);
                fprintf(stderr, "gclab-bench: pausetarget run %d/%d: %s pause_target=%s: %.0f ms, longest pause %.2f ms\n",
                        run + 1, runs, barriers[b], targets[t], inc[b][t].wall_ms[run], inc[b][t].max_ms[run]);
            }
    }
    char path[4200];
    bench_fmt(path, sizeof path, "%s/pausetarget.md", o->out_dir);
    FILE *md = bench_open(path);
    if (md == NULL) return -1;
    double ms_wall = bench_median_known(ms.wall_ms, runs), ms_max = bench_median_known(ms.max_ms, runs);
    printf("== incremental on GCBench against pause_target (%d runs each, interleaved) ==\n", runs);
    bench_out(md, "| barrier | pause_target (ms) | median longest pause (ms) | median time (ms) | time / marksweep |\n"
                  "| --- | ---: | ---: | ---: | ---: |\n");
    for (int b = 0; b < NBARRIERS; b++)
        for (int t = 0; t < NTARGETS; t++) {
            double w = bench_median_known(inc[b][t].wall_ms, runs);
            bench_out(md, "| %s | %s | %.2f | %.0f | %.2f |\n", barriers[b], targets[t], bench_median_known(inc[b][t].max_ms, runs),
                      w, w / ms_wall);
        }
    bench_out(md, "| marksweep (reference) | – | %.2f | %.0f | 1.00 |\n\n", ms_max, ms_wall);
    fclose(md);
    for (int b = 0; b <= NBARRIERS; b++) {
        char dp[4300];
        bench_fmt(dp, sizeof dp, "%s/pausetarget-%s.median.dat", o->out_dir, b < NBARRIERS ? barriers[b] : "marksweep");
        FILE *f = bench_open(dp);
        if (f == NULL) return -1;
        for (int t = 0; t < NTARGETS; t++)
            fprintf(f, "%s %.4f %.3f\n", targets[t], b < NBARRIERS ? bench_median_known(inc[b][t].max_ms, runs) : ms_max,
                    b < NBARRIERS ? bench_median_known(inc[b][t].wall_ms, runs) : ms_wall);
        fclose(f);
    }
    char vars[8192];
    bench_fmt(vars, sizeof vars, "data='%s/pausetarget'; out='%s/pausetarget'; collectors='satb insertion marksweep'; style='%s/plots/style.gp'",
              o->out_dir, o->out_dir, o->source_dir);
    bench_draw(o, "pausetarget", vars);
    printf("\n");
    return 0;
}
