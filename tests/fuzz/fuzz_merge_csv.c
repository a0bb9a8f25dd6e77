/* Fuzz target: merge's checks of a cell's CSV files (cli/results.c, results_check_csv_text: what
 * `gclab merge` reads from cells/NAME/events.csv, timeline.csv and mmu.csv). The first byte picks
 * the file (modulo 3), the rest is its text. What must hold: a refusal is one line naming the cell
 * and the file; nothing crashes or leaks whatever the text. */
#include <string.h>

#include "cli/experiment.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    static const char *const files[] = {"events.csv", "timeline.csv", "mmu.csv"};
    unsigned which = data[0] % 3;
    char err[512] = "";
    int r = results_check_csv_text("fuzz-cell", which, (const char *)data + 1, size - 1, err, sizeof err);
    if (r == -1)
        fuzz_check(strstr(err, "fuzz-cell") != NULL && strstr(err, files[which]) != NULL && strchr(err, '\n') == NULL,
                   "bad message: %s", err);
    else
        fuzz_check(r == 0 || r == -2, "results_check_csv_text returned %d", r);
    return 0;
}
