/* The metrics recorder (see metrics.h). Sampling reads jemalloc's statistics for the heap's own
 * arena and the process's resident set; the time it takes is counted as sampling_ns and kept out
 * of the mutator's time. */
#include "core/metrics.h"

#include <jemalloc/jemalloc.h>
#include <stdlib.h>
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
    if (r->oom) return;
    if (r->pause_log == NULL && (r->pause_log = tmpfile()) == NULL) {
        r->oom = true;
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
        r->oom = true;
        return;
    }
    r->spans[2 * r->npauses] = p->start_ns;
    r->spans[2 * r->npauses + 1] = p->end_ns;
    r->npauses++;
}

static uint64_t arena_stat(unsigned arena, const char *leaf) {
    char name[96];
    snprintf(name, sizeof name, "stats.arenas.%u.%s", arena, leaf);
    size_t v = 0, sz = sizeof v;
    if (mallctl(name, &v, &sz, NULL, 0) != 0) return 0;
    return v;
}

static uint64_t rss_bytes(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL) return 0;
    unsigned long size = 0, resident = 0;
    int n = fscanf(f, "%lu %lu", &size, &resident);
    fclose(f);
    return n == 2 ? (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

#define MAXF(field) \
    if (s.field > r->peak.field) r->peak.field = s.field

void gc_recorder_sample(gc_recorder *r, gc_heap *h) {
    uint64_t t0 = gc_now_ns();
    uint64_t epoch = 1;
    size_t sz = sizeof epoch;
    mallctl("epoch", &epoch, &sz, &epoch, sz); /* refresh jemalloc's statistics */
    gc_sample s = {
        .t_ns = t0 - h->t0_ns,
        .bytes_allocated = h->counts.bytes_allocated,
        .allocations = h->counts.allocs,
        .objects_live = h->objects_live,
        .heap_bytes = h->heap_bytes,
        .block_bytes = h->block_bytes,
        .je_allocated = arena_stat(h->arena, "small.allocated") + arena_stat(h->arena, "large.allocated"),
        .je_active = arena_stat(h->arena, "pactive") * (uint64_t)sysconf(_SC_PAGESIZE),
        .je_resident = arena_stat(h->arena, "resident"),
        .rss = rss_bytes(),
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
    free(r->spans);
    free(r->samples);
    *r = (gc_recorder){0};
}

static int close_checked(FILE *f) {
    int bad = ferror(f);
    return (fclose(f) != 0 || bad) ? -1 : 0;
}

int gc_recorder_write_events(const gc_recorder *r, const char *path) {
    FILE *f = fopen(path, "w");
    if (f == NULL) return -1;
    fprintf(f, "seq,kind,generation,reason,start_ns,end_ns,duration_ns,alloc_index,objects_before,bytes_before,"
               "objects_after,bytes_after,objects_freed,bytes_freed,collected\n");
    if (r->pause_log && (fflush(r->pause_log) != 0 || fseek(r->pause_log, 0, SEEK_SET) != 0)) {
        fclose(f);
        return -1;
    }
    gc_pause rec;
    for (size_t i = 0; i < r->npauses; i++) {
        if (fread(&rec, sizeof rec, 1, r->pause_log) != 1) {
            fclose(f);
            return -1;
        }
        const gc_pause *p = &rec;
        fprintf(f, "%llu,%s,%d,%s,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%lld,%lld,%lld\n", (unsigned long long)p->seq,
                p->kind, p->generation, gc_reason_name(p->reason), (unsigned long long)p->start_ns,
                (unsigned long long)p->end_ns, (unsigned long long)(p->end_ns - p->start_ns),
                (unsigned long long)p->alloc_index, (unsigned long long)p->objects_before,
                (unsigned long long)p->bytes_before, (unsigned long long)p->objects_after,
                (unsigned long long)p->bytes_after, (long long)(p->objects_before - p->objects_after),
                (long long)(p->bytes_before - p->bytes_after), (long long)p->collected);
    }
    return close_checked(f);
}

int gc_recorder_write_timeline(const gc_recorder *r, const char *path) {
    FILE *f = fopen(path, "w");
    if (f == NULL) return -1;
    fprintf(f, "t_ns,bytes_allocated,allocations,objects_live,heap_bytes,block_bytes,jemalloc_allocated,"
               "jemalloc_active,jemalloc_resident,rss\n");
    for (size_t i = 0; i < r->nsamples; i++) {
        const gc_sample *s = &r->samples[i];
        fprintf(f, "%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu\n", (unsigned long long)s->t_ns,
                (unsigned long long)s->bytes_allocated, (unsigned long long)s->allocations,
                (unsigned long long)s->objects_live, (unsigned long long)s->heap_bytes,
                (unsigned long long)s->block_bytes, (unsigned long long)s->je_allocated,
                (unsigned long long)s->je_active, (unsigned long long)s->je_resident, (unsigned long long)s->rss);
    }
    return close_checked(f);
}
