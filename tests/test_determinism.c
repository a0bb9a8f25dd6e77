/* Determinism across collectors: every registered workload, with its test_params, run through
 * gc_run on every registered collector for two seeds. For one workload and seed the mutator's
 * operation counts and what is left reachable must be identical on every collector (workloads
 * draw only from the seeded gc_rng and act only through registers). Leaks: a collector that
 * reclaims cycles leaks nothing; reference counting leaks nothing on a workload that declares
 * itself acyclic. */
#include <inttypes.h>
#include <string.h>

#include "gclab/run.h"
#include "tests/support.h"

static const uint64_t seeds[] = {1, 0x5eed2};

static gc_run_result run_one(const gc_collector_ops *c, const gc_workload *w, uint64_t seed) {
    tst_note("determinism: workload %s on %s, seed %" PRIu64, w->name, c->name, seed);
    gc_run_config cfg = {.collector = c, .workload = w, .seed = seed, .poison = true, .verify = true};
    char err[256] = "";
    cr_assert(gc_params_init(&cfg.collector_params, c->params, err, sizeof err) == 0, "%s: %s", c->name, err);
    cr_assert(gc_params_init(&cfg.workload_params, w->params, err, sizeof err) == 0, "%s: %s", w->name, err);
    cr_assert(gc_params_apply_list(&cfg.workload_params, w->test_params, err, sizeof err) == 0,
              "%s: test_params '%s': %s", w->name, w->test_params, err);
    gc_run_result res;
    gc_run(&cfg, &res);
    cr_assert_eq(res.status, GC_OK, "workload %s on %s, seed %" PRIu64 ": %s", w->name, c->name, seed, res.message);
    return res;
}

static bool same_counts(const gc_mutator_counts *a, const gc_mutator_counts *b) {
    return a->allocs == b->allocs && a->sets == b->sets && a->gets == b->gets && a->copies == b->copies &&
           a->drops == b->drops && a->bytes_allocated == b->bytes_allocated;
}

TST_FOR_EACH_WORKLOAD(determinism, across_collectors) {
    const gc_workload *w = gc_workloads[*workload_index];
    for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++) {
        gc_run_result first = {0};
        const char *first_name = NULL;
        for (size_t i = 0; gc_collectors[i]; i++) {
            const gc_collector_ops *c = gc_collectors[i];
            gc_run_result r = run_one(c, w, seeds[s]);
            cr_expect(r.counts.allocs > 0, "workload %s allocated nothing", w->name);
            if (first_name == NULL) {
                first = r;
                first_name = c->name;
            } else {
                const gc_mutator_counts *a = &first.counts, *b = &r.counts;
                cr_expect(same_counts(a, b),
                          "workload %s, seed %" PRIu64 ": counts differ between %s and %s:\n"
                          "  allocs %" PRIu64 " / %" PRIu64 ", sets %" PRIu64 " / %" PRIu64 ", gets %" PRIu64
                          " / %" PRIu64 ", copies %" PRIu64 " / %" PRIu64 ", drops %" PRIu64 " / %" PRIu64
                          ", bytes %" PRIu64 " / %" PRIu64,
                          w->name, seeds[s], first_name, c->name, a->allocs, b->allocs, a->sets, b->sets, a->gets,
                          b->gets, a->copies, b->copies, a->drops, b->drops, a->bytes_allocated, b->bytes_allocated);
                cr_expect(first.live_objects == r.live_objects && first.live_bytes == r.live_bytes,
                          "workload %s, seed %" PRIu64 ": %s leaves %" PRIu64 " objects reachable, %s %" PRIu64,
                          w->name, seeds[s], first_name, first.live_objects, c->name, r.live_objects);
            }
            if (c->caps & GC_CAP_RECLAIMS_CYCLES)
                cr_expect(r.leaked_objects == 0, "workload %s on %s (reclaims cycles), seed %" PRIu64
                          ": %" PRIu64 " objects leaked", w->name, c->name, seeds[s], r.leaked_objects);
            if ((c->caps & GC_CAP_REFCOUNT) && !(c->caps & GC_CAP_DEFERS_RELEASE) && !w->cyclic)
                cr_expect(r.leaked_objects == 0 && r.garbage_objects == 0,
                          "acyclic workload %s on %s, seed %" PRIu64 ": %" PRIu64 " objects of garbage held, %" PRIu64
                          " leaked",
                          w->name, c->name, seeds[s], r.garbage_objects, r.leaked_objects);
        }
    }
    tst_expect_no_leaks();
}
