/* The workloads gclab can run, by name: one file and one line each. */
#include <string.h>

#include "gclab/workload.h"

extern const gc_workload gc_workload_gcbench;
extern const gc_workload gc_workload_rings;

const gc_workload *const gc_workloads[] = {
    &gc_workload_gcbench,
    &gc_workload_rings,
    NULL,
};

const gc_workload *gc_workload_find(const char *name) {
    for (size_t i = 0; gc_workloads[i]; i++)
        if (strcmp(gc_workloads[i]->name, name) == 0) return gc_workloads[i];
    return NULL;
}
