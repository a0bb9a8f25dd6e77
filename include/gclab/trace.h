/* Traces: files of mutator operations that replay identically on every collector
 * (docs/trace-format.md). Recording is a listener on the mutator operations of
 * include/gclab/mutator.h; every root register is one trace root. */
#ifndef GCLAB_TRACE_H
#define GCLAB_TRACE_H

#include <stddef.h>

typedef struct gc_trace_writer gc_trace_writer;

/* NULL with a message if the file cannot be created. */
gc_trace_writer *gc_trace_writer_open(const char *path, char *err, size_t errlen);
/* Write the header and body and close; 0, or -1 with a message. Frees the writer either way. */
int gc_trace_writer_close(gc_trace_writer *w, char *err, size_t errlen);

#endif
