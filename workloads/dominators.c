/* Dominator trees: Cooper-Harvey-Kennedy over a depth-first postorder, then a preorder of the
 * tree. Work arrays are malloc'd and freed here (nothing in this file can escape through the
 * heap's fatal handler), and every walk uses an explicit stack. */
#include <stdlib.h>

#include "workloads/dominators.h"

/* Depth-first postorder of the nodes reachable from the roots. post[x] is x's number (the
 * virtual root n gets the highest), postlist[k] the node numbered k. Returns the count of real
 * nodes numbered, or -1 without memory. */
static int64_t postorder(uint32_t n, wl_adjacency succ, const uint8_t *is_root, uint32_t *post, uint32_t *postlist) {
    uint32_t *stack = malloc(((size_t)n + 1) * sizeof *stack);
    uint64_t *cursor = malloc(((size_t)n + 1) * sizeof *cursor);
    if (stack == NULL || cursor == NULL) {
        free(stack);
        free(cursor);
        return -1;
    }
    for (uint32_t x = 0; x <= n; x++) post[x] = WL_DOM_NONE;
    uint32_t count = 0;
    for (uint32_t r = 0; r < n; r++) {
        if (!is_root[r] || post[r] != WL_DOM_NONE) continue;
        size_t depth = 0;
        stack[depth] = r;
        cursor[depth++] = succ.first[r];
        post[r] = WL_DOM_NONE - 1; /* on the stack: seen, not yet numbered */
        while (depth > 0) {
            uint32_t x = stack[depth - 1];
            if (cursor[depth - 1] < succ.first[x + 1]) {
                uint32_t y = succ.to[cursor[depth - 1]++];
                if (post[y] == WL_DOM_NONE) {
                    post[y] = WL_DOM_NONE - 1;
                    stack[depth] = y;
                    cursor[depth++] = succ.first[y];
                }
            } else {
                postlist[count] = x;
                post[x] = count++;
                depth--;
            }
        }
    }
    post[n] = count;
    free(stack);
    free(cursor);
    return count;
}

/* The nearest common dominator of a and b, walking up the current idom approximations. */
static uint32_t intersect(const uint32_t *post, const uint32_t *idom, uint32_t a, uint32_t b) {
    while (a != b) {
        while (post[a] < post[b]) a = idom[a];
        while (post[b] < post[a]) b = idom[b];
    }
    return a;
}

int wl_dominators(uint32_t n, wl_adjacency succ, wl_adjacency pred, const uint8_t *is_root, uint32_t *idom) {
    uint32_t *post = malloc(((size_t)n + 1) * sizeof *post);
    uint32_t *postlist = malloc(((size_t)n + 1) * sizeof *postlist);
    int64_t count = post && postlist ? postorder(n, succ, is_root, post, postlist) : -1;
    if (count < 0) {
        free(post);
        free(postlist);
        return -1;
    }
    for (uint32_t x = 0; x < n; x++) idom[x] = WL_DOM_NONE;
    idom[n] = n;
    /* Iterate to the fixed point in reverse postorder: a node's processed predecessors meet at
     * its dominator. Unreached predecessors (idom NONE) do not count. */
    for (int changed = 1; changed;) {
        changed = 0;
        for (int64_t k = count - 1; k >= 0; k--) {
            uint32_t b = postlist[k], best = is_root[b] ? n : WL_DOM_NONE;
            for (uint64_t e = pred.first[b]; e < pred.first[b + 1]; e++) {
                uint32_t p = pred.to[e];
                if (idom[p] == WL_DOM_NONE) continue;
                best = best == WL_DOM_NONE ? p : intersect(post, idom, p, best);
            }
            if (idom[b] != best) {
                idom[b] = best;
                changed = 1;
            }
        }
    }
    free(post);
    free(postlist);
    return 0;
}

int64_t wl_dominator_preorder(uint32_t n, const uint32_t *idom, uint32_t *order, uint32_t *pre, uint32_t *size) {
    /* Children of each tree node as adjacency arrays: node p's children are
     * child[start[p] .. start[p + 1]), in ascending order; node n is the virtual root. */
    uint32_t *start = calloc((size_t)n + 2, sizeof *start);
    uint32_t *fill = malloc(((size_t)n + 1) * sizeof *fill);
    uint32_t *child = malloc(((size_t)n + 1) * sizeof *child);
    uint32_t *stack = malloc(((size_t)n + 1) * sizeof *stack);
    int64_t count = -1;
    if (start == NULL || fill == NULL || child == NULL || stack == NULL) goto out;
    for (uint32_t x = 0; x < n; x++)
        if (idom[x] != WL_DOM_NONE) start[idom[x] + 1]++;
    for (uint32_t p = 0; p <= n; p++) {
        start[p + 1] += start[p];
        fill[p] = start[p];
    }
    for (uint32_t x = 0; x < n; x++)
        if (idom[x] != WL_DOM_NONE) child[fill[idom[x]]++] = x;

    for (uint32_t x = 0; x < n; x++) {
        pre[x] = WL_DOM_NONE;
        size[x] = 0;
    }
    uint32_t k = 0, depth = 0;
    stack[depth++] = n;
    while (depth > 0) { /* pop a node, number it, push its children last-first */
        uint32_t x = stack[--depth];
        if (x != n) {
            pre[x] = k;
            order[k++] = x;
        }
        for (uint32_t c = start[x + 1]; c > start[x]; c--) stack[depth++] = child[c - 1];
    }
    for (uint32_t j = k; j > 0; j--) { /* children come after parents: sizes accumulate upwards */
        uint32_t x = order[j - 1];
        size[x]++;
        if (idom[x] != n) size[idom[x]] += size[x];
    }
    count = k;
out:
    free(start);
    free(fill);
    free(child);
    free(stack);
    return count;
}
