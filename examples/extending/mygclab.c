/* mygclab: the gclab command line with this tree's collectors and workload added.
 *
 * `./mygclab list` shows them beside gclab's own, and `./mygclab run --collector mine --workload
 * mine --out DIR` writes the same results directory as `gclab run`. Built-in names win a clash,
 * so give your own a name gclab does not use. */
#include <gclab/cli.h>

#include "mine.h"

static const gc_collector_ops *const my_collectors[] = {&mine_collector, &my_cheney_collector, NULL};
static const gc_workload *const my_workloads[] = {&mine_workload, NULL};

int main(int argc, char **argv) { return gclab_main(argc, argv, my_collectors, my_workloads); }
