/* Random draws shared by the workloads (see dist.h for the distributions' definitions). */
#include <math.h>
#include <stdio.h>

#include "workloads/dist.h"

double wl_draw_exponential(gc_rng *rng, double mean) {
    return -mean * log1p(-gc_rng_real(rng)); /* 1 - u lies in (0, 1]: the log is finite */
}

double wl_draw_lomax(gc_rng *rng, double mean, double shape) {
    double scale = mean * (shape - 1); /* a Lomax(shape, scale) variate has mean scale/(shape-1) */
    return scale * (pow(1 - gc_rng_real(rng), -1 / shape) - 1);
}

int wl_dist_from_params(gc_heap *h, wl_dist *d, const gc_params *p, const char *prefix, int64_t lo) {
    char name[64];
    snprintf(name, sizeof name, "%s_dist", prefix);
    d->kind = (wl_dist_kind)gc_param_choice(p, name);
    snprintf(name, sizeof name, "%s_mean", prefix);
    d->mean = gc_param_real(p, name);
    snprintf(name, sizeof name, "%s_max", prefix);
    d->hi = gc_param_int(p, name);
    d->lo = lo;
    if (d->mean < (double)lo || d->mean > (double)d->hi) {
        gc_fail(h, GC_ERR_USAGE, "parameter %s_mean (%g) must lie between %lld and %s_max (%lld)", prefix, d->mean,
                (long long)lo, prefix, (long long)d->hi);
        return -1;
    }
    return 0;
}

static int64_t clamp_round(double x, int64_t lo, int64_t hi) {
    if (!(x < (double)hi)) return hi; /* also catches inf */
    int64_t v = (int64_t)llround(x);
    return v < lo ? lo : v > hi ? hi : v;
}

int64_t wl_dist_draw(const wl_dist *d, gc_rng *rng) {
    double excess = d->mean - (double)d->lo;
    switch (d->kind) {
    case WL_DIST_FIXED: return clamp_round(d->mean, d->lo, d->hi);
    case WL_DIST_UNIFORM: {
        double w = fmin(excess, (double)d->hi - d->mean);
        int64_t a = clamp_round(d->mean - w, d->lo, d->hi), b = clamp_round(d->mean + w, d->lo, d->hi);
        return a + (int64_t)gc_rng_below(rng, (uint64_t)(b - a) + 1);
    }
    case WL_DIST_EXPONENTIAL: return clamp_round((double)d->lo + wl_draw_exponential(rng, excess), d->lo, d->hi);
    case WL_DIST_PARETO:
        return clamp_round((double)d->lo + wl_draw_lomax(rng, excess, WL_PARETO_SHAPE), d->lo, d->hi);
    }
    return d->lo;
}
