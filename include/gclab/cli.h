/* The `gclab` command line as a library call, so that a researcher's own program can offer the
 * same commands with its own collectors and workloads added (docs/extending.md). */
#ifndef GCLAB_CLI_H
#define GCLAB_CLI_H

#include "gclab/collector.h"
#include "gclab/workload.h"

/* `extra_collectors` and `extra_workloads` are NULL-terminated lists (or NULL), searched after the
 * built-in registries. Returns the process exit code. */
int gclab_main(int argc, char **argv, const gc_collector_ops *const *extra_collectors,
               const gc_workload *const *extra_workloads);

#endif
