/* A table of n reference slots in the heap, for workloads that keep many objects by index.
 *
 * The table is a spine object whose slots refer to chunk objects of WL_TABLE_CHUNK slots each
 * (the last may be shorter); entry i is slot i % WL_TABLE_CHUNK of chunk i / WL_TABLE_CHUNK. The
 * spine is held in one register. Chunking keeps every object of the table small, so a store into
 * one entry dirties one small object (what a remembered set or card table sees), not one huge
 * array, and each chunk is an ordinary small-object cell.
 *
 * Every access is made of register operations (gc_get/gc_set/gc_drop through the table's scratch
 * register), so a table is precise, recordable as a trace, and counts the same on every
 * collector. The scratch register is nil between calls. */
#ifndef GCLAB_WORKLOADS_TABLE_H
#define GCLAB_WORKLOADS_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "gclab/mutator.h"

#define WL_TABLE_CHUNK 256u /* slots per chunk: 2,064-byte chunk objects */

typedef struct wl_table {
    uint32_t reg; /* register holding the spine */
    uint32_t tmp; /* scratch register (nil between calls) */
    uint64_t n;   /* entries */
} wl_table;

/* Build a table of n >= 1 nil entries into register `reg`, using register `tmp` as scratch. */
void wl_table_new(gc_heap *h, wl_table *t, uint32_t reg, uint32_t tmp, uint64_t n, uint16_t tag);

/* Entry i = the object in register src, or nil when src is GC_NIL. */
void wl_table_put(gc_heap *h, const wl_table *t, uint64_t i, uint32_t src);

/* Register dst = entry i. */
void wl_table_get(gc_heap *h, const wl_table *t, uint32_t dst, uint64_t i);

/* Is entry i nil? A read: no operation is counted. */
bool wl_table_is_nil(const gc_heap *h, const wl_table *t, uint64_t i);

/* The objects a table of n entries is made of, and their bytes (gc_object_size): for workloads'
 * peak-live formulas and the tests' expectations. */
uint64_t wl_table_objects(uint64_t n);
uint64_t wl_table_bytes(uint64_t n);

#endif
