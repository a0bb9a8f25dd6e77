/* Random draws shared by the workloads: integer sizes from a named distribution, exponential and
 * Pareto variates. Every draw comes from the workload's gc_rng, so runs stay deterministic.
 *
 * A size distribution is three workload parameters, `<p>_dist`, `<p>_mean` and `<p>_max` (declare
 * them with WL_DIST_CHOICES), and a lower bound the workload fixes. Every draw lies in [lo, max]
 * and the draws have the given mean (up to rounding to whole numbers):
 *   fixed        always round(mean);
 *   uniform      uniform over [mean - w, mean + w], w = min(mean - lo, max - mean) (ends rounded);
 *   exponential  lo + min(floor(X), max - lo), X exponential (so the excess is geometric);
 *   pareto       lo + min(floor(X), max - lo), X Lomax (Pareto type II) with shape
 *                WL_PARETO_SHAPE: many small values and a heavy tail of large ones.
 * For the last two the scale of X is solved for when the parameters are read, so that the mean of
 * the whole numbers drawn, after clamping at max, is the requested one (a Pareto tail clamped
 * near its mean would otherwise lose a large part of it).
 */
#ifndef GCLAB_WORKLOADS_DIST_H
#define GCLAB_WORKLOADS_DIST_H

#include <stdint.h>

#include "gclab/heap.h"
#include "gclab/params.h"
#include "gclab/rng.h"

#define WL_DIST_CHOICES "fixed|uniform|exponential|pareto"
#define WL_PARETO_SHAPE 1.5 /* tail index of `pareto` sizes: finite mean, infinite variance */

typedef enum wl_dist_kind { WL_DIST_FIXED, WL_DIST_UNIFORM, WL_DIST_EXPONENTIAL, WL_DIST_PARETO } wl_dist_kind;

typedef struct wl_dist {
    wl_dist_kind kind;
    double mean;
    int64_t lo, hi;
    double scale; /* exponential: mean of X; pareto: Lomax scale of X (both before clamping) */
} wl_dist;

/* Set up *d. Returns 0, or -1 if the mean lies outside [lo, hi] (or lo > hi). */
int wl_dist_init(wl_dist *d, wl_dist_kind kind, double mean, int64_t lo, int64_t hi);

/* wl_dist_init from `<prefix>_dist`, `<prefix>_mean` and `<prefix>_max`. If the mean lies outside
 * [lo, max], report a usage error through gc_fail (one line naming the parameters) and return
 * -1; else 0. */
int wl_dist_from_params(gc_heap *h, wl_dist *d, const gc_params *p, const char *prefix, int64_t lo);

/* One draw in [d->lo, d->hi]. */
int64_t wl_dist_draw(const wl_dist *d, gc_rng *rng);

/* Exponential variate with the given mean (>= 0). */
double wl_draw_exponential(gc_rng *rng, double mean);

/* Lomax (Pareto type II) variate on [0, inf) with the given scale and shape (> 1); its mean is
 * scale / (shape - 1). */
double wl_draw_lomax(gc_rng *rng, double scale, double shape);

#endif
