/* The gclab program's bad-input paths and `gclab list`, by running the built program ($GCLAB_EXE).
 *
 * Every bad input must end the program with a non-zero exit code and exactly one line on stderr
 * that names the problem (the offending name, value or option). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gclab/workload.h"
#include "tests/support.h"

/* Run gclab with args; expect exit code `code` (any non-zero one if code is -1) and one stderr line
 * that contains every string in `names` (NULL-terminated). */
static void expect_rejected(const char *const *args, int code, const char *const *names) {
    char cmd[1024] = "gclab";
    for (size_t i = 0; args[i]; i++) {
        strncat(cmd, " '", sizeof cmd - strlen(cmd) - 1);
        strncat(cmd, args[i], sizeof cmd - strlen(cmd) - 1);
        strncat(cmd, "'", sizeof cmd - strlen(cmd) - 1);
    }
    tst_proc p = tst_run_gclab(args);
    if (code < 0) cr_expect(p.status != 0, "%s: exit code 0", cmd);
    else cr_expect_eq(p.status, code, "%s: exit code %d, expected %d; stderr: %s", cmd, p.status, code, p.err);
    cr_expect(p.status < 128, "%s: died of signal %d", cmd, p.status - 128);
    cr_expect_eq(tst_count_lines(p.err), 1, "%s: stderr is not exactly one line:\n%s", cmd, p.err);
    for (size_t i = 0; names[i]; i++)
        cr_expect(strstr(p.err, names[i]) != NULL, "%s: stderr does not name '%s': %s", cmd, names[i], p.err);
    tst_proc_free(&p);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

Test(cli, unknown_collector) {
    expect_rejected(ARGS("run", "--collector", "nosuchgc", "--workload", "gcbench"), 2, NAMES("nosuchgc"));
    expect_rejected(ARGS("list", "--collector", "nosuchgc"), 2, NAMES("nosuchgc"));
}

Test(cli, unknown_workload) {
    expect_rejected(ARGS("run", "--collector", "rc", "--workload", "nosuchwl"), 2, NAMES("nosuchwl"));
    expect_rejected(ARGS("list", "--workload", "nosuchwl"), 2, NAMES("nosuchwl"));
}

Test(cli, unknown_parameter) {
    expect_rejected(ARGS("run", "--collector", "marksweep", "--workload", "gcbench", "--param", "nosuchparam=1"), 2,
                    NAMES("nosuchparam"));
    /* a collector parameter is not a workload parameter of another collector */
    expect_rejected(ARGS("run", "--collector", "rc", "--workload", "gcbench", "--param", "growth=2"), 2,
                    NAMES("growth"));
}

Test(cli, parameter_given_twice) {
    expect_rejected(ARGS("run", "--collector", "marksweep", "--workload", "gcbench", "--param", "growth=0.25", "--param",
                         "growth=4"),
                    2, NAMES("growth", "twice"));
    expect_rejected(ARGS("minheap", "--collector", "marksweep", "--workload", "gcbench", "--param", "scale=0.1",
                         "--param=scale=0.2"),
                    2, NAMES("scale", "twice"));
}

Test(cli, malformed_parameter) {
    expect_rejected(ARGS("run", "--collector", "rc", "--workload", "gcbench", "--param", "scale"), 2, NAMES("scale"));
    expect_rejected(ARGS("run", "--collector", "rc", "--workload", "gcbench", "--param", "=0.5"), 2, NAMES("=0.5"));
}

Test(cli, out_of_range_value) {
    expect_rejected(ARGS("run", "--collector", "rc", "--workload", "gcbench", "--param", "scale=2"), 2,
                    NAMES("scale", "2"));
    expect_rejected(ARGS("run", "--collector", "rc", "--workload", "rings", "--param", "ring_size=0"), 2,
                    NAMES("ring_size"));
    expect_rejected(ARGS("run", "--collector", "marksweep", "--workload", "rings", "--param", "growth=1000"), 2,
                    NAMES("growth"));
}

Test(cli, wrong_type) {
    expect_rejected(ARGS("run", "--collector", "rc", "--workload", "rings", "--param", "ring_size=many"), 2,
                    NAMES("ring_size", "many"));
    expect_rejected(ARGS("run", "--collector", "rc", "--workload", "rings", "--param", "ring_size=2.5"), 2,
                    NAMES("ring_size", "2.5"));
    expect_rejected(ARGS("run", "--collector", "marksweep", "--workload", "rings", "--param", "min_heap=4Q"), 2,
                    NAMES("min_heap", "4Q"));
}

Test(cli, bad_heap_limit) {
    expect_rejected(ARGS("run", "--collector", "rc", "--workload", "gcbench", "--heap-limit", "64X"), 2,
                    NAMES("--heap-limit", "64X"));
    expect_rejected(ARGS("run", "--collector", "rc", "--workload", "gcbench", "--heap-limit", "-1"), 2,
                    NAMES("--heap-limit", "-1"));
    expect_rejected(ARGS("run", "--collector", "rc", "--workload", "gcbench", "--heap-limit", ""), 2,
                    NAMES("--heap-limit"));
    expect_rejected(ARGS("run", "--collector", "rc", "--workload", "gcbench", "--heap-limit"), 2,
                    NAMES("--heap-limit"));
}

Test(cli, bad_seed) {
    expect_rejected(ARGS("run", "--collector", "rc", "--workload", "gcbench", "--seed", "seven"), 2,
                    NAMES("--seed", "seven"));
    expect_rejected(ARGS("run", "--collector", "rc", "--workload", "gcbench", "--seed", "-3"), 2, NAMES("--seed"));
}

Test(cli, missing_required_options) {
    expect_rejected(ARGS("run", "--workload", "gcbench"), 2, NAMES("--collector"));
    expect_rejected(ARGS("run", "--collector", "rc"), 2, NAMES("--workload"));
}

Test(cli, unknown_option_and_command) {
    expect_rejected(ARGS("run", "--frobnicate", "--collector", "rc", "--workload", "gcbench"), 2,
                    NAMES("--frobnicate"));
    expect_rejected(ARGS("run", "--collector", "rc", "--workload", "gcbench", "--frobnicate"), 2,
                    NAMES("--frobnicate"));
    expect_rejected(ARGS("run", "--collector", "rc", "--workload", "gcbench", "stray"), 2, NAMES("stray"));
    expect_rejected(ARGS("list", "--frobnicate"), 2, NAMES("--frobnicate"));
    expect_rejected(ARGS("frobnicate"), 2, NAMES("frobnicate"));
    /* an unknown option last on the line is unknown, not one that "needs a value" */
    expect_rejected(ARGS("run", "--collector", "rc", "--workload", "gcbench", "--frob"), 2, NAMES("unknown", "--frob"));
    expect_rejected(ARGS("minheap", "--collector", "rc", "--workload", "gcbench", "--frob"), 2, NAMES("unknown", "--frob"));
    expect_rejected(ARGS("compare", "--collectors", "rc", "--frob"), 2, NAMES("unknown", "--frob"));
    expect_rejected(ARGS("run", "--collector", "rc", "--workload", "gcbench", "--seed"), 2, NAMES("--seed", "value"));
    expect_rejected(ARGS("help", "frobnicate"), 2, NAMES("frobnicate"));
}

/* Every command takes --help (and -h) and `gclab help COMMAND`: its own usage, exit 0. */
Test(cli, every_command_has_help) {
    const char *commands[] = {"list", "run", "replay", "compare", "minheap", "run-cell", "merge"};
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        char usage[64];
        snprintf(usage, sizeof usage, "gclab %s", commands[i]);
        const char *const *forms[] = {ARGS(commands[i], "--help"), ARGS(commands[i], "-h"), ARGS("help", commands[i]),
                                      ARGS(commands[i], "--collector", "rc", "--help")};
        for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
            tst_proc p = tst_run_gclab(forms[f]);
            cr_expect_eq(p.status, 0, "%s help form %zu: exit %d; stderr: %s", commands[i], f, p.status, p.err);
            cr_expect(strstr(p.out, usage) != NULL, "%s help form %zu does not show its usage: %s", commands[i], f, p.out);
            tst_proc_free(&p);
        }
    }
}

/* --option=value is --option value, for every option, and a value may hold '=' itself. */
Test(cli, option_equals_value) {
    char *dir = tst_tmpdir();
    char out[4200];
    snprintf(out, sizeof out, "--out=%s/r", dir);
    tst_proc p = tst_run_gclab(ARGS("run", "--collector=semispace", "--workload=gcbench", "--param=scale=0.01",
                                    "--param=order=breadth", "--seed=3", "--sample-every=0", out, "--quiet"));
    cr_expect_eq(p.status, 0, "exit %d: %s", p.status, p.err);
    tst_proc_free(&p);
    char summary[4300];
    snprintf(summary, sizeof summary, "%s/r/summary.json", dir);
    FILE *f = fopen(summary, "r");
    cr_assert_not_null(f, "no summary.json at %s", summary);
    char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    cr_expect(strstr(text, "\"seed\": 3") != NULL, "the seed given as --seed=3 was not used");
    cr_expect(strstr(text, "\"order\": \"breadth\"") != NULL, "--param=order=breadth was not applied");
    expect_rejected(ARGS("run", "--collector=nope", "--workload=gcbench"), 2, NAMES("nope"));
    tst_rmtree(dir);
}

/* --out under a regular file cannot be created, even by root. */
Test(cli, unwritable_out_directory) {
    tst_gclab_exe(); /* before making a directory that a failure would leave behind */
    char *dir = tst_tmpdir();
    char file[4200], out[4300];
    snprintf(file, sizeof file, "%s/a-file", dir);
    FILE *f = fopen(file, "w");
    cr_assert(f != NULL);
    fclose(f);
    snprintf(out, sizeof out, "%s/results", file);
    expect_rejected(ARGS("run", "--collector", "rc", "--workload", "gcbench", "--param", "scale=0.001", "--out", out),
                    -1, NAMES(out));
    tst_rmtree(dir);
}

/* `gclab list` names every collector and workload and every parameter of each. */
static void expect_params_listed(const char *out, const char *owner, const gc_param_desc *d) {
    for (size_t i = 0; d && d[i].name; i++) {
        cr_expect(strstr(out, d[i].name) != NULL, "gclab list: parameter %s of %s is missing", d[i].name, owner);
        cr_expect(strstr(out, d[i].help) != NULL, "gclab list: the meaning of %s.%s is missing", owner, d[i].name);
    }
}

Test(cli, list_everything) {
    tst_proc p = tst_run_gclab(ARGS("list"));
    cr_assert_eq(p.status, 0, "gclab list: exit code %d: %s", p.status, p.err);
    cr_expect_str_empty(p.err, "gclab list wrote to stderr: %s", p.err);
    for (size_t i = 0; gc_collectors[i]; i++) {
        cr_expect(strstr(p.out, gc_collectors[i]->name) && strstr(p.out, gc_collectors[i]->summary),
                  "gclab list: collector %s or its summary is missing", gc_collectors[i]->name);
        expect_params_listed(p.out, gc_collectors[i]->name, gc_collectors[i]->params);
    }
    for (size_t i = 0; gc_workloads[i]; i++) {
        cr_expect(strstr(p.out, gc_workloads[i]->name) && strstr(p.out, gc_workloads[i]->summary),
                  "gclab list: workload %s or its summary is missing", gc_workloads[i]->name);
        expect_params_listed(p.out, gc_workloads[i]->name, gc_workloads[i]->params);
    }
    tst_proc_free(&p);
}

/* The line of `out` that lists parameter `name` (it starts with the name after indentation), copied
 * into buf; NULL if there is none. */
static const char *param_line(const char *out, const char *name, char *buf, size_t len) {
    for (const char *line = out; *line; line += strcspn(line, "\n") + (line[strcspn(line, "\n")] != '\0')) {
        const char *t = line + strspn(line, " ");
        size_t n = strlen(name);
        if (strncmp(t, name, n) == 0 && t[n] == ' ') {
            snprintf(buf, len, "%.*s", (int)strcspn(line, "\n"), line);
            return buf;
        }
    }
    return NULL;
}

Test(cli, list_one_workload) {
    const gc_workload *w = gc_workload_find("gcbench"), *other = gc_workload_find("rings");
    cr_assert(w != NULL && other != NULL);
    tst_proc p = tst_run_gclab(ARGS("list", "--workload", "gcbench"));
    cr_assert_eq(p.status, 0, "exit code %d: %s", p.status, p.err);
    expect_params_listed(p.out, "gcbench", w->params);
    for (size_t i = 0; w->params[i].name; i++) {
        char buf[512];
        const char *line = param_line(p.out, w->params[i].name, buf, sizeof buf);
        cr_assert(line != NULL, "no line for parameter %s in:\n%s", w->params[i].name, p.out);
        cr_expect(strstr(line, w->params[i].def) != NULL, "default of %s missing from: %s", w->params[i].name, line);
        cr_expect(strstr(line, w->params[i].unit) != NULL, "unit of %s missing from: %s", w->params[i].name, line);
        cr_expect(strstr(line, w->params[i].help) != NULL, "meaning of %s missing from: %s", w->params[i].name, line);
    }
    cr_expect(strstr(p.out, other->summary) == NULL, "gclab list --workload gcbench lists other workloads");
    tst_proc_free(&p);
}

Test(cli, help_and_version) {
    tst_proc p = tst_run_gclab(ARGS("--help"));
    cr_expect_eq(p.status, 0);
    cr_expect(strstr(p.out, "gclab run") != NULL, "help does not describe `gclab run`");
    tst_proc_free(&p);
    p = tst_run_gclab(ARGS("--version"));
    cr_expect_eq(p.status, 0);
    cr_expect(strncmp(p.out, "gclab ", 6) == 0, "--version prints: %s", p.out);
    tst_proc_free(&p);
}

/* footprint.rss_peak is the run's own process's peak, whatever launched it: a launcher holding
 * 256 MiB when it forks and execs gclab must not show in it (Linux carries ru_maxrss across exec;
 * VmHWM starts afresh). */
Test(cli, rss_peak_is_the_runs_own_whatever_launched_it) {
    size_t big = (size_t)256 << 20;
    char *ballast = malloc(big);
    cr_assert_not_null(ballast);
    memset(ballast, 1, big); /* resident in the launcher (this test) at fork */
    char *dir = tst_tmpdir();
    char out[4200], summary[4300];
    snprintf(out, sizeof out, "%s/r", dir);
    tst_proc p = tst_run_gclab(ARGS("run", "--collector", "marksweep", "--workload", "gcbench", "--param", "scale=0.01",
                                    "--sample-every", "0", "--out", out, "--quiet"));
    cr_expect_eq(p.status, 0, "exit %d: %s", p.status, p.err);
    tst_proc_free(&p);
    cr_expect(ballast[big / 2] == 1);
    free(ballast);
    snprintf(summary, sizeof summary, "%s/summary.json", out);
    FILE *f = fopen(summary, "r");
    cr_assert_not_null(f);
    char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    const char *k = strstr(text, "\"rss_peak\": ");
    cr_assert_not_null(k, "no rss_peak in summary.json");
    unsigned long long rss = strtoull(k + strlen("\"rss_peak\": "), NULL, 10);
    cr_expect(rss > 0 && rss < ((unsigned long long)64 << 20), "rss_peak %llu bytes: the launcher's 256 MiB counted", rss);
    tst_rmtree(dir);
}

/* --trace-events writes the run as Chrome trace events: valid JSON with one complete event ("X")
 * per pause, as many as events.csv has rows and with the same durations, and the footprint
 * counters ("C") at every sample. */
Test(cli, trace_events_hold_every_pause_and_sample) {
    char *dir = tst_tmpdir();
    char out[4200], trace[4300], path[4400];
    snprintf(out, sizeof out, "%s/r", dir);
    snprintf(trace, sizeof trace, "%s/run.json", dir);
    tst_proc p = tst_run_gclab(ARGS("run", "--collector", "marksweep", "--workload", "gcbench", "--param", "scale=0.05",
                                    "--sample-every", "256k", "--out", out, "--trace-events", trace, "--quiet"));
    cr_assert_eq(p.status, 0, "exit %d: %s", p.status, p.err);
    tst_proc_free(&p);
    json_error_t je;
    json_t *j = json_load_file(trace, 0, &je);
    cr_assert_not_null(j, "%s is not JSON: %s (line %d)", trace, je.text, je.line);
    json_t *ev = json_object_get(j, "traceEvents");
    cr_assert(json_is_array(ev));
    size_t pauses = 0, counters = 0;
    double pause_us = 0;
    for (size_t i = 0; i < json_array_size(ev); i++) {
        const char *ph = json_string_value(json_object_get(json_array_get(ev, i), "ph"));
        cr_assert_not_null(ph, "event %zu has no phase", i);
        if (strcmp(ph, "X") == 0) {
            pauses++;
            pause_us += json_number_value(json_object_get(json_array_get(ev, i), "dur"));
        }
        counters += strcmp(ph, "C") == 0;
    }
    json_decref(j);
    snprintf(path, sizeof path, "%s/summary.json", out);
    json_t *s = json_load_file(path, 0, &je);
    cr_assert_not_null(s);
    json_int_t count = json_integer_value(json_object_get(json_object_get(s, "pauses"), "count"));
    json_int_t total = json_integer_value(json_object_get(json_object_get(s, "pauses"), "total_ns"));
    json_int_t samples = json_integer_value(json_object_get(json_object_get(s, "footprint"), "samples"));
    json_decref(s);
    cr_expect(count > 0, "the run made no pause: the test proves nothing");
    cr_expect_eq((json_int_t)pauses, count, "%zu pause events, %lld pauses in summary.json", pauses, (long long)count);
    cr_expect(pause_us * 1000 > (double)total - 1 && pause_us * 1000 < (double)total + 1,
              "the events' durations sum to %.3f us, summary.json's to %lld ns", pause_us, (long long)total);
    cr_expect_eq((json_int_t)counters, 4 * samples, "%zu counter events for %lld samples", counters, (long long)samples);
    tst_rmtree(dir);
}

/* bmu in summary.json: at each window, at most the MMU there and at every window of mmu.csv at
 * least as long, and never falling as the window grows. */
Test(cli, bmu_is_the_lower_envelope_of_the_mmu_curve) {
    char *dir = tst_tmpdir();
    char out[4200], path[4300];
    snprintf(out, sizeof out, "%s/r", dir);
    tst_proc p = tst_run_gclab(ARGS("run", "--collector", "marksweep", "--workload", "lifetimes", "--out", out, "--quiet"));
    cr_assert_eq(p.status, 0, "exit %d: %s", p.status, p.err);
    tst_proc_free(&p);
    snprintf(path, sizeof path, "%s/summary.json", out);
    json_error_t je;
    json_t *s = json_load_file(path, 0, &je);
    cr_assert_not_null(s);
    static const char *const keys[] = {"window_1ms", "window_10ms", "window_100ms", "window_1s"};
    static const double ns[] = {1e6, 1e7, 1e8, 1e9};
    double bmu[4];
    for (int i = 0; i < 4; i++) {
        bmu[i] = json_number_value(json_object_get(json_object_get(s, "bmu"), keys[i]));
        double mmu = json_number_value(json_object_get(json_object_get(s, "mmu"), keys[i]));
        cr_expect(bmu[i] >= 0 && bmu[i] <= mmu + 1e-9, "%s: bmu %g, mmu %g", keys[i], bmu[i], mmu);
        if (i > 0) cr_expect(bmu[i] >= bmu[i - 1] - 1e-9, "bmu falls from %g to %g at %s", bmu[i - 1], bmu[i], keys[i]);
    }
    json_decref(s);
    snprintf(path, sizeof path, "%s/mmu.csv", out);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    char line[256];
    cr_assert_not_null(fgets(line, sizeof line, f)); /* the header */
    unsigned long long w;
    double m;
    while (fgets(line, sizeof line, f) && sscanf(line, "%llu,%lf", &w, &m) == 2)
        for (int i = 0; i < 4; i++)
            if ((double)w >= ns[i]) cr_expect(bmu[i] <= m + 1e-6, "%s: bmu %g above the MMU %g at %llu ns", keys[i], bmu[i], m, w);
    fclose(f);
    tst_rmtree(dir);
}

/* A parameter that cannot act in the chosen mode is a warning, not silence: growth under a heap
 * limit (trigger auto collects only at the limit). The run still succeeds; without the limit
 * there is no warning. */
Test(cli, a_parameter_without_effect_is_warned_of) {
    tst_proc p = tst_run_gclab(ARGS("run", "--collector", "semispace", "--workload", "gcbench", "--param", "scale=0.05",
                                    "--heap-limit", "64M", "--param", "growth=2", "--quiet"));
    cr_expect_eq(p.status, 0, "exit %d: %s", p.status, p.err);
    cr_expect(strstr(p.err, "warning") && strstr(p.err, "growth") && strstr(p.err, "no effect"), "stderr: %s", p.err);
    cr_expect_eq(tst_count_lines(p.err), 1, "stderr: %s", p.err);
    tst_proc_free(&p);
    p = tst_run_gclab(ARGS("run", "--collector", "semispace", "--workload", "gcbench", "--param", "scale=0.05", "--param",
                           "growth=2", "--quiet"));
    cr_expect_eq(p.status, 0);
    cr_expect_eq(p.err[0], '\0', "a warning without a heap limit: %s", p.err);
    tst_proc_free(&p);
}
