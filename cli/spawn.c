/* Child processes: every experiment cell and every minimum-heap probe runs in a process of its
 * own, so that a crash or a heap-limit failure in one cannot disturb the others or the parent.
 *
 * A child stays in its parent's process group (a Ctrl-C at the terminal reaches both) and dies
 * with its parent: it asks the kernel for SIGKILL when the parent exits (PR_SET_PDEATHSIG), then
 * checks that the parent has not exited already, between fork and that request (getppid would
 * then name another process). So `kill -9` of `gclab compare` leaves no cell running on behind
 * it, and a re-run never overlaps an orphan. Only async-signal-safe calls come between fork and
 * exec. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/experiment.h"

/* In the child: fd `target` becomes `path`, opened for writing. */
static int redirect(int target, const char *path) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) return -1;
    int rc = dup2(fd, target) < 0 ? -1 : 0;
    close(fd);
    return rc;
}

static int spawn_path(const char *path, bool search, char *const argv[], const char *out, const char *errp) {
    pid_t parent = getpid();
    fflush(NULL); /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(127);
        if ((out && redirect(1, out) != 0) || (errp && redirect(2, errp) != 0)) _exit(127);
        if (search) execvp(path, argv);
        else execv(path, argv);
        _exit(127);
    }
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
