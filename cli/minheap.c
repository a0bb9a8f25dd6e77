/* `gclab minheap`: the smallest heap limit at which a run completes, by bisection.
 *
 * The upper bound is the heap's peak (bytes of cells in use) in a run with no limit, which that
 * limit therefore admits; the lower bound starts at 0. Each probe is a run in its own process with
 * --heap-limit at the midpoint: exit 0 lowers the upper bound, exit 3 (heap limit exceeded) raises
 * the lower bound, anything else is an error. Bisection stops when the bounds are within
 * `tolerance` of the upper bound or one byte apart (the limit's granularity: a midpoint can then
 * move neither bound, so the loop ends whatever the tolerance), the upper bound being the answer: a limit at which the run is known to
 * complete. Whether a run completes is assumed monotonic in the limit (a collector's policy can
 * in principle break this; the answer is then a limit that works, not necessarily the least). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/experiment.h"
#include "core/outfile.h"

#define MAX_ARGS 160

static int probe(const char *collector, const char *workload, char *const *params, int nparams, uint64_t seed,
                 uint64_t limit, const char *out_dir) {
    char *args[MAX_ARGS];
    char seedbuf[32], limitbuf[32];
    int n = 0;
    args[n++] = "gclab";
    args[n++] = "run";
    args[n++] = "--collector";
    args[n++] = (char *)collector;
    args[n++] = "--workload";
    args[n++] = (char *)workload;
    cli_fmt(seedbuf, sizeof seedbuf, "%llu", (unsigned long long)seed);
    args[n++] = "--seed";
    args[n++] = seedbuf;
    args[n++] = "--sample-every";
    args[n++] = "0";
    args[n++] = "--quiet";
    if (limit) {
        cli_fmt(limitbuf, sizeof limitbuf, "%llu", (unsigned long long)limit);
        args[n++] = "--heap-limit";
        args[n++] = limitbuf;
    }
    if (out_dir) {
        args[n++] = "--out";
        args[n++] = (char *)out_dir;
    }
    for (int i = 0; i < nparams && n < MAX_ARGS - 3; i++) {
        args[n++] = "--param";
        args[n++] = params[i];
    }
    args[n] = NULL;
    int st = cli_spawn_self(args, "/dev/null", "/dev/null");
    return (st != -1 && WIFEXITED(st)) ? WEXITSTATUS(st) : -1;
}

static void cache_key(char *buf, size_t len, const char *collector, const char *workload, char *const *params,
                      int nparams, uint64_t seed, double tolerance) {
    int off = cli_fmt(buf, len, "%s|%s|seed=%llu|tol=%g", collector, workload, (unsigned long long)seed, tolerance);
    for (int i = 0; i < nparams && off > 0 && (size_t)off < len; i++) off += cli_fmt(buf + off, len - (size_t)off, "|%s", params[i]);
}

int minheap_find(const char *collector, const char *workload, char *const *params, int nparams, uint64_t seed,
                 double tolerance, const char *cache_path, uint64_t *out, char *err, size_t errlen) {
    char key[2048];
    cache_key(key, sizeof key, collector, workload, params, nparams, seed, tolerance);
    json_error_t je;
    json_t *cache = cache_path ? json_load_file(cache_path, 0, &je) : NULL;
    if (cache == NULL && cache_path && access(cache_path, F_OK) == 0) {
        /* never overwrite a file we cannot read: it may hold other experiments' answers */
        cli_fmt(err, errlen, "cannot read the minimum-heap cache %s: %s", cache_path, je.text);
        return -1;
    }
    if (cache == NULL && (cache = json_object()) == NULL) {
        cli_fmt(err, errlen, "out of memory for the minimum-heap cache");
        return -1;
    }
    if (!json_is_object(cache)) {
        cli_fmt(err, errlen, "the minimum-heap cache %s is not a JSON object", cache_path);
        json_decref(cache);
        return -1;
    }
    json_t *hit = json_object_get(cache, key);
    if (json_is_integer(hit)) {
        *out = (uint64_t)json_integer_value(hit);
        json_decref(cache);
        return 0;
    }
    char tmpl[] = "/tmp/gclab-minheap-XXXXXX";
    if (mkdtemp(tmpl) == NULL) {
        cli_fmt(err, errlen, "cannot create a temporary directory: %s", strerror(errno));
        json_decref(cache);
        return -1;
    }
    int st = probe(collector, workload, params, nparams, seed, 0, tmpl);
    char file[256];
    cli_fmt(file, sizeof file, "%s/summary.json", tmpl);
    json_t *s = json_load_file(file, 0, NULL);
    uint64_t hi = (uint64_t)json_integer_value(json_object_get(json_object_get(s, "footprint"), "heap_bytes_peak"));
    json_decref(s);
    const char *files[] = {"summary.json", "events.csv", "timeline.csv", "mmu.csv"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        cli_fmt(file, sizeof file, "%s/%s", tmpl, files[i]);
        unlink(file);
    }
    rmdir(tmpl);
    if (st != 0 || hi == 0) {
        cli_fmt(err, errlen, "minimum heap: %s on %s does not complete without a heap limit (exit %d)", workload,
                 collector, st);
        json_decref(cache);
        return -1;
    }
    uint64_t lo = 0;
    /* The unlimited run's peak of cells in use is an upper bound for collectors whose limit counts
     * only those; a copying collector's limit also counts its copy reserve (docs/metrics.md), so
     * the bound is checked, and doubled until a run completes under it (a few probes at most: the
     * reserve is at most the cells once more). */
    for (int doublings = 0;; doublings++) {
        int r = probe(collector, workload, params, nparams, seed, hi, NULL);
        if (r == 0) break;
        if (r != GC_ERR_HEAP_LIMIT || doublings == 8 || hi > UINT64_MAX / 4) {
            cli_fmt(err, errlen, "minimum heap: %s on %s does not complete under a limit of %llu bytes (exit %d)",
                    workload, collector, (unsigned long long)hi, r);
            json_decref(cache);
            return -1;
        }
        lo = hi;
        hi *= 2;
    }
    /* Each probe halves hi - lo (mid is strictly between lo and hi while hi - lo > 1): at most
     * 64 probes. */
    while (hi - lo > 1 && (double)(hi - lo) > tolerance * (double)hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        int r = probe(collector, workload, params, nparams, seed, mid, NULL);
        if (r == 0) hi = mid;
        else if (r == GC_ERR_HEAP_LIMIT) lo = mid;
        else {
            cli_fmt(err, errlen, "minimum heap: %s on %s failed at limit %llu (exit %d)", workload, collector,
                     (unsigned long long)mid, r);
            json_decref(cache);
            return -1;
        }
    }
    *out = hi;
    json_object_set_new(cache, key, json_integer((json_int_t)hi));
    if (cache_path && gc_outfile_write_json(cache_path, cache, JSON_INDENT(2) | JSON_SORT_KEYS, err, errlen) != 0) {
        json_decref(cache);
        return -1;
    }
    json_decref(cache);
    return 0;
}

int cmd_minheap(const cli_catalog *cat, int argc, char **argv) {
    const char *c = NULL, *w = NULL, *cache = NULL;
    char *params[64];
    int np = 0;
    uint64_t seed = 1;
    double tol = 0.02;
    static const char *const value_options[] = {"--collector", "--workload", "--out", "--param", "--seed",
                                                "--tolerance", NULL};
    for (int i = 0; i < argc; i++) {
        if (!cli_is_option(argv[i], value_options)) {
            fprintf(stderr, "gclab: minheap: unknown option '%s' (see gclab minheap --help)\n", argv[i]);
            return GC_ERR_USAGE;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "gclab: option %s needs a value\n", argv[i]);
            return GC_ERR_USAGE;
        }
        const char *a = argv[i];
        char *v = argv[++i], *end;
        if (strcmp(a, "--collector") == 0) c = v;
        else if (strcmp(a, "--workload") == 0) w = v;
        else if (strcmp(a, "--out") == 0 && *v == '\0') {
            fprintf(stderr, "gclab: --out: empty path\n");
            return GC_ERR_USAGE;
        } else if (strcmp(a, "--out") == 0) cache = v;
        else if (strcmp(a, "--param") == 0 && np < 64) params[np++] = v;
        else if (strcmp(a, "--seed") == 0) {
            if (gc_parse_seed(v, &seed) != 0) {
                fprintf(stderr, "gclab: --seed: '%s' is not a whole number from 0 to 9223372036854775807\n", v);
                return GC_ERR_USAGE;
            }
        } else if (strcmp(a, "--tolerance") == 0) {
            tol = strtod(v, &end);
            if (*end || end == v || !(tol > 0 && tol < 1)) {
                fprintf(stderr, "gclab: --tolerance: '%s' is not a number in (0, 1)\n", v);
                return GC_ERR_USAGE;
            }
        } else {
            fprintf(stderr, "gclab: minheap: unknown option '%s'\n", a);
            return GC_ERR_USAGE;
        }
    }
    if (!c || !w) {
        fprintf(stderr, "gclab: minheap: --collector and --workload are required\n");
        return GC_ERR_USAGE;
    }
    gc_run_config cfg = {0};
    char err[512], path[4200];
    if (cli_prepare_run(cat, c, w, params, np, &cfg, err, sizeof err) != GC_OK) {
        fprintf(stderr, "gclab: %s\n", err);
        return GC_ERR_USAGE;
    }
    if (cache) {
        if (gc_mkdir_p(cache) != 0) {
            fprintf(stderr, "gclab: cannot create %s: %s\n", cache, strerror(errno));
            return GC_ERR_IO;
        }
        cli_fmt(path, sizeof path, "%s/minheap.json", cache);
    }
    uint64_t bytes;
    if (minheap_find(c, w, params, np, seed, tol, cache ? path : NULL, &bytes, err, sizeof err) != 0) {
        fprintf(stderr, "gclab: %s\n", err);
        return GC_ERR_USAGE;
    }
    printf("%.2f MiB (%llu bytes)\n", (double)bytes / 1048576.0, (unsigned long long)bytes); /* docs/experiments.md */
    return 0;
}
