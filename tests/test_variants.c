/* The specialised copies of the built-in workloads (workloads/variants.c, workloads/meson.build):
 * which heaps get one, and that a copy makes exactly the operations of the general build. Each
 * workload runs twice on fresh heaps of the same collector, once through its general build and
 * once through the copy gc_workload_specialise picks; operation counts, what is left, the heap's
 * bytes and the number of pauses must be identical. */
#include <inttypes.h>
#include <string.h>

#include "core/internal.h"
#include "gclab/run.h"
#include "tests/support.h"


typedef struct outcome {
    gc_mutator_counts counts;
    uint64_t objects_live, heap_bytes, pauses;
} outcome;

/* Run w (or its copy for this heap, if `specialised`) with its test_params and seed 7. */
static outcome run_on(const gc_collector_ops *c, const gc_workload *w, bool specialised) {
    tst_note("variants: workload %s on %s, %s build", w->name, c->name, specialised ? "specialised" : "general");
    gc_heap *h = tst_heap_new(c, false);
    const gc_workload *run = specialised ? gc_workload_specialise(w, h) : w;
    if (specialised) cr_assert_neq(run, w, "no specialised copy of %s for %s", w->name, c->name);
    gc_params p;
    tst_workload_params(w, &p, w->test_params);
    gc_rng rng;
    gc_rng_seed(&rng, 7);
    int rc = run->run(h, &p, &rng);
    cr_assert_eq(rc, 0, "%s on %s: %s", w->name, c->name, gc_core(h)->error_msg);
    outcome o = {h->counts, h->objects_live, h->heap_bytes, gc_core(h)->pause_seq};
    gc_heap_destroy(h);
    return o;
}

TST_FOR_EACH_WORKLOAD(variants, same_operations) {
    const gc_workload *w = gc_workloads[*workload_index];
    const char *collectors[] = {"marksweep", "rc", "semispace", "nogc"}; /* plain, counted, bumped (twice) */
    for (size_t i = 0; i < sizeof collectors / sizeof collectors[0]; i++) {
        const gc_collector_ops *c = tst_collector(collectors[i]);
        outcome g = run_on(c, w, false), s = run_on(c, w, true);
        cr_expect(memcmp(&g.counts, &s.counts, sizeof g.counts) == 0, "%s on %s: operation counts differ", w->name,
                  c->name);
        cr_expect(g.objects_live == s.objects_live && g.heap_bytes == s.heap_bytes,
                  "%s on %s: %" PRIu64 " / %" PRIu64 " objects live, %" PRIu64 " / %" PRIu64 " bytes", w->name,
                  c->name, g.objects_live, s.objects_live, g.heap_bytes, s.heap_bytes);
        cr_expect_eq(g.pauses, s.pauses, "%s on %s: %" PRIu64 " / %" PRIu64 " pauses", w->name, c->name, g.pauses,
                     s.pauses);
    }
    tst_expect_no_leaks();
}

/* Heaps that a copy would not serve correctly run the general build. */
static char mine_marker; /* stands for a trace writer: only its being non-NULL is read */
Test(variants, general_build_where_no_copy_applies) {
    const gc_workload *w = gc_workload_find("gcbench");
    cr_assert_not_null(w);
    for (size_t i = 0; gc_collectors[i]; i++) {
        const gc_collector_ops *c = gc_collectors[i];
        gc_heap *h = tst_heap_new(c, true); /* poison mode: checks the inline path skips in copies */
        cr_expect_eq(gc_workload_specialise(w, h), w, "%s with --poison got a specialised copy", c->name);
        gc_heap_destroy(h);
        h = tst_heap_new(c, false);
        bool hooked = c->before_alloc || c->after_alloc || c->prefix;
        bool plain_or_counted = c->barrier == 0 || c->barrier == GC_BARRIER_RC;
        if (hooked || !plain_or_counted)
            cr_expect_eq(gc_workload_specialise(w, h), w, "%s (hooks, a prefix or another barrier) got a copy",
                         c->name);
        else
            cr_expect_neq(gc_workload_specialise(w, h), w, "%s has no specialised copy", c->name);
        /* a heap recording a trace: the copies are compiled to record nothing */
        h->recorder = (struct gc_trace_writer *)&mine_marker;
        cr_expect_eq(gc_workload_specialise(w, h), w, "%s while recording a trace got a specialised copy", c->name);
        h->recorder = NULL;
        /* a program's own workload, even with a built-in's name, keeps its own code */
        gc_workload mine = *w;
        cr_expect_eq(gc_workload_specialise(&mine, h), &mine, "%s: a program's workload was replaced", c->name);
        gc_heap_destroy(h);
    }
}
