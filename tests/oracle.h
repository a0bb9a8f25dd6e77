/* The reachability oracle: a model of the object graph kept outside the heap, against which the
 * conformance tests judge every collector.
 *
 * Every object the program allocates gets an id (0, 1, 2, ... in allocation order), written into
 * the first 8 of its raw bytes; the rest of its raw bytes hold a pattern derived from the id. The
 * oracle records each object's slot and byte counts and its edges (slot -> id), the registers
 * (one per heap root slot, in the same order) and the global roots. It never forgets an object:
 * unreachable objects keep their edges, which is what rc's leak depends on.
 *
 * Invariant ORACLE-1: after each mirrored operation, regs[r] is the id of the object in heap root
 * slot r (ORACLE_NIL for nil), and objs[x].slots[s] the id of the object in slot s of object x. */
#ifndef GCLAB_TESTS_ORACLE_H
#define GCLAB_TESTS_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gclab/object.h"

#define ORACLE_NIL UINT32_MAX
#define ORACLE_ID_BYTES 8 /* every test object has at least this many raw bytes */

typedef struct oracle_obj {
    uint32_t nslots, nbytes;
    uint32_t *slots; /* ids, or ORACLE_NIL */
} oracle_obj;

typedef struct oracle {
    oracle_obj *objs;
    size_t nobjs, objs_cap;
    uint32_t *regs;
    size_t nregs, regs_cap;
    uint32_t *globals;
    size_t nglobals;
    /* results and scratch of oracle_analyse, sized to nobjs */
    uint8_t *state; /* ORACLE_REACHABLE, ORACLE_STUCK or ORACLE_FREEABLE, by id */
    uint32_t *work, *indeg;
    size_t scratch_cap;
} oracle;

/* What the oracle says the heap must hold. */
typedef struct oracle_view {
    uint64_t reachable_objects, reachable_bytes; /* bytes: gc_object_size() */
    uint64_t unreachable_objects;                /* all garbage the program ever made */
    uint64_t rc_stuck_objects;                   /* garbage reference counting can never free */
} oracle_view;

void oracle_init(oracle *o, size_t nglobals);
void oracle_free(oracle *o);

/* A new object; returns its id. */
uint32_t oracle_new(oracle *o, uint32_t nslots, uint32_t nbytes);
/* Registers mirror the heap's root slots: push n nil registers, or truncate to n. */
void oracle_regs_push(oracle *o, size_t n);
void oracle_regs_truncate(oracle *o, size_t n);

/* What oracle_analyse finds each object to be. */
enum {
    ORACLE_FREEABLE = 0,  /* garbage that reference counting frees */
    ORACLE_REACHABLE = 1, /* reachable from a register or global */
    ORACLE_STUCK = 2,     /* garbage in or under a cycle: reference counting never frees it */
};

/* Compute reachability from the registers and globals and the garbage figures (into o->state):
 * the stuck objects are what remains of the unreachable ones after repeatedly removing those
 * that no remaining unreachable object refers to (what a reference count alone can free). */
void oracle_analyse(oracle *o, oracle_view *v);
static inline int oracle_state(const oracle *o, uint32_t id) { return o->state[id]; }

/* The raw bytes of object `id`: the id in the first 8, then a pattern. */
void oracle_fill_raw(uint32_t id, uint8_t *raw, uint32_t nbytes);
/* Check raw bytes against the pattern: -1 if intact, else the offset of the first bad byte
 * checked (large payloads are sampled). */
long oracle_check_raw(uint32_t id, const uint8_t *raw, uint32_t nbytes);
/* The id in an object's first raw bytes. */
uint64_t oracle_read_id(const uint8_t *raw);

#endif
