/* Building linked chains of objects: singly or doubly linked, open (a list) or closed (a ring).
 * Shared by lists, dlists, cycle-mix and long-lived-death, so that their structures differ only
 * in the links each asks for.
 *
 * Slot 0 of every object is `next`; with `doubly`, slot 1 is `prev`. An open singly linked chain
 * is acyclic; any chain of two or more objects with `doubly` is cyclic (every neighbour pair is a
 * 2-cycle); a `ring` is cyclic at any length (a ring of one object refers to itself). */
#ifndef GCLAB_WORKLOADS_CHAIN_H
#define GCLAB_WORKLOADS_CHAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "gclab/mutator.h"
#include "workloads/dist.h"

typedef struct wl_chain_shape {
    uint32_t payload; /* raw bytes per object */
    uint16_t tag;
    bool doubly;      /* add prev links (slot 1) */
    bool ring;        /* link the last object back to the first */
    bool prepend;     /* allocate from the end backwards, so links point from young to old objects;
                       * otherwise from the head forwards, links pointing from old to young */
} wl_chain_shape;

/* Register `head` = a new chain of n >= 1 objects. Uses registers scratch and scratch + 1, which
 * are nil afterwards. Performs exactly n allocations. */
void wl_chain_build(gc_heap *h, uint32_t head, uint32_t scratch, int64_t n, const wl_chain_shape *shape);

/* The life cycle `lists` and `dlists` share: build `count` chains with lengths drawn from
 * `length`, keeping each in a first-in first-out queue of `live` chains (a table tagged
 * queue_tag), so that each lives exactly `live` iterations; with live = 0 each is dropped at once. */
void wl_chain_queue_run(gc_heap *h, gc_rng *rng, int64_t count, int64_t live, const wl_dist *length,
                        const wl_chain_shape *shape, uint16_t queue_tag);

#endif
