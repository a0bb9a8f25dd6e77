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

const gc_workload *const gc_workloads[] = {
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
    for (size_t i = 0; gc_workloads[i]; i++)
        if (strcmp(gc_workloads[i]->name, name) == 0) return gc_workloads[i];
    return NULL;
}
