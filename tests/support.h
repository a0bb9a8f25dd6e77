/* Helpers shared by the test programs: heaps on registered collectors, the collector index that
 * parameterized tests run over, a crash note that names the failing case, temporary directories
 * and running the gclab program.
 *
 * Parameterized tests take an index into gc_collectors[] (not a pointer): Criterion copies the
 * parameters into each test's process, and an index means the same thing in every process. */
#ifndef GCLAB_TESTS_SUPPORT_H
#define GCLAB_TESTS_SUPPORT_H

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdbool.h>
#include <stddef.h>

#include "gclab/heap.h"
#include "gclab/run.h"

#define TST_MAX_COLLECTORS 64
#define TST_MAX_WORKLOADS 64

/* Fill idx with 0 .. n-1 for the n registered collectors; returns n. */
size_t tst_collector_indices(size_t *idx, size_t cap);

/* One parameterized test per registered collector: adding a line to collectors/registry.c adds
 * the case. Use as `TST_FOR_EACH_COLLECTOR(suite, name) { const gc_collector_ops *c = ...; }`. */
#define TST_FOR_EACH_COLLECTOR(suite, name) \
    TST_PARAMETERIZED_BY_INDEX(tst_collector_indices, TST_MAX_COLLECTORS, collector_index, suite, name)

/* Fill idx with 0 .. n-1 for the n registered workloads (gc_workloads[]); returns n. */
size_t tst_workload_indices(size_t *idx, size_t cap);

/* One parameterized test per registered workload, as TST_FOR_EACH_COLLECTOR does for collectors:
 * `TST_FOR_EACH_WORKLOAD(suite, name) { const gc_workload *w = gc_workloads[*workload_index]; }`. */
#define TST_FOR_EACH_WORKLOAD(suite, name) \
    TST_PARAMETERIZED_BY_INDEX(tst_workload_indices, TST_MAX_WORKLOADS, workload_index, suite, name)

/* The parameterized test behind both: one case per index that fill() lists, passed as *param. */
#define TST_PARAMETERIZED_BY_INDEX(fill, cap, param, suite, name)                    \
    ParameterizedTestParameters(suite, name) {                                       \
        static size_t idx[cap];                                                      \
        size_t n = fill(idx, cap);                                                   \
        return cr_make_param_array(size_t, idx, n);                                  \
    }                                                                                \
    ParameterizedTest(size_t *param, suite, name)

/* Create a heap from cfg; the test fails if it cannot be created. */
gc_heap *tst_heap_create(const gc_heap_config *cfg);
/* A heap on collector c with its default parameters and no listener. */
gc_heap *tst_heap_new(const gc_collector_ops *c, bool poison);

/* Collector c's parameters: its defaults with `list` ("name=value,...") applied; the test fails
 * if one does not apply. */
void tst_collector_params(const gc_collector_ops *c, gc_params *p, const char *list);
/* A heap on collector c with those parameters (kept in a static: one such heap at a time). */
gc_heap *tst_heap_with(const gc_collector_ops *c, const char *list, bool poison);

/* gc_verify must pass; `what` says when (it goes into the failure message). */
void tst_verify(gc_heap *h, const char *what);

/* Whole runs through gc_run, as the workload tests make them: poison and verify on, the
 * collector's default parameters. The test fails if a name is not registered or a parameter
 * list ("name=value,...") does not apply. */
const gc_collector_ops *tst_collector(const char *name);
void tst_workload_params(const gc_workload *w, gc_params *p, const char *list);
/* Run workload `wname` with parameters `list` and `seed` on c (noted with tst_note); returns the
 * run's status. tst_run_workload_ok also fails the test unless the run succeeds. */
gc_error tst_run_workload(const gc_collector_ops *c, const char *wname, const char *list, uint64_t seed,
                          gc_run_result *res);
gc_run_result tst_run_workload_ok(const gc_collector_ops *c, const char *wname, const char *list, uint64_t seed);

/* In AddressSanitizer builds, fail the test if LeakSanitizer finds memory that nothing refers to
 * any more (its report goes to stderr); elsewhere, nothing. Criterion ignores the leak report
 * LeakSanitizer makes when a test's process exits, so tests call this at their end. */
void tst_expect_no_leaks(void);

/* Remember a one-line description of the case being run (collector, seed, ...). If the process
 * then dies of a signal (or AddressSanitizer ends it), the note is written to stderr so that the
 * case can be replayed. */
void tst_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *tst_noted(void);

/* A fresh directory under $TMPDIR (or /tmp); the test fails if it cannot be made. Free with
 * tst_rmtree, which deletes it and everything in it. */
char *tst_tmpdir(void);
void tst_rmtree(char *dir);

/* Read a whole file; NULL if it cannot be read. The caller frees. */
char *tst_read_file(const char *path);

/* Run the gclab program (path in $GCLAB_EXE, set by tests/meson.build) with argv[1..] = args
 * (NULL-terminated). Returns its exit status (128 + signal if it died of one); its standard
 * output and error are returned as malloc'd strings. */
const char *tst_gclab_exe(void); /* $GCLAB_EXE; the test fails if it is not set */
typedef struct tst_proc {
    int status;
    char *out, *err;
} tst_proc;
tst_proc tst_run_gclab(const char *const *args);
void tst_proc_free(tst_proc *p);

/* Number of '\n'-terminated lines in s (a final unterminated fragment counts as one line). */
size_t tst_count_lines(const char *s);

#endif
