/* Trace recording: every mutator operation becomes one line of a version-1 trace.
 *
 * The header must say how many roots the trace uses before any operation, but that is known only
 * at the end; so the body goes to a temporary file and the header is written in front of it when
 * the writer is closed. A root register r of the heap is trace root r. The file is written through
 * core/outfile.h: a failed recording leaves no partial trace, only the reason (errno's text). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/outfile.h"
#include "gclab/mutator.h"
#include "gclab/trace.h"

struct gc_trace_writer {
    gc_outfile out;
    FILE *body;
    uint64_t roots; /* one more than the highest root index used */
    int failed;     /* errno of the first failed write to the body, 0 if none */
};

gc_trace_writer *gc_trace_writer_open(const char *path, char *err, size_t errlen) {
    gc_trace_writer *w = calloc(1, sizeof *w);
    if (w == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    char why[4400];
    if (gc_outfile_open(&w->out, path, why, sizeof why) != 0) {
        snprintf(err, errlen, "--record-trace: %s", why);
        free(w);
        return NULL;
    }
    if ((w->body = tmpfile()) == NULL) {
        snprintf(err, errlen, "--record-trace: cannot create a temporary file for %s: %s", path, strerror(errno));
        gc_outfile_discard(&w->out);
        free(w);
        return NULL;
    }
    return w;
}

static void note_failure(gc_trace_writer *w) {
    if (!w->failed) w->failed = errno ? errno : EIO;
}

static void use_root(gc_trace_writer *w, uint64_t r) {
    if (r != GC_NIL && r + 1 > w->roots) w->roots = r + 1;
}

void gc_record(gc_heap *h, gc_op op, uint64_t a, uint64_t b, uint64_t c) {
    gc_trace_writer *w = h->recorder;
    FILE *f = w->body;
    int n = 0;
    switch (op) {
    case GC_OP_NEW: use_root(w, a); n = fprintf(f, "alloc %llu %llu %llu\n", (unsigned long long)a, (unsigned long long)b, (unsigned long long)c); break;
    case GC_OP_SET:
        use_root(w, a);
        use_root(w, c);
        if (c == GC_NIL) n = fprintf(f, "set %llu %llu -\n", (unsigned long long)a, (unsigned long long)b);
        else n = fprintf(f, "set %llu %llu %llu\n", (unsigned long long)a, (unsigned long long)b, (unsigned long long)c);
        break;
    case GC_OP_GET: use_root(w, a); use_root(w, b); n = fprintf(f, "get %llu %llu %llu\n", (unsigned long long)a, (unsigned long long)b, (unsigned long long)c); break;
    case GC_OP_COPY: use_root(w, a); use_root(w, b); n = fprintf(f, "copy %llu %llu\n", (unsigned long long)a, (unsigned long long)b); break;
    case GC_OP_DROP: use_root(w, a); n = fprintf(f, "drop %llu\n", (unsigned long long)a); break;
    case GC_OP_COLLECT: /* -1 (everything) and anything past the oldest generation are `collect 2` */
        n = fprintf(f, "collect %d\n", (int64_t)a < 0 || (int64_t)a > 2 ? 2 : (int)a);
        break;
    }
    if (n < 0) note_failure(w);
}

void gc_record_control(gc_heap *h, gc_control_op op, const int64_t *args, int nargs) {
    gc_trace_writer *w = h->recorder;
    int n = 0;
    switch (op) {
    case GC_CTL_DISABLE: n = fprintf(w->body, "disable\n"); break;
    case GC_CTL_ENABLE: n = fprintf(w->body, "enable\n"); break;
    case GC_CTL_FREEZE: n = fprintf(w->body, "freeze\n"); break;
    case GC_CTL_UNFREEZE: n = fprintf(w->body, "unfreeze\n"); break;
    case GC_CTL_THRESHOLD: /* as many values as given: like gc.set_threshold, the rest stay as they are */
        n = fprintf(w->body, "threshold");
        for (int i = 0; i < nargs && i < 3 && n >= 0; i++) n = fprintf(w->body, " %lld", (long long)args[i]);
        if (n >= 0) n = fprintf(w->body, "\n");
        break;
    }
    if (n < 0) note_failure(w);
}

int gc_trace_writer_close(gc_trace_writer *w, char *err, size_t errlen) {
    FILE *out = w->out.f;
    fprintf(out, "gclab-trace 1\nroots %llu\n", (unsigned long long)(w->roots ? w->roots : 1));
    char buf[1 << 16];
    size_t n;
    errno = 0;
    if (!w->failed && (fflush(w->body) != 0 || fseek(w->body, 0, SEEK_SET) != 0)) note_failure(w);
    while (!w->failed && (n = fread(buf, 1, sizeof buf, w->body)) > 0)
        if (fwrite(buf, 1, n, out) != n) note_failure(w);
    if (!w->failed && ferror(w->body)) note_failure(w);
    fclose(w->body);
    int rc = 0;
    char why[4400];
    if (w->failed) {
        gc_outfile_discard(&w->out);
        snprintf(err, errlen, "--record-trace: cannot write %s: %s (no trace written)", w->out.path, strerror(w->failed));
        rc = -1;
    } else if (gc_outfile_commit(&w->out, why, sizeof why) != 0) {
        snprintf(err, errlen, "--record-trace: %s (no trace written)", why);
        rc = -1;
    }
    free(w);
    return rc;
}
