/* Random draws shared by the workloads (see dist.h for the distributions' definitions). */
#include <math.h>
#include <stdio.h>

#include "workloads/dist.h"

double wl_draw_exponential(gc_rng *rng, double mean) {
    return -mean * log1p(-gc_rng_real(rng)); /* 1 - u lies in (0, 1]: the log is finite */
}

double wl_draw_lomax(gc_rng *rng, double scale, double shape) {
    return scale * (pow(1 - gc_rng_real(rng), -1 / shape) - 1);
}

enum { EXACT_TERMS = 256 };  /* Pareto survival terms summed exactly before the integral takes over */

/* E[min(floor(X), c)] = sum over k = 1 .. c of P(X >= k), for X of the kind with scale s. */
static double clamped_mean(wl_dist_kind kind, double s, double c) {
    if (kind == WL_DIST_EXPONENTIAL) { /* P(X >= k) = q^k: a geometric sum */
        double one_minus_q = -expm1(-1 / s), q = 1 - one_minus_q;
        return q * -expm1(c * log(q)) / one_minus_q;
    }
    const double a = WL_PARETO_SHAPE; /* P(X >= k) = (s / (s + k))^a */
    double sum = 0, exact = fmin(c, EXACT_TERMS);
    for (double k = 1; k <= exact; k++) sum += pow(s / (s + k), a);
    if (c > exact) /* the rest by the midpoint rule: the terms vary slowly out here */
        sum += pow(s, a) / (a - 1) * (pow(s + exact + 0.5, 1 - a) - pow(s + c + 0.5, 1 - a));
    return sum;
}

/* The scale whose clamped mean is `target`, for 0 < target < c: clamped_mean grows with s. */
static double solve_scale(wl_dist_kind kind, double target, double c) {
    double lo = 1e-9, hi = target > 1 ? target : 1;
    while (clamped_mean(kind, hi, c) < target && hi < 1e300) hi *= 2;
    for (int i = 0; i < 200 && hi / lo > 1 + 1e-12; i++) {
        double mid = sqrt(lo * hi);
        if (clamped_mean(kind, mid, c) < target) lo = mid;
        else hi = mid;
    }
    return sqrt(lo * hi);
}

int wl_dist_init(wl_dist *d, wl_dist_kind kind, double mean, int64_t lo, int64_t hi) {
    *d = (wl_dist){.kind = kind, .mean = mean, .lo = lo, .hi = hi};
    if (lo > hi || !(mean >= (double)lo && mean <= (double)hi)) return -1;
    double target = mean - (double)lo, c = (double)(hi - lo);
    if ((kind == WL_DIST_EXPONENTIAL || kind == WL_DIST_PARETO) && target > 0 && target < c)
        d->scale = solve_scale(kind, target, c);
    else if (kind == WL_DIST_EXPONENTIAL || kind == WL_DIST_PARETO)
        d->kind = WL_DIST_FIXED; /* the mean is an end of the range: every draw is that end */
    return 0;
}

int wl_dist_from_params(gc_heap *h, wl_dist *d, const gc_params *p, const char *prefix, int64_t lo) {
    char name[64];
    snprintf(name, sizeof name, "%s_dist", prefix);
    wl_dist_kind kind = (wl_dist_kind)gc_param_choice(p, name);
    snprintf(name, sizeof name, "%s_mean", prefix);
    double mean = gc_param_real(p, name);
    snprintf(name, sizeof name, "%s_max", prefix);
    int64_t hi = gc_param_int(p, name);
    if (wl_dist_init(d, kind, mean, lo, hi) != 0) {
        gc_fail(h, GC_ERR_USAGE, "parameter %s_mean (%g) must lie between %lld and %s_max (%lld)", prefix, mean,
                (long long)lo, prefix, (long long)hi);
        return -1;
    }
    return 0;
}

static int64_t round_into(double x, int64_t lo, int64_t hi) {
    if (!(x < (double)hi)) return hi;
    int64_t v = (int64_t)llround(x);
    return v < lo ? lo : v;
}

int64_t wl_dist_draw(const wl_dist *d, gc_rng *rng) {
    double c = (double)(d->hi - d->lo), x;
    switch (d->kind) {
    case WL_DIST_FIXED: return round_into(d->mean, d->lo, d->hi);
    case WL_DIST_UNIFORM: {
        double w = fmin(d->mean - (double)d->lo, (double)d->hi - d->mean);
        int64_t a = round_into(d->mean - w, d->lo, d->hi), b = round_into(d->mean + w, d->lo, d->hi);
        return a + (int64_t)gc_rng_below(rng, (uint64_t)(b - a) + 1);
    }
    case WL_DIST_EXPONENTIAL: x = wl_draw_exponential(rng, d->scale); break;
    case WL_DIST_PARETO: x = wl_draw_lomax(rng, d->scale, WL_PARETO_SHAPE); break;
    default: return d->lo;
    }
    return d->lo + (x < c ? (int64_t)floor(x) : d->hi - d->lo); /* also catches inf */
}
