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

enum {
    LEAF_SHIFT = 32,                                  /* each second-level table covers 4 GiB */
    ADDRESS_BITS = 48,                                /* the user address space covered */
    ROOT_ENTRIES = 1 << (ADDRESS_BITS - LEAF_SHIFT),  /* 65,536 */
    LEAF_BYTES = 1 << (LEAF_SHIFT - 16),              /* one byte per 64 KiB block: 65,536 */
};
static_assert((size_t)1 << 16 == GC_BLOCK_SIZE, "gc_block_mark_byte indexes by 64 KiB");

static void *map_zeroed(size_t bytes) {
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

int gc_block_marks_init(gc_heap *h) {
    h->block_marks = map_zeroed(ROOT_ENTRIES * sizeof *h->block_marks);
    return h->block_marks ? 0 : -1;
}

void gc_block_marks_destroy(gc_heap *h) {
    if (h->block_marks == NULL) return;
    for (size_t i = 0; i < ROOT_ENTRIES; i++)
        if (h->block_marks[i]) munmap(h->block_marks[i], LEAF_BYTES);
    munmap(h->block_marks, ROOT_ENTRIES * sizeof *h->block_marks);
    h->block_marks = NULL;
}

int gc_block_marks_cover(gc_heap *h, const void *base, size_t bytes) {
    uintptr_t first = (uintptr_t)base, last = first + bytes - 1;
    if (last >> ADDRESS_BITS != 0 || last < first) return -1; /* beyond what the table covers */
    for (uintptr_t i = first >> LEAF_SHIFT; i <= last >> LEAF_SHIFT; i++) {
        if (h->block_marks[i]) continue;
        h->block_marks[i] = map_zeroed(LEAF_BYTES);
        if (h->block_marks[i] == NULL) return -1;
    }
    return 0;
}
