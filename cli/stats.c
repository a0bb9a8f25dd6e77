/* Median and order-statistic confidence interval (cli/stats.h). */
#include <math.h>
#include <stdlib.h>

#include "cli/stats.h"

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double stats_binom_half_cdf(int n, int k) {
    if (k < 0) return 0;
    if (k >= n) return 1;
    /* Each term C(n, i) / 2^n through lgamma, so that no intermediate overflows whatever n (a
     * merge may pool more than the 1000 invocations compare allows); the relative error is far
     * below anything the report prints. */
    double p = 0, log_total = n * log(2.0);
    for (int i = 0; i <= k; i++) p += exp(lgamma(n + 1.0) - lgamma(i + 1.0) - lgamma(n - i + 1.0) - log_total);
    return p < 1 ? p : 1;
}

double stats_order_coverage(int n, int l) {
    return 1 - 2 * stats_binom_half_cdf(n, l - 1);
}

estimate stats_estimate(double *v, int n, double level) {
    estimate e = {NAN, NAN, NAN, NAN, n, 0};
    if (n <= 0) return e;
    qsort(v, (size_t)n, sizeof *v, compare_doubles);
    e.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    /* Coverage falls as l grows: the first l from the middle down that reaches `level` is the
     * narrowest interval that does; if none does, [min, max]. */
    int l = 1;
    for (int k = (n + 1) / 2; k >= 1; k--)
        if (stats_order_coverage(n, k) >= level) {
            l = k;
            break;
        }
    e.rank = l;
    e.lo = v[l - 1];
    e.hi = v[n - l];
    e.coverage = stats_order_coverage(n, l);
    return e;
}
