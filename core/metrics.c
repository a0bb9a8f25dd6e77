/* The metrics recorder (see metrics.h). Sampling reads jemalloc's statistics for the heap's own
 * arena and the process's resident set; the time it takes is counted as sampling_ns and kept out
 * of the mutator's time. */
#include "core/internal.h"
#include "core/metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <jemalloc/jemalloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gclab/heap.h"

static void *grow(void *arr, size_t *cap, size_t elem) {
    size_t n = *cap ? *cap * 2 : 1024;
    void *a = realloc(arr, n * elem);
    if (a) *cap = n;
    return a;
}

static void on_pause_end(void *ctx, gc_heap *h, const gc_pause *p) {
    (void)h;
    gc_recorder *r = ctx;
    if (r->oom || r->log_errno) return;
    if (r->pause_log == NULL && (r->pause_log = tmpfile()) == NULL) {
        r->log_errno = errno ? errno : EIO;
        return;
    }
    if (r->npauses == r->spans_cap) {
        uint64_t *a = grow(r->spans, &r->spans_cap, 2 * sizeof *a);
        if (a == NULL) {
            r->oom = true;
            return;
        }
        r->spans = a;
    }
    if (fwrite(p, sizeof *p, 1, r->pause_log) != 1) {
        r->log_errno = errno ? errno : EIO;
        return;
    }
    r->spans[2 * r->npauses] = p->start_ns;
    r->spans[2 * r->npauses + 1] = p->end_ns;
    r->npauses++;
}

/* Look the statistics' names up once (jemalloc's MIBs), with the arena's index in place. */
static void sampler_prepare(gc_recorder *r, unsigned arena) {
    static const char *const leaf[4] = {"small.allocated", "large.allocated", "pactive", "resident"};
    r->epoch_len = 1;
    if (mallctlnametomib("epoch", r->epoch_mib, &r->epoch_len) != 0) r->epoch_len = 0;
    for (int i = 0; i < 4; i++) {
        char name[96];
        snprintf(name, sizeof name, "stats.arenas.0.%s", leaf[i]);
        r->stat_len[i] = sizeof r->stat_mib[i] / sizeof r->stat_mib[i][0];
        if (mallctlnametomib(name, r->stat_mib[i], &r->stat_len[i]) != 0) r->stat_len[i] = 0;
        else r->stat_mib[i][2] = arena; /* stats.arenas.<i>.... */
    }
    r->statm_fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    r->sampler_ready = true;
}

static uint64_t arena_stat(const gc_recorder *r, int i) {
    size_t v = 0, sz = sizeof v;
    if (r->stat_len[i] == 0 || mallctlbymib(r->stat_mib[i], r->stat_len[i], &v, &sz, NULL, 0) != 0) return 0;
    return v;
}

/* Resident pages from /proc/self/statm ("size resident shared ..."), one pread on a kept fd. */
static uint64_t rss_bytes(const gc_recorder *r) {
    char buf[128];
    if (r->statm_fd < 0) return 0;
    ssize_t n = pread(r->statm_fd, buf, sizeof buf - 1, 0);
    if (n <= 0) return 0;
    buf[n] = '\0';
    char *end;
    strtoull(buf, &end, 10); /* size */
    unsigned long long resident = strtoull(end, &end, 10);
    return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

#define MAXF(field) \
    if (s.field > r->peak.field) r->peak.field = s.field

void gc_recorder_sample(gc_recorder *r, gc_heap *h) {
    uint64_t t0 = gc_now_ns();
    if (!r->sampler_ready) sampler_prepare(r, gc_core(h)->arena);
    if (!r->je_valid || r->je_calls != gc_core(h)->arena_calls) {
        /* jemalloc's refresh (epoch) merges every arena's statistics: ~20 us, most of a sample */
        uint64_t epoch = 1;
        size_t sz = sizeof epoch;
        if (r->epoch_len) mallctlbymib(r->epoch_mib, r->epoch_len, &epoch, &sz, &epoch, sz);
        r->je_allocated = arena_stat(r, 0) + arena_stat(r, 1);
        r->je_active = arena_stat(r, 2) * (uint64_t)sysconf(_SC_PAGESIZE);
        r->je_resident = arena_stat(r, 3);
        r->je_calls = gc_core(h)->arena_calls;
        r->je_valid = true;
    }
    gc_sample s = {
        .t_ns = t0 - gc_core(h)->t0_ns,
        .bytes_allocated = h->counts.bytes_allocated,
        .allocations = h->counts.allocs,
        .objects_live = h->objects_live,
        .heap_bytes = h->heap_bytes,
        .block_bytes = gc_core(h)->block_bytes,
        .je_allocated = r->je_allocated,
        .je_active = r->je_active,
        .je_resident = r->je_resident,
        .rss = rss_bytes(r),
    };
    MAXF(heap_bytes);
    MAXF(block_bytes);
    MAXF(je_allocated);
    MAXF(je_active);
    MAXF(je_resident);
    MAXF(rss);
    if (r->nsamples == r->samples_cap) {
        gc_sample *a = grow(r->samples, &r->samples_cap, sizeof *a);
        if (a == NULL) r->oom = true;
        else r->samples = a;
    }
    if (r->nsamples < r->samples_cap) r->samples[r->nsamples++] = s;
    r->sampling_ns += gc_now_ns() - t0;
}

static void on_sample(void *ctx, gc_heap *h) { gc_recorder_sample(ctx, h); }

gc_listener gc_recorder_listener(gc_recorder *r) {
    return (gc_listener){.ctx = r, .pause_end = on_pause_end, .sample = on_sample};
}

void gc_recorder_free(gc_recorder *r) {
    if (r->pause_log) fclose(r->pause_log);
    if (r->sampler_ready && r->statm_fd >= 0) close(r->statm_fd);
    free(r->spans);
    free(r->samples);
    *r = (gc_recorder){0};
}

/* CSV rows are built by hand: fprintf's format interpretation took most of the time of writing
 * events.csv (3 million rows for `lists` on rc: ~1 s of fprintf). */
typedef struct row {
    char buf[512];
    size_t len;
} row;

static void put_u64(row *r, uint64_t v) {
    char tmp[20];
    int n = 0;
    do tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n) r->buf[r->len++] = tmp[--n];
}

static void put_i64(row *r, int64_t v) {
    if (v < 0) {
        r->buf[r->len++] = '-';
        put_u64(r, (uint64_t)0 - (uint64_t)v);
    } else {
        put_u64(r, (uint64_t)v);
    }
}

static void put_text(row *r, const char *s) {
    size_t n = strlen(s);
    if (n > 64) n = 64; /* names are short words; a row never overflows */
    memcpy(r->buf + r->len, s, n);
    r->len += n;
}

static void put_sep(row *r, char c) { r->buf[r->len++] = c; }

int gc_recorder_write_events(const gc_recorder *r, FILE *f) {
    fputs(GC_EVENTS_CSV_HEADER "\n", f);
    if (r->pause_log && (fflush(r->pause_log) != 0 || fseek(r->pause_log, 0, SEEK_SET) != 0)) return -1;
    if (r->npauses && r->pause_log == NULL) return -1;
    gc_pause p;
    for (size_t i = 0; i < r->npauses; i++) {
        if (fread(&p, sizeof p, 1, r->pause_log) != 1) return -1;
        row w = {.len = 0};
        put_u64(&w, p.seq), put_sep(&w, ',');
        put_text(&w, p.kind), put_sep(&w, ',');
        put_i64(&w, p.generation), put_sep(&w, ',');
        put_text(&w, gc_reason_name(p.reason)), put_sep(&w, ',');
        put_u64(&w, p.start_ns), put_sep(&w, ',');
        put_u64(&w, p.end_ns), put_sep(&w, ',');
        put_u64(&w, p.end_ns - p.start_ns), put_sep(&w, ',');
        put_u64(&w, p.alloc_index), put_sep(&w, ',');
        put_u64(&w, p.objects_before), put_sep(&w, ',');
        put_u64(&w, p.bytes_before), put_sep(&w, ',');
        put_u64(&w, p.objects_after), put_sep(&w, ',');
        put_u64(&w, p.bytes_after), put_sep(&w, ',');
        put_i64(&w, (int64_t)(p.objects_before - p.objects_after)), put_sep(&w, ',');
        put_i64(&w, (int64_t)(p.bytes_before - p.bytes_after)), put_sep(&w, ',');
        put_i64(&w, p.collected), put_sep(&w, '\n');
        if (fwrite(w.buf, 1, w.len, f) != w.len) return -1;
    }
    return ferror(f) ? -1 : 0;
}

/* s as a JSON string's contents: quotes, backslashes and control bytes escaped. */
static void put_json_text(FILE *f, const char *s) {
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
}

int gc_recorder_write_trace_events(const gc_recorder *r, const char *title, FILE *f) {
    /* Times are microseconds on the heap's clock (ts, dur), with nanosecond digits. */
    fputs("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n", f);
    fputs("{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"args\":{\"name\":\"", f);
    put_json_text(f, title);
    fputs("\"}},\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":1,\"args\":{\"name\":\"pauses\"}}", f);
    if (r->pause_log && (fflush(r->pause_log) != 0 || fseek(r->pause_log, 0, SEEK_SET) != 0)) return -1;
    if (r->npauses && r->pause_log == NULL) return -1;
    gc_pause p;
    for (size_t i = 0; i < r->npauses; i++) {
        if (fread(&p, sizeof p, 1, r->pause_log) != 1) return -1;
        fputs(",\n{\"name\":\"", f);
        put_json_text(f, p.kind);
        fprintf(f,
                "\",\"cat\":\"pause\",\"ph\":\"X\",\"pid\":1,\"tid\":1,\"ts\":%llu.%03llu,\"dur\":%llu.%03llu,"
                "\"args\":{\"seq\":%llu,\"generation\":%lld,\"reason\":\"%s\",\"objects_before\":%llu,"
                "\"bytes_before\":%llu,\"objects_after\":%llu,\"bytes_after\":%llu,\"collected\":%lld}}",
                (unsigned long long)(p.start_ns / 1000), (unsigned long long)(p.start_ns % 1000),
                (unsigned long long)((p.end_ns - p.start_ns) / 1000), (unsigned long long)((p.end_ns - p.start_ns) % 1000),
                (unsigned long long)p.seq, (long long)p.generation, gc_reason_name(p.reason),
                (unsigned long long)p.objects_before, (unsigned long long)p.bytes_before,
                (unsigned long long)p.objects_after, (unsigned long long)p.bytes_after, (long long)p.collected);
    }
    for (size_t i = 0; i < r->nsamples; i++) {
        const gc_sample *s = &r->samples[i];
        unsigned long long us = (unsigned long long)(s->t_ns / 1000), frac = (unsigned long long)(s->t_ns % 1000);
        fprintf(f,
                ",\n{\"name\":\"heap\",\"ph\":\"C\",\"pid\":1,\"ts\":%llu.%03llu,\"args\":{\"heap_bytes\":%llu,"
                "\"block_bytes\":%llu}}"
                ",\n{\"name\":\"jemalloc\",\"ph\":\"C\",\"pid\":1,\"ts\":%llu.%03llu,\"args\":{\"allocated\":%llu,"
                "\"active\":%llu,\"resident\":%llu}}"
                ",\n{\"name\":\"rss\",\"ph\":\"C\",\"pid\":1,\"ts\":%llu.%03llu,\"args\":{\"rss\":%llu}}"
                ",\n{\"name\":\"objects_live\",\"ph\":\"C\",\"pid\":1,\"ts\":%llu.%03llu,\"args\":{\"objects\":%llu}}",
                us, frac, (unsigned long long)s->heap_bytes, (unsigned long long)s->block_bytes, us, frac,
                (unsigned long long)s->je_allocated, (unsigned long long)s->je_active,
                (unsigned long long)s->je_resident, us, frac, (unsigned long long)s->rss, us, frac,
                (unsigned long long)s->objects_live);
    }
    fputs("\n]}\n", f);
    return ferror(f) ? -1 : 0;
}

int gc_recorder_write_timeline(const gc_recorder *r, FILE *f) {
    fputs(GC_TIMELINE_CSV_HEADER "\n", f);
    for (size_t i = 0; i < r->nsamples; i++) {
        const gc_sample *s = &r->samples[i];
        const uint64_t v[] = {s->t_ns,       s->bytes_allocated, s->allocations,  s->objects_live, s->heap_bytes,
                              s->block_bytes, s->je_allocated,    s->je_active,    s->je_resident,  s->rss};
        row w = {.len = 0};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) put_u64(&w, v[k]), put_sep(&w, k + 1 < sizeof v / sizeof v[0] ? ',' : '\n');
        if (fwrite(w.buf, 1, w.len, f) != w.len) return -1;
    }
    return ferror(f) ? -1 : 0;
}
