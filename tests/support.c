/* Helpers shared by the test programs (see support.h). */
#define _GNU_SOURCE /* nftw's FTW_DEPTH|FTW_PHYS, mkdtemp */
#include "tests/support.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>
#endif

extern char **environ;

/* idx[i] = i for the first min(n, cap) indices; returns how many. */
static size_t fill_indices(size_t *idx, size_t cap, size_t n) {
    size_t k = 0;
    for (; k < n && k < cap; k++) idx[k] = k;
    return k;
}

size_t tst_collector_indices(size_t *idx, size_t cap) {
    size_t n = 0;
    while (gc_collectors[n]) n++;
    return fill_indices(idx, cap, n);
}

size_t tst_workload_indices(size_t *idx, size_t cap) {
    size_t n = 0;
    while (gc_workloads[n]) n++;
    return fill_indices(idx, cap, n);
}

gc_heap *tst_heap_create(const gc_heap_config *cfg) {
    gc_heap *h = NULL;
    char err[256] = "";
    int rc = gc_heap_create(cfg, &h, err, sizeof err);
    cr_assert(rc == GC_OK && h != NULL, "cannot create a heap on collector %s: %s", cfg->collector->name, err);
    return h;
}

gc_heap *tst_heap_new(const gc_collector_ops *c, bool poison) {
    gc_heap_config cfg = {.collector = c, .poison = poison};
    return tst_heap_create(&cfg);
}

void tst_collector_params(const gc_collector_ops *c, gc_params *p, const char *list) {
    char err[256] = "";
    cr_assert(gc_params_init(p, c->params, err, sizeof err) == 0, "collector %s: %s", c->name, err);
    cr_assert(gc_params_apply_list(p, list, err, sizeof err) == 0, "collector %s: %s", c->name, err);
}

gc_heap *tst_heap_with(const gc_collector_ops *c, const char *list, bool poison) {
    static gc_params p; /* the heap keeps a pointer to its parameters */
    tst_collector_params(c, &p, list);
    gc_heap_config cfg = {.collector = c, .collector_params = &p, .poison = poison};
    return tst_heap_create(&cfg);
}

void tst_verify(gc_heap *h, const char *what) {
    char msg[512] = "";
    int rc = gc_verify(h, msg, sizeof msg);
    cr_assert(rc == 0, "%s: gc_verify failed on collector %s: %s", what, h->ops->name, msg);
}

const gc_collector_ops *tst_collector(const char *name) {
    const gc_collector_ops *c = gc_collector_find(name);
    cr_assert(c != NULL, "collector %s is not registered", name);
    return c;
}

void tst_workload_params(const gc_workload *w, gc_params *p, const char *list) {
    char err[256] = "";
    cr_assert(gc_params_init(p, w->params, err, sizeof err) == 0, "%s: %s", w->name, err);
    cr_assert(gc_params_apply_list(p, list, err, sizeof err) == 0, "%s: '%s': %s", w->name, list, err);
}

gc_error tst_run_workload(const gc_collector_ops *c, const char *wname, const char *list, uint64_t seed,
                          gc_run_result *res) {
    const gc_workload *w = gc_workload_find(wname);
    cr_assert(w != NULL, "workload %s is not registered", wname);
    tst_note("workload %s (%s) on %s, seed %llu", wname, list, c->name, (unsigned long long)seed);
    gc_run_config cfg = {.collector = c, .workload = w, .seed = seed, .poison = true, .verify = true};
    char err[256] = "";
    cr_assert(gc_params_init(&cfg.collector_params, c->params, err, sizeof err) == 0, "%s", err);
    tst_workload_params(w, &cfg.workload_params, list);
    return gc_run(&cfg, res);
}

gc_run_result tst_run_workload_ok(const gc_collector_ops *c, const char *wname, const char *list, uint64_t seed) {
    gc_run_result res;
    gc_error e = tst_run_workload(c, wname, list, seed, &res);
    cr_assert_eq(e, GC_OK, "%s (%s) on %s: %s", wname, list, c->name, res.message);
    return res;
}

void tst_expect_no_leaks(void) {
#if defined(__SANITIZE_ADDRESS__)
    cr_assert(__lsan_do_recoverable_leak_check() == 0, "LeakSanitizer found leaks (see its report on stderr)");
#endif
}

/* --- the crash note --- */

static char note[512];

static void write_note(void) {
    if (note[0] == '\0') return;
    static const char head[] = "\ngclab test died while running: ";
    ssize_t ignored = write(2, head, sizeof head - 1);
    ignored = write(2, note, strlen(note));
    ignored = write(2, "\n", 1);
    (void)ignored;
}

#if defined(__SANITIZE_ADDRESS__)
static void install_crash_note(void) { __sanitizer_set_death_callback(write_note); }
#else
static void on_crash(int sig) {
    write_note();
    raise(sig); /* SA_RESETHAND restored the default action: die of the same signal */
}

static void install_crash_note(void) {
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_crash;
    sa.sa_flags = SA_RESETHAND | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
}
#endif

void tst_note(const char *fmt, ...) {
    static bool installed;
    if (!installed) {
        install_crash_note();
        installed = true;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(note, sizeof note, fmt, ap);
    va_end(ap);
}

const char *tst_noted(void) { return note; }

/* --- files and directories --- */

char *tst_tmpdir(void) {
    const char *base = getenv("TMPDIR");
    if (base == NULL || *base == '\0') base = "/tmp";
    size_t len = strlen(base) + 32;
    char *path = malloc(len);
    cr_assert(path != NULL);
    snprintf(path, len, "%s/gclab-test-XXXXXX", base);
    cr_assert(mkdtemp(path) != NULL, "cannot create a temporary directory under %s: %s", base, strerror(errno));
    return path;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

void tst_rmtree(char *dir) {
    if (dir == NULL) return;
    nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

char *tst_read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    for (size_t n; buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0;) {
        len += n;
        if (cap - len < 2) {
            char *b = realloc(buf, cap * 2);
            if (b == NULL) free(buf);
            buf = b;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf) buf[len] = '\0';
    return buf;
}

size_t tst_count_lines(const char *s) {
    size_t n = 0;
    for (const char *p = s; *p; p++)
        if (*p == '\n') n++;
    if (*s && s[strlen(s) - 1] != '\n') n++;
    return n;
}

/* --- running the program --- */

const char *tst_gclab_exe(void) {
    const char *exe = getenv("GCLAB_EXE");
    cr_assert(exe != NULL && *exe, "GCLAB_EXE is not set (tests/meson.build sets it to the gclab program)");
    return exe;
}

tst_proc tst_run_gclab(const char *const *args) {
    const char *exe = tst_gclab_exe();
    size_t nargs = 0;
    while (args[nargs]) nargs++;
    char **argv = calloc(nargs + 2, sizeof *argv);
    cr_assert(argv != NULL);
    argv[0] = (char *)exe;
    for (size_t i = 0; i < nargs; i++) argv[i + 1] = (char *)args[i];

    char *dir = tst_tmpdir();
    char out_path[4200], err_path[4200];
    snprintf(out_path, sizeof out_path, "%s/stdout", dir);
    snprintf(err_path, sizeof err_path, "%s/stderr", dir);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid;
    int rc = posix_spawn(&pid, exe, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    free(argv);
    cr_assert(rc == 0, "cannot run %s: %s", exe, strerror(rc));
    int ws;
    while (waitpid(pid, &ws, 0) < 0) cr_assert(errno == EINTR, "waitpid: %s", strerror(errno));
    tst_proc p = {
        .status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws),
        .out = tst_read_file(out_path),
        .err = tst_read_file(err_path),
    };
    tst_rmtree(dir);
    cr_assert(p.out != NULL && p.err != NULL, "cannot read the output of %s", exe);
    return p;
}

void tst_proc_free(tst_proc *p) {
    free(p->out);
    free(p->err);
    p->out = p->err = NULL;
}
