/* Reading heap snapshots: a streaming tokenizer over one fixed buffer, and the record grammar of
 * docs/snapshot-format.md.
 *
 * Two passes over the file, so that the file is never open while memory is allocated: the first
 * reads the header up to the `counts` line and closes the file; the arrays are then allocated
 * once, from the counts; the second pass reopens the file at the byte after the counts line and
 * reads the records into them. Memory per line is bounded by the buffer, whatever the number of
 * referents on the line. The same passes read a caller's buffer (wl_snapshot_read_memory) in
 * place of the file: "opening" it at an offset is then setting a position. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "workloads/snapshot.h"

typedef struct reader {
    FILE *f;
    const char *mem; /* the caller's bytes, or NULL to read the file at `path` */
    size_t mem_len, mem_pos;
    const char *path; /* names the snapshot in messages */
    char *err;
    size_t errlen;
    uint64_t line;     /* 1-based number of the line being read */
    uint64_t consumed; /* bytes taken from the file so far */
    size_t pos, len;
    char buf[WL_SNAPSHOT_BUFFER];
} reader;

/* Format the one-line message "snapshot PATH line N: ..."; returns -1. */
__attribute__((format(printf, 2, 3))) static int fail(reader *r, const char *fmt, ...) {
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(r->err, r->errlen, "snapshot %.200s line %llu: %s", r->path, (unsigned long long)r->line, what);
    return -1;
}

/* The next bytes into buf, from the file or from memory: how many. */
static size_t refill(reader *r) {
    if (r->mem == NULL) return fread(r->buf, 1, sizeof r->buf, r->f);
    size_t n = r->mem_len - r->mem_pos < sizeof r->buf ? r->mem_len - r->mem_pos : sizeof r->buf;
    memcpy(r->buf, r->mem + r->mem_pos, n);
    r->mem_pos += n;
    return n;
}

static int peek(reader *r) {
    if (r->pos == r->len) {
        r->len = refill(r);
        r->pos = 0;
        if (r->len == 0) return EOF;
    }
    return (unsigned char)r->buf[r->pos];
}

static int next(reader *r) {
    int c = peek(r);
    if (c != EOF) {
        r->pos++;
        r->consumed++;
        if (c == '\n') r->line++;
    }
    return c;
}

static bool is_blank(int c) { return c == ' ' || c == '\t'; }
static bool ends_word(int c) { return c == EOF || c == '\n' || c == '\r' || is_blank(c); }

/* Skip blanks; is the record over (end of line or file)? */
static bool at_line_end(reader *r) {
    while (is_blank(peek(r))) next(r);
    int c = peek(r);
    return c == EOF || c == '\n' || c == '\r';
}

/* The next word of the line into buf (truncated to cap - 1 characters, the rest consumed);
 * returns its full length, 0 at the end of the line. */
static size_t read_word(reader *r, char *buf, size_t cap) {
    size_t n = 0;
    if (at_line_end(r)) {
        buf[0] = '\0';
        return 0;
    }
    for (int c = peek(r); !ends_word(c); c = peek(r)) {
        if (n + 1 < cap) buf[n] = (char)c;
        n++;
        next(r);
    }
    buf[n < cap ? n : cap - 1] = '\0';
    return n;
}

/* The next word as a whole number in [0, max]; `what` names it in messages. */
static int read_number(reader *r, const char *what, uint64_t max, uint64_t *out) {
    char word[32];
    size_t n = read_word(r, word, sizeof word);
    if (n == 0) return fail(r, "missing %s", what);
    if (n >= sizeof word) return fail(r, "%s '%s...' is too long", what, word);
    const char *digits = word[0] == '-' ? word + 1 : word;
    uint64_t v = 0;
    bool overflow = false;
    if (*digits == '\0') return fail(r, "expected %s, found '%s'", what, word);
    for (const char *d = digits; *d; d++) {
        if (*d < '0' || *d > '9') return fail(r, "expected %s, found '%s'", what, word);
        if (v > (UINT64_MAX - 9) / 10) overflow = true;
        else v = v * 10 + (uint64_t)(*d - '0');
    }
    if (word[0] == '-' && (v != 0 || overflow)) return fail(r, "negative %s %s", what, word);
    if (overflow || v > max) return fail(r, "%s %s is too large (at most %llu)", what, word, (unsigned long long)max);
    *out = v;
    return 0;
}

/* The record must end here: optional blanks, an optional CR, then LF or the end of the file. */
static int end_record(reader *r, const char *record) {
    if (!at_line_end(r)) {
        char word[32];
        read_word(r, word, sizeof word);
        return fail(r, "unexpected '%s' at the end of a '%s' record", word, record);
    }
    if (peek(r) == '\r') next(r);
    int c = next(r);
    if (c != '\n' && c != EOF) return fail(r, "stray carriage return in a '%s' record", record);
    return 0;
}

static void skip_line(reader *r) {
    for (int c = next(r); c != '\n' && c != EOF; c = next(r)) {
    }
}

static int open_at(reader *r, uint64_t offset) {
    r->pos = r->len = 0;
    r->consumed = offset;
    if (r->mem) {
        r->mem_pos = offset <= r->mem_len ? (size_t)offset : r->mem_len;
        return 0;
    }
    r->f = fopen(r->path, "rb");
    if (r->f == NULL) {
        snprintf(r->err, r->errlen, "cannot open snapshot %.200s: %s", r->path, strerror(errno));
        return -1;
    }
    if (offset && fseek(r->f, (long)offset, SEEK_SET) != 0) {
        snprintf(r->err, r->errlen, "cannot seek in snapshot %.200s: %s", r->path, strerror(errno));
        fclose(r->f);
        r->f = NULL;
        return -1;
    }
    return 0;
}

static void close_file(reader *r) {
    if (r->f) fclose(r->f);
    r->f = NULL;
}

/* First pass: the header line, then comments and meta records up to the counts line. */
static int read_header(reader *r, wl_snapshot *s) {
    char word[64];
    read_word(r, word, sizeof word);
    if (strcmp(word, WL_SNAPSHOT_FORMAT) != 0)
        return fail(r, "not a heap snapshot (the first line must be '%s %d')", WL_SNAPSHOT_FORMAT,
                    WL_SNAPSHOT_VERSION);
    uint64_t version;
    if (read_number(r, "format version", UINT32_MAX, &version) != 0) return -1;
    if (version != WL_SNAPSHOT_VERSION)
        return fail(r, "format version %llu is not supported (this gclab reads version %d)",
                    (unsigned long long)version, WL_SNAPSHOT_VERSION);
    if (end_record(r, WL_SNAPSHOT_FORMAT) != 0) return -1;
    for (;;) {
        if (peek(r) == EOF) return fail(r, "the file ends before the 'counts' record");
        size_t n = read_word(r, word, sizeof word);
        if (n == 0) {
            if (end_record(r, "blank") != 0) return -1;
        } else if (word[0] == '#' || strcmp(word, "meta") == 0) {
            skip_line(r);
        } else if (strcmp(word, "counts") == 0) {
            break;
        } else {
            return fail(r, "'%s' before the 'counts' record", word);
        }
    }
    uint64_t objects, edges, roots, types;
    if (read_number(r, "object count", WL_SNAPSHOT_MAX_OBJECTS, &objects) != 0 ||
        read_number(r, "edge count", (uint64_t)1 << 40, &edges) != 0 ||
        read_number(r, "root count", objects, &roots) != 0 ||
        read_number(r, "type count", UINT32_MAX, &types) != 0 || end_record(r, "counts") != 0)
        return -1;
    s->nobjects = (uint32_t)objects;
    s->nedges = edges;
    s->nroots = (uint32_t)roots;
    s->ntypes = (uint32_t)types;
    return 0;
}

/* The counts must fit the bytes that follow them: the shortest object record is 8 bytes, an edge
 * 2, a type record 9. This also keeps a corrupt counts line from asking for absurd memory. */
static int check_counts_fit(reader *r, const wl_snapshot *s, uint64_t offset) {
    uint64_t total = r->mem_len;
    if (r->mem == NULL) {
        struct stat st;
        if (stat(r->path, &st) != 0) return 0; /* the second pass will report it */
        total = (uint64_t)st.st_size;
    }
    uint64_t left = total - offset;
    uint64_t least = (uint64_t)s->nobjects * 8 + s->nedges * 2 + (uint64_t)s->ntypes * 9;
    if (least > left)
        return fail(r, "the counts record declares %u objects, %llu edges and %u types, more than the %llu bytes "
                    "after it can hold (truncated file?)",
                    s->nobjects, (unsigned long long)s->nedges, s->ntypes, (unsigned long long)left);
    return 0;
}

/* One object record ('o', 'r' or 'a'), its kind already read. *nread objects came before it. */
static int read_object(reader *r, wl_snapshot *s, char kind, uint32_t *nread, uint64_t *nedges, uint32_t *nroots) {
    uint64_t id, type, size;
    if (read_number(r, "object id", UINT32_MAX, &id) != 0) return -1;
    if (*nread == s->nobjects)
        return fail(r, "more objects than the counts record declares (%u)", s->nobjects);
    if (id != *nread) return fail(r, "object id %llu is out of order (expected %u)", (unsigned long long)id, *nread);
    if (read_number(r, "type", UINT32_MAX, &type) != 0 || read_number(r, "size", WL_SNAPSHOT_MAX_SIZE, &size) != 0)
        return -1;
    if (type >= s->ntypes)
        return fail(r, "object %llu has type %llu, but the snapshot declares %u types", (unsigned long long)id,
                    (unsigned long long)type, s->ntypes);
    s->size[id] = (uint32_t)size;
    s->type[id] = (uint32_t)type;
    s->first[id] = *nedges;
    if (kind == 'r') {
        if (*nroots == s->nroots) return fail(r, "more roots than the counts record declares (%u)", s->nroots);
        s->is_root[id] = 1;
        ++*nroots;
    }
    uint64_t refs = 0;
    while (!at_line_end(r)) {
        uint64_t to;
        if (kind == 'a') return fail(r, "atom %llu has referents (atoms have none)", (unsigned long long)id);
        if (read_number(r, "referent id", UINT64_MAX, &to) != 0) return -1;
        if (to >= s->nobjects)
            return fail(r, "object %llu refers to object %llu, but the snapshot has %u objects",
                        (unsigned long long)id, (unsigned long long)to, s->nobjects);
        if (*nedges == s->nedges)
            return fail(r, "more edges than the counts record declares (%llu)", (unsigned long long)s->nedges);
        if (++refs > WL_SNAPSHOT_MAX_REFS)
            return fail(r, "object %llu has more than %llu referents", (unsigned long long)id,
                        (unsigned long long)WL_SNAPSHOT_MAX_REFS);
        s->target[(*nedges)++] = (uint32_t)to;
    }
    ++*nread;
    return end_record(r, kind == 'r' ? "r" : kind == 'o' ? "o" : "a");
}

/* The 'end' record: every count must have been met, and nothing may follow. */
static int read_end(reader *r, const wl_snapshot *s, uint32_t ntypes, uint32_t nread, uint64_t nedges,
                    uint32_t nroots) {
    if (end_record(r, "end") != 0) return -1;
    r->line--; /* messages below are about the 'end' line */
    if (ntypes != s->ntypes) return fail(r, "'end' after %u of %u types", ntypes, s->ntypes);
    if (nread != s->nobjects) return fail(r, "'end' after %u of %u objects", nread, s->nobjects);
    if (nedges != s->nedges)
        return fail(r, "'end' after %llu of %llu edges", (unsigned long long)nedges, (unsigned long long)s->nedges);
    if (nroots != s->nroots) return fail(r, "'end' after %u of %u roots", nroots, s->nroots);
    r->line++;
    if (peek(r) != EOF) return fail(r, "text after the 'end' record");
    return 0;
}

/* Second pass: type records, then object records, then 'end'. */
static int read_records(reader *r, wl_snapshot *s) {
    uint32_t ntypes = 0, nread = 0, nroots = 0;
    uint64_t nedges = 0;
    char word[64];
    for (;;) {
        if (peek(r) == EOF)
            return fail(r, "the file ends after %u of %u objects, with no 'end' record (truncated?)", nread,
                        s->nobjects);
        size_t n = read_word(r, word, sizeof word);
        if (n == 0) {
            if (end_record(r, "blank") != 0) return -1;
        } else if (word[0] == '#' || strcmp(word, "meta") == 0) {
            skip_line(r);
        } else if (strcmp(word, "type") == 0) {
            uint64_t k;
            if (nread > 0) return fail(r, "a 'type' record after the first object");
            if (read_number(r, "type index", UINT32_MAX, &k) != 0) return -1;
            if (ntypes == s->ntypes) return fail(r, "more types than the counts record declares (%u)", s->ntypes);
            if (k != ntypes)
                return fail(r, "type index %llu is out of order (expected %u)", (unsigned long long)k, ntypes);
            if (read_word(r, word, sizeof word) == 0) return fail(r, "type %llu has no name", (unsigned long long)k);
            if (end_record(r, "type") != 0) return -1;
            ntypes++;
        } else if ((word[0] == 'o' || word[0] == 'r' || word[0] == 'a') && word[1] == '\0') {
            if (ntypes != s->ntypes) return fail(r, "an object before all %u types are declared", s->ntypes);
            if (read_object(r, s, word[0], &nread, &nedges, &nroots) != 0) return -1;
        } else if (strcmp(word, "end") == 0) {
            s->first[s->nobjects] = nedges;
            return read_end(r, s, ntypes, nread, nedges, nroots);
        } else if (strcmp(word, "counts") == 0) {
            return fail(r, "a second 'counts' record");
        } else {
            return fail(r, "unknown record '%s'", word);
        }
    }
}

/* Zeroed scratch memory for n items of `each` bytes, or NULL with a message. */
static void *alloc_array(gc_heap *h, reader *r, uint64_t n, size_t each) {
    if (n > SIZE_MAX / each) {
        fail(r, "the snapshot is too large for this machine");
        return NULL;
    }
    void *p = gc_heap_scratch(h, n ? (size_t)n * each : 1);
    if (p == NULL) snprintf(r->err, r->errlen, "out of memory for snapshot %.200s", r->path);
    return p;
}

/* Both passes over the reader's source (the file or the caller's memory). */
static int read_snapshot(gc_heap *h, reader *r, wl_snapshot *s) {
    *s = (wl_snapshot){0};
    if (open_at(r, 0) != 0) return -1;
    int rc = read_header(r, s);
    uint64_t offset = r->consumed, line = r->line;
    close_file(r);
    if (rc != 0 || check_counts_fit(r, s, offset) != 0) return -1;

    uint64_t n = s->nobjects;
    if (!(s->size = alloc_array(h, r, n, sizeof *s->size)) || !(s->type = alloc_array(h, r, n, sizeof *s->type)) ||
        !(s->is_root = alloc_array(h, r, n, 1)) || !(s->first = alloc_array(h, r, n + 1, sizeof *s->first)) ||
        !(s->target = alloc_array(h, r, s->nedges, sizeof *s->target)))
        return -1;

    if (open_at(r, offset) != 0) return -1;
    r->line = line;
    rc = read_records(r, s);
    if (rc == 0 && r->f && ferror(r->f)) {
        snprintf(r->err, r->errlen, "cannot read snapshot %.200s: %s", r->path, strerror(errno));
        rc = -1;
    }
    close_file(r);
    return rc;
}

int wl_snapshot_read(gc_heap *h, const char *path, wl_snapshot *s, char *err, size_t errlen) {
    reader rd = {.path = path, .err = err, .errlen = errlen, .line = 1};
    return read_snapshot(h, &rd, s);
}

int wl_snapshot_read_memory(gc_heap *h, const char *name, const void *data, size_t len, wl_snapshot *s, char *err,
                            size_t errlen) {
    /* a non-NULL pointer even for no bytes: NULL means "the file" */
    reader rd = {.mem = data ? data : "", .mem_len = data ? len : 0, .path = name, .err = err, .errlen = errlen, .line = 1};
    return read_snapshot(h, &rd, s);
}
