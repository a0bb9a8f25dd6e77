/* A gclab program with one more workload, `crash`, that kills its process with SIGABRT as soon as
 * it starts: the compare tests use it to check that a crashed cell is recorded as such and the
 * other cells still run (every cell is its own process, spawned from this same program). */
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "gclab/cli.h"

static int run_crash(gc_heap *h, const gc_params *p, gc_rng *rng) {
    (void)h, (void)p, (void)rng;
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core); /* a crash on purpose needs no core file */
    signal(SIGABRT, SIG_DFL);
    abort();
}

static const gc_workload crash_workload = {
    .name = "crash",
    .summary = "aborts at once (a test of crashed experiment cells)",
    .cyclic = false,
    .params = NULL,
    .test_params = "",
    .run = run_crash,
};

static const gc_workload *const extra_workloads[] = {&crash_workload, NULL};

int main(int argc, char **argv) { return gclab_main(argc, argv, NULL, extra_workloads); }
