/* A gclab program with three more workloads for the fault tests, each a process-level event that
 * no real workload makes happen on demand:
 *   crash           kills its process with SIGABRT as soon as it starts (compare.sh: a crashed
 *                   cell is recorded as such and the other cells still run);
 *   hang            writes its process id to the FIFO named by `fifo`, then blocks for ever
 *                   (faults.sh: a killed compare leaves no cell behind; the experiment lock);
 *   self-interrupt  allocates, sends itself `signal` (SIGINT or SIGTERM), then keeps allocating:
 *                   the run must stop at its next safe point and write what it recorded
 *                   (faults.sh). Every cell is its own process, spawned from this same program. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "gclab/cli.h"
#include "gclab/mutator.h"

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
    .params = NULL,
    .test_params = "",
    .run = run_crash,
};

static const gc_param_desc hang_params[] = {
    {"fifo", GC_PARAM_TEXT, "", "", 0, 0, NULL, "FIFO to write the process id to before blocking"},
    GC_PARAM_END,
};

static int run_hang(gc_heap *h, const gc_params *p, gc_rng *rng) {
    (void)h, (void)rng;
    FILE *f = fopen(gc_param_text(p, "fifo"), "w");
    if (f == NULL) return -1;
    fprintf(f, "%ld\n", (long)getpid());
    fclose(f);
    for (;;) pause(); /* until killed */
}

static const gc_workload hang_workload = {
    .name = "hang",
    .summary = "reports its process id through a FIFO, then blocks until killed (a test of orphans and locks)",
    .params = hang_params,
    .test_params = "",
    .run = run_hang,
};

static const gc_param_desc self_interrupt_params[] = {
    {"signal", GC_PARAM_INT, "15", "signal", 1, 64, NULL, "the signal the workload sends itself"},
    GC_PARAM_END,
};

enum { SELF_INTERRUPT_BEFORE = 100000, SELF_INTERRUPT_AFTER = 10000000 }; /* allocations */

static int run_self_interrupt(gc_heap *h, const gc_params *p, gc_rng *rng) {
    (void)rng;
    uint32_t r = gc_frame_push(h, 1);
    for (int i = 0; i < SELF_INTERRUPT_BEFORE; i++) gc_new(h, r, 1, 16, 0);
    gc_collect(h, -1);
    raise((int)gc_param_int(p, "signal"));
    /* 10^7 allocations of 40 bytes: hundreds of safe points; if none stops the run, it ends
     * normally and the test fails on its exit code. */
    for (int i = 0; i < SELF_INTERRUPT_AFTER; i++) gc_new(h, r, 1, 16, 0);
    gc_frame_pop(h, r);
    return 0;
}

static const gc_workload self_interrupt_workload = {
    .name = "self-interrupt",
    .summary = "sends itself a signal half-way (a test of interrupted runs)",
    .params = self_interrupt_params,
    .test_params = "",
    .run = run_self_interrupt,
};

static const gc_workload *const extra_workloads[] = {&crash_workload, &hang_workload, &self_interrupt_workload, NULL};

int main(int argc, char **argv) { return gclab_main(argc, argv, NULL, extra_workloads); }
