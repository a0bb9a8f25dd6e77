/* Block marks: which blocks hold a cell that the last marking marked, kept off the blocks.
 *
 * The mark loop notes, for every object it marks, that the object's block is not empty, so that
 * gc_sweep_lazily can hand the blocks where nothing survived straight to the empty pool instead
 * of queueing them for a sweep. Kept in the block header, that note was a cache miss of its own
 * once the heap outgrew the caches: block headers sit at 64 KiB-aligned addresses, which all fall
 * into the same few sets of every cache level (on this machine's 16-way 32 MiB L3, 2 MiB per
 * way, 32 sets and so 512 lines for all the headers of a heap; 16 lines of a 1 MiB L2), so at
 * 1 GiB live almost every one of those stores went to DRAM, unprefetched, beside the object's own
 * miss. Marking the `cache` workload at 1 GiB live took about 30% longer with it (issue 6).
 *
 * Here the note is one byte per 64 KiB of address space in a two-level table indexed by address,
 * like an operating system's page table: a 1.75 GiB heap's bytes fill about 28 KiB of consecutive
 * lines, which stay cached. The first level has one entry per 4 GiB of a 48-bit address space
 * (the user space of x86-64 and AArch64 unless a program opts into more); the second level, one
 * byte per block, is made when a chunk or large block first lands in its 4 GiB. Both are
 * anonymous mappings, so only the pages that are written take memory.
 *
 * The byte holds the epoch of the marking (h->mark_epoch, as it sits in the object flags).
 * BM-1: after a marking of the mark lane, every block holding a cell that marking marked has its
 * byte equal to h->mark_epoch. The converse need not hold: a block left unmarked for a multiple
 * of 63 markings, or a new block where an old one was, may show the epoch without a marked cell.
 * Such a block is only queued for a lazy sweep, which finds all its cells dead; no block holding
 * a marked cell is ever taken for empty, which is what matters. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE */
#include <sys/mman.h>

#include "core/internal.h"

static void *map_zeroed(size_t bytes) {
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

enum { ROOT_BYTES = GC_BLOCK_MARKS_ROOT_ENTRIES * sizeof(uint8_t *) };

int gc_block_marks_init(gc_heap *h) {
    gc_core(h)->block_marks = map_zeroed(ROOT_BYTES);
    gc_core(h)->block_marks_lo = GC_BLOCK_MARKS_ROOT_ENTRIES;
    gc_core(h)->block_marks_hi = 0;
    return gc_core(h)->block_marks ? 0 : -1;
}

/* Only the first-level entries between the lowest and highest ever made are read: the rest of
 * the 512 KiB first level was never touched, and reading it would fault in its pages. */
void gc_block_marks_destroy(gc_heap *h) {
    if (gc_core(h)->block_marks == NULL) return;
    for (uint32_t i = gc_core(h)->block_marks_lo; i < gc_core(h)->block_marks_hi; i++)
        if (gc_core(h)->block_marks[i]) munmap(gc_core(h)->block_marks[i], GC_BLOCK_MARKS_LEAF_BYTES);
    munmap(gc_core(h)->block_marks, ROOT_BYTES);
    gc_core(h)->block_marks = NULL;
}

int gc_block_marks_cover(gc_heap *h, const void *base, size_t bytes) {
    uintptr_t first = (uintptr_t)base, last = first + bytes - 1;
    if (bytes == 0 || last < first || last >> GC_BLOCK_MARKS_ADDRESS_BITS != 0) return -1; /* beyond the table */
    for (uintptr_t i = first >> GC_BLOCK_MARKS_LEAF_SHIFT; i <= last >> GC_BLOCK_MARKS_LEAF_SHIFT; i++) {
        if (gc_core(h)->block_marks[i]) continue;
        gc_core(h)->block_marks[i] = map_zeroed(GC_BLOCK_MARKS_LEAF_BYTES);
        if (gc_core(h)->block_marks[i] == NULL) return -1;
        if (i < gc_core(h)->block_marks_lo) gc_core(h)->block_marks_lo = (uint32_t)i;
        if (i >= gc_core(h)->block_marks_hi) gc_core(h)->block_marks_hi = (uint32_t)i + 1;
    }
    return 0;
}
