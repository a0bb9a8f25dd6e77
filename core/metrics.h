/* The metrics recorder: a gc_listener that keeps every pause and timeline sample in memory and
 * writes them as events.csv, timeline.csv and summary.json (docs/metrics.md defines each column). */
#ifndef GCLAB_CORE_METRICS_H
#define GCLAB_CORE_METRICS_H

#include <stdio.h>

#include "gclab/run.h"

typedef struct gc_sample {
    uint64_t t_ns, bytes_allocated, allocations, objects_live, heap_bytes, block_bytes;
    uint64_t je_allocated, je_active, je_resident, rss;
} gc_sample;

typedef struct gc_recorder {
    gc_pause *pauses;
    size_t npauses, pauses_cap;
    gc_sample *samples;
    size_t nsamples, samples_cap;
    uint64_t sampling_ns;
    bool oom;
    gc_sample peak; /* field-wise maxima over all samples */
} gc_recorder;

gc_listener gc_recorder_listener(gc_recorder *r);
void gc_recorder_sample(gc_recorder *r, gc_heap *h); /* take one sample now */
void gc_recorder_free(gc_recorder *r);
int gc_recorder_write_events(const gc_recorder *r, const char *path);
int gc_recorder_write_timeline(const gc_recorder *r, const char *path);

#endif
