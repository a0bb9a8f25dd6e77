/* The reachability oracle (see oracle.h). Plain arrays and explicit work lists: the oracle must
 * handle the same graph shapes as the collectors without recursing. */
#include "tests/oracle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The oracle's own allocations: out of memory here is a broken test machine, not a finding. */
static void *must_realloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (q == NULL) {
        fprintf(stderr, "oracle: out of memory\n");
        abort();
    }
    return q;
}

void oracle_init(oracle *o, size_t nglobals) {
    memset(o, 0, sizeof *o);
    o->nglobals = nglobals;
    o->globals = must_realloc(NULL, nglobals * sizeof *o->globals);
    for (size_t i = 0; i < nglobals; i++) o->globals[i] = ORACLE_NIL;
}

void oracle_free(oracle *o) {
    for (size_t i = 0; i < o->nobjs; i++) free(o->objs[i].slots);
    free(o->objs);
    free(o->regs);
    free(o->globals);
    free(o->state);
    free(o->work);
    free(o->indeg);
    memset(o, 0, sizeof *o);
}

uint32_t oracle_new(oracle *o, uint32_t nslots, uint32_t nbytes) {
    if (o->nobjs == o->objs_cap) {
        o->objs_cap = o->objs_cap ? o->objs_cap * 2 : 1024;
        o->objs = must_realloc(o->objs, o->objs_cap * sizeof *o->objs);
    }
    oracle_obj *x = &o->objs[o->nobjs];
    x->nslots = nslots;
    x->nbytes = nbytes;
    x->slots = must_realloc(NULL, (size_t)nslots * sizeof *x->slots);
    for (uint32_t s = 0; s < nslots; s++) x->slots[s] = ORACLE_NIL;
    return (uint32_t)o->nobjs++;
}

void oracle_regs_push(oracle *o, size_t n) {
    if (o->nregs + n > o->regs_cap) {
        while (o->nregs + n > o->regs_cap) o->regs_cap = o->regs_cap ? o->regs_cap * 2 : 64;
        o->regs = must_realloc(o->regs, o->regs_cap * sizeof *o->regs);
    }
    for (size_t i = 0; i < n; i++) o->regs[o->nregs++] = ORACLE_NIL;
}

void oracle_regs_truncate(oracle *o, size_t n) {
    if (n < o->nregs) o->nregs = n;
}

static void ensure_scratch(oracle *o) {
    if (o->scratch_cap >= o->nobjs) return;
    o->scratch_cap = o->objs_cap;
    o->state = must_realloc(o->state, o->scratch_cap);
    o->work = must_realloc(o->work, o->scratch_cap * sizeof *o->work);
    o->indeg = must_realloc(o->indeg, o->scratch_cap * sizeof *o->indeg);
}

static void reach_root(oracle *o, uint32_t id, size_t *top) {
    if (id == ORACLE_NIL || o->state[id] == ORACLE_REACHABLE) return;
    o->state[id] = ORACLE_REACHABLE;
    o->work[(*top)++] = id;
}

void oracle_analyse(oracle *o, oracle_view *v) {
    ensure_scratch(o);
    memset(v, 0, sizeof *v);
    memset(o->state, ORACLE_FREEABLE, o->nobjs);
    size_t top = 0;
    for (size_t r = 0; r < o->nregs; r++) reach_root(o, o->regs[r], &top);
    for (size_t g = 0; g < o->nglobals; g++) reach_root(o, o->globals[g], &top);
    while (top) { /* each object is pushed once, so the work list never exceeds nobjs */
        const oracle_obj *x = &o->objs[o->work[--top]];
        for (uint32_t s = 0; s < x->nslots; s++) reach_root(o, x->slots[s], &top);
    }
    for (size_t i = 0; i < o->nobjs; i++) {
        if (o->state[i] == ORACLE_REACHABLE) {
            v->reachable_objects++;
            v->reachable_bytes += gc_object_size(o->objs[i].nslots, o->objs[i].nbytes);
        } else {
            v->unreachable_objects++;
        }
    }

    /* What reference counting frees: peel unreachable objects that no remaining unreachable
     * object refers to (reachable objects never refer to unreachable ones). What is left are the
     * cycles and everything only they refer to. Garbage may refer to reachable objects: those
     * edges are not counted. */
    memset(o->indeg, 0, o->nobjs * sizeof *o->indeg);
    for (size_t i = 0; i < o->nobjs; i++) {
        if (o->state[i] == ORACLE_REACHABLE) continue;
        o->state[i] = ORACLE_STUCK; /* until peeled */
        const oracle_obj *x = &o->objs[i];
        for (uint32_t s = 0; s < x->nslots; s++)
            if (x->slots[s] != ORACLE_NIL && o->state[x->slots[s]] != ORACLE_REACHABLE) o->indeg[x->slots[s]]++;
    }
    top = 0;
    for (size_t i = 0; i < o->nobjs; i++)
        if (o->state[i] != ORACLE_REACHABLE && o->indeg[i] == 0) o->work[top++] = (uint32_t)i;
    uint64_t freed = 0;
    while (top) {
        uint32_t id = o->work[--top];
        const oracle_obj *x = &o->objs[id];
        o->state[id] = ORACLE_FREEABLE;
        freed++;
        for (uint32_t s = 0; s < x->nslots; s++) {
            uint32_t c = x->slots[s];
            if (c != ORACLE_NIL && o->state[c] != ORACLE_REACHABLE && --o->indeg[c] == 0) o->work[top++] = c;
        }
    }
    v->rc_stuck_objects = v->unreachable_objects - freed;
}

/* Byte k (k >= 8) of object id's raw bytes. */
static uint8_t pattern_byte(uint32_t id, uint32_t k) { return (uint8_t)(id * 131u + k * 7u + 0x5a); }

void oracle_fill_raw(uint32_t id, uint8_t *raw, uint32_t nbytes) {
    uint64_t v = (uint64_t)id | 0x1d00000000000000ull; /* never all-poison, never zero */
    memcpy(raw, &v, sizeof v);
    for (uint32_t k = ORACLE_ID_BYTES; k < nbytes; k++) raw[k] = pattern_byte(id, k);
}

uint64_t oracle_read_id(const uint8_t *raw) {
    uint64_t v;
    memcpy(&v, raw, sizeof v);
    return v ^ 0x1d00000000000000ull;
}

long oracle_check_raw(uint32_t id, const uint8_t *raw, uint32_t nbytes) {
    if (oracle_read_id(raw) != id) return 0;
    /* Every byte of small payloads; a stride through large ones, and always the last byte. */
    uint32_t step = nbytes <= 512 ? 1 : 61;
    for (uint32_t k = ORACLE_ID_BYTES; k < nbytes; k += step)
        if (raw[k] != pattern_byte(id, k)) return k;
    if (nbytes > ORACLE_ID_BYTES && raw[nbytes - 1] != pattern_byte(id, nbytes - 1)) return nbytes - 1;
    return -1;
}
