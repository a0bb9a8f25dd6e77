/* Fuzz target: the arguments of `gclab run` and `gclab replay` (cli/cli.c: cli_parse_run_args,
 * then cli_prepare_run, which resolves the names and applies the --param options). The input is
 * the argument words separated by NUL bytes; the first byte picks the command (even: run, odd:
 * replay). Nothing is run: what must hold is that the parser refuses or accepts without a crash,
 * and that an accepted configuration is consistent (a replay has no workload, parameters came
 * from the words). */
#include <string.h>

#include "cli/run_args.h"
#include "tests/fuzz/fuzz.h"

enum { MAX_WORDS = 64, MAX_INPUT = 8192 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0 || size > MAX_INPUT) return 0;
    const char *command = data[0] % 2 ? "replay" : "run";
    char text[MAX_INPUT + 1];
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    char *argv[MAX_WORDS + 1];
    int argc = 0;
    for (size_t i = 0; i < size - 1 && argc < MAX_WORDS;) {
        argv[argc++] = text + i;
        i += strlen(text + i) + 1;
    }
    argv[argc] = NULL;
    cli_run_args a;
    if (cli_parse_run_args(command, argc, argv, &a) != 0) return 0;
    fuzz_check(a.nparams >= 0 && a.nparams <= CLI_MAX_PARAMS, "%d parameters", a.nparams);
    if (strcmp(command, "replay") == 0) fuzz_check(a.workload == NULL, "a replay with --workload %s", a.workload);
    if (a.collector == NULL || (strcmp(command, "run") == 0 && a.workload == NULL)) return 0;
    char err[320] = "";
    cli_catalog cat = {NULL, NULL};
    if (cli_prepare_run(&cat, a.collector, a.workload, a.params, a.nparams, &a.cfg, err, sizeof err) != GC_OK) {
        fuzz_check(err[0] != '\0' && strchr(err, '\n') == NULL, "no one-line message");
        return 0;
    }
    fuzz_check(a.cfg.collector != NULL && strcmp(a.cfg.collector->name, a.collector) == 0, "wrong collector");
    if (a.workload) fuzz_check(strcmp(a.cfg.workload->name, a.workload) == 0, "wrong workload");
    return 0;
}
