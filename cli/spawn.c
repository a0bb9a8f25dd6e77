/* Child processes: every experiment cell and every minimum-heap probe runs in a process of its
 * own, so that a crash or a heap-limit failure in one cannot disturb the others or the parent. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/experiment.h"

extern char **environ;

static int spawn_path(const char *path, bool search, char *const argv[], const char *out, const char *errp) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (out) posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (errp) posix_spawn_file_actions_addopen(&fa, 2, errp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    pid_t pid;
    int rc = search ? posix_spawnp(&pid, path, &fa, NULL, argv, environ)
                    : posix_spawn(&pid, path, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return -1;
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return status;
}

int cli_spawn_self(char *const argv[], const char *stdout_path, const char *stderr_path) {
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return -1;
    self[n] = '\0';
    return spawn_path(self, false, argv, stdout_path, stderr_path);
}

int cli_spawn(const char *prog, char *const argv[], const char *stdout_path, const char *stderr_path) {
    return spawn_path(prog, true, argv, stdout_path, stderr_path);
}

int cli_split_list(char *text, char **items, int max) {
    /* Check first, so that a refused list is left as it was for the error message. */
    int n = 1;
    for (const char *c = text; *c; c++) n += *c == ',';
    for (const char *item = text;; item++) {
        size_t len = strcspn(item, ",");
        if (len == 0) return -1; /* "", ",", "a,,b", "a," */
        item += len;
        if (*item == '\0') break;
    }
    if (n > max) return -2;
    n = 0;
    for (char *item = text;; item++) {
        items[n++] = item;
        item += strcspn(item, ",");
        if (*item == '\0') break;
        *item = '\0';
    }
    return n;
}

int cli_fmt(char *buf, size_t len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    return n;
}
