/* The workloads gclab can run, by name: one file and one line each. */
#include <string.h>

#include "gclab/workload.h"

extern const gc_workload gc_workload_gcbench;
extern const gc_workload gc_workload_rings;
extern const gc_workload gc_workload_lists;
extern const gc_workload gc_workload_dlists;
extern const gc_workload gc_workload_lifetimes;
extern const gc_workload gc_workload_big_objects;
extern const gc_workload gc_workload_cache;
extern const gc_workload gc_workload_parent_trees;
extern const gc_workload gc_workload_graph;
extern const gc_workload gc_workload_cycle_mix;
extern const gc_workload gc_workload_long_build;
extern const gc_workload gc_workload_long_lived_death;
extern const gc_workload gc_workload_pyobjects;
extern const gc_workload gc_workload_heap_graph;

/* The specialised copies of the workloads (workloads/meson.build) export this table under
 * another name, gc_workloads_<class>, in the same order. */
#ifndef GC_WORKLOADS_ARRAY
#define GC_WORKLOADS_ARRAY gc_workloads
#endif
__attribute__((visibility("default"))) const gc_workload *const GC_WORKLOADS_ARRAY[] = {
    &gc_workload_gcbench,
    &gc_workload_rings,
    &gc_workload_lists,
    &gc_workload_dlists,
    &gc_workload_lifetimes,
    &gc_workload_big_objects,
    &gc_workload_cache,
    &gc_workload_parent_trees,
    &gc_workload_graph,
    &gc_workload_cycle_mix,
    &gc_workload_long_build,
    &gc_workload_long_lived_death,
    &gc_workload_pyobjects,
    &gc_workload_heap_graph,
    NULL,
};

const gc_workload *gc_workload_find(const char *name) {
    for (size_t i = 0; GC_WORKLOADS_ARRAY[i]; i++)
        if (strcmp(GC_WORKLOADS_ARRAY[i]->name, name) == 0) return GC_WORKLOADS_ARRAY[i];
    return NULL;
}
