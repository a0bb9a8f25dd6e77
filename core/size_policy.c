/* The heap-size policy shared by tracing collectors (include/gclab/size_policy.h). */
#include <stdio.h>

#include "gclab/size_policy.h"

int gc_size_policy_init(gc_heap *h, gc_size_policy *sp, const gc_params *p, const char *collector, char *err,
                        size_t errlen) {
    int trigger = gc_param_choice(p, "trigger"); /* 0 auto, 1 growth, 2 full */
    if (trigger == 2 && gc_heap_limit(h) == 0) {
        snprintf(err, errlen, "%s: trigger=full needs a heap limit (--heap-limit)", collector);
        return -1;
    }
    *sp = (gc_size_policy){
        .fixed_heap = trigger == 2 || (trigger == 0 && gc_heap_limit(h) != 0),
        .growth = gc_param_real(p, "growth"),
        .shrink = gc_param_real(p, "shrink"),
        .min_heap = gc_param_int(p, "min_heap"),
    };
    if (sp->fixed_heap) { /* the growth policy is not used: say so of any of its parameters given */
        static const char *const unused[] = {"growth", "shrink", "min_heap"};
        for (size_t i = 0; i < sizeof unused / sizeof unused[0]; i++)
            if (gc_param_given(p, unused[i]))
                gc_heap_warn(h, "%s: parameter %s has no effect with trigger=%s (it collects only at --heap-limit)",
                             collector, unused[i], trigger == 2 ? "full" : "auto and a heap limit");
    }
    gc_size_policy_resize(h, sp);
    return 0;
}

void gc_size_policy_resize(gc_heap *h, gc_size_policy *sp) {
    if (sp->fixed_heap) {
        gc_set_trigger(h, INT64_MAX); /* the core's heap-limit check triggers every collection */
        return;
    }
    double live = (double)gc_heap_bytes(h);
    double budget = gc_size_policy_next(sp, live) - live;
    if (budget < GC_BLOCK_SIZE) budget = GC_BLOCK_SIZE; /* one block: never a collection per allocation */
    gc_set_trigger(h, budget > 9e18 ? INT64_MAX : (int64_t)budget);
}

double gc_size_policy_next(gc_size_policy *sp, double live) {
    double size = (1.0 + sp->growth) * live;
    if (size < (double)sp->min_heap) size = (double)sp->min_heap;
    double kept = (1.0 - sp->shrink) * sp->size;
    if (size < kept) size = kept;
    sp->size = size;
    return size;
}
