/* mine: a first-in first-out queue of `length` objects, pushed at the tail and popped at the head.
 *
 * Every object lives exactly `length` pushes, so the live set is constant and every object dies
 * middle-aged: the case generational collectors find hardest. Each node has one pointer slot
 * (the next node) and 8 to `payload` raw bytes chosen by the seeded generator; its first 8 bytes
 * hold its sequence number, which the workload checks as it pops, so a collector that frees or
 * overwrites a live node fails the run (exit code 6). Acyclic: reference counting frees it all.
 *
 * Like every gclab workload it holds objects only in root registers and changes the graph only
 * through the operations of <gclab/mutator.h>, so it is precise and replays on any collector. */
#include <string.h>

#include <gclab/workload.h>

#include "mine.h"

enum { TAG_NODE = 1 };

static const gc_param_desc queue_params[] = {
    {"items", GC_PARAM_INT, "1000000", "objects", 1, 1e12, NULL, "objects pushed"},
    {"length", GC_PARAM_INT, "10000", "objects", 1, 1e9, NULL, "objects in the queue once it is full"},
    {"payload", GC_PARAM_INT, "48", "bytes", 8, 1 << 20, NULL, "largest raw size of a node (uniform from 8)"},
    GC_PARAM_END,
};

static uint64_t sequence_of(gc_heap *h, uint32_t r) {
    uint64_t seq;
    memcpy(&seq, gc_raw(gc_reg(h, r)), sizeof seq);
    return seq;
}

static int queue_run(gc_heap *h, const gc_params *p, gc_rng *rng) {
    int64_t items = gc_param_int(p, "items"), length = gc_param_int(p, "length");
    uint64_t payload = (uint64_t)gc_param_int(p, "payload");
    uint32_t f = gc_frame_push(h, 3);
    uint32_t head = f, tail = f + 1, fresh = f + 2;
    uint64_t popped = 0;
    int status = 0;
    for (int64_t i = 0; i < items; i++) {
        uint32_t nbytes = (uint32_t)(8 + gc_rng_below(rng, payload - 8 + 1));
        gc_new(h, fresh, 1, nbytes, TAG_NODE);
        uint64_t seq = (uint64_t)i;
        memcpy(gc_raw(gc_reg(h, fresh)), &seq, sizeof seq);
        if (gc_reg(h, tail) == NULL) gc_copy(h, head, fresh);
        else gc_set(h, tail, 0, fresh);
        gc_copy(h, tail, fresh);
        if (i >= length) { /* full: pop the oldest */
            if (sequence_of(h, head) != popped) status = -1;
            popped++;
            gc_get(h, head, head, 0);
        }
    }
    gc_frame_pop(h, f);
    return status;
}

const gc_workload mine_workload = {
    .name = "mine",
    .summary = "example: a FIFO queue of `length` objects; every object dies after `length` pushes (acyclic)",
    .cyclic = false,
    .params = queue_params,
    .test_params = "items=20000,length=500",
    .run = queue_run,
};
