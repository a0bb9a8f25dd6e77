/* The `gclab` program. */
#include "gclab/cli.h"

int main(int argc, char **argv) { return gclab_main(argc, argv, NULL, NULL); }
