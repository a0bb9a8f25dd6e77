/* Parameter tables: collectors and workloads declare their tunables once, with a type, a default,
 * a unit and a meaning. `gclab list` prints the tables and the CLI validates `--param NAME=VALUE`
 * against them, so a parameter is documented and checked the moment it is declared. */
#ifndef GCLAB_PARAMS_H
#define GCLAB_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum gc_param_type {
    GC_PARAM_INT,    /* whole number in [min, max] */
    GC_PARAM_REAL,   /* real number in [min, max] */
    GC_PARAM_SIZE,   /* bytes, with an optional k/M/G suffix (powers of 1024), in [min, max] */
    GC_PARAM_CHOICE, /* one word out of `choices` ("a|b|c") */
    GC_PARAM_TEXT,   /* free text such as a file path ("" allowed); min and max are unused */
} gc_param_type;

typedef struct gc_param_desc {
    const char *name;
    gc_param_type type;
    const char *def;     /* default, written as a user would type it */
    const char *unit;    /* "objects", "bytes", "ratio", ... ("" for none) */
    double min, max;     /* inclusive range for INT, REAL and SIZE */
    const char *choices; /* for CHOICE: "a|b|c" */
    const char *help;    /* one line: what it means */
} gc_param_desc;

/* Tables end with an entry whose name is NULL. */
#define GC_PARAM_END {0}

#define GC_MAX_PARAMS 32
#define GC_PARAM_TEXT_POOL 1024 /* bytes for the TEXT values of one table, terminators included */

typedef struct gc_params {
    const gc_param_desc *desc;
    size_t n;
    struct {
        double real;  /* REAL */
        int64_t i;    /* INT, SIZE; the choice's index for CHOICE */
        bool given;   /* set on the command line (or in the trace), not defaulted */
    } v[GC_MAX_PARAMS];
    /* TEXT values, each NUL-terminated at offset v[i].i: offsets, not pointers, so that a
     * gc_params stays valid when copied by value. */
    char text[GC_PARAM_TEXT_POOL];
} gc_params;

/* Fill `p` with the defaults of `desc`. Returns 0, or -1 with a message if a default is invalid
 * (a programming error that the test suite catches for every registered table). */
int gc_params_init(gc_params *p, const gc_param_desc *desc, char *err, size_t errlen);

/* Set one parameter from its text. Returns 0; GC_PARAM_UNKNOWN if no parameter has that name (so
 * that the caller may try another table); GC_PARAM_BAD with a message if the value is malformed or
 * out of range. */
enum { GC_PARAM_UNKNOWN = -1, GC_PARAM_BAD = -2 };
int gc_params_set(gc_params *p, const char *name, const char *value, char *err, size_t errlen);

/* Apply "name=value,name=value" with gc_params_set; stops at the first failure. */
int gc_params_apply_list(gc_params *p, const char *list, char *err, size_t errlen);

/* Accessors by name; asking for a name the table lacks aborts (a programming error). */
int64_t gc_param_int(const gc_params *p, const char *name);
double gc_param_real(const gc_params *p, const char *name);
int gc_param_choice(const gc_params *p, const char *name); /* index into `choices` */
const char *gc_param_text(const gc_params *p, const char *name); /* valid while *p is */
bool gc_param_given(const gc_params *p, const char *name);       /* set by the user, not defaulted */

/* Write the value of parameter i as text (for summary.json and `gclab list`). */
void gc_param_format(const gc_params *p, size_t i, char *buf, size_t len);

/* Parse a byte count with an optional k, M or G suffix (powers of 1024; "64M", "1.5G", "4096").
 * Returns 0, or -1 for an empty, malformed, negative or overflowing text. */
int gc_parse_size(const char *text, uint64_t *out);

/* A workload seed: plain decimal digits (no sign, blank or other text), 0 to GC_SEED_MAX, the
 * range summary.json records exactly (a JSON integer of jansson's: int64_t), so that every
 * recorded seed can be given back to --seed. Returns 0, or -1. */
#define GC_SEED_MAX ((uint64_t)INT64_MAX)
int gc_parse_seed(const char *text, uint64_t *out);
/* `text` as a one-line message may quote it: copied into buf (at most len - 1 bytes), with every
 * control character (a newline, a carriage return, a tab, ...) written as '?'. Returns buf. */
const char *gc_printable(const char *text, char *buf, size_t len);

#endif
