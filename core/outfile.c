/* Output files written whole or not at all (see outfile.h). */
#define _XOPEN_SOURCE 700 /* realpath */
#include "core/outfile.h"

#include <limits.h>
#include <stdbool.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The reason of this thread's last failure, for gc_outfile_status. */
static _Thread_local int last_errno;

static void say(char *err, size_t errlen, const char *path, int e) {
    last_errno = e ? e : EIO;
    if (last_errno == ENOMEM) snprintf(err, errlen, "cannot write %s: out of memory", path);
    else snprintf(err, errlen, "cannot write %s: %s", path, strerror(last_errno));
}

gc_error gc_outfile_status(void) { return last_errno == ENOMEM ? GC_ERR_NOMEM : GC_ERR_IO; }

int gc_outfile_open(gc_outfile *o, const char *path, char *err, size_t errlen) {
    o->f = NULL;
    o->tmp[0] = '\0';
    size_t n = strlen(path);
    if (n == 0) {
        snprintf(err, errlen, "cannot write '': empty path");
        return -1;
    }
    if (n >= sizeof o->path || n + 20 >= sizeof o->tmp) {
        say(err, errlen, path, ENAMETOOLONG);
        return -1;
    }
    memcpy(o->path, path, n + 1);
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    snprintf(o->tmp, sizeof o->tmp, "%.*s.%s.tmp-XXXXXX", (int)dirlen, path, path + dirlen);
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        int e = errno;
        o->tmp[0] = '\0';
        say(err, errlen, path, e);
        return -1;
    }
    /* mkstemp makes the file 0600; results are shared like any file the user creates. */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0 || (o->f = fdopen(fd, "w")) == NULL) {
        int e = errno;
        close(fd);
        unlink(o->tmp);
        o->tmp[0] = '\0';
        say(err, errlen, path, e);
        return -1;
    }
    return 0;
}

int gc_outfile_commit(gc_outfile *o, char *err, size_t errlen) {
    /* fflush retries what is buffered, so a write that failed earlier (full disk, file size
     * limit) fails again here and leaves its errno. */
    errno = 0;
    int e = 0;
    if (fflush(o->f) != 0 || ferror(o->f)) e = errno ? errno : EIO;
    if (fclose(o->f) != 0 && e == 0) e = errno ? errno : EIO;
    o->f = NULL;
    if (e == 0 && rename(o->tmp, o->path) != 0) e = errno;
    if (e) {
        unlink(o->tmp);
        o->tmp[0] = '\0';
        say(err, errlen, o->path, e);
        return -1;
    }
    o->tmp[0] = '\0';
    return 0;
}

void gc_outfile_discard(gc_outfile *o) {
    if (o->f) fclose(o->f);
    o->f = NULL;
    if (o->tmp[0]) unlink(o->tmp);
    o->tmp[0] = '\0';
}

int gc_outfile_write_json(const char *path, const json_t *j, size_t flags, char *err, size_t errlen) {
    gc_outfile o;
    if (gc_outfile_open(&o, path, err, errlen) != 0) return -1;
    if (json_dumpf(j, o.f, flags) != 0 || fputc('\n', o.f) == EOF) {
        int e = errno;
        gc_outfile_discard(&o);
        say(err, errlen, path, e);
        return -1;
    }
    return gc_outfile_commit(&o, err, errlen);
}

/* Is `out` (to be written) the file `in` (to be read)? By device and inode when both exist; when
 * `out` does not exist yet, by absolute path (its directory resolved), else by string. */
bool gc_same_file(const char *in, const char *out) {
    struct stat si, so;
    if (stat(in, &si) != 0) return strcmp(in, out) == 0;
    if (stat(out, &so) == 0) return si.st_dev == so.st_dev && si.st_ino == so.st_ino;
    const char *slash = strrchr(out, '/');
    char dir[PATH_MAX], dir_abs[PATH_MAX], in_abs[PATH_MAX], out_abs[2 * PATH_MAX];
    if (slash == NULL) snprintf(dir, sizeof dir, ".");
    else snprintf(dir, sizeof dir, "%.*s", slash == out ? 1 : (int)(slash - out), out);
    if (realpath(in, in_abs) == NULL || realpath(dir, dir_abs) == NULL) return strcmp(in, out) == 0;
    snprintf(out_abs, sizeof out_abs, "%s/%s", strcmp(dir_abs, "/") == 0 ? "" : dir_abs, slash ? slash + 1 : out);
    return strcmp(in_abs, out_abs) == 0;
}
