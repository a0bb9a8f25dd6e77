/* The collectors gclab can run, by name. Adding a collector is one file and one line here; the
 * conformance tests then run against it with no further change. */
#include <string.h>

#include "gclab/collector.h"

extern const gc_collector_ops gc_collector_rc;
extern const gc_collector_ops gc_collector_marksweep;
extern const gc_collector_ops gc_collector_rc_gen;
extern const gc_collector_ops gc_collector_semispace;
extern const gc_collector_ops gc_collector_nogc;
extern const gc_collector_ops gc_collector_gen;
extern const gc_collector_ops gc_collector_markcompact;
extern const gc_collector_ops gc_collector_incremental;
extern const gc_collector_ops gc_collector_rc_trial;

const gc_collector_ops *const gc_collectors[] = {
    &gc_collector_rc,
    &gc_collector_marksweep,
    &gc_collector_rc_gen,
    &gc_collector_semispace,
    &gc_collector_nogc,
    &gc_collector_gen,
    &gc_collector_markcompact,
    &gc_collector_incremental,
    &gc_collector_rc_trial,
    NULL,
};

const gc_collector_ops *gc_collector_find(const char *name) {
    for (size_t i = 0; gc_collectors[i]; i++)
        if (strcmp(gc_collectors[i]->name, name) == 0) return gc_collectors[i];
    return NULL;
}
