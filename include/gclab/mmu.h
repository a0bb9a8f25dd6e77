/* Minimum mutator utilisation from a pause log (core/mmu.c; definition in docs/metrics.md). */
#ifndef GCLAB_MMU_H
#define GCLAB_MMU_H

#include <stddef.h>
#include <stdint.h>

#include "gclab/events.h"

/* The MMU curve of the run [begin, finish] (ns, the pauses' clock) at up to `points` window
 * lengths spaced evenly on a log scale from the shortest pause to the whole run. Writes the
 * windows (ascending, distinct) and their MMU in [0, 1]; 0, or -1 out of memory. */
int gc_mmu_curve(const gc_pause *pauses, size_t n, uint64_t begin, uint64_t finish, size_t points,
                 uint64_t *windows, double *mmu, size_t *out_points);

/* MMU at one window length (a window longer than the run is the run); -1 out of memory. */
double gc_mmu_at(const gc_pause *pauses, size_t n, uint64_t begin, uint64_t finish, uint64_t window);

/* The same from the pauses' (start, end) pairs: spans[2i] = start, spans[2i+1] = end of pause i. */
int gc_mmu_curve_spans(const uint64_t *spans, size_t n, uint64_t begin, uint64_t finish, size_t points,
                       uint64_t *windows, double *mmu, size_t *out_points);
double gc_mmu_at_spans(const uint64_t *spans, size_t n, uint64_t begin, uint64_t finish, uint64_t window);

#endif
