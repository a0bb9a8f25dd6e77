/* The report's statistics (cli/stats.c): the median of a group of invocations and its
 * order-statistic confidence interval [x(l), x(n+1-l)], whose coverage is 1 - 2 P(B <= l-1) with
 * B ~ Binomial(n, 1/2). Every expected number is worked out by hand in the comments. */
#include <criterion/criterion.h>
#include <math.h>

#include "cli/stats.h"

#define EPS 1e-12

/* P(B <= k) = sum of C(n, i) for i <= k, over 2^n. */
Test(binomial, by_hand) {
    cr_expect_float_eq(stats_binom_half_cdf(5, 0), 1.0 / 32, EPS);
    cr_expect_float_eq(stats_binom_half_cdf(5, 1), 6.0 / 32, EPS);             /* 1 + 5 */
    cr_expect_float_eq(stats_binom_half_cdf(7, 3), 64.0 / 128, EPS);           /* 1 + 7 + 21 + 35 */
    cr_expect_float_eq(stats_binom_half_cdf(10, 2), 56.0 / 1024, EPS);         /* 1 + 10 + 45 */
    cr_expect_float_eq(stats_binom_half_cdf(20, 5), 21700.0 / 1048576, EPS);   /* 1+20+190+1140+4845+15504 */
    cr_expect_float_eq(stats_binom_half_cdf(20, 6), 60460.0 / 1048576, EPS);   /* + 38760 */
    cr_expect_float_eq(stats_binom_half_cdf(3, -1), 0.0, EPS);
    cr_expect_float_eq(stats_binom_half_cdf(3, 3), 1.0, EPS);
    cr_expect_float_eq(stats_binom_half_cdf(3, 9), 1.0, EPS);
}

/* Symmetry: P(B <= k) + P(B <= n-k-1) = 1, for n large enough that 2^n would overflow a naive
 * C(n, i) product. */
Test(binomial, symmetric_for_large_n) {
    int ns[] = {1, 2, 9, 64, 1000, 3000};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        int n = ns[i];
        for (int k = 0; k < n; k += n / 7 + 1) {
            double a = stats_binom_half_cdf(n, k), b = stats_binom_half_cdf(n, n - k - 1);
            cr_expect(isfinite(a) && a >= 0 && a <= 1, "n %d k %d: %g", n, k, a);
            cr_expect_float_eq(a + b, 1.0, 1e-9, "n %d k %d", n, k);
        }
    }
}

/* n = 5: the widest interval, [min, max], covers with 1 - 2/32 = 93.75% < 95%: no interval of
 * order statistics reaches 95%, and the estimate says so. */
Test(median_ci, five_values_min_max) {
    double v[] = {5, 1, 4, 2, 3};
    estimate e = stats_estimate(v, 5, 0.95);
    cr_expect_eq(e.n, 5);
    cr_expect_float_eq(e.median, 3, EPS);
    cr_expect_eq(e.rank, 1);
    cr_expect_float_eq(e.lo, 1, EPS);
    cr_expect_float_eq(e.hi, 5, EPS);
    cr_expect_float_eq(e.coverage, 0.9375, EPS);
}

/* n = 6: [x1, x6] covers 1 - 2/64 = 96.875%; [x2, x5] only 1 - 2*7/64 = 78.125%. */
Test(median_ci, six_values) {
    double v[] = {60, 10, 50, 20, 40, 30};
    estimate e = stats_estimate(v, 6, 0.95);
    cr_expect_float_eq(e.median, 35, EPS); /* (30 + 40) / 2 */
    cr_expect_eq(e.rank, 1);
    cr_expect_float_eq(e.lo, 10, EPS);
    cr_expect_float_eq(e.hi, 60, EPS);
    cr_expect_float_eq(e.coverage, 0.96875, EPS);
    cr_expect_float_eq(stats_order_coverage(6, 2), 0.78125, EPS);
}

/* n = 10: [x2, x9] covers 1 - 2*11/1024 = 97.8515625%; [x3, x8] 1 - 2*56/1024 = 89.0625%. */
Test(median_ci, ten_values) {
    double v[10];
    for (int i = 0; i < 10; i++) v[i] = 10 - i; /* 10, 9, ..., 1 */
    estimate e = stats_estimate(v, 10, 0.95);
    cr_expect_float_eq(e.median, 5.5, EPS);
    cr_expect_eq(e.rank, 2);
    cr_expect_float_eq(e.lo, 2, EPS);
    cr_expect_float_eq(e.hi, 9, EPS);
    cr_expect_float_eq(e.coverage, 0.978515625, EPS);
    cr_expect_float_eq(stats_order_coverage(10, 3), 0.890625, EPS);
}

/* n = 20: [x6, x15] covers 1 - 2*21700/2^20 = 95.861%; [x7, x14] 1 - 2*60460/2^20 = 88.468%. */
Test(median_ci, twenty_values) {
    double v[20];
    for (int i = 0; i < 20; i++) v[i] = (i * 7) % 20 + 1; /* 1..20, shuffled (7 is prime to 20) */
    estimate e = stats_estimate(v, 20, 0.95);
    cr_expect_float_eq(e.median, 10.5, EPS);
    cr_expect_eq(e.rank, 6);
    cr_expect_float_eq(e.lo, 6, EPS);
    cr_expect_float_eq(e.hi, 15, EPS);
    cr_expect_float_eq(e.coverage, 1 - 2 * 21700.0 / 1048576, EPS);
}

/* Few values: one gives a point and no coverage; two give [x1, x2] at 1 - 2/4 = 50%; four
 * [x1, x4] at 1 - 2/16 = 87.5%. */
Test(median_ci, few_values) {
    double one[] = {7};
    estimate e = stats_estimate(one, 1, 0.95);
    cr_expect_float_eq(e.median, 7, EPS);
    cr_expect_float_eq(e.lo, 7, EPS);
    cr_expect_float_eq(e.hi, 7, EPS);
    cr_expect_float_eq(e.coverage, 0, EPS);
    double two[] = {4, 2};
    e = stats_estimate(two, 2, 0.95);
    cr_expect_float_eq(e.median, 3, EPS);
    cr_expect_float_eq(e.lo, 2, EPS);
    cr_expect_float_eq(e.hi, 4, EPS);
    cr_expect_float_eq(e.coverage, 0.5, EPS);
    double four[] = {1, 100, 3, 2};
    e = stats_estimate(four, 4, 0.95);
    cr_expect_float_eq(e.median, 2.5, EPS);
    cr_expect_float_eq(e.lo, 1, EPS);
    cr_expect_float_eq(e.hi, 100, EPS);
    cr_expect_float_eq(e.coverage, 0.875, EPS);
}

Test(median_ci, empty) {
    estimate e = stats_estimate(NULL, 0, 0.95);
    cr_expect_eq(e.n, 0);
    cr_expect(isnan(e.median) && isnan(e.lo) && isnan(e.hi) && isnan(e.coverage));
}

/* For any n from 6 on, the chosen rank is the largest that reaches the level: its coverage is
 * at least 95% and the next rank's is below. Large n would overflow a naive computation. */
Test(median_ci, rank_is_the_narrowest_that_covers) {
    static double v[2000];
    int ns[] = {6, 7, 8, 9, 11, 17, 30, 101, 1000, 2000};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        int n = ns[i];
        for (int k = 0; k < n; k++) v[k] = k + 1;
        estimate e = stats_estimate(v, n, 0.95);
        cr_expect(e.coverage >= 0.95, "n %d: rank %d covers %g", n, e.rank, e.coverage);
        cr_expect(stats_order_coverage(n, e.rank + 1) < 0.95, "n %d: rank %d is not the largest", n, e.rank);
        cr_expect_float_eq(e.lo, e.rank, EPS);
        cr_expect_float_eq(e.hi, n + 1 - e.rank, EPS);
    }
}
