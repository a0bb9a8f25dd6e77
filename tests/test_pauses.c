/* Unit tests of pause percentiles (gc_pause_stats_of): exact, by nearest rank. The nearest-rank
 * p-th percentile of n sorted values is the value at 1-based rank ceil(p * n). Every expected
 * figure below is worked out by hand from that definition. */
#include <string.h>

#include "gclab/run.h"
#include "tests/support.h"

static gc_pause_stats stats_of(uint64_t *d, size_t n) {
    gc_pause_stats s;
    memset(&s, 0xa5, sizeof s); /* every field must be written */
    gc_pause_stats_of(d, n, &s);
    return s;
}

Test(percentiles, empty) {
    uint64_t none[1] = {7};
    gc_pause_stats s = stats_of(none, 0);
    cr_expect(s.count == 0 && s.total_ns == 0 && s.p50_ns == 0 && s.p90_ns == 0 && s.p99_ns == 0 && s.p999_ns == 0 &&
              s.max_ns == 0);
}

Test(percentiles, one_value) {
    uint64_t d[] = {42};
    gc_pause_stats s = stats_of(d, 1);
    cr_expect(s.count == 1 && s.total_ns == 42 && s.p50_ns == 42 && s.p90_ns == 42 && s.p99_ns == 42 &&
              s.p999_ns == 42 && s.max_ns == 42);
}

/* Three values, unsorted: p50 rank ceil(1.5) = 2, p90 rank ceil(2.7) = 3. */
Test(percentiles, three_unsorted) {
    uint64_t d[] = {30, 10, 20};
    gc_pause_stats s = stats_of(d, 3);
    cr_expect_eq(s.count, 3);
    cr_expect_eq(s.total_ns, 60);
    cr_expect_eq(s.p50_ns, 20);
    cr_expect_eq(s.p90_ns, 30);
    cr_expect_eq(s.p99_ns, 30);
    cr_expect_eq(s.max_ns, 30);
}

/* Four values: p50 rank ceil(2.0) = 2 exactly (not 3), p90 rank ceil(3.6) = 4. */
Test(percentiles, four_exact_rank) {
    uint64_t d[] = {400, 100, 300, 200};
    gc_pause_stats s = stats_of(d, 4);
    cr_expect_eq(s.p50_ns, 200);
    cr_expect_eq(s.p90_ns, 400);
    cr_expect_eq(s.total_ns, 1000);
}

/* Ten values 1..10 in reverse: p50 rank 5, p90 rank 9, p99 rank ceil(9.9) = 10. */
Test(percentiles, ten_reversed) {
    uint64_t d[10];
    for (int i = 0; i < 10; i++) d[i] = (uint64_t)(10 - i);
    gc_pause_stats s = stats_of(d, 10);
    cr_expect_eq(s.p50_ns, 5);
    cr_expect_eq(s.p90_ns, 9);
    cr_expect_eq(s.p99_ns, 10);
    cr_expect_eq(s.p999_ns, 10);
    cr_expect_eq(s.max_ns, 10);
    cr_expect_eq(s.total_ns, 55);
}

/* Seven values with repeats: sorted 1 1 2 3 5 8 8; p50 rank ceil(3.5) = 4 -> 3, p90 rank
 * ceil(6.3) = 7 -> 8. */
Test(percentiles, seven_with_repeats) {
    uint64_t d[] = {8, 1, 5, 1, 8, 3, 2};
    gc_pause_stats s = stats_of(d, 7);
    cr_expect_eq(s.p50_ns, 3);
    cr_expect_eq(s.p90_ns, 8);
    cr_expect_eq(s.max_ns, 8);
    cr_expect_eq(s.total_ns, 28);
}

/* 1000 values, 1..1000 shuffled: p50 = 500, p90 = 900, p99 = 990, p99.9 = 999, max 1000. */
Test(percentiles, thousand) {
    uint64_t d[1000];
    for (uint64_t i = 0; i < 1000; i++) d[i] = (i * 337) % 1000 + 1; /* 337 is prime to 1000: a permutation */
    gc_pause_stats s = stats_of(d, 1000);
    cr_expect_eq(s.p50_ns, 500);
    cr_expect_eq(s.p90_ns, 900);
    cr_expect_eq(s.p99_ns, 990);
    cr_expect_eq(s.p999_ns, 999);
    cr_expect_eq(s.max_ns, 1000);
    cr_expect_eq(s.total_ns, 500500);
}

/* 2001 values 1..2001: p99.9 rank ceil(1998.999) = 1999; p50 rank ceil(1000.5) = 1001. */
Test(percentiles, odd_count_rounds_up) {
    static uint64_t d[2001];
    for (uint64_t i = 0; i < 2001; i++) d[i] = 2001 - i;
    gc_pause_stats s = stats_of(d, 2001);
    cr_expect_eq(s.p50_ns, 1001);
    cr_expect_eq(s.p999_ns, 1999);
    cr_expect_eq(s.max_ns, 2001);
}
