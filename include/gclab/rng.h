/* Deterministic pseudo-random numbers for workloads: xoshiro256** seeded through splitmix64.
 * The same seed gives the same sequence on every machine and every collector; workloads must draw
 * only from here (never from time or addresses), which is what makes runs comparable. */
#ifndef GCLAB_RNG_H
#define GCLAB_RNG_H

#include <stdint.h>

typedef struct gc_rng {
    uint64_t s[4];
} gc_rng;

static inline uint64_t gc_splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline void gc_rng_seed(gc_rng *r, uint64_t seed) {
    for (int i = 0; i < 4; i++) r->s[i] = gc_splitmix64(&seed);
}

static inline uint64_t gc_rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t gc_rng_next(gc_rng *r) {
    uint64_t *s = r->s;
    uint64_t result = gc_rng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = gc_rng_rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n) without modulo bias (Lemire's multiply-and-reject); n > 0. */
static inline uint64_t gc_rng_below(gc_rng *r, uint64_t n) {
    __uint128_t m = (__uint128_t)gc_rng_next(r) * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = -n % n;
        while (low < threshold) {
            m = (__uint128_t)gc_rng_next(r) * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

/* Uniform in [0, 1) with 53 random bits. */
static inline double gc_rng_real(gc_rng *r) { return (double)(gc_rng_next(r) >> 11) * 0x1.0p-53; }

#endif
