/* gclab object model: the layout every collector and workload agrees on.
 *
 * An object is a 16-byte header, then `nslots` pointer slots, then `nbytes` raw bytes:
 *
 *     | nslots | nbytes | tag | cflags | flags | word |  slot[0] ... slot[n-1]  |  raw bytes ... |
 *       u32      u32     u16   u8       u8      u32
 *
 * Objects with no slots are "atomic": collectors never scan them (CPython would not track them).
 * A collector may ask for a per-object prefix (CPython's PyGC_Head, for example); it lives in the
 * same cell, before the header, and is reported as that collector's overhead.
 *
 * Invariant OBJ-1: the mutator writes slots only through the store barrier (include/gclab/heap.h):
 * gc_store(), or gc_set()'s inline form of it, which does the same work for the plain and the
 * reference-counting barrier; reading slots directly with gc_slots() is allowed. The one other
 * writer is a moving collector during its pause, which updates slots by address to the copies'
 * addresses (include/gclab/tracer.h). */
#ifndef GCLAB_OBJECT_H
#define GCLAB_OBJECT_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

/* Core flag bits (gc_object.flags); collector bits go in gc_object.cflags. The upper six bits
 * are the object's mark epoch: which of the last 63 markings of the mark lane last reached it
 * (1..63; 0: none since it was allocated). Keeping the mark in the header rather than in a side
 * bitmap spares the mark loop a second cache miss per object (it reads the header anyway), and
 * numbering the markings means no mark is ever cleared: a new marking uses the next epoch
 * (core/mark.c, and core/space_sizeclass.c for why 63 values suffice with lazy sweeping). */
enum {
    GC_OBJ_FREE = 1u << 0,      /* the cell is on a free list: never a live object */
    GC_OBJ_LARGE = 1u << 1,     /* the cell is a large-object block of its own */
    GC_OBJ_FORWARDED = GC_OBJ_FREE | GC_OBJ_LARGE, /* both at once: copied, see gclab/space.h */
    GC_OBJ_EPOCH_SHIFT = 2,     /* flags >> GC_OBJ_EPOCH_SHIFT: the mark epoch */
    GC_OBJ_EPOCH_MASK = 0xfcu,
    GC_MARK_EPOCHS = 63         /* epochs 1..63 are used in turn */
};

/* The bits of cflags the core reads, each only for a collector that asks for its barrier (every
 * other collector owns all eight): */
/* With the logging barrier (GC_BARRIER_LOG,
 * include/gclab/collector.h), a slot store into an object carrying it first logs the object
 * (gc_log_object, include/gclab/heap.h). The collector that asks for the barrier sets the bit
 * (gc_log_arm) on the objects whose stores it must hear of; every other cflags bit is its own. */
enum { GC_CFLAG_UNLOGGED = 1u << 7 };
/* The second: with GC_BARRIER_RC_CANDIDATES, an object whose count falls to a non-zero value is
 * buffered once as a candidate cycle root (the core sets this bit as it buffers it; the collector
 * clears it with gc_rc_unbuffer), and a buffered object whose count reaches zero is not freed by
 * the cascade: its children are released and its slots cleared, and the collector frees it. */
enum { GC_CFLAG_BUFFERED = 1u << 6 };
/* And the third, the core's under every GC_BARRIER_RC collector (the counting barrier clears it
 * at every increment, a store cheaper than testing whether to): with GC_BARRIER_RC_CANDIDATES it
 * is set when the object's count falls to a non-zero value, cleared when its count rises (Bacon and Rajan's purple against black): a buffered object whose last change
 * was an increment cannot be the root of a garbage cycle formed since it was buffered. */
enum { GC_CFLAG_PURPLE = 1u << 5 };

typedef struct gc_object {
    uint32_t nslots; /* number of pointer slots */
    uint32_t nbytes; /* number of raw (never scanned) bytes after the slots */
    uint16_t tag;    /* workload-defined type tag; the core never interprets it */
    uint8_t cflags;  /* owned by the collector (mark, generation, colour, ...) */
    uint8_t flags;   /* owned by the core: GC_OBJ_* */
    uint32_t word;   /* reference count for RC barriers; otherwise the collector's to use */
} gc_object;

static_assert(sizeof(gc_object) == 16, "the object header must stay 16 bytes");

/* The header's second word (tag, cflags, flags, word) as one little-endian 64-bit value, which
 * the allocation path writes in one store: a field's value is shifted by its byte offset in it. */
enum { GC_OBJECT_SECOND_WORD = 8, GC_OBJECT_FLAGS_SHIFT = 8 * (11 - 8) };
static_assert(offsetof(gc_object, tag) == 8 && offsetof(gc_object, cflags) == 10 && offsetof(gc_object, flags) == 11 &&
                  offsetof(gc_object, word) == 12,
              "the header's second word is tag, cflags, flags, word");
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "gclab's allocation path writes the header's second word as a little-endian value"
#endif

static inline gc_object **gc_slots(gc_object *o) { return (gc_object **)(o + 1); }

static inline uint8_t *gc_raw(gc_object *o) { return (uint8_t *)(gc_slots(o) + o->nslots); }

static inline int gc_is_atomic(const gc_object *o) { return o->nslots == 0; }

/* Bytes an object occupies, header included, before rounding and collector prefix. This is the
 * figure reported as "bytes allocated": it is identical on every collector. */
static inline size_t gc_object_size(uint32_t nslots, uint32_t nbytes) {
    return sizeof(gc_object) + (size_t)nslots * sizeof(gc_object *) + nbytes;
}

#endif
