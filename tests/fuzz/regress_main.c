/* The fuzz targets without libFuzzer: run LLVMFuzzerTestOneInput once on every file named on the
 * command line, and on every file in every directory named (in name order), then exit 0. A
 * violated check or a sanitizer report aborts, and the test fails. The ordinary builds run each
 * target this way over its seed corpus and its regression inputs (tests/fuzz/meson.build), so
 * every input that once crashed a target stays in the suite. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/fuzz/fuzz.h"

static size_t inputs;

static void run_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    for (size_t n; buf && (n = fread(buf + len, 1, cap - len, f)) > 0;) {
        len += n;
        if (len == cap) buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (buf == NULL) {
        fprintf(stderr, "out of memory for %s\n", path);
        exit(1);
    }
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    inputs++;
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

static void run_path(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "no such input: %s\n", path);
        exit(1);
    }
    if (!S_ISDIR(st.st_mode)) {
        run_file(path);
        return;
    }
    struct dirent **names;
    int n = scandir(path, &names, NULL, by_name);
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.') {
            char file[4096];
            snprintf(file, sizeof file, "%s/%s", path, names[i]->d_name);
            run_path(file);
        }
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) run_path(argv[i]);
    printf("%zu inputs, no failure\n", inputs);
    return inputs > 0 ? 0 : 1; /* an empty corpus proves nothing */
}
