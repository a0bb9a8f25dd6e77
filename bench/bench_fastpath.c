/* Instructions per allocation and per store, counted by callgrind (issue 6): exact counts that do
 * not change with the machine's load, unlike times.
 *
 * bench-fastpath (bench/fastpath.c) runs three phases of N operations each, in functions of their
 * own; valgrind --tool=callgrind --toggle-collect=<each function> counts only inside them, and
 * callgrind_annotate splits each phase's instructions into
 *   inline   the function's own instructions: gclab's inline fast path (gc_new / gc_set, compiled
 *            into the loop) plus about three of loop control per operation;
 *   all-in   everything the phase executed, slow paths included (gc_alloc_slow and block refills,
 *            the RC free cascade, collections), divided by N: the amortised cost.
 * Every collector of the registry (gc_collectors) runs in the normal build (run-time dispatch)
 * and, for marksweep and rc, also in the build with the fast paths fixed at compile time, so the
 * table shows what dispatch costs in instructions. Output: stdout and DIR/fastpath.md; callgrind's files in DIR/callgrind/. */
#include <stdlib.h>
#include <string.h>

#include "gclab/collector.h"

#include "bench.h"

typedef struct config {
    char label[80];
    char slug[64]; /* file names */
    const char *program;
    const char *collector;
} config;

/* The fastpath builds with the fast paths fixed for one collector (bench/meson.build). */
static const struct {
    const char *program, *collector;
} fixed_builds[] = {
    {"bench-fastpath-fixed-rc", "rc"},
    {"bench-fastpath-fixed-marksweep", "marksweep"},
};

enum { MAX_CONFIGS = 64 };

/* Every collector of the registry, each followed by its fixed-dispatch build if there is one. */
static int make_configs(config *cf) {
    int n = 0;
    for (size_t i = 0; gc_collectors[i] && n < MAX_CONFIGS - 1; i++) {
        const char *name = gc_collectors[i]->name;
        cf[n] = (config){.program = "bench-fastpath", .collector = name};
        bench_fmt(cf[n].label, sizeof cf[n].label, "%s", name);
        bench_fmt(cf[n].slug, sizeof cf[n].slug, "%s", name);
        n++;
        for (size_t k = 0; k < sizeof fixed_builds / sizeof fixed_builds[0]; k++)
            if (strcmp(fixed_builds[k].collector, name) == 0 && n < MAX_CONFIGS) {
                cf[n] = (config){.program = fixed_builds[k].program, .collector = name};
                bench_fmt(cf[n].label, sizeof cf[n].label, "%s, fixed dispatch", name);
                bench_fmt(cf[n].slug, sizeof cf[n].slug, "%s-fixed", name);
                n++;
            }
    }
    return n;
}

static const char *const phases[] = {"alloc_kept", "alloc_drop", "store"};
enum { NPHASES = 3 };

/* The instruction count on the line of callgrind_annotate's output naming function `fn`
 * ("  79,990,927 (27.28%)  ???:bench_store [...]"); -1 if there is none. */
static double annotated_cost(const char *text, const char *fn) {
    char needle[64];
    bench_fmt(needle, sizeof needle, ":%s ", fn);
    const char *hit = strstr(text, needle);
    if (hit == NULL) return -1;
    const char *line = hit;
    while (line > text && line[-1] != '\n') line--;
    double v = 0;
    bool digits = false;
    for (const char *p = line; p < hit && *p != '('; p++) {
        if (*p >= '0' && *p <= '9') {
            v = v * 10 + (*p - '0');
            digits = true;
        }
    }
    return digits ? v : -1;
}

/* Run callgrind_annotate on `out_file`, self costs or inclusive ones; the captured text or NULL. */
static char *annotate(const char *out_file, bool inclusive) {
    char *argv[] = {"callgrind_annotate", "--threshold=100", inclusive ? "--inclusive=yes" : "--inclusive=no",
                    (char *)out_file, NULL};
    bench_child c;
    if (bench_run(argv, true, NULL, &c) != 0) {
        free(c.out);
        return NULL;
    }
    return c.out;
}

/* One configuration under callgrind: per-operation inline and all-in counts of every phase. */
static int count_config(const bench_opts *o, const config *cf, double inl[NPHASES], double all[NPHASES]) {
    char prog[4096], dir[4096], out_file[4200], log[4200], ops[32], out_opt[4300];
    bench_fmt(prog, sizeof prog, "%s/%s", o->bin_dir, cf->program);
    bench_fmt(dir, sizeof dir, "%s/callgrind", o->out_dir);
    if (bench_mkdir(dir) != 0) return -1;
    bench_fmt(out_file, sizeof out_file, "%s/%s.out", dir, cf->slug);
    bench_fmt(log, sizeof log, "%s/%s.log", dir, cf->slug);
    bench_fmt(ops, sizeof ops, "%llu", (unsigned long long)o->fastpath_ops);
    bench_fmt(out_opt, sizeof out_opt, "--callgrind-out-file=%s", out_file);
    char *argv[] = {"valgrind", "--tool=callgrind", out_opt, "--toggle-collect=bench_alloc_kept",
                    "--toggle-collect=bench_alloc_drop", "--toggle-collect=bench_store", prog,
                    (char *)cf->collector, ops, NULL};
    bench_child c;
    if (bench_run(argv, true, log, &c) != 0) {
        fprintf(stderr, "gclab-bench: callgrind's log: %s\n", log);
        free(c.out);
        return -1;
    }
    /* The program printed "phase operations" per phase: divide by what it really did. */
    double n[NPHASES];
    for (int p = 0; p < NPHASES; p++) {
        char key[32];
        bench_fmt(key, sizeof key, "%s ", phases[p]);
        const char *line = strstr(c.out, key);
        n[p] = line ? strtod(line + strlen(key), NULL) : 0;
    }
    free(c.out);
    char *self = annotate(out_file, false), *incl = annotate(out_file, true);
    int rc = self && incl ? 0 : -1;
    for (int p = 0; p < NPHASES && rc == 0; p++) {
        char fn[32];
        bench_fmt(fn, sizeof fn, "bench_%s", phases[p]);
        double s = annotated_cost(self, fn), i = annotated_cost(incl, fn);
        if (s < 0 || i < 0 || n[p] <= 0) {
            fprintf(stderr, "gclab-bench: no count for %s in %s\n", fn, out_file);
            rc = -1;
            break;
        }
        inl[p] = s / n[p];
        all[p] = i / n[p];
    }
    free(self);
    free(incl);
    return rc;
}

int bench_fastpath(const bench_opts *o) {
    printf("== Instructions per operation (callgrind, %llu operations per phase) ==\n",
           (unsigned long long)o->fastpath_ops);
    config configs[MAX_CONFIGS];
    int nconfigs = make_configs(configs);
    double inl[MAX_CONFIGS][NPHASES], all[MAX_CONFIGS][NPHASES];
    bool ok[MAX_CONFIGS];
    int failures = 0;
    for (int i = 0; i < nconfigs; i++) {
        fprintf(stderr, "gclab-bench: callgrind: %s\n", configs[i].label);
        ok[i] = count_config(o, &configs[i], inl[i], all[i]) == 0;
        failures += !ok[i];
    }
    char path[4200];
    bench_fmt(path, sizeof path, "%s/fastpath.md", o->out_dir);
    FILE *md = bench_open(path);
    bench_out(md, "| collector | allocation: inline | allocation: all-in | allocation + death: inline | "
                  "allocation + death: all-in | store: inline | store: all-in |\n");
    bench_out(md, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (int i = 0; i < nconfigs; i++) {
        if (!ok[i]) {
            bench_out(md, "| %s | could not run | | | | | |\n", configs[i].label);
            continue;
        }
        bench_out(md, "| %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |\n", configs[i].label, inl[i][0], all[i][0],
                  inl[i][1], all[i][1], inl[i][2], all[i][2]);
    }
    bench_out(md, "\nInstructions per operation. Allocation: gc_new of a one-slot object (24-byte cell) into a "
                  "root slot of its own (nothing dies); allocation + death: gc_new into one root slot, so each new "
                  "object replaces the previous one; store: gc_set of one slot, alternately to two live objects. "
                  "Inline: the loop's own instructions (the inline fast path, plus about 3 of loop control); "
                  "all-in: everything, slow paths and collections included, per operation.\n\n");
    if (md) fclose(md);
    return failures || md == NULL ? -1 : 0;
}
