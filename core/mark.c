/* Marking: mark everything reachable from the roots in place, with an explicit stack.
 *
 * This is the mark loop of every tracing collector and of the census. The collector's lane keeps
 * its marks in the object headers, as mark epochs (include/gclab/object.h): each marking of it
 * takes the next epoch, and an object is marked when its header carries the current one. The
 * census's lane keeps them in the blocks' side bitmaps, so that a census disturbs no collector.
 *
 * The stack holds edges, not marked objects: every non-nil slot of a scanned object is pushed
 * unexamined. Popped edges pass through a small FIFO before they are tested, and the target (and,
 * for the census, its bitmap word) is prefetched as it enters it (the prefetch buffer of Cher,
 * Hosking and Vijaykumar, ASPLOS 2004): by the time the mark is tested and the object scanned,
 * it has usually arrived, so the loop overlaps its cache misses instead of waiting on each.
 * Testing at push time instead would stall on every child, and a plain LIFO would scan what it
 * just pushed. The price is a stack slot for each edge to an already marked object.
 *
 * Why the mark is in the header: the loop reads the header anyway (its slot count), so a mark
 * there costs no extra miss, where a side bitmap word is a second one per object once the heap
 * outgrows the cache (the bitmap of a 1 GiB heap is tens of MiB). That second miss made the cost
 * per live MiB grow with the heap (issue 6). What the bitmap gave for free, knowing which blocks
 * hold nothing marked, the loop records in a byte per block kept off the blocks, in a table
 * indexed by address (core/block_marks.c: in the block header it was a miss of its own).
 *
 * The loop advances by steps (gc_mark_step, gclab/tracer.h): a step follows at most its budget of
 * edges and always leaves its prefetch FIFO empty, so the work list is the whole state between
 * steps. An edge that cannot be pushed (no memory for the stack) is recorded as lost
 * (gc_core(h)->mark_incomplete: the sweeps then free nothing) and reported by gc_mark_end, after the loop,
 * never by escaping from the middle of it.
 *
 * Postcondition of a marking run to completion: every object reachable from a root is marked in
 * lane `which`; no other object
 * was marked by this call; *bytes has grown by the marked objects' cell bytes; for the mark lane,
 * every block holding a marked cell has its block-mark byte equal to h->mark_epoch (BM-1). */
#include "core/internal.h"
#include "gclab/tracer.h"

/* Edges in flight. 32 rather than 16: on the `cache` workload marking took ~10% less time per live
 * MiB at both 10 and 300 MiB live (more misses overlap once the heap outgrows the caches); 64
 * gained nothing more. A power of two, so the ring index is a mask. */
enum { PREFETCH_DEPTH = 32 };

static inline void push_edge(gc_heap *h, gc_object *o, gc_stack *stack) {
    if (GC_UNLIKELY(!gc_stack_push(stack, o))) gc_core(h)->mark_incomplete = true; /* the sweeps then free nothing */
}

static void push_roots(gc_heap *h, gc_stack *stack, gc_object **roots, uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        if (roots[i]) push_edge(h, roots[i], stack);
}

/* Mark o in lane `which` (a constant once inlined); returns whether it was marked already. */
__attribute__((always_inline)) static inline bool mark_test_and_set(gc_object *o, unsigned which, uint8_t epoch,
                                                                    uint8_t *const *block_marks) {
    if (which == GC_BITS_MARK) {
        if (gc_mark_epoch_of(o) == epoch) return true;
        o->flags = (uint8_t)((o->flags & ~GC_OBJ_EPOCH_MASK) | epoch);
        *gc_block_mark_byte(block_marks, o) = epoch; /* its block is not empty (BM-1, core/block_marks.c) */
        return false;
    }
    uint64_t mask, *w = gc_census_word(o, &mask);
    bool was = (*w & mask) != 0;
    *w |= mask;
    return was;
}

/* The mark loop for one lane; `which` is a constant in each of its two expansions below. */
__attribute__((always_inline)) static inline uint64_t mark_lane(gc_heap *h, unsigned which, gc_stack *stack,
                                                                uint64_t *bytes, uint64_t budget,
                                                                uint64_t *followed) {
    uint64_t popped = 0;
    const uint8_t epoch = h->mark_epoch;
    uint8_t *const *const block_marks = gc_core(h)->block_marks;
    uint64_t marked = 0, b = 0;
    gc_object *fifo[PREFETCH_DEPTH];
    unsigned head = 0, count = 0;
    for (;;) {
        while (count < PREFETCH_DEPTH && stack->len && popped < budget) {
            gc_object *p = stack->items[--stack->len];
            popped++;
            if (which == GC_BITS_MARK) {
                /* Its header is read, and written if it is unmarked; its first slot is read next.
                 * Cells are 8-byte multiples packed from a line boundary, so a 24-byte object can
                 * start 8 bytes before a line ends: its header and slot then straddle two lines,
                 * and p + 16 is on the second (on the cache workload, fetching it too cut marking
                 * by a tenth at 300 MiB live). Otherwise it is the same line: a redundant hint. */
                __builtin_prefetch(p, 1);
                __builtin_prefetch((char *)p + 16, 1);
            } else {
                uint64_t mask;
                __builtin_prefetch(gc_census_word(p, &mask), 1);
                __builtin_prefetch(p);
            }
            fifo[(head + count++) % PREFETCH_DEPTH] = p;
        }
        if (count == 0) break;
        gc_object *o = fifo[head];
        head = (head + 1) % PREFETCH_DEPTH;
        count--;
        if (mark_test_and_set(o, which, epoch, block_marks)) continue; /* reached before by another edge */
        marked++;
        b += gc_cell_size_of(h, o);
        /* Pushed last slot first, so that slot 0 is popped first: the marking then follows a
         * structure in the order builders usually allocate it (first child first, as in trees
         * made top-down), which is address order, so it reads memory nearly as a stream. On GCBench's long-lived tree at 1.25 GiB live this took 17% off each
         * marking (222-230k -> 185-188k ns per live MiB); on randomly laid-out data (cache) it
         * changes nothing. */
        gc_object **first = gc_slots(o), **slot = first + o->nslots;
        while (slot-- > first)
            if (*slot) push_edge(h, *slot, stack);
    }
    *bytes += b;
    *followed = popped;
    return marked;
}

uint64_t gc_mark_with(gc_heap *h, unsigned which, gc_stack *stack, uint64_t *bytes) {
    push_roots(h, stack, h->roots, h->nroots);
    push_roots(h, stack, h->globals, h->nglobals);
    uint64_t followed;
    if (which == GC_BITS_MARK) return mark_lane(h, GC_BITS_MARK, stack, bytes, UINT64_MAX, &followed);
    return mark_lane(h, GC_BITS_CENSUS, stack, bytes, UINT64_MAX, &followed);
}

void gc_mark_begin(gc_heap *h) {
    /* Take the next epoch: every mark of the last marking is void at once. Queued blocks whose
     * dead cells could carry it are swept first, under the old epoch (core/space_sizeclass.c). */
    gc_heap_sync(h);
    gc_space_sweep_aged(h);
    gc_core(h)->mark_seq++;
    h->mark_epoch = (uint8_t)(((gc_core(h)->mark_seq - 1) % GC_MARK_EPOCHS + 1) << GC_OBJ_EPOCH_SHIFT);
    gc_core(h)->marked_bytes = 0;
    gc_core(h)->marked_objects = 0;
    gc_core(h)->mark_incomplete = false;
    gc_core(h)->mark_stack.len = 0;
}

void gc_mark_roots(gc_heap *h) {
    push_roots(h, &gc_core(h)->mark_stack, h->roots, h->nroots);
    push_roots(h, &gc_core(h)->mark_stack, h->globals, h->nglobals);
}

void gc_mark_push(gc_heap *h, gc_object *o) {
    if (o) push_edge(h, o, &gc_core(h)->mark_stack);
}

uint64_t gc_mark_step(gc_heap *h, uint64_t budget) {
    uint64_t followed;
    gc_core(h)->marked_objects += mark_lane(h, GC_BITS_MARK, &gc_core(h)->mark_stack, &gc_core(h)->marked_bytes, budget, &followed);
    return followed;
}

bool gc_mark_done(const gc_heap *h) { return gc_core(h)->mark_stack.len == 0; }

uint64_t gc_mark_end(gc_heap *h) {
    if (gc_core(h)->mark_incomplete) gc_fail(h, GC_ERR_NOMEM, "out of memory for the mark stack (the marking lost an edge)");
    return gc_core(h)->marked_objects;
}

bool gc_mark_object(gc_heap *h, gc_object *o) {
    bool was = mark_test_and_set(o, GC_BITS_MARK, h->mark_epoch, gc_core(h)->block_marks);
    if (!was) {
        gc_core(h)->marked_objects++;
        gc_core(h)->marked_bytes += gc_cell_size_of(h, o);
    }
    return was;
}

uint64_t gc_mark_from_roots(gc_heap *h, unsigned which) {
    if (which == GC_BITS_CENSUS) {
        gc_core(h)->marked_bytes = 0;
        return gc_mark_with(h, which, &gc_core(h)->mark_stack, &gc_core(h)->marked_bytes);
    }
    gc_mark_begin(h);
    gc_mark_roots(h);
    gc_mark_step(h, UINT64_MAX);
    return gc_mark_end(h);
}
