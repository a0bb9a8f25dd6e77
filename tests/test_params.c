/* Unit tests: sizes with suffixes (gc_parse_size) and parameter tables (include/gclab/params.h),
 * including every table a registered collector or workload declares. */
#include <string.h>

#include "gclab/params.h"
#include "gclab/workload.h"
#include "tests/support.h"

static uint64_t size_of(const char *text) {
    uint64_t v = 12345;
    cr_assert(gc_parse_size(text, &v) == 0, "gc_parse_size rejected '%s'", text);
    return v;
}

static void size_rejected(const char *text) {
    uint64_t v = 12345;
    cr_expect(gc_parse_size(text, &v) != 0, "gc_parse_size accepted '%s' as %llu", text, (unsigned long long)v);
    cr_expect(v == 12345, "gc_parse_size wrote a value for the rejected '%s'", text);
}

Test(parse_size, plain_and_suffixes) {
    cr_expect_eq(size_of("0"), 0);
    cr_expect_eq(size_of("4096"), 4096);
    cr_expect_eq(size_of("1k"), 1024);
    cr_expect_eq(size_of("64K"), 64 * 1024);
    cr_expect_eq(size_of("1M"), 1024 * 1024);
    cr_expect_eq(size_of("64m"), 64ull * 1024 * 1024);
    cr_expect_eq(size_of("2G"), 2ull * 1024 * 1024 * 1024);
    cr_expect_eq(size_of("1.5G"), 3ull * 512 * 1024 * 1024);
    cr_expect_eq(size_of("0.5k"), 512);
    cr_expect_eq(size_of("64MB"), 64ull * 1024 * 1024);
    cr_expect_eq(size_of("8kb"), 8 * 1024);
    cr_expect_eq(size_of("8589934592G"), 8589934592ull * 1024 * 1024 * 1024); /* 2^63 */
}

Test(parse_size, bad_suffix) {
    size_rejected("64X");
    size_rejected("64T");
    size_rejected("64KK");
    size_rejected("64 M");
    size_rejected("64M ");
    size_rejected("1.5.3");
    size_rejected("k");
    size_rejected("M64");
}

/* Only decimal digits and a point: strtod's other forms are not sizes. */
Test(parse_size, only_decimal_forms) {
    size_rejected(" 64");
    size_rejected("\t8k");
    size_rejected("0x10");
    size_rejected("0x1p4");
    size_rejected("1e3");
    size_rejected("1E3k");
    cr_expect_eq(size_of(".5k"), 512);
    cr_expect_eq(size_of("5."), 5);
}

Test(parse_size, empty_negative_and_not_numbers) {
    size_rejected("");
    size_rejected("-1");
    size_rejected("-0");
    size_rejected("-64M");
    size_rejected("+5");
    size_rejected("nan");
    size_rejected("inf");
    size_rejected("infinity");
    cr_expect(gc_parse_size(NULL, &(uint64_t){0}) != 0, "gc_parse_size accepted NULL");
}

Test(parse_size, overflow) {
    size_rejected("17179869184G");         /* 2^64 */
    size_rejected("18446744073709551616"); /* 2^64 */
    size_rejected("99999999999999999999999");
    size_rejected("1e300");
    size_rejected("1e30G");
}

/* A table with one parameter of each type. */
static const gc_param_desc table[] = {
    {"count", GC_PARAM_INT, "5", "objects", 1, 10, NULL, "an int in [1, 10]"},
    {"ratio", GC_PARAM_REAL, "0.5", "ratio", 0, 1, NULL, "a real in [0, 1]"},
    {"budget", GC_PARAM_SIZE, "4k", "bytes", 1024, 1024 * 1024, NULL, "a size in [1k, 1M]"},
    {"mode", GC_PARAM_CHOICE, "fast", "", 0, 0, "slow|fast|auto", "one of three words"},
    GC_PARAM_END,
};

static gc_params fresh(void) {
    gc_params p;
    char err[256] = "";
    cr_assert(gc_params_init(&p, table, err, sizeof err) == 0, "defaults rejected: %s", err);
    return p;
}

Test(params, defaults) {
    gc_params p = fresh();
    cr_assert_eq(p.n, 4);
    cr_expect_eq(gc_param_int(&p, "count"), 5);
    cr_expect_eq(gc_param_real(&p, "ratio"), 0.5);
    cr_expect_eq(gc_param_int(&p, "budget"), 4096);
    cr_expect_eq(gc_param_choice(&p, "mode"), 1);
    for (size_t i = 0; i < p.n; i++) cr_expect(!p.v[i].given, "default of %s marked as given", table[i].name);
}

Test(params, set_in_range) {
    gc_params p = fresh();
    char err[256] = "";
    cr_assert_eq(gc_params_set(&p, "count", "10", err, sizeof err), 0, "%s", err);
    cr_assert_eq(gc_params_set(&p, "ratio", "0", err, sizeof err), 0, "%s", err);
    cr_assert_eq(gc_params_set(&p, "budget", "1M", err, sizeof err), 0, "%s", err);
    cr_assert_eq(gc_params_set(&p, "mode", "auto", err, sizeof err), 0, "%s", err);
    cr_expect_eq(gc_param_int(&p, "count"), 10);
    cr_expect_eq(gc_param_real(&p, "ratio"), 0.0);
    cr_expect_eq(gc_param_int(&p, "budget"), 1024 * 1024);
    cr_expect_eq(gc_param_choice(&p, "mode"), 2);
    cr_expect(p.v[0].given && p.v[1].given && p.v[2].given && p.v[3].given);
}

/* Setting `name` to `value` must fail with GC_PARAM_BAD, a message naming the parameter and the
 * value, and leave the old value alone. */
static void rejected(const char *name, const char *value) {
    gc_params p = fresh();
    char err[256] = "";
    int rc = gc_params_set(&p, name, value, err, sizeof err);
    cr_expect_eq(rc, GC_PARAM_BAD, "%s=%s: expected GC_PARAM_BAD, got %d", name, value, rc);
    cr_expect(strstr(err, name) != NULL, "%s=%s: message does not name the parameter: %s", name, value, err);
    cr_expect(strchr(err, '\n') == NULL, "%s=%s: message is more than one line", name, value);
    gc_params d = fresh();
    for (size_t i = 0; i < p.n; i++) {
        cr_expect(p.v[i].i == d.v[i].i && p.v[i].real == d.v[i].real && !p.v[i].given,
                  "%s=%s: a rejected value changed parameter %s", name, value, table[i].name);
    }
}

Test(params, out_of_range) {
    rejected("count", "0");
    rejected("count", "11");
    rejected("count", "-3");
    rejected("ratio", "1.0001");
    rejected("ratio", "-0.1");
    rejected("budget", "1023");
    rejected("budget", "2M");
}

Test(params, wrong_type) {
    rejected("count", "abc");
    rejected("count", "1.5");
    rejected("count", "");
    rejected("count", "5x");
    rejected("ratio", "half");
    rejected("ratio", "nan");
    rejected("budget", "64X");
    rejected("budget", "-1");
    rejected("mode", "FAST");
    rejected("mode", "fas");
    rejected("mode", "");
}

Test(params, unknown) {
    gc_params p = fresh();
    char err[256] = "";
    cr_expect_eq(gc_params_set(&p, "counts", "1", err, sizeof err), GC_PARAM_UNKNOWN);
    cr_expect_eq(gc_params_set(&p, "", "1", err, sizeof err), GC_PARAM_UNKNOWN);
}

Test(params, apply_list) {
    gc_params p = fresh();
    char err[256] = "";
    cr_assert_eq(gc_params_apply_list(&p, "count=7,mode=slow", err, sizeof err), 0, "%s", err);
    cr_expect_eq(gc_param_int(&p, "count"), 7);
    cr_expect_eq(gc_param_choice(&p, "mode"), 0);
    cr_expect_eq(gc_params_apply_list(&p, "", err, sizeof err), 0);
    cr_expect_eq(gc_params_apply_list(&p, NULL, err, sizeof err), 0);

    int rc = gc_params_apply_list(&p, "count=2,bogus=1", err, sizeof err);
    cr_expect_eq(rc, GC_PARAM_UNKNOWN);
    cr_expect(strstr(err, "bogus") != NULL, "message does not name the unknown parameter: %s", err);
    rc = gc_params_apply_list(&p, "count", err, sizeof err);
    cr_expect_eq(rc, GC_PARAM_BAD, "a NAME without =VALUE was accepted");
    cr_expect(strstr(err, "count") != NULL, "message does not name the malformed item: %s", err);
    rc = gc_params_apply_list(&p, "ratio=7", err, sizeof err);
    cr_expect_eq(rc, GC_PARAM_BAD);
}

Test(params, format_round_trip) {
    gc_params p = fresh();
    char err[256] = "";
    cr_assert_eq(gc_params_apply_list(&p, "count=9,ratio=0.125,budget=12k,mode=auto", err, sizeof err), 0, "%s", err);
    char text[64];
    gc_params q = fresh();
    for (size_t i = 0; i < p.n; i++) {
        gc_param_format(&p, i, text, sizeof text);
        cr_assert_eq(gc_params_set(&q, table[i].name, text, err, sizeof err), 0, "formatted %s='%s' rejected: %s",
                     table[i].name, text, err);
        cr_expect(q.v[i].i == p.v[i].i && q.v[i].real == p.v[i].real, "%s does not survive formatting as '%s'",
                  table[i].name, text);
    }
    gc_param_format(&p, 3, text, sizeof text);
    cr_expect_str_eq(text, "auto");
}

/* Every registered table: defaults valid, names unique and non-empty, each with a unit and a
 * meaning, ranges not inverted; every workload's test_params apply. */
static void check_table(const char *owner, const gc_param_desc *d) {
    gc_params p;
    char err[256] = "";
    cr_expect(gc_params_init(&p, d, err, sizeof err) == 0, "%s: invalid defaults: %s", owner, err);
    for (size_t i = 0; d && d[i].name; i++) {
        cr_expect(d[i].name[0] != '\0' && strchr(d[i].name, '=') == NULL && strchr(d[i].name, ',') == NULL,
                  "%s: bad parameter name '%s'", owner, d[i].name);
        cr_expect(d[i].def && d[i].unit && d[i].help && d[i].help[0], "%s.%s: missing default, unit or help", owner,
                  d[i].name);
        if (d[i].type == GC_PARAM_CHOICE) cr_expect(d[i].choices && d[i].choices[0], "%s.%s: no choices", owner, d[i].name);
        else cr_expect(d[i].min <= d[i].max, "%s.%s: range [%g, %g] is empty", owner, d[i].name, d[i].min, d[i].max);
        for (size_t j = 0; j < i; j++)
            cr_expect(strcmp(d[i].name, d[j].name) != 0, "%s: parameter %s declared twice", owner, d[i].name);
    }
}

Test(params, registered_tables) {
    for (size_t i = 0; gc_collectors[i]; i++) {
        check_table(gc_collectors[i]->name, gc_collectors[i]->params);
        cr_expect(gc_collector_find(gc_collectors[i]->name) == gc_collectors[i]);
        for (size_t j = 0; j < i; j++)
            cr_expect(strcmp(gc_collectors[i]->name, gc_collectors[j]->name) != 0, "collector %s registered twice",
                      gc_collectors[i]->name);
    }
    for (size_t i = 0; gc_workloads[i]; i++) {
        const gc_workload *w = gc_workloads[i];
        check_table(w->name, w->params);
        cr_expect(gc_workload_find(w->name) == w);
        for (size_t j = 0; j < i; j++)
            cr_expect(strcmp(w->name, gc_workloads[j]->name) != 0, "workload %s registered twice", w->name);
        gc_params p;
        char err[256] = "";
        cr_assert(gc_params_init(&p, w->params, err, sizeof err) == 0);
        cr_expect(gc_params_apply_list(&p, w->test_params, err, sizeof err) == 0, "workload %s: test_params '%s': %s",
                  w->name, w->test_params, err);
    }
    cr_expect(gc_collector_find("no-such-collector") == NULL);
    cr_expect(gc_workload_find("no-such-workload") == NULL);
}

/* A refusal quotes the text on one line, whatever it holds (the run_args fuzz target's first
 * finding: a collector name with a newline gave a two-line message). */
Test(params, message_of_a_value_with_control_characters_is_one_line) {
    gc_params p;
    char err[256];
    cr_assert(gc_params_init(&p, table, err, sizeof err) == 0, "%s", err);
    cr_expect_eq(gc_params_set(&p, "count", "1\n2\r3", err, sizeof err), GC_PARAM_BAD);
    cr_expect(strchr(err, '\n') == NULL && strchr(err, '\r') == NULL, "message on two lines: %s", err);
    cr_expect(strstr(err, "1?2?3") != NULL, "the value is not shown: %s", err);
    cr_expect_eq(gc_params_apply_list(&p, "no\tsuch=1", err, sizeof err), GC_PARAM_UNKNOWN);
    cr_expect(strstr(err, "no?such") != NULL, "the name is not shown: %s", err);
    char shown[4];
    cr_expect_str_eq(gc_printable("a\x7f" "bcdef", shown, sizeof shown), "a?b");
}
