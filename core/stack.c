/* Growable object stacks: the explicit work lists that replace recursion everywhere. */
#include <stdlib.h>

#include "core/internal.h"

bool gc_stack_grow(gc_stack *s) {
    size_t cap = s->cap ? s->cap * 2 : 1024;
    gc_object **items = realloc(s->items, cap * sizeof *items);
    if (items == NULL) return false;
    s->items = items;
    s->cap = cap;
    return true;
}

void gc_stack_free(gc_stack *s) {
    free(s->items);
    s->items = NULL;
    s->len = s->cap = 0;
}

bool gc_stack_reserve(gc_stack *s, size_t n) {
    if (s->cap - s->len >= n) return true;
    size_t cap = s->cap ? s->cap : 1024;
    while (cap - s->len < n) {
        if (cap > SIZE_MAX / 2 / sizeof *s->items) return false;
        cap *= 2;
    }
    gc_object **items = realloc(s->items, cap * sizeof *items);
    if (items == NULL) return false;
    s->items = items;
    s->cap = cap;
    return true;
}
