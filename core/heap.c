/* Heap life cycle, the allocation slow path, the heap limit, pause timing and the mutator's
 * requests (collect, control, verify).
 *
 * The allocation countdown. The fast path (gc_alloc) only decrements h->countdown; everything
 * that must happen "every so many bytes" is folded into it: the collector's trigger budget
 * (gc_set_trigger), the listener's sampling interval, and the headroom left under the heap limit.
 * The slow path works out which of them ran out, acts, and re-arms the countdown with the nearest
 * one. Frees never move the countdown, so the headroom is conservative: the slow path rechecks. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/internal.h"

uint64_t gc_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t gc_heap_elapsed_ns(const gc_heap *h) { return gc_now_ns() - gc_core(h)->t0_ns; }

const char *gc_reason_name(gc_reason r) {
    switch (r) {
    case GC_REASON_TRIGGER: return "trigger";
    case GC_REASON_EXPLICIT: return "explicit";
    case GC_REASON_HEAP_LIMIT: return "heap-limit";
    case GC_REASON_RELEASE: return "release";
    }
    return "?";
}

void gc_heap_bump_settle(gc_heap *h) {
    if (h->bump_cursor != NULL) h->countdown -= h->bump_cursor - gc_core(h)->bump_armed;
    gc_core(h)->bump_armed = h->bump_cursor;
}

void gc_heap_bump_arm(gc_heap *h) {
    gc_core(h)->bump_armed = h->bump_cursor;
    if (h->bump_cursor == NULL || gc_core(h)->alloc_space->kind != GC_SPACE_COPY) {
        h->bump_limit = NULL;
        return;
    }
    char *end = ((gc_copy_space *)gc_core(h)->alloc_space)->limit; /* the block's end */
    int64_t room = h->countdown > 0 ? h->countdown : 0;
    h->bump_limit = end - h->bump_cursor > room ? h->bump_cursor + room : end;
}

/* Fold the bytes allocated since the countdown was armed into the budgets it stands for. */
static void countdown_sync(gc_heap *h) {
    gc_heap_bump_settle(h);
    int64_t used = gc_core(h)->countdown_armed - h->countdown;
    if (gc_core(h)->trigger_left != INT64_MAX) gc_core(h)->trigger_left -= used;
    gc_core(h)->sample_left -= used;
    gc_core(h)->countdown_armed = h->countdown;
}

/* The bytes the heap limit bounds: cells in use, and the copy reserve of the spaces that will
 * be evacuated (docs/metrics.md). */
static uint64_t committed(gc_heap *h, bool *alloc_evacuated) {
    uint64_t reserve = 0;
    *alloc_evacuated = false;
    if (gc_core(h)->los.space.next != NULL) { /* a copy space exists: the heap's own two come first */
        gc_heap_sync(h);
        reserve = gc_heap_copy_reserve(h);
        *alloc_evacuated = gc_core(h)->alloc_space->kind == GC_SPACE_COPY && ((gc_copy_space *)gc_core(h)->alloc_space)->evacuated;
    }
    return h->heap_bytes + reserve;
}

static void countdown_arm(gc_heap *h) {
    int64_t c = gc_core(h)->trigger_left;
    if (gc_core(h)->sample_every && gc_core(h)->sample_left < c) c = gc_core(h)->sample_left;
    if (gc_core(h)->heap_limit) {
        bool twice;
        uint64_t used = committed(h, &twice);
        int64_t room = gc_core(h)->heap_limit > used ? (int64_t)(gc_core(h)->heap_limit - used) : 0;
        if (twice) room /= 2; /* each byte allocated there reserves one more for its copy */
        if (room < c) c = room;
    }
    if (c < 0) c = 0;
    h->countdown = gc_core(h)->countdown_armed = c;
    gc_heap_bump_arm(h);
}

uint64_t gc_heap_limit(const gc_heap *h) { return gc_core(h)->heap_limit; }
gc_error gc_heap_error(const gc_heap *h) { return gc_core(h)->error; }
const char *gc_heap_error_message(const gc_heap *h) { return gc_core(h)->error_msg; }
uint64_t gc_heap_marked_bytes(const gc_heap *h) { return gc_core(h)->marked_bytes; }
void gc_heap_warn(gc_heap *h, const char *fmt, ...) {
    if (gc_core(h)->nwarnings == GC_MAX_WARNINGS) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(gc_core(h)->warnings[gc_core(h)->nwarnings++], sizeof gc_core(h)->warnings[0], fmt, ap);
    va_end(ap);
}

bool gc_heap_verifying(const gc_heap *h) { return gc_core(h)->verify; }

int gc_heap_set_barrier(gc_heap *h, unsigned barrier, char *err, size_t errlen) {
    if (h->counts.allocs != 0) {
        snprintf(err, errlen, "the barrier must be chosen before the first allocation (collector %s)", h->ops->name);
        return -1;
    }
#ifdef GCLAB_FIXED_BARRIER
    if (barrier != (unsigned)(GCLAB_FIXED_BARRIER)) {
        snprintf(err, errlen, "this build's barrier is fixed at compile time for another barrier than collector %s's",
                 h->ops->name);
        return -1;
    }
#endif
    h->barrier = barrier;
    return 0;
}

uint64_t gc_heap_bytes_peak(gc_heap *h) {
    gc_note_peak(h);
    return gc_core(h)->heap_bytes_peak;
}

void gc_heap_rearm(gc_heap *h) {
    countdown_sync(h);
    countdown_arm(h);
}

void gc_heap_update_fast_paths(gc_heap *h) {
    bool plain = !h->hooked && h->prefix == 0;
    bool sizeclass = gc_core(h)->alloc_space == &gc_core(h)->sc.space;
    h->fast_alloc = plain && sizeclass && !h->poison;
    h->fast_bump = plain && !sizeclass && !h->poison; /* poison mode runs the general build (workloads/variants.c) */
    h->fast_link = h->track_list != NULL && sizeclass && !h->poison; /* poison mode's reuse check is on the slow path */
    bool prefixed = !h->hooked && h->prefix != 0 && h->track_list == NULL && !h->poison;
    h->fast_prefixed = !prefixed ? GC_FAST_PREFIXED_NONE : sizeclass ? GC_FAST_PREFIXED_FREELIST : GC_FAST_PREFIXED_BUMP;
}

void gc_set_trigger(gc_heap *h, int64_t bytes) {
    countdown_sync(h);
    gc_core(h)->trigger_left = bytes;
    countdown_arm(h);
}

int gc_track_objects(gc_heap *h, gc_link *head, char *err, size_t errlen) {
    if (h->objects_live != 0 || h->counts.allocs != 0) { /* their prefixes link nothing */
        snprintf(err, errlen, "object tracking must start before the first allocation (collector %s)", h->ops->name);
        return -1;
    }
    if (h->prefix != sizeof(gc_link)) {
        snprintf(err, errlen, "object tracking needs a prefix of exactly %zu bytes (collector %s has %u)",
                 sizeof(gc_link), h->ops->name, h->prefix);
        return -1;
    }
    h->track_list = head;
    h->tracked_count = 0;
    h->tracked_limit = INT64_MAX;
    h->free_hooked = true;
    gc_heap_update_fast_paths(h);
    return 0;
}

/* A block of workload bookkeeping memory (gc_heap_scratch), on the heap's list. */
struct gc_scratch {
    struct gc_scratch *next;
    max_align_t data[]; /* the caller's bytes, suitably aligned */
};

int gc_heap_create(const gc_heap_config *cfg, gc_heap **out, char *err, size_t errlen) {
    *out = NULL;
    const gc_collector_ops *ops = cfg->collector;
    if (ops == NULL) {
        snprintf(err, errlen, "no collector given");
        return GC_ERR_USAGE;
    }
#ifdef GCLAB_FIXED_BARRIER
    bool hooked = ops->before_alloc != NULL || ops->after_alloc != NULL;
    if (ops->barrier != (unsigned)(GCLAB_FIXED_BARRIER) || hooked != (bool)(GCLAB_FIXED_HOOKED) ||
        (!hooked && ops->prefix != 0)) {
        snprintf(err, errlen, "this build's fast paths are fixed at compile time for another collector than %s",
                 ops->name);
        return GC_ERR_USAGE;
    }
#endif
    gc_heap *h = calloc(1, sizeof(gc_heap_core));
    if (h == NULL) {
        snprintf(err, errlen, "out of memory for the heap");
        return GC_ERR_NOMEM;
    }
    h->ops = ops;
    h->prefix = ops->prefix;
    h->barrier = ops->barrier;
    h->hooked = ops->before_alloc != NULL || ops->after_alloc != NULL;
    h->free_hooked = ops->on_free != NULL;
    h->poison = cfg->poison;
    gc_core(h)->heap_limit = cfg->heap_limit;
    gc_core(h)->verify = cfg->verify;
    gc_core(h)->sample_every = cfg->sample_every;
    gc_core(h)->sample_left = cfg->sample_every ? (int64_t)cfg->sample_every : INT64_MAX;
    gc_core(h)->trigger_left = INT64_MAX;
    gc_core(h)->cascade_pause_min = cfg->cascade_pause_min ? cfg->cascade_pause_min : GC_CASCADE_PAUSE_MIN_DEFAULT;
    gc_core(h)->listener = cfg->listener;
    gc_core(h)->on_fatal = cfg->on_fatal;
    gc_core(h)->fatal_ctx = cfg->fatal_ctx;
    gc_core(h)->t0_ns = gc_now_ns();
    gc_core(h)->sc.space = (gc_space){.kind = GC_SPACE_SIZECLASS, .name = "sizeclass"};
    gc_core(h)->los.space = (gc_space){.kind = GC_SPACE_LARGE, .name = "large"};
    gc_heap_add_space(h, &gc_core(h)->sc.space);
    gc_heap_add_space(h, &gc_core(h)->los.space);
    gc_core(h)->alloc_space = &gc_core(h)->sc.space;
    gc_heap_update_fast_paths(h);
    if (gc_blocks_init(h, err, errlen) != 0) {
        free(h);
        return GC_ERR_NOMEM;
    }
    countdown_arm(h);
    gc_params defaults;
    const gc_params *params = cfg->collector_params;
    if (params == NULL) {
        if (gc_params_init(&defaults, ops->params, err, errlen) != 0) {
            gc_heap_destroy(h);
            return GC_ERR_USAGE;
        }
        params = &defaults;
    }
    if (ops->init && ops->init(h, params, err, errlen) != 0) {
        h->ops = NULL; /* nothing of the collector's to destroy */
        gc_heap_destroy(h);
        return GC_ERR_USAGE;
    }
#ifdef GCLAB_FIXED_BARRIER
    if (!hooked && h->fast_bump != (bool)(GCLAB_FIXED_BUMP)) {
        snprintf(err, errlen, "this build's allocation path is fixed at compile time for another kind than %s's",
                 ops->name);
        gc_heap_destroy(h);
        return GC_ERR_USAGE;
    }
#endif
    *out = h;
    return GC_OK;
}

void gc_heap_destroy(gc_heap *h) {
    if (h == NULL) return;
    if (h->ops && h->ops->destroy) h->ops->destroy(h);
    gc_spaces_destroy(h);
    gc_promote_destroy(h);
    gc_blocks_destroy(h);
    gc_stack_free(&gc_core(h)->rc_work);
    gc_stack_free(&gc_core(h)->mark_stack);
    gc_stack_free(&gc_core(h)->remset);
    gc_stack_free(&gc_core(h)->candidates);
    free(h->roots);
    free(h->globals);
    for (struct gc_scratch *b = gc_core(h)->scratch, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(h);
}

void *gc_heap_scratch(gc_heap *h, size_t bytes) {
    struct gc_scratch *b = bytes > SIZE_MAX - sizeof *b ? NULL : calloc(1, sizeof *b + bytes);
    if (b == NULL) {
        gc_fail(h, GC_ERR_NOMEM, "out of memory for %zu bytes of workload bookkeeping", bytes);
        return NULL;
    }
    b->next = gc_core(h)->scratch;
    gc_core(h)->scratch = b;
    return b->data;
}

void gc_fail(gc_heap *h, gc_error e, const char *fmt, ...) {
    if (gc_core(h)->error == GC_OK) {
        gc_core(h)->error = e;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(gc_core(h)->error_msg, sizeof gc_core(h)->error_msg, fmt, ap);
        va_end(ap);
    }
    if (gc_core(h)->on_fatal) gc_core(h)->on_fatal(h, e, gc_core(h)->error_msg, gc_core(h)->fatal_ctx);
}

static bool over_limit(gc_heap *h, uint32_t cs) {
    bool twice;
    uint64_t used = committed(h, &twice);
    uint64_t need = twice && cs <= GC_SMALL_MAX ? 2 * (uint64_t)cs : cs;
    return used + need > gc_core(h)->heap_limit;
}

gc_object *gc_alloc_slow(gc_heap *h, uint32_t nslots, uint32_t nbytes, uint16_t tag) {
    if (gc_core(h)->error) return NULL;
    gc_core(h)->slow_allocs++;
    size_t osize = gc_object_size(nslots, nbytes);
    if (osize + h->prefix + GC_BLOCK_SIZE > UINT32_MAX) {
        gc_fail(h, GC_ERR_NOMEM, "object of %zu bytes is too large", osize);
        return NULL;
    }
    uint32_t cs = gc_cell_bytes(h->prefix, osize);
    countdown_sync(h);
    gc_heap_sync(h);
    if (h->track_list && nslots) h->tracked_count++; /* before before_alloc: gc_track_objects */
    if (h->ops->before_alloc) h->ops->before_alloc(h, nslots);
    if (gc_core(h)->trigger_left != INT64_MAX) gc_core(h)->trigger_left -= cs;
    gc_core(h)->sample_left -= cs;
    if (gc_core(h)->sample_every && gc_core(h)->sample_left <= 0) {
        gc_core(h)->sample_left = (int64_t)gc_core(h)->sample_every;
        if (gc_core(h)->listener.sample) gc_core(h)->listener.sample(gc_core(h)->listener.ctx, h);
    }
    if (gc_core(h)->trigger_left <= 0) {
        gc_core(h)->trigger_left = INT64_MAX; /* the collector re-arms it with gc_set_trigger */
        if (h->ops->poll) h->ops->poll(h);
    }
    if (gc_core(h)->heap_limit && over_limit(h, cs)) {
        if (h->ops->collect) h->ops->collect(h, -1, GC_REASON_HEAP_LIMIT);
        if (over_limit(h, cs)) {
            bool twice;
            uint64_t reserve = committed(h, &twice) - h->heap_bytes;
            char copy[96] = "";
            if (reserve || twice)
                snprintf(copy, sizeof copy, " + %llu reserved for copying%s", (unsigned long long)reserve,
                         twice ? " (and as much again for the request)" : "");
            gc_fail(h, GC_ERR_HEAP_LIMIT, "heap limit exceeded: %llu bytes in use%s + %u requested > limit of %llu bytes%s",
                    (unsigned long long)h->heap_bytes, copy, cs, (unsigned long long)gc_core(h)->heap_limit,
                    h->ops->collect ? " (after a full collection)" : "");
            return NULL;
        }
    }
    void *cell;
    if (cs <= GC_SMALL_MAX && gc_core(h)->alloc_space->kind == GC_SPACE_COPY) {
        if ((cell = gc_copy_alloc(h, (gc_copy_space *)gc_core(h)->alloc_space, cs)) == NULL) {
            gc_fail(h, GC_ERR_NOMEM, "out of memory for a %zu-byte block (jemalloc, or the heap's block-mark table)", GC_BLOCK_SIZE);
            return NULL;
        }
    } else if (cs <= GC_SMALL_MAX) {
        unsigned c = gc_size_class(cs);
        if (h->poison && h->free[c]) gc_poison_check(h, h->free[c], cs);
        if ((cell = gc_space_take(h, c)) == NULL) {
            if (!gc_space_refill(h, c)) {
                gc_fail(h, GC_ERR_NOMEM, "out of memory for a %zu-byte block (jemalloc, or the heap's block-mark table)", GC_BLOCK_SIZE);
                return NULL;
            }
            cell = gc_space_take(h, c);
        }
    } else if ((cell = gc_large_alloc(h, cs)) == NULL) {
        gc_fail(h, GC_ERR_NOMEM, "out of memory for a %u-byte large object (jemalloc, or the heap's block-mark table)", cs);
        return NULL;
    }
    gc_object *o = gc_init_object(h, cell, cs, h->prefix, nslots, nbytes, tag, osize);
    if (cs > GC_SMALL_MAX) {
        o->flags |= GC_OBJ_LARGE; /* counted in the large-object space by gc_large_alloc */
        if (h->barrier & GC_BARRIER_LOG) gc_log_arm(o); /* old from birth: its stores are remembered */
    } else {
        gc_core(h)->alloc_space->objects++;
        gc_core(h)->alloc_space->bytes += cs;
    }
    if (h->track_list && nslots) gc_link_append(h->track_list, gc_link_of(o)); /* writes the prefix */
    else if (h->prefix) memset(cell, 0, h->prefix);
    if (h->ops->after_alloc) h->ops->after_alloc(h, o);
    countdown_arm(h);
    return o;
}

void gc_pause_begin(gc_heap *h, gc_pause *p, const char *kind, int generation, gc_reason why) {
    *p = (gc_pause){
        .seq = gc_core(h)->pause_seq++,
        .kind = kind,
        .generation = generation,
        .reason = why,
        .alloc_index = h->counts.allocs,
        .objects_before = h->objects_live,
        .bytes_before = h->heap_bytes,
        .collected = -1,
    };
    gc_note_peak(h); /* before the pause's copies count */
    gc_core(h)->pause_depth++;
    p->start_ns = gc_heap_elapsed_ns(h);
    if (gc_core(h)->listener.pause_start) gc_core(h)->listener.pause_start(gc_core(h)->listener.ctx, h, p);
}

void gc_pause_end(gc_heap *h, gc_pause *p) {
    p->end_ns = gc_heap_elapsed_ns(h);
    p->objects_after = h->objects_live;
    p->bytes_after = h->heap_bytes;
    gc_core(h)->gc_ns += p->end_ns - p->start_ns;
    gc_core(h)->pause_depth--;
    if (gc_core(h)->listener.pause_end) gc_core(h)->listener.pause_end(gc_core(h)->listener.ctx, h, p);
}

void gc_collect(gc_heap *h, int generation) {
    if (GC_UNLIKELY(h->recorder != NULL)) gc_record(h, GC_OP_COLLECT, (uint64_t)(int64_t)generation, 0, 0);
    if (h->ops->collect) h->ops->collect(h, generation, GC_REASON_EXPLICIT);
}

int gc_control(gc_heap *h, gc_control_op op, const int64_t *args, int nargs) {
    if (GC_UNLIKELY(h->recorder != NULL)) gc_record_control(h, op, args, nargs);
    return h->ops->control ? h->ops->control(h, op, args, nargs) : 0;
}

int gc_verify(gc_heap *h, char *msg, size_t len) {
    if (gc_spaces_verify(h, msg, len) != 0) return -1;
    if (!gc_space_lane_clear(h, GC_BITS_CENSUS)) {
        snprintf(msg, len, "census bits left set (HEAP-2)");
        return -1;
    }
    return h->ops->verify ? h->ops->verify(h, msg, len) : 0;
}
