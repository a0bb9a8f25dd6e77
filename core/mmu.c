/* Minimum mutator utilisation (Cheng & Blelloch, PLDI 2001), computed exactly from a pause log.
 *
 * For a window length w, MMU(w) is the minimum, over every window [t, t+w] inside the run, of the
 * fraction of the window not spent in pauses. The pause time inside [t, t+w] is a piecewise-linear
 * function of t whose maxima lie where the window's start meets a pause's start or the window's
 * end meets a pause's end; so evaluating it at those points (clamped to the run) is exact.
 * Pauses never overlap (every collector here stops the world on one thread), so their starts and
 * ends are both sorted, and the pause time in a window is two binary searches over prefix sums. */
#include <math.h>
#include <stdlib.h>

#include "gclab/mmu.h"

typedef struct mmu_log {
    uint64_t *start, *end; /* clipped to the run, sorted */
    uint64_t *prefix;      /* prefix[i] = total pause time of pauses 0 .. i-1 */
    size_t n;
    uint64_t begin, finish;
} mmu_log;

static int cmp_span(const void *a, const void *b) {
    const uint64_t *x = a, *y = b;
    return (x[0] > y[0]) - (x[0] < y[0]);
}

/* First index i with key[i] > v (key sorted). */
static size_t upper_bound(const uint64_t *key, size_t n, uint64_t v) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (key[mid] <= v) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Pause time inside [t, t + w]. */
static uint64_t busy(const mmu_log *L, uint64_t t, uint64_t w) {
    uint64_t u = t + w;
    size_t i = upper_bound(L->end, L->n, t);   /* first pause ending after t */
    size_t j = upper_bound(L->start, L->n, u); /* pauses i .. j-1 start before u */
    if (j <= i) {
        /* j < i happens only for an empty overlap */
        return 0;
    }
    uint64_t sum = L->prefix[j] - L->prefix[i];
    if (L->start[i] < t) sum -= t - L->start[i];
    if (L->end[j - 1] > u) sum -= L->end[j - 1] - u;
    return sum;
}

static double mmu_at(const mmu_log *L, uint64_t w) {
    uint64_t span = L->finish - L->begin;
    if (w >= span) w = span;
    if (w == 0) return 1.0;
    uint64_t last = L->finish - w, worst = busy(L, L->begin, w);
    for (size_t k = 0; k < L->n; k++) {
        uint64_t cands[2] = {L->start[k], L->end[k] >= L->begin + w ? L->end[k] - w : L->begin};
        for (int c = 0; c < 2; c++) {
            uint64_t t = cands[c] < L->begin ? L->begin : cands[c] > last ? last : cands[c];
            uint64_t b = busy(L, t, w);
            if (b > worst) worst = b;
        }
    }
    return 1.0 - (double)worst / (double)w;
}

/* Clip the pauses to [begin, finish], sort them, and build the prefix sums. */
static int log_build(mmu_log *L, const gc_pause *pauses, size_t n, uint64_t begin, uint64_t finish) {
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
        uint64_t s = pauses[i].start_ns < begin ? begin : pauses[i].start_ns;
        uint64_t e = pauses[i].end_ns > finish ? finish : pauses[i].end_ns;
        if (e <= s) continue;
        spans[2 * m] = s;
        spans[2 * m + 1] = e;
        m++;
    }
    if (m) qsort(spans, m, 2 * sizeof *spans, cmp_span);
    L->n = m;
    L->prefix[0] = 0;
    for (size_t i = 0; i < m; i++) {
        L->start[i] = spans[2 * i];
        L->end[i] = spans[2 * i + 1];
        L->prefix[i + 1] = L->prefix[i] + (L->end[i] - L->start[i]);
    }
    free(spans);
    return 0;
}

static void log_free(mmu_log *L) {
    free(L->start);
    free(L->end);
    free(L->prefix);
}

int gc_mmu_curve(const gc_pause *pauses, size_t n, uint64_t begin, uint64_t finish, size_t points,
                 uint64_t *windows, double *mmu, size_t *out_points) {
    *out_points = 0;
    if (finish <= begin || points == 0) return 0;
    mmu_log L;
    if (log_build(&L, pauses, n, begin, finish) != 0) {
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

double gc_mmu_at(const gc_pause *pauses, size_t n, uint64_t begin, uint64_t finish, uint64_t window) {
    if (finish <= begin) return 1.0;
    mmu_log L;
    double result = -1;
    if (log_build(&L, pauses, n, begin, finish) == 0) result = mmu_at(&L, window);
    log_free(&L);
    return result;
}
