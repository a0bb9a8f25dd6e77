/* Traces: files of mutator operations that replay identically on every collector
 * (docs/trace-format.md). Recording is a listener on the mutator operations of
 * include/gclab/mutator.h; every root register is one trace root. */
#ifndef GCLAB_TRACE_H
#define GCLAB_TRACE_H

#include <stddef.h>
#include <stdint.h>

typedef struct gc_trace_writer gc_trace_writer;

/* NULL with a message if the file cannot be created. */
gc_trace_writer *gc_trace_writer_open(const char *path, char *err, size_t errlen);
/* Write the header and body and close; 0, or -1 with a message. Frees the writer either way. */
int gc_trace_writer_close(gc_trace_writer *w, char *err, size_t errlen);

/* --- replay (core/trace_replay.c) ---
 * A reader streams the trace through a fixed buffer: memory does not grow with the trace's
 * length, and nothing is allocated per line. */
typedef struct gc_trace_reader gc_trace_reader;
struct gc_heap;

/* Open a trace and read its header, through the `roots N` line. NULL with a one-line message
 * naming the file and line if it cannot be read or its header is missing or malformed. */
gc_trace_reader *gc_trace_reader_open(const char *path, char *err, size_t errlen);
/* The same, with the reason for a failure, and from memory if `data` is not NULL: then the trace
 * is the `len` bytes at `data` (kept by the caller until the reader is closed) and `path` only
 * names it in messages. Returns 0 (GC_OK) with *out set; GC_ERR_NOMEM (4) if memory for the
 * reader ran out; GC_ERR_USAGE (2) for a file that cannot be opened or a bad header. *out is
 * NULL on failure, and err holds the one-line message. */
int gc_trace_open(const char *path, const void *data, size_t len, gc_trace_reader **out, char *err, size_t errlen);
/* The number of root variables the trace declares (its `roots N`). */
uint32_t gc_trace_reader_roots(const gc_trace_reader *r);
/* Operations replayed so far. */
unsigned long long gc_trace_reader_ops(const gc_trace_reader *r);
/* Replay every operation after the header on h, through the mutator operations of
 * include/gclab/mutator.h, with the trace's roots r0..r(N-1) in a new frame of root slots (left
 * on the stack: the trace says what it releases). Returns 0 at the end of the trace. Bad input (a
 * malformed line, an index out of range, a set or get through a nil root, a slot beyond the
 * object's slots) stops the replay with gc_fail(h, GC_ERR_USAGE, "FILE:LINE: what"); if the
 * heap's fatal handler returns, so does this, with GC_ERR_USAGE. */
int gc_trace_replay(struct gc_heap *h, gc_trace_reader *r);
void gc_trace_reader_close(gc_trace_reader *r);

#endif
