/* The generational collector (collectors/gen.c) and the core's logging barrier and promotion
 * (core/remset.c, core/promote.c): a young object reachable only through an old one survives a
 * minor collection because the barrier logged the old one; ages and promotion follow the `age`
 * parameter; an old object still referring to a survivor is logged again; verify catches a store
 * that bypassed the barrier; pauses carry their kind and generation; and every workload runs
 * through gen with promotion ages 0 and 2 and a tiny nursery, verified. */
#include <criterion/criterion.h>
#include <string.h>

#include "gclab/mutator.h"
#include "gclab/workload.h"
#include "tests/support.h"

extern const gc_collector_ops gc_collector_gen;

static gc_heap *gen_heap(const char *list) { return tst_heap_with(&gc_collector_gen, list, false); }

static void put_u32(gc_heap *h, uint32_t r, uint32_t v) { memcpy(gc_raw(gc_reg(h, r)), &v, sizeof v); }
static uint32_t get_u32(gc_object *o) {
    uint32_t v;
    memcpy(&v, gc_raw(o), sizeof v);
    return v;
}

Test(gen, a_young_object_held_only_by_an_old_one_survives_through_the_barrier) {
    gc_heap *h = gen_heap("age=0");
    uint32_t r = gc_frame_push(h, 2);
    gc_new(h, r, 1, 0, 1);
    gc_collect(h, 0); /* promoted at its first survival */
    gc_object *old = gc_reg(h, r);
    cr_assert_eq(gc_space_of(old), gc_heap_sizeclass_space(h), "age=0 promotes at the first minor collection");
    cr_assert(gc_is_unlogged(old), "a promoted object is armed");
    cr_assert_eq(gc_remset_size(h), 0);

    gc_new(h, r + 1, 0, 8, 2);
    put_u32(h, r + 1, 4242);
    gc_set(h, r, 0, r + 1); /* old -> young */
    cr_assert(!gc_is_unlogged(old), "the store logged the old object");
    cr_assert_eq(gc_remset_size(h), 1);
    cr_assert_eq(gc_remset_objects(h)[0], old);
    gc_set(h, r, 0, r + 1); /* a second store: no second entry */
    cr_assert_eq(gc_remset_size(h), 1, "an object is logged once between collections (REMSET-1)");
    gc_drop(h, r + 1);
    tst_verify(h, "with a logged old object");

    gc_collect(h, 0);
    gc_object *young = gc_slots(gc_reg(h, r))[0];
    cr_assert_not_null(young, "the slot was cleared");
    cr_assert_eq(get_u32(young), 4242, "the young object held only by the old one was lost or corrupted");
    cr_assert_eq(gc_space_of(young), gc_heap_sizeclass_space(h), "promoted too");
    cr_assert(gc_is_unlogged(gc_reg(h, r)), "re-armed: it refers to nothing young any more");
    cr_assert_eq(gc_remset_size(h), 0);
    tst_verify(h, "after the minor collection");
    gc_heap_destroy(h);
}

Test(gen, ages_count_minor_collections_before_promotion) {
    gc_heap *h = gen_heap("age=2");
    uint32_t r = gc_frame_push(h, 1);
    gc_new(h, r, 0, 8, 1);
    put_u32(h, r, 7);
    gc_space *nursery = gc_space_of(gc_reg(h, r));
    for (int minor = 1; minor <= 2; minor++) {
        gc_collect(h, 0);
        gc_space *s = gc_space_of(gc_reg(h, r));
        cr_assert(s != nursery && s->kind == GC_SPACE_COPY, "after minor %d it is in a survivor space", minor);
        cr_assert_eq(gc_reg(h, r)->cflags & 0x0f, (unsigned)minor, "its age after minor %d", minor);
        tst_verify(h, "between minor collections");
    }
    gc_collect(h, 0);
    cr_assert_eq(gc_space_of(gc_reg(h, r)), gc_heap_sizeclass_space(h), "promoted at its third survival with age=2");
    cr_assert_eq(get_u32(gc_reg(h, r)), 7);
    tst_verify(h, "after promotion");
    gc_heap_destroy(h);
}

Test(gen, an_old_object_referring_to_a_survivor_is_logged_again) {
    gc_heap *h = gen_heap("age=1");
    uint32_t r = gc_frame_push(h, 2);
    gc_new(h, r, 1, 0, 1);
    gc_collect(h, 1); /* a major collection promotes everything */
    cr_assert_eq(gc_space_of(gc_reg(h, r)), gc_heap_sizeclass_space(h));
    gc_new(h, r + 1, 0, 8, 2);
    put_u32(h, r + 1, 99);
    gc_set(h, r, 0, r + 1);
    gc_drop(h, r + 1);
    gc_collect(h, 0); /* the young object moves to a survivor space: still young */
    gc_object *young = gc_slots(gc_reg(h, r))[0];
    cr_assert(gc_space_of(young)->kind == GC_SPACE_COPY, "age=1 keeps it young for one minor collection");
    cr_assert_eq(gc_remset_size(h), 1, "the old object still refers to a young one: it must stay remembered");
    tst_verify(h, "old -> survivor");
    gc_collect(h, 0);
    young = gc_slots(gc_reg(h, r))[0];
    cr_assert_eq(gc_space_of(young), gc_heap_sizeclass_space(h));
    cr_assert_eq(get_u32(young), 99);
    cr_assert_eq(gc_remset_size(h), 0);
    tst_verify(h, "after its promotion");
    gc_heap_destroy(h);
}

Test(gen, verify_catches_a_store_that_bypassed_the_barrier) {
    gc_heap *h = gen_heap("age=0");
    uint32_t r = gc_frame_push(h, 2);
    gc_new(h, r, 1, 0, 1);
    gc_collect(h, 0);
    gc_new(h, r + 1, 0, 0, 2);
    gc_slots(gc_reg(h, r))[0] = gc_reg(h, r + 1); /* no barrier: a broken collector's or mutator's store */
    char msg[256] = "";
    cr_assert_neq(gc_verify(h, msg, sizeof msg), 0, "an unremembered old-to-young reference passed verify");
    cr_assert(strstr(msg, "GEN-1") != NULL, "the message names the invariant: %s", msg);
    gc_heap_destroy(h);
}

struct kinds {
    int minors, majors, other;
};

static void on_pause(void *ctx, gc_heap *h, const gc_pause *p) {
    (void)h;
    struct kinds *k = ctx;
    if (strcmp(p->kind, "minor") == 0 && p->generation == 0) k->minors++;
    else if (strcmp(p->kind, "major") == 0 && p->generation == 1) k->majors++;
    else k->other++;
}

Test(gen, pauses_are_minor_in_generation_0_and_major_in_generation_1) {
    struct kinds k = {0};
    static gc_params p;
    tst_collector_params(&gc_collector_gen, &p, "nursery=256K,min_heap=1M");
    gc_heap_config cfg = {.collector = &gc_collector_gen, .collector_params = &p,
                          .listener = {.ctx = &k, .pause_end = on_pause}};
    gc_heap *h = tst_heap_create(&cfg);
    uint32_t r = gc_frame_push(h, 3);
    /* a growing list (promoted, so the old generation grows past min_heap) amid garbage */
    for (uint32_t i = 0; i < 200000; i++) {
        gc_new(h, r + 1, 1, 16, 1);
        if (i % 4 == 0) {
            gc_set(h, r + 1, 0, r);
            gc_copy(h, r, r + 1);
        }
    }
    cr_assert_eq(k.other, 0, "a pause of another kind or generation");
    cr_assert_gt(k.minors, 10, "minor collections: %d", k.minors);
    cr_assert_gt(k.majors, 0, "the old generation's growth started no major collection");
    tst_verify(h, "after the list");
    gc_heap_destroy(h);
}

/* Every workload, verified, with a tiny nursery and promotion at the first survival and at the
 * third: generations are crossed constantly (the conformance suite runs age=0 too). */
TST_FOR_EACH_WORKLOAD(gen_stress, every_workload_with_ages_0_and_2) {
    const gc_workload *w = gc_workloads[*workload_index];
    static const char *const lists[] = {"nursery=64K,age=0,min_heap=0,growth=0.25", "nursery=64K,age=2,min_heap=0,growth=0.25"};
    for (size_t i = 0; i < 2; i++) {
        gc_run_config cfg = {.collector = &gc_collector_gen, .workload = w, .seed = 11 + i, .poison = true, .verify = true};
        tst_collector_params(&gc_collector_gen, &cfg.collector_params, lists[i]);
        tst_workload_params(w, &cfg.workload_params, w->test_params);
        tst_note("workload %s on gen (%s)", w->name, lists[i]);
        gc_run_result res;
        gc_error e = gc_run(&cfg, &res);
        cr_assert_eq(e, GC_OK, "%s on gen (%s): %s", w->name, lists[i], res.message);
    }
}
