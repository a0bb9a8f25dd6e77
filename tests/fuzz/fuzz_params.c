/* Fuzz target: parameter and size parsing (core/params.c). The input is lines of text; each line
 * is parsed as a size (gc_parse_size), as NAME=VALUE against every registered collector's and
 * workload's parameter table (gc_params_set), and as a NAME=VALUE,... list (gc_params_apply_list).
 * What must hold: a refusal leaves a one-line message; an accepted value lies in its declared
 * range, and writing it back as text (gc_param_format, as summary.json does) and parsing that
 * gives the same value: a recorded run can always be repeated from what it recorded. */
#include <math.h>
#include <string.h>

#include "gclab/params.h"
#include "gclab/workload.h"
#include "tests/fuzz/fuzz.h"

enum { MAX_LINE = 2048 };

static void check_size(const char *text) {
    uint64_t v = 12345;
    if (gc_parse_size(text, &v) != 0) {
        fuzz_check(v == 12345, "a refused size '%s' wrote a value", text);
        return;
    }
    char again[32];
    snprintf(again, sizeof again, "%llu", (unsigned long long)v);
    uint64_t w;
    fuzz_check(gc_parse_size(again, &w) == 0 && w == v, "size '%s' = %s does not parse back", text, again);
}

/* Parameter i of p (set from the input) as formatted, parsed again: the same value. */
static void check_round_trip(const gc_params *p, size_t i) {
    char text[GC_PARAM_TEXT_POOL + 8], err[512];
    gc_param_format(p, i, text, sizeof text);
    gc_params q = *p; /* a copy: parameters are values (offsets, not pointers) */
    int rc = gc_params_set(&q, p->desc[i].name, text, err, sizeof err);
    fuzz_check(rc == 0, "parameter %s: its own formatted value '%s' is refused: %s", p->desc[i].name, text, err);
    const gc_param_desc *d = &p->desc[i];
    if (d->type == GC_PARAM_TEXT) {
        fuzz_check(strcmp(gc_param_text(p, d->name), gc_param_text(&q, d->name)) == 0, "text %s changed", d->name);
        return;
    }
    fuzz_check(q.v[i].i == p->v[i].i, "parameter %s: %lld formatted as '%s' parses as %lld", d->name,
               (long long)p->v[i].i, text, (long long)q.v[i].i);
    fuzz_check(memcmp(&q.v[i].real, &p->v[i].real, sizeof(double)) == 0 || (q.v[i].real == 0 && p->v[i].real == 0),
               "parameter %s: %.17g formatted as '%s' parses as %.17g", d->name, p->v[i].real, text, q.v[i].real);
    if (d->type != GC_PARAM_CHOICE)
        fuzz_check(p->v[i].real >= d->min && p->v[i].real <= d->max, "parameter %s: %.17g is outside [%g, %g]",
                   d->name, p->v[i].real, d->min, d->max);
}

static void check_table(const gc_param_desc *desc, const char *line) {
    if (desc == NULL) return;
    gc_params p;
    char err[512] = "";
    fuzz_check(gc_params_init(&p, desc, err, sizeof err) == 0, "%s", err);
    const char *eq = strchr(line, '=');
    if (eq != NULL && eq != line) {
        char name[128];
        if ((size_t)(eq - line) < sizeof name) {
            snprintf(name, sizeof name, "%.*s", (int)(eq - line), line);
            int rc = gc_params_set(&p, name, eq + 1, err, sizeof err);
            if (rc == GC_PARAM_BAD) fuzz_check(err[0] && !strchr(err, '\n'), "no one-line message for '%s'", line);
        }
    }
    for (size_t i = 0; i < p.n; i++)
        if (p.v[i].given) check_round_trip(&p, i);
    gc_params list;
    fuzz_check(gc_params_init(&list, desc, err, sizeof err) == 0, "%s", err);
    err[0] = '\0';
    if (gc_params_apply_list(&list, line, err, sizeof err) != 0)
        fuzz_check(err[0] && !strchr(err, '\n'), "no one-line message for the list '%s'", line);
    for (size_t i = 0; i < list.n; i++)
        if (list.v[i].given) check_round_trip(&list, i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char line[MAX_LINE];
    size_t start = 0;
    while (start < size) {
        const uint8_t *nl = memchr(data + start, '\n', size - start);
        size_t end = nl ? (size_t)(nl - data) : size;
        size_t len = end - start < MAX_LINE - 1 ? end - start : MAX_LINE - 1;
        memcpy(line, data + start, len);
        line[len] = '\0'; /* a NUL byte in the line ends the text there, as in argv */
        check_size(line);
        for (size_t c = 0; gc_collectors[c]; c++) check_table(gc_collectors[c]->params, line);
        for (size_t w = 0; gc_workloads[w]; w++) check_table(gc_workloads[w]->params, line);
        start = end + 1;
    }
    return 0;
}
