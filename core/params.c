/* Parameter tables: defaults, parsing with range checks, and accessors by name. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gclab/params.h"

const char *gc_printable(const char *text, char *buf, size_t len) {
    size_t n = 0;
    for (; text[n] && n + 1 < len; n++) {
        unsigned char c = (unsigned char)text[n];
        buf[n] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    buf[n] = '\0';
    return buf;
}

int gc_parse_size(const char *text, uint64_t *out) {
    if (text == NULL || *text == '\0' || *text == '-' || *text == '+') return -1;
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || !(v >= 0) || isinf(v)) return -1;
    /* Only decimal digits and a point: strtod would also take leading blanks, hex and exponents. */
    if ((size_t)(end - text) != strspn(text, "0123456789.")) return -1;
    double mult = 1;
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': mult = 1024.0; end++; break;
    case 'm': case 'M': mult = 1024.0 * 1024; end++; break;
    case 'g': case 'G': mult = 1024.0 * 1024 * 1024; end++; break;
    default: return -1;
    }
    if (*end == 'B' || *end == 'b') end++; /* "64MB", "64kb" */
    if (*end != '\0') return -1;
    v *= mult;
    if (v >= 18446744073709551615.0) return -1;
    *out = (uint64_t)v;
    return 0;
}

int gc_parse_seed(const char *text, uint64_t *out) {
    uint64_t v = 0;
    if (text == NULL || *text == '\0') return -1;
    for (const char *c = text; *c; c++) {
        if (*c < '0' || *c > '9') return -1;
        unsigned d = (unsigned)(*c - '0');
        if (v > (GC_SEED_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int choice_index(const char *choices, const char *word) {
    size_t wl = strlen(word);
    int i = 0;
    for (const char *p = choices; *p; i++) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == wl && strncmp(p, word, len) == 0) return i;
        if (!bar) break;
        p = bar + 1;
    }
    return -1;
}

static int parse_value(const gc_param_desc *d, const char *text, double *real, int64_t *i, char *err, size_t errlen) {
    char *end, shown[160]; /* the text as messages show it: on one line */
    gc_printable(text, shown, sizeof shown);
    switch (d->type) {
    case GC_PARAM_INT: {
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (errno || end == text || *end != '\0') {
            snprintf(err, errlen, "parameter %s: '%s' is not a whole number", d->name, shown);
            return -1;
        }
        if ((double)v < d->min || (double)v > d->max) {
            snprintf(err, errlen, "parameter %s: %lld is out of range [%.17g, %.17g]", d->name, v, d->min, d->max);
            return -1;
        }
        *i = v;
        *real = (double)v;
        return 0;
    }
    case GC_PARAM_REAL: {
        errno = 0;
        double v = strtod(text, &end);
        /* ERANGE is a number too large or too small for a double (1e999, 1e-320): a number all
         * the same, and the range check below says whether it is acceptable. */
        bool range = errno == ERANGE, overflow = range && isinf(v);
        if ((errno && !range) || end == text || *end != '\0' || isnan(v)) {
            snprintf(err, errlen, "parameter %s: '%s' is not a number", d->name, shown);
            return -1;
        }
        if (overflow || v < d->min || v > d->max) {
            snprintf(err, errlen, "parameter %s: %s is out of range [%g, %g]", d->name, shown, d->min, d->max);
            return -1;
        }
        *real = v;
        *i = fabs(v) < 9.2e18 ? (int64_t)v : 0; /* the conversion is defined only within int64_t */
        return 0;
    }
    case GC_PARAM_SIZE: {
        uint64_t v;
        if (gc_parse_size(text, &v) != 0) {
            snprintf(err, errlen, "parameter %s: '%s' is not a size (bytes, with an optional k, M or G suffix)",
                     d->name, shown);
            return -1;
        }
        if ((double)v < d->min || (double)v > d->max) {
            snprintf(err, errlen, "parameter %s: %s is out of range [%.0f, %.0f] bytes", d->name, shown, d->min, d->max);
            return -1;
        }
        *i = (int64_t)v;
        *real = (double)v;
        return 0;
    }
    case GC_PARAM_CHOICE: {
        int c = choice_index(d->choices, text);
        if (c < 0) {
            snprintf(err, errlen, "parameter %s: '%s' is not one of %s", d->name, shown, d->choices);
            return -1;
        }
        *i = c;
        *real = c;
        return 0;
    }
    case GC_PARAM_TEXT: break; /* stored by store_text, which needs the table's pool */
    }
    snprintf(err, errlen, "parameter %s has an unknown type", d->name);
    return -1;
}

/* Store TEXT parameter k: pack the TEXT values of parameters 0 .. count-1 other than k into the
 * pool, then append the new one, so that setting a value again never uses the pool up. Nothing
 * changes if the values would not fit. */
static int store_text(gc_params *p, size_t k, size_t count, const char *text, char *err, size_t errlen) {
    size_t need = strlen(text) + 1;
    for (size_t i = 0; i < count; i++)
        if (i != k && p->desc[i].type == GC_PARAM_TEXT) need += strlen(p->text + p->v[i].i) + 1;
    if (need > sizeof p->text) {
        snprintf(err, errlen, "parameter %s: text too long (text parameters hold %d bytes in all)", p->desc[k].name,
                 GC_PARAM_TEXT_POOL - 1);
        return -1;
    }
    char pool[GC_PARAM_TEXT_POOL];
    size_t used = 0;
    for (size_t i = 0; i < count; i++) {
        if (i == k || p->desc[i].type != GC_PARAM_TEXT) continue;
        size_t len = strlen(p->text + p->v[i].i) + 1;
        memcpy(pool + used, p->text + p->v[i].i, len);
        p->v[i].i = (int64_t)used;
        used += len;
    }
    memcpy(pool + used, text, strlen(text) + 1);
    p->v[k].i = (int64_t)used;
    memcpy(p->text, pool, need);
    return 0;
}

/* Parameter k (of the first `count` already set) from its text. */
static int set_value(gc_params *p, size_t k, size_t count, const char *text, char *err, size_t errlen) {
    if (p->desc[k].type == GC_PARAM_TEXT) return store_text(p, k, count, text, err, errlen);
    return parse_value(&p->desc[k], text, &p->v[k].real, &p->v[k].i, err, errlen);
}

int gc_params_init(gc_params *p, const gc_param_desc *desc, char *err, size_t errlen) {
    memset(p, 0, sizeof *p);
    p->desc = desc;
    for (size_t i = 0; desc && desc[i].name; i++) {
        if (i >= GC_MAX_PARAMS) {
            snprintf(err, errlen, "more than %d parameters in one table", GC_MAX_PARAMS);
            return -1;
        }
        if (set_value(p, i, i, desc[i].def, err, errlen) != 0) return -1;
        p->n = i + 1;
    }
    return 0;
}

static int find(const gc_params *p, const char *name) {
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->desc[i].name, name) == 0) return (int)i;
    return -1;
}

int gc_params_set(gc_params *p, const char *name, const char *value, char *err, size_t errlen) {
    int i = find(p, name);
    if (i < 0) return GC_PARAM_UNKNOWN;
    if (set_value(p, (size_t)i, p->n, value, err, errlen) != 0) return GC_PARAM_BAD;
    p->v[i].given = true;
    return 0;
}

static int must_find(const gc_params *p, const char *name) {
    int i = find(p, name);
    if (i < 0) {
        fprintf(stderr, "gclab: internal error: no parameter named '%s'\n", name);
        abort();
    }
    return i;
}

int64_t gc_param_int(const gc_params *p, const char *name) { return p->v[must_find(p, name)].i; }

double gc_param_real(const gc_params *p, const char *name) { return p->v[must_find(p, name)].real; }

int gc_param_choice(const gc_params *p, const char *name) { return (int)p->v[must_find(p, name)].i; }

const char *gc_param_text(const gc_params *p, const char *name) { return p->text + p->v[must_find(p, name)].i; }

bool gc_param_given(const gc_params *p, const char *name) { return p->v[must_find(p, name)].given; }

static void choice_word(const char *choices, int64_t k, char *buf, size_t len) {
    const char *s = choices;
    for (; k > 0; k--) s = strchr(s, '|') + 1;
    snprintf(buf, len, "%.*s", (int)strcspn(s, "|"), s);
}

void gc_param_format(const gc_params *p, size_t i, char *buf, size_t len) {
    const gc_param_desc *d = &p->desc[i];
    switch (d->type) {
    case GC_PARAM_INT:
    case GC_PARAM_SIZE: snprintf(buf, len, "%lld", (long long)p->v[i].i); break;
    case GC_PARAM_REAL: snprintf(buf, len, "%.17g", p->v[i].real); break;
    case GC_PARAM_CHOICE: choice_word(d->choices, p->v[i].i, buf, len); break;
    case GC_PARAM_TEXT: snprintf(buf, len, "%s", p->text + p->v[i].i); break;
    }
}

int gc_params_apply_list(gc_params *p, const char *list, char *err, size_t errlen) {
    char buf[1024];
    if (list == NULL || *list == '\0') return 0;
    if (strlen(list) >= sizeof buf) {
        snprintf(err, errlen, "parameter list too long");
        return GC_PARAM_BAD;
    }
    strcpy(buf, list);
    for (char *save = NULL, *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        if (eq == NULL) {
            char shown[160];
            snprintf(err, errlen, "bad parameter '%s': expected NAME=VALUE", gc_printable(item, shown, sizeof shown));
            return GC_PARAM_BAD;
        }
        *eq = '\0';
        int rc = gc_params_set(p, item, eq + 1, err, errlen);
        char shown[160];
        if (rc == GC_PARAM_UNKNOWN) snprintf(err, errlen, "unknown parameter '%s'", gc_printable(item, shown, sizeof shown));
        if (rc != 0) return rc;
    }
    return 0;
}
