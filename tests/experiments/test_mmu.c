/* Minimum mutator utilisation (core/mmu.c): MMU(w) is the least, over every window [t, t+w] inside
 * the run, of the fraction of the window not covered by pauses (Cheng & Blelloch 2001).
 *
 * The small cases below are worked out by hand (the comments show how). The random cases check the
 * exact computation against a brute force that slides the window in steps: every sampled window's
 * utilisation is an upper bound of the minimum, and with integer pause ends and window lengths
 * the pause time in a window is piecewise linear with integer breakpoints, so a step of 1 ns
 * finds the minimum exactly. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "gclab/mmu.h"
#include "gclab/rng.h"

#define EPS 1e-12

static gc_pause span(uint64_t start, uint64_t end) {
    return (gc_pause){.start_ns = start, .end_ns = end, .generation = -1, .kind = "full", .collected = -1};
}

static double mmu(const gc_pause *p, size_t n, uint64_t begin, uint64_t finish, uint64_t w) {
    return gc_mmu_at(p, n, begin, finish, w);
}

/* ---------- by hand ---------- */

/* Run [0, 100], one pause [10, 20]. A window no longer than the pause can sit inside it: 0. A
 * longer one can hold the whole pause: 1 - 10/w. The whole run: 1 - 10/100. */
Test(mmu_by_hand, one_pause) {
    gc_pause p[] = {span(10, 20)};
    cr_expect_float_eq(mmu(p, 1, 0, 100, 5), 0.0, EPS);
    cr_expect_float_eq(mmu(p, 1, 0, 100, 10), 0.0, EPS);
    cr_expect_float_eq(mmu(p, 1, 0, 100, 20), 0.5, EPS);
    cr_expect_float_eq(mmu(p, 1, 0, 100, 40), 0.75, EPS);
    cr_expect_float_eq(mmu(p, 1, 0, 100, 50), 0.8, EPS);
    cr_expect_float_eq(mmu(p, 1, 0, 100, 100), 0.9, EPS);
    /* a window longer than the run is the run */
    cr_expect_float_eq(mmu(p, 1, 0, 100, 1000), 0.9, EPS);
}

/* Run [0, 100], pauses [10, 20] and [30, 40] (10 each, a gap of 10).
 * w = 20: any 20-long window meets at most 10 of pause ([10,30], [15,35], [20,40] all hold 10): 0.5.
 * w = 25: [10,35] holds 10 + 5 = 15: 1 - 15/25 = 0.4 (sliding trades one pause's share for the other's).
 * w = 30: [10,40] holds both: 1 - 20/30 = 1/3.
 * w = 40: still both: 1 - 20/40 = 0.5. w = 100: 1 - 20/100 = 0.8. */
Test(mmu_by_hand, two_pauses) {
    gc_pause p[] = {span(10, 20), span(30, 40)};
    cr_expect_float_eq(mmu(p, 2, 0, 100, 10), 0.0, EPS);
    cr_expect_float_eq(mmu(p, 2, 0, 100, 20), 0.5, EPS);
    cr_expect_float_eq(mmu(p, 2, 0, 100, 25), 0.4, EPS);
    cr_expect_float_eq(mmu(p, 2, 0, 100, 30), 1.0 / 3.0, EPS);
    cr_expect_float_eq(mmu(p, 2, 0, 100, 40), 0.5, EPS);
    cr_expect_float_eq(mmu(p, 2, 0, 100, 100), 0.8, EPS);
}

/* The pause log need not be sorted. */
Test(mmu_by_hand, unsorted_log) {
    gc_pause p[] = {span(30, 40), span(10, 20)};
    cr_expect_float_eq(mmu(p, 2, 0, 100, 30), 1.0 / 3.0, EPS);
}

/* Run [100, 200]. Pauses [90, 110] and [190, 210] stick out of the run and count only inside it
 * ([100, 110], [190, 200]); [10, 20] is wholly before it and does not count.
 * w = 10: [100, 110] is all pause: 0. w = 20: at most 10 of pause in any window (the two are 80
 * apart): 0.5. w = 50: [100, 150] holds 10: 0.8. w = 100 (the run): 1 - 20/100 = 0.8. */
Test(mmu_by_hand, pauses_clipped_at_the_run_edges) {
    gc_pause p[] = {span(10, 20), span(90, 110), span(190, 210)};
    cr_expect_float_eq(mmu(p, 3, 100, 200, 10), 0.0, EPS);
    cr_expect_float_eq(mmu(p, 3, 100, 200, 20), 0.5, EPS);
    cr_expect_float_eq(mmu(p, 3, 100, 200, 50), 0.8, EPS);
    cr_expect_float_eq(mmu(p, 3, 100, 200, 100), 0.8, EPS);
    cr_expect_float_eq(mmu(p, 3, 100, 200, 500), 0.8, EPS);
}

/* A pause at the very start and one at the very end: the worst 30-long window is at either edge,
 * [0, 30] holding 20: 1/3. Every 90-long window, [t, t+90] for t in [0, 10], leaves out exactly
 * 10 of the 40 of pause: 1 - 30/90 = 2/3. The run: 1 - 40/100. */
Test(mmu_by_hand, pauses_at_both_edges) {
    gc_pause p[] = {span(0, 20), span(80, 100)};
    cr_expect_float_eq(mmu(p, 2, 0, 100, 30), 1.0 / 3.0, EPS);
    cr_expect_float_eq(mmu(p, 2, 0, 100, 90), 2.0 / 3.0, EPS);
    cr_expect_float_eq(mmu(p, 2, 0, 100, 100), 0.6, EPS);
}

Test(mmu_by_hand, no_pause_is_one) {
    cr_expect_float_eq(mmu(NULL, 0, 0, 100, 1), 1.0, EPS);
    cr_expect_float_eq(mmu(NULL, 0, 0, 100, 100), 1.0, EPS);
    gc_pause outside[] = {span(200, 300)};
    cr_expect_float_eq(mmu(outside, 1, 0, 100, 50), 1.0, EPS);
}

Test(mmu_by_hand, run_all_pause_is_zero) {
    gc_pause p[] = {span(0, 100)};
    cr_expect_float_eq(mmu(p, 1, 0, 100, 1), 0.0, EPS);
    cr_expect_float_eq(mmu(p, 1, 0, 100, 100), 0.0, EPS);
}

/* The curve: windows ascending and distinct, from the shortest pause (clipped) to the whole run,
 * each point equal to gc_mmu_at there. */
Test(mmu_by_hand, curve_spans_shortest_pause_to_run) {
    /* inside [100, 200]: 4, 30, 10 and 3 ns of pause; the shortest two only once clipped */
    gc_pause p[] = {span(90, 104), span(130, 160), span(170, 180), span(197, 260)};
    uint64_t windows[50];
    double m[50];
    size_t n = 0;
    cr_assert_eq(gc_mmu_curve(p, 4, 100, 200, 50, windows, m, &n), 0);
    cr_assert(n >= 2 && n <= 50);
    cr_expect_eq(windows[0], 3);
    cr_expect_eq(windows[n - 1], 100);
    cr_expect_float_eq(m[n - 1], 1.0 - 47.0 / 100.0, EPS);
    for (size_t i = 0; i < n; i++) {
        if (i) cr_expect_gt(windows[i], windows[i - 1]);
        cr_expect_float_eq(m[i], mmu(p, 4, 100, 200, windows[i]), EPS);
        cr_expect(m[i] >= 0 && m[i] <= 1);
    }
    /* a 3-ns window fits inside the 30-ns pause */
    cr_expect_float_eq(m[0], 0.0, EPS);
}

Test(mmu_by_hand, curve_without_pauses_is_one_point) {
    uint64_t windows[10];
    double m[10];
    size_t n = 99;
    cr_assert_eq(gc_mmu_curve(NULL, 0, 0, 1000, 10, windows, m, &n), 0);
    cr_assert_eq(n, 1);
    cr_expect_eq(windows[0], 1000);
    cr_expect_float_eq(m[0], 1.0, EPS);
}

/* ---------- against a brute force ---------- */

/* Pause time inside [t, t + w], pause by pause. */
static uint64_t busy_brute(const gc_pause *p, size_t n, uint64_t begin, uint64_t finish, uint64_t t, uint64_t w) {
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t s = p[i].start_ns > t ? p[i].start_ns : t;
        uint64_t e = p[i].end_ns < t + w ? p[i].end_ns : t + w;
        if (s < begin) s = begin;
        if (e > finish) e = finish;
        if (e > s) sum += e - s;
    }
    return sum;
}

static double util(const gc_pause *p, size_t n, uint64_t begin, uint64_t finish, uint64_t t, uint64_t w) {
    return 1.0 - (double)busy_brute(p, n, begin, finish, t, w) / (double)w;
}

/* The least utilisation over windows starting at begin, begin + step, ..., and at the last start. */
static double slide(const gc_pause *p, size_t n, uint64_t begin, uint64_t finish, uint64_t w, uint64_t step) {
    uint64_t last = finish - w;
    double least = util(p, n, begin, finish, last, w);
    for (uint64_t t = begin; t <= last; t += step) {
        double u = util(p, n, begin, finish, t, w);
        if (u < least) least = u;
    }
    return least;
}

/* Random non-overlapping pauses (some touching, some sticking out of the run) in [begin - 40,
 * finish + 40]. */
static size_t random_log(gc_rng *r, gc_pause *p, size_t max, uint64_t begin, uint64_t finish) {
    size_t n = 0;
    uint64_t t = begin - 40 + gc_rng_below(r, 60);
    while (n < max && t < finish + 40) {
        uint64_t len = 1 + gc_rng_below(r, gc_rng_below(r, 4) == 0 ? 200 : 25);
        p[n++] = span(t, t + len);
        t += len + (gc_rng_below(r, 5) == 0 ? 0 : gc_rng_below(r, 300));
    }
    return n;
}

Test(mmu_brute_force, sliding_windows_bound_and_converge) {
    gc_rng r;
    gc_rng_seed(&r, 2001);
    const uint64_t begin = 1000, finish = 3000;
    gc_pause p[64];
    for (int round = 0; round < 25; round++) {
        size_t n = random_log(&r, p, 64, begin, finish);
        uint64_t windows[] = {1, 7, 30, 100, 257, 600, 1500, 1999, 2000};
        for (size_t k = 0; k < sizeof windows / sizeof windows[0]; k++) {
            uint64_t w = windows[k];
            double exact = mmu(p, n, begin, finish, w);
            cr_assert(exact >= 0 && exact <= 1, "round %d w %llu: %g", round, (unsigned long long)w, exact);
            /* Coarser grids are subsets of finer ones: their minima can only fall towards the exact one. */
            double previous = 2;
            uint64_t steps[] = {256, 64, 16, 4, 1};
            for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
                double sampled = slide(p, n, begin, finish, w, steps[s]);
                cr_expect(sampled >= exact - EPS, "round %d w %llu step %llu: sampled %.15g < exact %.15g", round,
                          (unsigned long long)w, (unsigned long long)steps[s], sampled, exact);
                cr_expect(sampled <= previous + EPS);
                previous = sampled;
            }
            cr_expect_float_eq(previous, exact, EPS, "round %d w %llu: step 1 gives %.15g, exact %.15g", round,
                               (unsigned long long)w, previous, exact);
            /* The minimum is attained by some candidate window: one starting where a pause starts,
             * ending where a pause ends, or at an edge of the run. */
            double best = 2;
            uint64_t last = finish - w;
            for (size_t i = 0; i <= n; i++) {
                uint64_t c[2] = {begin, last};
                if (i < n) {
                    c[0] = p[i].start_ns;
                    c[1] = p[i].end_ns >= w ? p[i].end_ns - w : 0;
                }
                for (int j = 0; j < 2; j++) {
                    uint64_t t = c[j] < begin ? begin : c[j] > last ? last : c[j];
                    double u = util(p, n, begin, finish, t, w);
                    if (u < best) best = u;
                }
            }
            cr_expect_float_eq(best, exact, EPS, "round %d w %llu", round, (unsigned long long)w);
        }
        /* the whole run: 1 - total / run */
        cr_expect_float_eq(mmu(p, n, begin, finish, finish - begin),
                           1.0 - (double)busy_brute(p, n, begin, finish, begin, finish - begin) / (double)(finish - begin),
                           EPS);
    }
}

/* A window that does not divide evenly into the grid, on a log with long pauses: the curve's
 * points agree with the brute force too. */
Test(mmu_brute_force, curve_points) {
    gc_rng r;
    gc_rng_seed(&r, 42);
    const uint64_t begin = 1000, finish = 2500;
    gc_pause p[64];
    for (int round = 0; round < 10; round++) {
        size_t n = random_log(&r, p, 64, begin, finish);
        uint64_t windows[40];
        double m[40];
        size_t points = 0;
        cr_assert_eq(gc_mmu_curve(p, n, begin, finish, 40, windows, m, &points), 0);
        cr_assert_gt(points, 0);
        cr_expect_eq(windows[points - 1], finish - begin);
        for (size_t i = 0; i < points; i++)
            cr_expect_float_eq(m[i], slide(p, n, begin, finish, windows[i], 1), EPS, "round %d window %llu", round,
                               (unsigned long long)windows[i]);
    }
}
