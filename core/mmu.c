/* Minimum mutator utilisation (Cheng & Blelloch, PLDI 2001), computed exactly from a pause log.
 *
 * For a window length w, MMU(w) is the minimum, over every window [t, t+w] inside the run, of the
 * fraction of the window not spent in pauses. The pause time inside [t, t+w] is a piecewise-linear
 * function of t whose maxima lie where the window's start meets a pause's start or the window's
 * end meets a pause's end; so evaluating it at those points (clamped to the run) is exact.
 * Pauses never overlap (every collector here stops the world on one thread), so their starts and
 * ends are both sorted, the candidate starts ascend, and one sweep with two forward-only cursors
 * over prefix sums gives every candidate's pause time: O(n) per window length. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "gclab/mmu.h"

typedef struct mmu_log {
    uint64_t *start, *end; /* clipped to the run, sorted */
    uint64_t *prefix;      /* prefix[i] = total pause time of pauses 0 .. i-1 */
    uint64_t longest;      /* the longest (clipped) pause */
    size_t n;
    uint64_t begin, finish;
} mmu_log;

static int cmp_span(const void *a, const void *b) {
    const uint64_t *x = a, *y = b;
    return (x[0] > y[0]) - (x[0] < y[0]);
}

/* A cursor that evaluates busy(t) for non-decreasing t in amortised constant time: the first
 * pause ending after t and the first starting after t + w only ever move forward. */
typedef struct sweep {
    const mmu_log *L;
    uint64_t w;
    size_t i, j;
} sweep;

static uint64_t sweep_busy(sweep *s, uint64_t t) {
    const mmu_log *L = s->L;
    uint64_t u = t + s->w;
    while (s->i < L->n && L->end[s->i] <= t) s->i++;
    while (s->j < L->n && L->start[s->j] <= u) s->j++;
    if (s->j <= s->i) return 0;
    uint64_t sum = L->prefix[s->j] - L->prefix[s->i];
    if (L->start[s->i] < t) sum -= t - L->start[s->i];
    if (L->end[s->j - 1] > u) sum -= L->end[s->j - 1] - u;
    return sum;
}

/* The candidate window starts are the pauses' starts and the pauses' ends minus w, clamped to the
 * run; both sequences ascend, so they are merged and swept once: O(n) per window length. */
static double mmu_at(const mmu_log *L, uint64_t w) {
    uint64_t span = L->finish - L->begin;
    if (w >= span) w = span;
    if (w == 0) return 1.0;
    if (w <= L->longest) return 0.0; /* a window inside the longest pause: no sweep needed */
    uint64_t last = L->finish - w;
    sweep s = {L, w, 0, 0};
    uint64_t worst = sweep_busy(&s, L->begin);
    size_t a = 0, b = 0;
    while (a < L->n || b < L->n) {
        uint64_t ta = a < L->n ? L->start[a] : UINT64_MAX;
        uint64_t tb = b < L->n ? (L->end[b] >= L->begin + w ? L->end[b] - w : L->begin) : UINT64_MAX;
        uint64_t t = ta <= tb ? ta : tb;
        if (ta <= tb) a++;
        else b++;
        if (t < L->begin) t = L->begin;
        if (t > last) t = last;
        uint64_t busy_t = sweep_busy(&s, t);
        if (busy_t > worst) worst = busy_t;
    }
    return 1.0 - (double)worst / (double)w;
}

/* Clip the pauses (start, end pairs) to [begin, finish], sort them, and build the prefix sums. */
static int log_build(mmu_log *L, const uint64_t *in, size_t n, uint64_t begin, uint64_t finish) {
    *L = (mmu_log){.begin = begin, .finish = finish};
    uint64_t *spans = malloc((n ? n : 1) * 2 * sizeof *spans);
    L->start = malloc((n ? n : 1) * sizeof *L->start);
    L->end = malloc((n ? n : 1) * sizeof *L->end);
    L->prefix = malloc((n + 1) * sizeof *L->prefix);
    if (!spans || !L->start || !L->end || !L->prefix) {
        free(spans);
        return -1;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t s = in[2 * i] < begin ? begin : in[2 * i];
        uint64_t e = in[2 * i + 1] > finish ? finish : in[2 * i + 1];
        if (e <= s) continue;
        spans[2 * m] = s;
        spans[2 * m + 1] = e;
        m++;
    }
    bool sorted = true; /* pause logs come in order of start: sort only if this one does not */
    for (size_t i = 1; i < m && sorted; i++) sorted = spans[2 * i] >= spans[2 * (i - 1)];
    if (!sorted) qsort(spans, m, 2 * sizeof *spans, cmp_span);
    L->n = m;
    L->prefix[0] = 0;
    for (size_t i = 0; i < m; i++) {
        L->start[i] = spans[2 * i];
        L->end[i] = spans[2 * i + 1];
        L->prefix[i + 1] = L->prefix[i] + (L->end[i] - L->start[i]);
        if (L->end[i] - L->start[i] > L->longest) L->longest = L->end[i] - L->start[i];
    }
    free(spans);
    return 0;
}

static void log_free(mmu_log *L) {
    free(L->start);
    free(L->end);
    free(L->prefix);
}

int gc_mmu_curve_spans(const uint64_t *spans, size_t n, uint64_t begin, uint64_t finish, size_t points,
                       uint64_t *windows, double *mmu, size_t *out_points) {
    *out_points = 0;
    if (finish <= begin || points == 0) return 0;
    mmu_log L;
    if (log_build(&L, spans, n, begin, finish) != 0) {
        log_free(&L);
        return -1;
    }
    uint64_t smallest = finish - begin;
    for (size_t i = 0; i < L.n; i++)
        if (L.end[i] - L.start[i] < smallest) smallest = L.end[i] - L.start[i];
    /* Windows from the smallest pause to the whole run, evenly spaced on a log scale. */
    double lo = (double)(smallest ? smallest : 1), hi = (double)(finish - begin);
    for (size_t k = 0; k < points; k++) {
        double f = points == 1 ? 1.0 : (double)k / (double)(points - 1);
        uint64_t w = (uint64_t)(lo * pow(hi / lo, f) + 0.5);
        if (w == 0) w = 1;
        if (*out_points && windows[*out_points - 1] >= w) continue;
        windows[*out_points] = w;
        mmu[*out_points] = mmu_at(&L, w);
        (*out_points)++;
    }
    log_free(&L);
    return 0;
}

double gc_mmu_at_spans(const uint64_t *spans, size_t n, uint64_t begin, uint64_t finish, uint64_t window) {
    if (finish <= begin) return 1.0;
    mmu_log L;
    double result = -1;
    if (log_build(&L, spans, n, begin, finish) == 0) result = mmu_at(&L, window);
    log_free(&L);
    return result;
}

/* The (start, end) pairs of a pause array, or NULL out of memory. */
static uint64_t *spans_of(const gc_pause *pauses, size_t n) {
    uint64_t *spans = malloc((n ? n : 1) * 2 * sizeof *spans);
    for (size_t i = 0; spans && i < n; i++) {
        spans[2 * i] = pauses[i].start_ns;
        spans[2 * i + 1] = pauses[i].end_ns;
    }
    return spans;
}

int gc_mmu_curve(const gc_pause *pauses, size_t n, uint64_t begin, uint64_t finish, size_t points,
                 uint64_t *windows, double *mmu, size_t *out_points) {
    *out_points = 0;
    uint64_t *spans = spans_of(pauses, n);
    if (spans == NULL) return -1;
    int rc = gc_mmu_curve_spans(spans, n, begin, finish, points, windows, mmu, out_points);
    free(spans);
    return rc;
}

double gc_mmu_at(const gc_pause *pauses, size_t n, uint64_t begin, uint64_t finish, uint64_t window) {
    uint64_t *spans = spans_of(pauses, n);
    if (spans == NULL) return -1;
    double r = gc_mmu_at_spans(spans, n, begin, finish, window);
    free(spans);
    return r;
}
