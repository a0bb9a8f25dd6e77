/* The jemalloc arenas of heaps: one per live heap, kept in a process-wide pool when its heap is
 * destroyed and handed to the next heap created.
 *
 * Why a pool: every `arenas.create` costs jemalloc about 4 KB of global metadata (in the base of
 * arena 0) that `arena.<i>.destroy` never gives back, so a program that created and destroyed
 * heaps one after another grew without bound (4,000 heaps: stats.metadata 2.7 -> 19.5 MB). With
 * the pool, the number of arenas ever created is the largest number of heaps alive at once, and
 * a loop of 10,000 heaps keeps metadata and RSS flat (tests/reliability/test_many_heaps.c).
 *
 * ARENA-1: an arena in the pool holds no allocation and no resident page: the heap gave back
 * every block before releasing it (gc_spaces_destroy), and the release resets the arena (dropping
 * anything left) and purges its pages. A reused arena is therefore indistinguishable, to the
 * heap's figures (arena statistics: docs/metrics.md), from a new one, apart from the metadata
 * jemalloc keeps for it.
 *
 * Thread safety: heaps may be created and destroyed on any thread; the pool is guarded by one
 * mutex, taken only here (twice per heap's life). */
#include <jemalloc/jemalloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/internal.h"

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned *pool; /* arena indices free for a new heap */
static size_t pool_len, pool_cap;

static int arena_ctl(unsigned arena, const char *verb) {
    char name[64];
    snprintf(name, sizeof name, "arena.%u.%s", arena, verb);
    return mallctl(name, NULL, NULL, NULL, 0);
}

int gc_arena_acquire(unsigned *arena, char *err, size_t errlen) {
    pthread_mutex_lock(&pool_lock);
    bool reused = pool_len > 0;
    if (reused) *arena = pool[--pool_len];
    pthread_mutex_unlock(&pool_lock);
    if (reused) return 0;
    size_t sz = sizeof *arena;
    if (mallctl("arenas.create", arena, &sz, NULL, 0) != 0) {
        snprintf(err, errlen, "out of memory: jemalloc cannot create an arena for the heap");
        return -1;
    }
    return 0;
}

void gc_arena_release(unsigned arena) {
    arena_ctl(arena, "reset"); /* ARENA-1: nothing survives into the next heap */
    arena_ctl(arena, "purge"); /* and no page stays resident meanwhile */
    pthread_mutex_lock(&pool_lock);
    bool kept = false;
    if (pool_len == pool_cap) {
        size_t cap = pool_cap ? 2 * pool_cap : 16;
        unsigned *grown = realloc(pool, cap * sizeof *grown);
        if (grown != NULL) {
            pool = grown;
            pool_cap = cap;
        }
    }
    if (pool_len < pool_cap) {
        pool[pool_len++] = arena;
        kept = true;
    }
    pthread_mutex_unlock(&pool_lock);
    /* No room to remember it (out of memory): give it back to jemalloc, as before the pool. */
    if (!kept) arena_ctl(arena, "destroy");
}
