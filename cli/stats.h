/* Statistics of an experiment's report (cli/report.c): the median of a group of invocations and a
 * distribution-free confidence interval for it, from order statistics (docs/experiments.md).
 *
 * With the n values sorted, x(1) <= ... <= x(n), the interval [x(l), x(n+1-l)] contains the true
 * median with probability at least 1 - 2 P(B <= l-1), B ~ Binomial(n, 1/2), whatever the
 * distribution (continuous). l is the largest rank whose coverage is still at least 95%; below
 * n = 6 no rank reaches it, and the interval is [min, max] with its smaller coverage. */
#ifndef GCLAB_CLI_STATS_H
#define GCLAB_CLI_STATS_H

typedef struct estimate {
    double median, lo, hi; /* NAN for an empty group */
    double coverage;       /* probability that [lo, hi] holds the median; NAN for n = 0 */
    int n;                 /* values the estimate is made of */
    int rank;              /* l: lo = x(l), hi = x(n+1-l) (1-based); 0 for n = 0 */
} estimate;

/* P(B <= k) for B ~ Binomial(n, 1/2); 0 for k < 0, 1 for k >= n. */
double stats_binom_half_cdf(int n, int k);

/* Coverage of [x(l), x(n+1-l)]: 1 - 2 P(B <= l-1). */
double stats_order_coverage(int n, int l);

/* The median and its interval at `level` (0.95 in the report). Sorts v in place. */
estimate stats_estimate(double *v, int n, double level);

#endif
