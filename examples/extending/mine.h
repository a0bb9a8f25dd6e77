/* The example's own collectors and workload, added to gclab's by mygclab.c. */
#ifndef MYGCLAB_MINE_H
#define MYGCLAB_MINE_H

#include <gclab/collector.h>
#include <gclab/workload.h>

extern const gc_collector_ops mine_collector;       /* fixed_budget.c */
extern const gc_collector_ops my_cheney_collector; /* cheney.c */
extern const gc_workload mine_workload;             /* queue.c */

#endif
