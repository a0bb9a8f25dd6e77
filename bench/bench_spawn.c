/* Child processes: every measured program runs in a process of its own, started and waited for
 * here, so that its peak resident set is its own (wait4's ru_maxrss).
 *
 * One caveat of ru_maxrss on Linux: exec folds the high-water mark of the forked copy of this
 * driver into the child's. The driver stays a few MiB (it holds one small JSON file at a time),
 * well under what any measured program reaches, so the maximum is the program's. */
#define _DEFAULT_SOURCE /* wait4 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

/* In the child: set up standard output and error, then exec. Never returns. */
static void exec_child(char *const argv[], int out_fd, const char *stderr_path) {
    if (out_fd < 0) out_fd = open("/dev/null", O_WRONLY);
    if (out_fd >= 0 && out_fd != 1) {
        dup2(out_fd, 1);
        close(out_fd);
    }
    if (stderr_path) {
        int fd = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (fd >= 0) {
            dup2(fd, 2);
            close(fd);
        }
    }
    execvp(argv[0], argv);
    dprintf(2, "gclab-bench: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* Read all of fd into a NUL-terminated malloc'd buffer (NULL if out of memory). */
static char *read_all(int fd) {
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    for (;;) {
        if (buf == NULL) return NULL;
        if (len + 1 == cap) {
            char *b = realloc(buf, cap *= 2);
            if (b == NULL) free(buf);
            buf = b;
            continue;
        }
        ssize_t n = read(fd, buf + len, cap - 1 - len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    return buf;
}

int bench_run(char *const argv[], bool capture, const char *stderr_path, bench_child *c) {
    *c = (bench_child){.status = -1};
    int pipe_fd[2] = {-1, -1};
    if (capture && pipe(pipe_fd) != 0) {
        fprintf(stderr, "gclab-bench: cannot make a pipe for %s: %s\n", argv[0], strerror(errno));
        return -1;
    }
    fflush(NULL);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "gclab-bench: cannot start %s: %s\n", argv[0], strerror(errno));
        if (capture) {
            close(pipe_fd[0]);
            close(pipe_fd[1]);
        }
        return -1;
    }
    if (pid == 0) {
        if (capture) close(pipe_fd[0]);
        exec_child(argv, capture ? pipe_fd[1] : -1, stderr_path);
    }
    if (capture) {
        close(pipe_fd[1]);
        c->out = read_all(pipe_fd[0]);
        close(pipe_fd[0]);
    }
    struct rusage ru;
    pid_t w;
    while ((w = wait4(pid, &c->status, 0, &ru)) < 0 && errno == EINTR) {
    }
    if (w < 0) {
        fprintf(stderr, "gclab-bench: lost %s: %s\n", argv[0], strerror(errno));
        return -1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    c->maxrss_kb = ru.ru_maxrss;
    c->cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
               (double)ru.ru_stime.tv_usec / 1e6;
    c->wall_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (capture && c->out == NULL) {
        fprintf(stderr, "gclab-bench: out of memory reading the output of %s\n", argv[0]);
        return -1;
    }
    if (WIFEXITED(c->status) && WEXITSTATUS(c->status) == 0) return 0;
    if (WIFEXITED(c->status))
        fprintf(stderr, "gclab-bench: %s exited with status %d\n", argv[0], WEXITSTATUS(c->status));
    else if (WIFSIGNALED(c->status))
        fprintf(stderr, "gclab-bench: %s was killed by signal %d (%s)\n", argv[0], WTERMSIG(c->status),
                strsignal(WTERMSIG(c->status)));
    return -1;
}
