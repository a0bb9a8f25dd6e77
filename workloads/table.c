/* Chunked tables of reference slots in the heap (see table.h). */
#include "workloads/table.h"

static uint64_t chunks_of(uint64_t n) { return (n + WL_TABLE_CHUNK - 1) / WL_TABLE_CHUNK; }

static uint32_t chunk_len(uint64_t n, uint64_t c) {
    uint64_t left = n - c * WL_TABLE_CHUNK;
    return (uint32_t)(left < WL_TABLE_CHUNK ? left : WL_TABLE_CHUNK);
}

void wl_table_new(gc_heap *h, wl_table *t, uint32_t reg, uint32_t tmp, uint64_t n, uint16_t tag) {
    *t = (wl_table){.reg = reg, .tmp = tmp, .n = n};
    uint64_t nchunks = chunks_of(n);
    gc_new(h, reg, (uint32_t)nchunks, 0, tag);
    for (uint64_t c = 0; c < nchunks; c++) {
        gc_new(h, tmp, chunk_len(n, c), 0, tag);
        gc_set(h, reg, (uint32_t)c, tmp);
    }
    gc_drop(h, tmp);
}

void wl_table_put(gc_heap *h, const wl_table *t, uint64_t i, uint32_t src) {
    gc_get(h, t->tmp, t->reg, (uint32_t)(i / WL_TABLE_CHUNK));
    gc_set(h, t->tmp, (uint32_t)(i % WL_TABLE_CHUNK), src);
    gc_drop(h, t->tmp);
}

void wl_table_get(gc_heap *h, const wl_table *t, uint32_t dst, uint64_t i) {
    gc_get(h, t->tmp, t->reg, (uint32_t)(i / WL_TABLE_CHUNK));
    gc_get(h, dst, t->tmp, (uint32_t)(i % WL_TABLE_CHUNK));
    gc_drop(h, t->tmp);
}

bool wl_table_is_nil(const gc_heap *h, const wl_table *t, uint64_t i) {
    gc_object *chunk = gc_slots(gc_reg(h, t->reg))[i / WL_TABLE_CHUNK];
    return gc_slots(chunk)[i % WL_TABLE_CHUNK] == NULL;
}

uint64_t wl_table_objects(uint64_t n) { return 1 + chunks_of(n); }

uint64_t wl_table_bytes(uint64_t n) {
    uint64_t nchunks = chunks_of(n);
    return gc_object_size((uint32_t)nchunks, 0) + nchunks * gc_object_size(0, 0) + n * sizeof(gc_object *);
}
