/* The `gclab` program. */
#include "gclab/cli.h"

/* jemalloc's options for this program (jemalloc reads the executable's `malloc_conf`; the
 * environment's MALLOC_CONF still applies after it). No thread cache: jemalloc 5.3 sets up the
 * thread cache at the process's first allocation and, when the memory for it cannot be had (a
 * tight `ulimit -v`: 12 to 16 MB on Debian 12), ignores the failure and leaves the cache enabled
 * but empty, so the first small malloc dereferences a NULL bin and the program dies of SIGSEGV
 * instead of reporting "out of memory" (exit 4). Fixed upstream after 5.3 (tcache init failures
 * now disable the cache). The heap's own blocks never used the cache (MALLOCX_TCACHE_NONE), and
 * the harness's mallocs are few, so nothing measured depends on it (docs/cli.md, "Out of memory"). */
const char *malloc_conf = "tcache:false";

int main(int argc, char **argv) { return gclab_main(argc, argv, NULL, NULL); }
