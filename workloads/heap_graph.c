/* heap-graph: the object graph of a real program, rebuilt from a snapshot and then churned.
 *
 * A snapshot (docs/snapshot-format.md; tools/pyheap-snapshot.py writes them from any Python
 * program) lists objects with their sizes and referents, and marks the roots: the objects the
 * program reaches from outside its heap. heap-graph
 *   1. builds the same graph: one gclab object per record, with one slot per referent (edges kept
 *      in order, duplicates and self-references included) and raw bytes for the rest of the
 *      record's size, so that gc_object_size() = max(size, 16 + 8 * referents); one root
 *      register per root. Objects are reached during the build through temporary directory
 *      objects of DIR_SLOTS slots, dropped at the end, so that afterwards only what the roots
 *      reach stays alive (every object, for files written by the tool);
 *   2. churns it for `steps` steps. Each step drops and rebuilds random subgraphs until `churn`
 *      times the graph's object count has been replaced. A subgraph is the dominator subtree of
 *      an anchor object (workloads/dominators.h): exactly what dies when the references to the
 *      anchor from outside it are dropped. The step reaches the old subgraph through the graph
 *      itself (gc_get along a breadth-first path from a root register), allocates a copy, fills
 *      the copy's slots (inside references to the copy, outside ones read from the old object),
 *      rewires the anchor's outside referrers to the copy, and drops the old subgraph: garbage of
 *      the real program's shape, cyclic wherever the program's data was.
 * Invariant HG-1: between steps, the graph reachable from the roots is isomorphic to the
 * snapshot's (same objects, sizes and slot order), so census figures after any step equal those
 * after the build.
 * At the end the graph stays reachable: the run's live figures are the program's heap.
 *
 * Peak live (gc_object_size bytes, analytic and exact): the snapshot's bytes, the sum over its
 * records of max(size, 16 + 8 * referents) (10.5 MB for stdlib-imports, 7.6 MB for ast-inspect),
 * plus at most two copies of one subgraph (2 * subgraph_max objects) during a step. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gclab/workload.h"
#include "workloads/dominators.h"
#include "workloads/snapshot.h"
#include "workloads/snapshot_dirs.h"

enum { TAG_DIRECTORY = 0, DIR_SLOTS = 496 }; /* 16 + 496 * 8 bytes: a small object */
#define NONE UINT32_MAX

/* The shipped snapshots, in the order of the `snapshot` choices (data/snapshots/NAME.snap). */
static const char *const shipped[] = {"stdlib-imports", "ast-inspect"};

static const gc_param_desc heap_graph_params[] = {
    {"snapshot", GC_PARAM_CHOICE, "stdlib-imports", "", 0, 0, "stdlib-imports|ast-inspect",
     "shipped snapshot (data/snapshots/): after importing 85 stdlib modules, or holding the ast of inspect.py"},
    {"path", GC_PARAM_TEXT, "", "file", 0, 0, NULL,
     "snapshot file to load instead of the shipped one (written by tools/pyheap-snapshot.py)"},
    {"steps", GC_PARAM_INT, "5000", "steps", 0, 1e12, NULL, "churn steps after the build"},
    {"churn", GC_PARAM_REAL, "0.01", "ratio", 0, 1, NULL,
     "objects dropped and rebuilt per step, as a fraction of the graph's reachable objects"},
    {"subgraph_max", GC_PARAM_INT, "1000", "objects", 1, 1e7, NULL, "largest subgraph dropped and rebuilt at once"},
    {"max_incoming", GC_PARAM_INT, "8", "references", 1, 1e9, NULL,
     "subgraphs with more references from outside (each rewired through a path from a root) are never chosen"},
    GC_PARAM_END,
};

/* The snapshot and what the churn needs to know about its graph. All arrays are scratch memory
 * of the heap (gc_heap_scratch), so that nothing leaks if the run ends through the fatal
 * handler. */
typedef struct graph {
    wl_snapshot s;
    uint64_t *pred_first; /* referrers: object x is referred to by pred[pred_first[x] .. pred_first[x+1]), */
    uint32_t *pred;       /* ascending, one entry per referring slot */
    uint32_t *parent;     /* breadth-first tree from the roots: x = slot parent_slot[x] of parent[x]; */
    uint32_t *parent_slot; /* for a root, parent is NONE and parent_slot its root register offset */
    uint32_t *path;       /* room for the longest tree path */
    uint32_t *idom, *order, *pre, *dsize; /* dominator tree (dominators.h) */
    uint32_t *candidates; /* anchors the churn may choose */
    uint32_t ncandidates, reachable;
    uint32_t *queue;      /* breadth-first work list (objects), for the tree and for each replacement */
    uint8_t *loaded;      /* subgraph_max flags: which objects of the old subgraph are in registers */
    uint32_t roots_base;  /* register of the first root */
} graph;

static uint32_t nslots_of(const wl_snapshot *s, uint32_t x) { return (uint32_t)(s->first[x + 1] - s->first[x]); }

static uint32_t nbytes_of(const wl_snapshot *s, uint32_t x) {
    uint64_t header = 16 + 8 * (uint64_t)nslots_of(s, x);
    return s->size[x] > header ? (uint32_t)(s->size[x] - header) : 0;
}

static uint16_t tag_of(const wl_snapshot *s, uint32_t x) {
    return (uint16_t)(s->type[x] < UINT16_MAX - 1 ? s->type[x] + 1 : UINT16_MAX);
}

/* Is y in the dominator subtree of a? */
static bool dominated(const graph *g, uint32_t y, uint32_t a) { return g->pre[y] - g->pre[a] < g->dsize[a]; }

static void *scratch(gc_heap *h, uint64_t n, size_t each) {
    return gc_heap_scratch(h, (size_t)(n ? n : 1) * each);
}

/* The referrer lists: every edge reversed, grouped by target, sources ascending. */
static bool index_referrers(gc_heap *h, graph *g) {
    const wl_snapshot *s = &g->s;
    if (!(g->pred_first = scratch(h, (uint64_t)s->nobjects + 1, sizeof *g->pred_first)) ||
        !(g->pred = scratch(h, s->nedges, sizeof *g->pred)))
        return false;
    for (uint64_t e = 0; e < s->nedges; e++) g->pred_first[s->target[e] + 1]++;
    for (uint32_t x = 0; x < s->nobjects; x++) g->pred_first[x + 1] += g->pred_first[x];
    uint64_t *fill = scratch(h, s->nobjects, sizeof *fill);
    if (fill == NULL) return false;
    memcpy(fill, g->pred_first, (size_t)s->nobjects * sizeof *fill);
    for (uint32_t x = 0; x < s->nobjects; x++)
        for (uint64_t e = s->first[x]; e < s->first[x + 1]; e++) g->pred[fill[s->target[e]]++] = x;
    return true;
}

/* The breadth-first tree from the roots (in id order): how the churn reaches any object. */
static bool index_paths(gc_heap *h, graph *g) {
    const wl_snapshot *s = &g->s;
    uint32_t n = s->nobjects, *depth;
    if (!(g->parent = scratch(h, n, sizeof *g->parent)) || !(g->parent_slot = scratch(h, n, sizeof *g->parent_slot)) ||
        !(depth = scratch(h, n, sizeof *depth)) || !(g->queue = scratch(h, n, sizeof *g->queue)))
        return false;
    uint32_t head = 0, tail = 0, nroots = 0, max_depth = 0;
    for (uint32_t x = 0; x < n; x++) {
        g->parent[x] = NONE;
        depth[x] = NONE;
        if (s->is_root[x]) {
            g->parent_slot[x] = nroots++;
            depth[x] = 0;
            g->queue[tail++] = x;
        }
    }
    while (head < tail) {
        uint32_t u = g->queue[head++];
        for (uint64_t e = s->first[u]; e < s->first[u + 1]; e++) {
            uint32_t y = s->target[e];
            if (depth[y] != NONE) continue;
            depth[y] = depth[u] + 1;
            if (depth[y] > max_depth) max_depth = depth[y];
            g->parent[y] = u;
            g->parent_slot[y] = (uint32_t)(e - s->first[u]);
            g->queue[tail++] = y;
        }
    }
    g->reachable = tail;
    return (g->path = scratch(h, (uint64_t)max_depth + 1, sizeof *g->path)) != NULL;
}

/* Dominator tree, then the anchors: reachable objects whose dominator subtree has at most
 * subgraph_max objects and at most max_incoming references from outside it. */
static int index_subgraphs(gc_heap *h, graph *g, int64_t subgraph_max, int64_t max_incoming) {
    const wl_snapshot *s = &g->s;
    uint32_t n = s->nobjects;
    if (!(g->idom = scratch(h, (uint64_t)n + 1, sizeof *g->idom)) || !(g->order = scratch(h, n, sizeof *g->order)) ||
        !(g->pre = scratch(h, n, sizeof *g->pre)) || !(g->dsize = scratch(h, n, sizeof *g->dsize)) ||
        !(g->candidates = scratch(h, n, sizeof *g->candidates)) ||
        !(g->loaded = scratch(h, (uint64_t)subgraph_max, 1)))
        return -1;
    wl_adjacency succ = {s->first, s->target}, pred = {g->pred_first, g->pred};
    if (wl_dominators(n, succ, pred, s->is_root, g->idom) != 0 ||
        wl_dominator_preorder(n, g->idom, g->order, g->pre, g->dsize) < 0) {
        gc_fail(h, GC_ERR_NOMEM, "out of memory for the dominator tree of a %u-object snapshot", n);
        return -1;
    }
    for (uint32_t x = 0; x < n; x++) {
        if (g->pre[x] == NONE || g->dsize[x] > subgraph_max) continue;
        int64_t incoming = s->is_root[x];
        for (uint64_t e = g->pred_first[x]; e < g->pred_first[x + 1]; e++)
            incoming += g->pre[g->pred[e]] != NONE && !dominated(g, g->pred[e], x); /* garbage referrers do not count */
        if (incoming <= max_incoming) g->candidates[g->ncandidates++] = x;
    }
    return 0;
}

/* Register `reg` = object x, reached from its root register along the breadth-first tree, one
 * gc_get per edge, as the program itself would reach it. */
static void navigate(gc_heap *h, graph *g, uint32_t x, uint32_t reg) {
    uint32_t d = 0;
    for (; g->parent[x] != NONE; x = g->parent[x]) g->path[d++] = g->parent_slot[x];
    gc_copy(h, reg, g->roots_base + g->parent_slot[x]);
    while (d > 0) gc_get(h, reg, reg, g->path[--d]);
}

/* Build the snapshot's graph (step 1 of the header comment); the roots frame is already pushed. */
static void build(gc_heap *h, graph *g) {
    const wl_snapshot *s = &g->s;
    uint32_t n = s->nobjects, ndirs = (n + DIR_SLOTS - 1) / DIR_SLOTS;
    uint32_t f = gc_frame_push(h, ndirs + 2), dir = f, obj = f + ndirs, tmp = f + ndirs + 1;
    for (uint32_t d = 0; d < ndirs; d++) gc_new(h, dir + d, DIR_SLOTS, 0, TAG_DIRECTORY);
    for (uint32_t x = 0; x < n; x++) {
        gc_new(h, tmp, nslots_of(s, x), nbytes_of(s, x), tag_of(s, x));
        gc_set(h, dir + x / DIR_SLOTS, x % DIR_SLOTS, tmp);
    }
    for (uint32_t x = 0; x < n; x++) {
        if (s->first[x] == s->first[x + 1]) continue;
        gc_get(h, obj, dir + x / DIR_SLOTS, x % DIR_SLOTS);
        for (uint64_t e = s->first[x]; e < s->first[x + 1]; e++) {
            uint32_t y = s->target[e];
            gc_get(h, tmp, dir + y / DIR_SLOTS, y % DIR_SLOTS);
            gc_set(h, obj, (uint32_t)(e - s->first[x]), tmp);
        }
    }
    for (uint32_t x = 0; x < n; x++)
        if (s->is_root[x]) gc_get(h, g->roots_base + g->parent_slot[x], dir + x / DIR_SLOTS, x % DIR_SLOTS);
    gc_frame_pop(h, f);
}

/* Drop the dominator subtree of anchor a and rebuild it (step 2 of the header comment). Its k
 * objects are order[pre[a] ..], so an object's register offset is its preorder distance from a.
 * Returns k. */
static uint32_t replace_subgraph(gc_heap *h, graph *g, uint32_t a) {
    const wl_snapshot *s = &g->s;
    uint32_t k = g->dsize[a], base = g->pre[a];
    uint32_t f = gc_frame_push(h, 2 * k + 2), old = f, copy = f + k, tmp = f + 2 * k, cur = f + 2 * k + 1;

    /* The old subgraph into registers: the anchor by its path, the rest breadth-first from it,
     * inside the subtree (every object a dominates is reachable from a through such objects). */
    navigate(h, g, a, old);
    memset(g->loaded, 0, k);
    g->loaded[0] = 1;
    g->queue[0] = a;
    for (uint32_t head = 0, tail = 1; head < tail; head++) {
        uint32_t u = g->queue[head], lu = g->pre[u] - base;
        for (uint64_t e = s->first[u]; e < s->first[u + 1]; e++) {
            uint32_t ly = g->pre[s->target[e]] - base;
            if (ly >= k || g->loaded[ly]) continue;
            g->loaded[ly] = 1;
            gc_get(h, old + ly, old + lu, (uint32_t)(e - s->first[u]));
            g->queue[tail++] = s->target[e];
        }
    }

    /* The copy: same sizes, inside references to the copy, outside ones as the old object has them. */
    for (uint32_t j = 0; j < k; j++) {
        uint32_t x = g->order[base + j];
        gc_new(h, copy + j, nslots_of(s, x), nbytes_of(s, x), tag_of(s, x));
    }
    for (uint32_t j = 0; j < k; j++) {
        uint32_t x = g->order[base + j];
        for (uint64_t e = s->first[x]; e < s->first[x + 1]; e++) {
            uint32_t slot = (uint32_t)(e - s->first[x]), ly = g->pre[s->target[e]] - base;
            if (ly < k) {
                gc_set(h, copy + j, slot, copy + ly);
            } else {
                gc_get(h, tmp, old + j, slot);
                gc_set(h, copy + j, slot, tmp);
            }
        }
    }

    /* Rewire the anchor's referrers from outside (nothing outside refers to the rest: HG-1). */
    if (s->is_root[a]) gc_copy(h, g->roots_base + g->parent_slot[a], copy);
    for (uint64_t e = g->pred_first[a]; e < g->pred_first[a + 1]; e++) {
        uint32_t p = g->pred[e];
        if (g->pre[p] == NONE || dominated(g, p, a) || (e > g->pred_first[a] && g->pred[e - 1] == p)) continue;
        navigate(h, g, p, cur);
        for (uint64_t pe = s->first[p]; pe < s->first[p + 1]; pe++)
            if (s->target[pe] == a) gc_set(h, cur, (uint32_t)(pe - s->first[p]), copy);
    }
    gc_frame_pop(h, f); /* the old subgraph is garbage now */
    return k;
}

/* The snapshot file: `path` if given, else the shipped one, from the source tree gclab was built
 * from or, failing that, from where it is installed. */
static void snapshot_file(const gc_params *p, char *buf, size_t len) {
    const char *path = gc_param_text(p, "path");
    if (*path) {
        snprintf(buf, len, "%s", path);
        return;
    }
    const char *name = shipped[gc_param_choice(p, "snapshot")];
    snprintf(buf, len, "%s/%s.snap", WL_SNAPSHOT_SOURCE_DIR, name);
    if (access(buf, R_OK) != 0) snprintf(buf, len, "%s/%s.snap", WL_SNAPSHOT_INSTALL_DIR, name);
}

/* Index the snapshot's graph, build it and churn it (steps 1 and 2 of the header comment). */
static int rebuild_and_churn(gc_heap *h, graph *g, const gc_params *p, gc_rng *rng) {
    int64_t subgraph_max = gc_param_int(p, "subgraph_max");
    if (!index_referrers(h, g) || !index_paths(h, g) ||
        index_subgraphs(h, g, subgraph_max, gc_param_int(p, "max_incoming")) != 0)
        return -1; /* out of memory: gc_fail has been called */

    g->roots_base = gc_frame_push(h, g->s.nroots);
    build(h, g);

    int64_t steps = gc_param_int(p, "steps");
    double churn = gc_param_real(p, "churn");
    uint64_t per_step = (uint64_t)(churn * g->reachable + 0.5);
    if (per_step == 0 && churn > 0) per_step = 1;
    for (int64_t step = 0; step < steps && g->ncandidates > 0 && per_step > 0; step++)
        for (uint64_t replaced = 0; replaced < per_step;)
            replaced += replace_subgraph(h, g, g->candidates[gc_rng_below(rng, g->ncandidates)]);
    return 0;
}

static int heap_graph_run(gc_heap *h, const gc_params *p, gc_rng *rng) {
    char path[1200], err[400];
    graph g = {0};
    snapshot_file(p, path, sizeof path);
    if (wl_snapshot_read(h, path, &g.s, err, sizeof err) != 0) {
        if (gc_heap_error(h) == GC_OK) gc_fail(h, GC_ERR_USAGE, "%s", err);
        return -1;
    }
    return rebuild_and_churn(h, &g, p, rng);
}

int wl_heap_graph_run_memory(gc_heap *h, const void *data, size_t len, const gc_params *p, gc_rng *rng) {
    char err[400];
    graph g = {0};
    if (wl_snapshot_read_memory(h, "(memory)", data, len, &g.s, err, sizeof err) != 0) {
        if (gc_heap_error(h) == GC_OK) gc_fail(h, GC_ERR_USAGE, "%s", err);
        return -1;
    }
    return rebuild_and_churn(h, &g, p, rng);
}

const gc_workload gc_workload_heap_graph = {
    .name = "heap-graph",
    .summary = "a real Python program's object graph from a snapshot, rebuilt, then churned by dropping and "
               "rebuilding dominator subtrees (cyclic)",
    .cyclic = true,
    .params = heap_graph_params,
    .test_params = "steps=20,churn=0.01",
    .run = heap_graph_run,
};
