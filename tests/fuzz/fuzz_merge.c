/* Fuzz target: merge's reader of a finished cell (cli/results.c, results_row_from_text: what
 * `gclab merge` reads from cells/NAME/cell.json and summary.json). The input is the two files'
 * texts separated by the first NUL byte. What must hold: a refusal names the cell in one line; an
 * accepted row has NUL-terminated names that fit their fields. */
#include <string.h>

#include "cli/experiment.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = (const char *)data;
    const char *nul = memchr(text, '\0', size);
    size_t cell_len = nul ? (size_t)(nul - text) : size;
    const char *summary = nul ? nul + 1 : "";
    size_t summary_len = nul ? size - cell_len - 1 : 0;
    cell_row *r = malloc(sizeof *r); /* 4 KiB of path: not on the stack */
    fuzz_check(r != NULL, "out of memory");
    char err[512] = "";
    if (results_row_from_text("fuzz-cell", text, cell_len, summary, summary_len, r, err, sizeof err) != 0) {
        fuzz_check(strstr(err, "fuzz-cell") != NULL && strchr(err, '\n') == NULL, "bad message: %s", err);
    } else {
        fuzz_check(memchr(r->collector, '\0', sizeof r->collector) && memchr(r->workload, '\0', sizeof r->workload) &&
                       memchr(r->status, '\0', sizeof r->status),
                   "an unterminated field");
    }
    free(r);
    return 0;
}
