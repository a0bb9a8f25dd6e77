/* Incremental marking (core/incremental.c) and the incremental collector: each barrier keeps an
 * object alive that the mutator hides during a marking (loaded into a root, deleted from its
 * grey holder, stored into a black object); the invariant checks catch the same hiding done
 * without the barrier; and every workload runs under both barriers in verify mode, with tiny
 * increments, so that INC-2 is checked after every increment and INC-3 at the end of every cycle. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "gclab/mutator.h"
#include "gclab/tracer.h"
#include "gclab/workload.h"
#include "tests/support.h"

extern const gc_collector_ops gc_collector_incremental;

static gc_heap *inc_heap(const char *barrier) {
    char list[128];
    snprintf(list, sizeof list, "barrier=%s,min_heap=1G", barrier); /* no cycle starts by itself */
    return tst_heap_with(&gc_collector_incremental, list, true);
}

/* Registers r: A (2 slots) -> B (1 slot) -> C (8 raw bytes holding 77). A marking begins, and one
 * step blackens A and greys B. Then C is loaded into r+1, deleted from B, stored into A's slot 1,
 * and dropped from r+1: C is now reachable only from black A. `barrier`: through gc_set, else by
 * raw writes (what a broken collector's missing barrier would leave). */
static void hide_white_object(gc_heap *h, uint32_t r, bool barrier) {
    gc_new(h, r, 2, 0, 1);
    gc_new(h, r + 1, 1, 0, 2);
    gc_set(h, r, 0, r + 1);
    gc_new(h, r + 2, 0, 8, 3);
    uint32_t v = 77;
    memcpy(gc_raw(gc_reg(h, r + 2)), &v, sizeof v);
    gc_set(h, r + 1, 0, r + 2);
    gc_drop(h, r + 1);
    gc_drop(h, r + 2);

    gc_incremental_begin(h);
    gc_mark_step(h, 1); /* A: black; the edge to B: grey */
    gc_object *a = gc_reg(h, r), *b = gc_slots(a)[0];
    cr_assert(gc_is_marked(h, a) && !gc_is_marked(h, b), "one step should blacken A alone");
    gc_get(h, r + 1, r, 0); /* r+1 = B */
    gc_get(h, r + 2, r + 1, 0); /* r+2 = C */
    if (barrier) {
        gc_set(h, r + 1, 0, GC_NIL); /* B.0 = nil: SATB shades C */
        gc_set(h, r, 1, r + 2);      /* A.1 = C: insertion shades C */
    } else {
        gc_slots(b)[0] = NULL;
        gc_slots(a)[1] = gc_reg(h, r + 2);
    }
    gc_drop(h, r + 2);
    gc_drop(h, r + 1);
}

static void finish_marking(gc_heap *h) {
    gc_mark_step(h, UINT64_MAX);
    gc_mark_roots(h); /* the insertion barrier's remark (harmless under SATB) */
    gc_mark_step(h, UINT64_MAX);
    gc_sweep_lazily(h, gc_incremental_end(h));
}

static void barrier_keeps_hidden_object(const char *barrier) {
    gc_heap *h = inc_heap(barrier);
    uint32_t r = gc_frame_push(h, 3);
    hide_white_object(h, r, true);
    char msg[256] = "";
    cr_assert_eq(gc_incremental_verify(h, strcmp(barrier, "insertion") == 0, msg, sizeof msg), 0,
                 "%s: the invariant fails with the barrier on: %s", barrier, msg);
    cr_assert_gt(gc_heap_shaded(h), 0, "%s: the barrier shaded nothing", barrier);
    finish_marking(h);
    gc_object *c = gc_slots(gc_reg(h, r))[1];
    cr_assert_not_null(c);
    cr_assert(gc_is_marked(h, c), "%s: the hidden object was not marked", barrier);
    gc_sweep_finish(h); /* poison mode: a freed C would be overwritten now */
    uint32_t v;
    memcpy(&v, gc_raw(c), sizeof v);
    cr_assert_eq(v, 77, "%s: the hidden object was freed", barrier);
    tst_verify(h, "after the cycle");
    gc_heap_destroy(h);
}

Test(incremental, satb_keeps_an_object_hidden_during_marking) { barrier_keeps_hidden_object("satb"); }
Test(incremental, insertion_keeps_an_object_hidden_during_marking) { barrier_keeps_hidden_object("insertion"); }

static void invariant_catches_missing_barrier(const char *barrier) {
    gc_heap *h = inc_heap(barrier);
    uint32_t r = gc_frame_push(h, 3);
    hide_white_object(h, r, false);
    char msg[256] = "";
    cr_assert_neq(gc_incremental_verify(h, strcmp(barrier, "insertion") == 0, msg, sizeof msg), 0,
                  "%s: a black-to-white edge no grey object reaches passed the check", barrier);
    cr_assert(strstr(msg, "INC-2") != NULL, "the message names the invariant: %s", msg);
    gc_heap_destroy(h);
}

Test(incremental, satb_invariant_catches_a_missing_barrier) { invariant_catches_missing_barrier("satb"); }
Test(incremental, insertion_invariant_catches_a_missing_barrier) { invariant_catches_missing_barrier("insertion"); }

static const char *const kinds[] = {"mark-step", "sweep-step", "remark", "finish", "full"};
static void on_pause(void *ctx, gc_heap *h, const gc_pause *p) {
    (void)h;
    int *bad = ctx;
    bool known = false;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) known |= strcmp(p->kind, kinds[i]) == 0;
    if (!known) (*bad)++;
}

/* Every workload under both barriers, verify mode (INC-2 after every increment, INC-3 at every
 * cycle's end), tiny increments; only the documented pause kinds. */
TST_FOR_EACH_WORKLOAD(incremental_stress, every_workload_under_both_barriers_verified) {
    const gc_workload *w = gc_workloads[*workload_index];
    static const char *const lists[] = {"barrier=satb,pause_target=0.02,min_heap=0,growth=0.25",
                                        "barrier=insertion,pause_target=0.02,min_heap=0,growth=0.25"};
    for (size_t i = 0; i < 2; i++) {
        gc_run_config cfg = {.collector = &gc_collector_incremental, .workload = w, .seed = 5 + i, .poison = true,
                             .verify = true};
        tst_collector_params(&gc_collector_incremental, &cfg.collector_params, lists[i]);
        tst_workload_params(w, &cfg.workload_params, w->test_params);
        tst_note("workload %s on incremental (%s)", w->name, lists[i]);
        gc_run_result res;
        gc_error e = gc_run(&cfg, &res);
        cr_assert_eq(e, GC_OK, "%s on incremental (%s): %s", w->name, lists[i], res.message);
    }
}

Test(incremental, pauses_have_the_documented_kinds) {
    int bad = 0;
    static gc_params p;
    tst_collector_params(&gc_collector_incremental, &p, "min_heap=256K,barrier=insertion");
    gc_heap_config cfg = {.collector = &gc_collector_incremental, .collector_params = &p,
                          .listener = {.ctx = &bad, .pause_end = on_pause}};
    gc_heap *h = tst_heap_create(&cfg);
    uint32_t r = gc_frame_push(h, 2);
    for (uint32_t i = 0; i < 300000; i++) {
        gc_new(h, r + 1, 1, 16, 1);
        if (i % 8 == 0) {
            gc_set(h, r + 1, 0, r);
            gc_copy(h, r, r + 1);
        }
    }
    gc_collect(h, -1);
    cr_assert_eq(bad, 0, "a pause of an undocumented kind");
    tst_verify(h, "after the run");
    gc_heap_destroy(h);
}
