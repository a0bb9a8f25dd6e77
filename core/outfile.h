/* Output files written whole or not at all: every results file gclab writes (events.csv,
 * timeline.csv, mmu.csv, summary.json, traces, a cell's files, experiment and plan files,
 * results.csv, report.md, job files) goes through here.
 *
 * A file is written to a temporary name beside its final one (".NAME.tmp-XXXXXX" in the same
 * directory, hidden, never a name a user could own), every write and the close are checked, and
 * only then is it renamed over the final name (no fsync: the guarantee is against a failed write,
 * a full disk, a killed process, not against a power cut). So a reader of PATH sees either the
 * old complete file, the new complete file, or none; a failure removes the temporary and leaves
 * one line "cannot write PATH: <errno text>" for the caller to report. */
#ifndef GCLAB_CORE_OUTFILE_H
#define GCLAB_CORE_OUTFILE_H

#include <jansson.h>

#include "gclab/heap.h" /* gc_error */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct gc_outfile {
    FILE *f;          /* write here; NULL after commit or discard */
    char path[4096];  /* the final name */
    char tmp[4200];   /* the temporary name */
} gc_outfile;

/* Create the temporary file. 0, or -1 with the message in err. */
int gc_outfile_open(gc_outfile *o, const char *path, char *err, size_t errlen);
/* Check the writes, close and rename into place. 0, or -1 with the message in err (the
 * temporary is removed, the final name untouched). */
int gc_outfile_commit(gc_outfile *o, char *err, size_t errlen);
/* Give up: close and remove the temporary. Harmless on a closed gc_outfile. */
void gc_outfile_discard(gc_outfile *o);
/* A whole JSON document (jansson flags), the same way. */
/* The exit status for this thread's last failed write: GC_ERR_NOMEM when it was for want of memory
 * (ENOMEM), GC_ERR_IO otherwise. */
gc_error gc_outfile_status(void);
int gc_outfile_write_json(const char *path, const json_t *j, size_t flags, char *err, size_t errlen);

/* Would writing `out` replace the file `in`? By device and inode when both exist (hard and
 * symbolic links included); when `out` does not exist yet, by absolute path (its directory
 * resolved), else by string. An input is never opened for writing: callers refuse a match. */
bool gc_same_file(const char *in, const char *out);

#endif
