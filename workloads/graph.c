/* graph: a random directed graph, mutated over time, whose detached regions become garbage.
 *
 * `vertices` vertex objects, each with `degree` out-edge slots, are held in a table (the graph's
 * root set). Every edge slot gets a target: uniformly random (`attach` uniform: in-degrees are
 * binomial) or preferential (half the time a uniformly random vertex, half the time the target of
 * a uniformly random existing edge: a vertex is chosen in proportion to its in-degree plus a
 * constant, so in-degrees follow a power law with hubs). Self-loops and parallel edges are allowed.
 *
 * Then each of `steps` steps either (probability 1 - detach_rate) rewires one random edge to a
 * new target, or detaches a region: the vertices reached by a breadth-first walk along out-edges
 * from a random vertex, up to detach_size of them. Detaching replaces each region vertex with a
 * fresh one that takes over its table entry and its in-edges from outside the region (so the
 * graph keeps its shape and degrees), then draws the fresh vertices' out-edges anew. The old
 * region objects are now unreachable, still linked among themselves: whatever cycles the walk
 * enclosed are cyclic garbage that reference counting cannot free; the rest it frees.
 *
 * The workload mirrors the edges outside the heap (targets and per-vertex in-edge lists as index
 * arrays in gc_heap_scratch memory) to find in-edges without searching; the heap holds the
 * objects. Live size (gc_object_size bytes) is constant, exactly:
 *     vertices * (16 + 8 * degree + payload) + wl_table_bytes(vertices). */
#include <string.h>

#include "gclab/workload.h"
#include "workloads/table.h"

enum { TAG_VERTEX = 80, TAG_TABLE = 81 };
#define NONE UINT32_MAX /* no vertex / no edge */

static const gc_param_desc graph_params[] = {
    {"steps", GC_PARAM_INT, "5000000", "steps", 1, 1e12, NULL, "number of mutation steps (the size parameter)"},
    {"vertices", GC_PARAM_INT, "100000", "vertices", 2, 1e7, NULL, "vertices in the graph"},
    {"degree", GC_PARAM_INT, "4", "edges", 1, 64, NULL, "out-edges of every vertex"},
    {"attach", GC_PARAM_CHOICE, "preferential", "", 0, 0, "uniform|preferential",
     "how edge targets are chosen: uniformly, or in proportion to in-degree (power-law hubs)"},
    {"detach_rate", GC_PARAM_REAL, "0.02", "ratio", 0, 1, NULL,
     "probability that a step detaches a region (else it rewires an edge)"},
    {"detach_size", GC_PARAM_INT, "32", "vertices", 1, 1e7, NULL, "most vertices in a detached region"},
    {"payload", GC_PARAM_INT, "16", "bytes", 0, 1 << 20, NULL, "raw bytes in each vertex"},
    GC_PARAM_END,
};

/* The edge mirror: edge e = u * degree + k is slot k of vertex u. The parameter ranges keep
 * vertices * degree below 2^32 - 1, so edge and vertex numbers fit in 32 bits with NONE spare. */
typedef struct mirror {
    uint32_t nv, degree;
    bool preferential;
    uint32_t *target;           /* [nv * degree]: the edge's target vertex, or NONE */
    uint32_t *in_head;          /* [nv]: first edge into the vertex, or NONE */
    uint32_t *in_next, *in_prev; /* [nv * degree]: the doubly linked in-edge list of the target */
    uint32_t *stamp;            /* [nv]: region marks, by walk number */
    uint32_t *region;           /* [nv]: the region's vertices, in walk order */
} mirror;

static void edge_link(mirror *m, uint32_t e, uint32_t t) {
    m->target[e] = t;
    m->in_prev[e] = NONE;
    m->in_next[e] = m->in_head[t];
    if (m->in_head[t] != NONE) m->in_prev[m->in_head[t]] = e;
    m->in_head[t] = e;
}

static void edge_unlink(mirror *m, uint32_t e) {
    uint32_t t = m->target[e];
    if (t == NONE) return;
    if (m->in_prev[e] != NONE) m->in_next[m->in_prev[e]] = m->in_next[e];
    else m->in_head[t] = m->in_next[e];
    if (m->in_next[e] != NONE) m->in_prev[m->in_next[e]] = m->in_prev[e];
    m->target[e] = NONE;
}

static uint32_t pick_target(const mirror *m, gc_rng *rng) {
    if (m->preferential && gc_rng_below(rng, 2)) {
        uint32_t t = m->target[gc_rng_below(rng, (uint64_t)m->nv * m->degree)];
        if (t != NONE) return t;
    }
    return (uint32_t)gc_rng_below(rng, m->nv);
}

/* Point edge e at a newly drawn target, in the heap and in the mirror. Register `from` must hold
 * the edge's source vertex; register `to` is scratch. */
static void edge_draw(gc_heap *h, mirror *m, const wl_table *t, uint32_t e, uint32_t from, uint32_t to, gc_rng *rng) {
    uint32_t v = pick_target(m, rng);
    wl_table_get(h, t, to, v);
    gc_set(h, from, e % m->degree, to);
    edge_unlink(m, e);
    edge_link(m, e, v);
}

/* Collect the region: a breadth-first walk along out-edges from `start`, at most `most`
 * vertices. Returns its size; the vertices are m->region[0 ..), marked with stamp `walk`. */
static uint32_t walk_region(mirror *m, uint32_t start, uint32_t most, uint32_t walk) {
    uint32_t len = 0;
    m->region[len++] = start;
    m->stamp[start] = walk;
    for (uint32_t i = 0; i < len && len < most; i++)
        for (uint32_t k = 0; k < m->degree && len < most; k++) {
            uint32_t v = m->target[m->region[i] * m->degree + k];
            if (v == NONE || m->stamp[v] == walk) continue;
            m->stamp[v] = walk;
            m->region[len++] = v;
        }
    return len;
}

/* Replace the region's vertices by fresh ones (see the top comment). Registers: a, b scratch. */
static void detach_region(gc_heap *h, mirror *m, const wl_table *t, uint32_t len, uint32_t a, uint32_t b,
                          uint32_t payload, gc_rng *rng) {
    /* 1. Forget the region's out-edges, so its in-edge lists hold only edges from outside. */
    for (uint32_t i = 0; i < len; i++)
        for (uint32_t k = 0; k < m->degree; k++) edge_unlink(m, m->region[i] * m->degree + k);
    /* 2. A fresh vertex takes each one's table entry and in-edges; the old objects are cut off. */
    for (uint32_t i = 0; i < len; i++) {
        uint32_t s = m->region[i];
        gc_new(h, a, m->degree, payload, TAG_VERTEX);
        for (uint32_t e = m->in_head[s]; e != NONE; e = m->in_next[e]) {
            wl_table_get(h, t, b, e / m->degree);
            gc_set(h, b, e % m->degree, a);
        }
        wl_table_put(h, t, s, a);
    }
    /* 3. Only now draw the fresh vertices' out-edges: every vertex they can reach is live. */
    for (uint32_t i = 0; i < len; i++) {
        uint32_t s = m->region[i];
        wl_table_get(h, t, a, s);
        for (uint32_t k = 0; k < m->degree; k++) edge_draw(h, m, t, s * m->degree + k, a, b, rng);
    }
    gc_drop(h, a);
    gc_drop(h, b);
}

static int graph_run(gc_heap *h, const gc_params *p, gc_rng *rng) {
    int64_t steps = gc_param_int(p, "steps"), nv = gc_param_int(p, "vertices"), degree = gc_param_int(p, "degree");
    int64_t most = gc_param_int(p, "detach_size");
    double detach_rate = gc_param_real(p, "detach_rate");
    uint32_t payload = (uint32_t)gc_param_int(p, "payload");
    if (most > nv) most = nv;
    size_t ne = (size_t)(nv * degree);
    mirror m = {
        .nv = (uint32_t)nv,
        .degree = (uint32_t)degree,
        .preferential = gc_param_choice(p, "attach") == 1,
        .target = gc_heap_scratch(h, ne * sizeof(uint32_t)),
        .in_head = gc_heap_scratch(h, (size_t)nv * sizeof(uint32_t)),
        .in_next = gc_heap_scratch(h, ne * sizeof(uint32_t)),
        .in_prev = gc_heap_scratch(h, ne * sizeof(uint32_t)),
        .stamp = gc_heap_scratch(h, (size_t)nv * sizeof(uint32_t)),
        .region = gc_heap_scratch(h, (size_t)most * sizeof(uint32_t)),
    };
    if (!m.target || !m.in_head || !m.in_next || !m.in_prev || !m.stamp || !m.region) return -1;
    for (size_t e = 0; e < ne; e++) m.target[e] = NONE;
    for (int64_t v = 0; v < nv; v++) m.in_head[v] = NONE;

    uint32_t f = gc_frame_push(h, 4);
    uint32_t table = f, tmp = f + 1, a = f + 2, b = f + 3;
    wl_table t;
    wl_table_new(h, &t, table, tmp, (uint64_t)nv, TAG_TABLE);
    for (int64_t v = 0; v < nv; v++) { /* every vertex first, so that any can be a target */
        gc_new(h, a, m.degree, payload, TAG_VERTEX);
        wl_table_put(h, &t, (uint64_t)v, a);
    }
    for (uint32_t v = 0; v < m.nv; v++) {
        wl_table_get(h, &t, a, v);
        for (uint32_t k = 0; k < m.degree; k++) edge_draw(h, &m, &t, v * m.degree + k, a, b, rng);
    }
    uint32_t walks = 0;
    for (int64_t i = 0; i < steps; i++) {
        if (gc_rng_real(rng) < detach_rate) {
            if (++walks == 0) { /* the stamps wrapped: clear them and start again */
                memset(m.stamp, 0, (size_t)nv * sizeof(uint32_t));
                walks = 1;
            }
            uint32_t len = walk_region(&m, (uint32_t)gc_rng_below(rng, m.nv), (uint32_t)most, walks);
            detach_region(h, &m, &t, len, a, b, payload, rng);
        } else {
            uint32_t e = (uint32_t)gc_rng_below(rng, ne);
            wl_table_get(h, &t, a, e / m.degree);
            edge_draw(h, &m, &t, e, a, b, rng);
        }
    }
    gc_frame_pop(h, f);
    return 0;
}

const gc_workload gc_workload_graph = {
    .name = "graph",
    .summary = "a random directed graph (uniform or preferential attachment) rewired over time, regions detached "
               "as garbage (cyclic)",
    .cyclic = true,
    .params = graph_params,
    .test_params = "steps=200000,vertices=2000",
    .run = graph_run,
};
