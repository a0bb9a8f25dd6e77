/* Trace replay: read a version-1 trace (docs/trace-format.md) and perform its operations on a
 * heap through the mutator operations, exactly as the workload that recorded it did.
 *
 * Streaming: the file (or a caller's buffer: gc_trace_open) is read through one fixed buffer in
 * the reader, each line is parsed in place and executed at once, so a trace of 10^8 operations needs no more memory than one of ten,
 * and nothing is allocated per line. The price: an error on line N is found after lines 1..N-1
 * have been replayed. The replay then stops with a one-line message naming the line, and the run
 * reports the error (exit code 2): nothing is replayed half-silently.
 *
 * Every check a collector would otherwise crash on is made before the operation: root indices
 * against `roots N`, set/get through a nil root, slot indices against the object's slots. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "gclab/mutator.h"
#include "gclab/trace.h"

enum {
    READ_BUFFER = 1 << 18, /* bytes of file held at once */
    MAX_LINE = 4096,       /* longer lines are an error (no valid line comes close) */
    MAX_TOKENS = 6,        /* one more than any operation takes, to catch extra arguments */
};
#define MAX_ROOTS ((uint64_t)1 << 24)          /* root variables a trace may declare */
#define MAX_OBJECT_BYTES ((uint64_t)1 << 30)   /* the largest object a trace may allocate */
#define MAX_THRESHOLD ((uint64_t)2147483647)  /* CPython's thresholds are C ints */

struct gc_trace_reader {
    FILE *f;             /* the file, or NULL when reading from memory: */
    const char *mem;     /* the caller's bytes (valid until the reader is closed), */
    size_t mem_len, mem_pos; /* their length and the first not yet copied into buf */
    char *path;
    unsigned long long line; /* number of the line last read */
    unsigned long long ops;
    uint32_t roots;
    size_t start, end; /* unread bytes are buf[start, end) */
    bool eof;
    char msg[200]; /* what went wrong while reading, if next_line returned NULL early */
    char buf[READ_BUFFER + 1];
};

/* A line holding a NUL byte would be cut short at it, the rest silently ignored: an error. */
static char *checked_line(gc_trace_reader *r, char *s, size_t len) {
    if (memchr(s, '\0', len) == NULL) return s;
    snprintf(r->msg, sizeof r->msg, "the line contains a NUL byte (at column %zu)", (size_t)((char *)memchr(s, '\0', len) - s) + 1);
    return NULL;
}

/* Bytes after buf[end], from the file or the caller's memory: how many were added. */
static size_t refill(gc_trace_reader *r) {
    size_t room = READ_BUFFER - r->end;
    if (r->f) return fread(r->buf + r->end, 1, room, r->f);
    size_t n = r->mem_len - r->mem_pos < room ? r->mem_len - r->mem_pos : room;
    memcpy(r->buf + r->end, r->mem + r->mem_pos, n);
    r->mem_pos += n;
    return n;
}

/* The next line, NUL-terminated in place (its '\n' replaced), or NULL at the end of the file or
 * on a read error, an overlong line or a NUL byte (then r->msg says which). */
static char *next_line(gc_trace_reader *r) {
    for (;;) {
        char *s = r->buf + r->start;
        char *nl = memchr(s, '\n', r->end - r->start);
        if (nl) {
            *nl = '\0';
            r->start = (size_t)(nl + 1 - r->buf);
            r->line++;
            if ((size_t)(nl - s) > MAX_LINE) {
                snprintf(r->msg, sizeof r->msg, "line is longer than %d characters", MAX_LINE);
                return NULL;
            }
            return checked_line(r, s, (size_t)(nl - s));
        }
        if (r->eof) {
            if (r->start == r->end) return NULL;
            r->buf[r->end] = '\0'; /* a last line without '\n' */
            r->line++;
            s = r->buf + r->start;
            size_t len = r->end - r->start;
            r->start = r->end;
            return checked_line(r, s, len);
        }
        if (r->end - r->start > MAX_LINE) {
            r->line++;
            snprintf(r->msg, sizeof r->msg, "line is longer than %d characters", MAX_LINE);
            return NULL;
        }
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
        size_t n = refill(r);
        r->end += n;
        if (n == 0) {
            if (r->f && ferror(r->f)) {
                snprintf(r->msg, sizeof r->msg, "read error: %s", strerror(errno));
                return NULL;
            }
            r->eof = true;
        }
    }
}

/* Split a line into words, dropping a '#' comment and a '\r'. Returns the number of words (at
 * most MAX_TOKENS: a line with more is reported as having MAX_TOKENS). */
static int split(char *s, char *tok[MAX_TOKENS]) {
    int n = 0;
    for (;;) {
        while (*s == ' ' || *s == '\t' || *s == '\r') s++;
        if (*s == '\0' || *s == '#') return n;
        if (n == MAX_TOKENS) return n;
        tok[n++] = s;
        while (*s && *s != ' ' && *s != '\t' && *s != '\r' && *s != '#') s++;
        if (*s == '#') {
            *s = '\0';
            return n;
        }
        if (*s) *s++ = '\0';
    }
}

/* A decimal number in [0, max]; false for anything else (signs, letters, overflow). */
static bool parse_number(const char *t, uint64_t max, uint64_t *out) {
    uint64_t v = 0;
    if (*t == '\0') return false;
    for (; *t; t++) {
        if (*t < '0' || *t > '9') return false;
        unsigned d = (unsigned)(*t - '0');
        if (d > max || v > (max - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static void reader_error(gc_trace_reader *r, char *err, size_t errlen, const char *what) {
    snprintf(err, errlen, "%s:%llu: %s", r->path, r->line ? r->line : 1, what);
}

/* The next line with words on it: its word count, 0 at the end, -1 on a read error. */
static int next_words(gc_trace_reader *r, char *tok[MAX_TOKENS]) {
    char *s;
    while ((s = next_line(r)) != NULL) {
        int n = split(s, tok);
        if (n > 0) return n;
    }
    return r->msg[0] ? -1 : 0;
}

/* Read the header of an opened reader, through the `roots N` line: GC_OK, or GC_ERR_USAGE with a
 * message (the reader is then closed). */
static int read_header(gc_trace_reader *r, char *err, size_t errlen) {
    char *tok[MAX_TOKENS];
    uint64_t v;
    int n = next_words(r, tok);
    if (n < 0) reader_error(r, err, errlen, r->msg);
    else if (n == 0 || strcmp(tok[0], "gclab-trace") != 0)
        reader_error(r, err, errlen, "missing header: the first line must be 'gclab-trace 1'");
    else if (n != 2 || strcmp(tok[1], "1") != 0)
        reader_error(r, err, errlen, "unsupported header: this gclab reads 'gclab-trace 1'");
    else if ((n = next_words(r, tok)) < 0) reader_error(r, err, errlen, r->msg);
    else if (n == 0 || strcmp(tok[0], "roots") != 0)
        reader_error(r, err, errlen, "missing 'roots N' line: it must follow the header, before any operation");
    else if (n != 2 || !parse_number(tok[1], MAX_ROOTS, &v))
        reader_error(r, err, errlen, "malformed 'roots N': N must be a whole number from 0 to 16777216");
    else {
        r->roots = (uint32_t)v;
        return GC_OK;
    }
    gc_trace_reader_close(r);
    return GC_ERR_USAGE;
}

int gc_trace_open(const char *path, const void *data, size_t len, gc_trace_reader **out, char *err, size_t errlen) {
    *out = NULL;
    gc_trace_reader *r = calloc(1, sizeof *r);
    if (r == NULL || (r->path = strdup(path)) == NULL) {
        free(r);
        snprintf(err, errlen, "out of memory for the trace reader");
        return GC_ERR_NOMEM;
    }
    if (data != NULL) {
        r->mem = data;
        r->mem_len = len;
    } else if ((r->f = fopen(path, "r")) == NULL) {
        snprintf(err, errlen, "cannot open trace %s: %s", path, strerror(errno));
        gc_trace_reader_close(r);
        return GC_ERR_USAGE;
    }
    int e = read_header(r, err, errlen);
    if (e == GC_OK) *out = r;
    return e;
}

gc_trace_reader *gc_trace_reader_open(const char *path, char *err, size_t errlen) {
    gc_trace_reader *r;
    gc_trace_open(path, NULL, 0, &r, err, errlen);
    return r;
}

uint32_t gc_trace_reader_roots(const gc_trace_reader *r) { return r->roots; }

unsigned long long gc_trace_reader_ops(const gc_trace_reader *r) { return r->ops; }

void gc_trace_reader_close(gc_trace_reader *r) {
    if (r == NULL) return;
    if (r->f) fclose(r->f);
    free(r->path);
    free(r);
}

/* ---------------------------------------------------------------- replay */

typedef struct replay {
    gc_heap *h;
    gc_trace_reader *r;
    uint32_t base; /* heap root slot of trace root 0 */
} replay;

/* Stop the replay: one line naming the file and line. Returns GC_ERR_USAGE for the caller to
 * return if the fatal handler comes back. */
static int bad(replay *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(replay *x, const char *fmt, ...) {
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    gc_fail(x->h, GC_ERR_USAGE, "%s:%llu: %s", x->r->path, x->r->line, what);
    return GC_ERR_USAGE;
}

/* A root index: 0 on success (heap slot in *slot), else the error code. */
static int root_arg(replay *x, const char *t, uint32_t *slot) {
    uint64_t v;
    if (!parse_number(t, UINT32_MAX, &v)) return bad(x, "'%s' is not a root index", t);
    if (v >= x->r->roots && x->r->roots == 0)
        return bad(x, "root r%llu is out of range: the trace declares no roots ('roots 0')", (unsigned long long)v);
    if (v >= x->r->roots)
        return bad(x, "root r%llu is out of range: the trace declares roots 0..%lu", (unsigned long long)v,
                   (unsigned long)x->r->roots - 1);
    *slot = x->base + (uint32_t)v;
    return 0;
}

/* The object in root slot `slot`, which operation `op` goes through, and slot index `t` of it. */
static int object_slot_arg(replay *x, const char *op, uint32_t slot, const char *t, uint32_t *s) {
    gc_object *o = gc_reg(x->h, slot);
    if (o == NULL) return bad(x, "%s through nil root r%u", op, slot - x->base);
    uint64_t v;
    if (!parse_number(t, UINT32_MAX, &v)) return bad(x, "'%s' is not a slot index", t);
    if (v >= o->nslots)
        return bad(x, "slot %llu is beyond the object in r%u, which has %u slot%s", (unsigned long long)v, slot - x->base,
                   o->nslots, o->nslots == 1 ? "" : "s");
    *s = (uint32_t)v;
    return 0;
}

static int want_args(replay *x, const char *op, int n, int want, const char *shape) {
    if (n - 1 == want) return 0;
    return bad(x, "'%s' takes %d argument%s (%s %s), found %d", op, want, want == 1 ? "" : "s", op, shape, n - 1);
}

/* One operation, already split into words. 0, or the error code. */
static int replay_op(replay *x, char **tok, int n) {
    gc_heap *h = x->h;
    const char *op = tok[0];
    uint32_t a, b;
    uint64_t v, w;
    int e;
    if (strcmp(op, "set") == 0) {
        if ((e = want_args(x, op, n, 3, "R S R2")) || (e = root_arg(x, tok[1], &a)) || (e = object_slot_arg(x, op, a, tok[2], &b)))
            return e;
        uint32_t src = GC_NIL;
        if (strcmp(tok[3], "-") != 0 && (e = root_arg(x, tok[3], &src))) return e;
        gc_set(h, a, b, src);
    } else if (strcmp(op, "get") == 0) {
        uint32_t s;
        if ((e = want_args(x, op, n, 3, "R R2 S")) || (e = root_arg(x, tok[1], &a)) || (e = root_arg(x, tok[2], &b)) ||
            (e = object_slot_arg(x, op, b, tok[3], &s)))
            return e;
        gc_get(h, a, b, s);
    } else if (strcmp(op, "alloc") == 0) {
        if ((e = want_args(x, op, n, 3, "R NSLOTS NBYTES")) || (e = root_arg(x, tok[1], &a))) return e;
        if (!parse_number(tok[2], UINT32_MAX, &v) || !parse_number(tok[3], UINT32_MAX, &w))
            return bad(x, "alloc: NSLOTS and NBYTES must be whole numbers");
        if (gc_object_size((uint32_t)v, (uint32_t)w) > MAX_OBJECT_BYTES)
            return bad(x, "alloc: an object of %llu slots and %llu bytes is larger than 1 GiB", (unsigned long long)v,
                       (unsigned long long)w);
        gc_new(h, a, (uint32_t)v, (uint32_t)w, 0);
    } else if (strcmp(op, "copy") == 0) {
        if ((e = want_args(x, op, n, 2, "R R2")) || (e = root_arg(x, tok[1], &a)) || (e = root_arg(x, tok[2], &b))) return e;
        gc_copy(h, a, b);
    } else if (strcmp(op, "drop") == 0) {
        if ((e = want_args(x, op, n, 1, "R")) || (e = root_arg(x, tok[1], &a))) return e;
        gc_drop(h, a);
    } else if (strcmp(op, "collect") == 0) {
        if ((e = want_args(x, op, n, 1, "G"))) return e;
        if (!parse_number(tok[1], 2, &v)) return bad(x, "collect: the generation must be 0, 1 or 2, not '%s'", tok[1]);
        gc_collect(h, (int)v);
    } else if (strcmp(op, "threshold") == 0) {
        if (n < 2 || n > 4) return bad(x, "'threshold' takes 1 to 3 arguments (threshold T0 T1 T2), found %d", n - 1);
        int64_t t[3];
        for (int i = 1; i < n; i++) {
            if (!parse_number(tok[i], MAX_THRESHOLD, &v))
                return bad(x, "threshold: '%s' is not a whole number from 0 to %llu", tok[i], (unsigned long long)MAX_THRESHOLD);
            t[i - 1] = (int64_t)v;
        }
        if (gc_control(h, GC_CTL_THRESHOLD, t, n - 1) != 0) return bad(x, "threshold: the collector refused the values");
    } else {
        static const struct {
            const char *name;
            gc_control_op op;
        } controls[] = {
            {"disable", GC_CTL_DISABLE}, {"enable", GC_CTL_ENABLE}, {"freeze", GC_CTL_FREEZE}, {"unfreeze", GC_CTL_UNFREEZE}};
        for (size_t i = 0; i < sizeof controls / sizeof controls[0]; i++) {
            if (strcmp(op, controls[i].name) != 0) continue;
            if ((e = want_args(x, op, n, 0, ""))) return e;
            gc_control(h, controls[i].op, NULL, 0);
            return 0;
        }
        if (strcmp(op, "roots") == 0) return bad(x, "'roots' may appear only once, right after the header");
        if (strcmp(op, "gclab-trace") == 0) return bad(x, "the header may appear only once, on the first line");
        return bad(x, "unknown operation '%s'", op);
    }
    return 0;
}

int gc_trace_replay(gc_heap *h, gc_trace_reader *r) {
    replay x = {.h = h, .r = r};
    x.base = gc_frame_push(h, r->roots);
    if (gc_core(h)->error) return gc_core(h)->error;
    char *tok[MAX_TOKENS];
    int n, e;
    while ((n = next_words(r, tok)) > 0) {
        if ((e = replay_op(&x, tok, n)) != 0) return e;
        if (gc_core(h)->error) return gc_core(h)->error; /* the operation failed and the fatal handler returned */
        r->ops++;
    }
    if (n < 0) return bad(&x, "%s", r->msg);
    return 0;
}
