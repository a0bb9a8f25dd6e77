/* The metrics recorder: a gc_listener that keeps every pause and timeline sample and writes them
 * as events.csv, timeline.csv and summary.json (docs/metrics.md defines each column).
 *
 * Its own memory shows in the process's RSS, which gclab reports as footprint, so it keeps little:
 * each pause's full record goes to an anonymous temporary file (buffered binary writes, a few tens
 * of nanoseconds), and only its start and end (16 bytes) stay in memory for the percentiles and
 * the MMU. A run of rc on GCBench records 90,000 pauses: 1.4 MiB in memory instead of 9. */
#ifndef GCLAB_CORE_METRICS_H
#define GCLAB_CORE_METRICS_H

#include <stdio.h>

#include "gclab/run.h"

typedef struct gc_sample {
    uint64_t t_ns, bytes_allocated, allocations, objects_live, heap_bytes, block_bytes;
    uint64_t je_allocated, je_active, je_resident, rss;
} gc_sample;

typedef struct gc_recorder {
    FILE *pause_log;  /* every gc_pause, binary, in order (tmpfile; read back in this process) */
    uint64_t *spans;  /* spans[2i], spans[2i+1]: start and end of pause i */
    size_t npauses, spans_cap;
    gc_sample *samples;
    size_t nsamples, samples_cap;
    uint64_t sampling_ns;
    bool oom;
    int log_errno; /* why pause_log could not be written (a full disk), 0 if it could */
    gc_sample peak; /* field-wise maxima over all samples */
    /* Prepared at the first sample, so that a sample costs a few system calls' worth of time
     * rather than a file opening and four name lookups (25 us -> see metrics.c): */
    bool sampler_ready;
    int statm_fd;          /* /proc/self/statm, kept open; -1 if it cannot be read */
    size_t epoch_mib[1], epoch_len;
    size_t stat_mib[4][6]; /* small.allocated, large.allocated, pactive, resident of the arena */
    size_t stat_len[4];
    /* jemalloc's figures of the heap's arena at the last refresh, and the heap's arena_calls then: they
     * change only when the heap allocates or frees on that arena (no background purging thread
     * runs by default), so a sample with no such call since reuses them without the refresh. */
    bool je_valid;
    uint64_t je_calls, je_allocated, je_active, je_resident;
} gc_recorder;

/* The results files' headers (docs/metrics.md) and the kind of each column, which merge checks
 * every cell against (cli/results.c): 'u' a whole number >= 0, 'i' a whole number, 'w' a word,
 * 'f' a number in [0, 1]. One place for both, so that a new column cannot be written without
 * being checked. */
#define GC_EVENTS_CSV_HEADER                                                                                  \
    "seq,kind,generation,reason,start_ns,end_ns,duration_ns,alloc_index,objects_before,bytes_before,objects_after," \
    "bytes_after,objects_freed,bytes_freed,collected"
#define GC_EVENTS_CSV_KINDS "uwiwuuuuuuuuiii"
#define GC_TIMELINE_CSV_HEADER                                                                               \
    "t_ns,bytes_allocated,allocations,objects_live,heap_bytes,block_bytes,jemalloc_allocated,jemalloc_active," \
    "jemalloc_resident,rss"
#define GC_TIMELINE_CSV_KINDS "uuuuuuuuuu"
#define GC_MMU_CSV_HEADER "window_ns,mmu"
#define GC_MMU_CSV_KINDS "uf"

gc_listener gc_recorder_listener(gc_recorder *r);
/* The run as Chrome trace events (JSON, which the Perfetto UI and chrome://tracing open): one
 * complete event per pause, counters from the timeline's samples (docs/metrics.md). `title`
 * names the process in the viewer. 0, or -1 with errno set on a write error. */
int gc_recorder_write_trace_events(const gc_recorder *r, const char *title, FILE *f);
void gc_recorder_sample(gc_recorder *r, gc_heap *h); /* take one sample now */
void gc_recorder_free(gc_recorder *r);
/* The CSV files, to f (core/outfile.h checks and closes it). 0, or -1 on a read or write error
 * (errno says which). */
int gc_recorder_write_events(const gc_recorder *r, FILE *f);
int gc_recorder_write_timeline(const gc_recorder *r, FILE *f);

#endif
