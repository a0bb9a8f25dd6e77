/* Reading heap snapshots (docs/snapshot-format.md), the object graphs of real programs that
 * tools/pyheap-snapshot.py writes and the heap-graph workload rebuilds.
 *
 * The reader streams: it holds one buffer of WL_SNAPSHOT_BUFFER bytes whatever the length of a
 * line, and the arrays below, sized once from the file's `counts` line. Any departure from the
 * format is an error whose one-line message names the file and the line. */
#ifndef GCLAB_WORKLOADS_SNAPSHOT_H
#define GCLAB_WORKLOADS_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "gclab/heap.h"
#include "gclab/params.h"
#include "gclab/rng.h"

#define WL_SNAPSHOT_FORMAT "gclab-pyheap-snapshot"
#define WL_SNAPSHOT_VERSION 1
#define WL_SNAPSHOT_BUFFER 16384
#define WL_SNAPSHOT_MAX_SIZE ((uint64_t)1 << 30)     /* bytes in one object */
#define WL_SNAPSHOT_MAX_REFS ((uint64_t)1 << 27)     /* referents of one object */
#define WL_SNAPSHOT_MAX_OBJECTS ((uint64_t)1 << 31)

/* The graph. Object ids are 0 .. nobjects-1, in file order. */
typedef struct wl_snapshot {
    uint32_t nobjects, nroots, ntypes;
    uint64_t nedges;
    uint32_t *size;   /* bytes of object i, as the file gives them */
    uint32_t *type;   /* index into the type table */
    uint8_t *is_root;
    uint64_t *first;  /* nobjects + 1 entries: object i's referents are target[first[i] .. first[i+1]) */
    uint32_t *target; /* nedges object ids, in each object's referent order */
} wl_snapshot;

/* Read the file at `path` into *s. The arrays are gc_heap_scratch() memory of h (freed with the
 * heap), allocated while the file is closed, so that nothing leaks if an allocation fails through
 * the heap's fatal handler. Returns 0, or -1 with a one-line message in err ("snapshot PATH line
 * N: ..."); if memory ran out, gc_heap_error(h) is GC_ERR_NOMEM as well. */
int wl_snapshot_read(gc_heap *h, const char *path, wl_snapshot *s, char *err, size_t errlen);
/* The same from the `len` bytes at `data` (the fuzz target's way in: no file); `name` names the
 * snapshot in messages. */
int wl_snapshot_read_memory(gc_heap *h, const char *name, const void *data, size_t len, wl_snapshot *s, char *err,
                            size_t errlen);
/* The heap-graph workload (workloads/heap_graph.c) on the snapshot in memory instead of a file,
 * with heap-graph's parameters `p` (its `snapshot` and `path` are ignored): what a run does after
 * reading the file. Returns as the workload's run does. */
int wl_heap_graph_run_memory(gc_heap *h, const void *data, size_t len, const gc_params *p, gc_rng *rng);

#endif
