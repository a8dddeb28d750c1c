/*
 * scan.h - the pre-scan of one stream file held in memory.
 *
 * tt_scan() walks the chunk headers of f->data[0..f->size), checks every CRC, resyncs past
 * damage, and fills in the file's process and end records, string table, clock mapping,
 * thread list and the index of its EVENTS chunks.  It does not inflate EVENTS chunks: that
 * is the decoder's job, one chunk at a time.  Memory it allocates grows with the number of
 * chunks and strings, never with the number of events.
 *
 * Nothing in the input is trusted: every length is checked against the bytes that are
 * there and against TT_CHUNK_MAX, so any byte string is a valid input that scans in time
 * linear in its size.
 */
#ifndef TT_SCAN_H
#define TT_SCAN_H

#include "model.h"

/*
 * Returns 0 when the file is a stream this converter reads (problems inside it are
 * collected in f->problems), -1 when it is refused: not a traceit stream, or a version too
 * new; then the error has been printed and f->usable is false.
 */
int tt_scan(struct tt_file *f);

/* Frees what tt_scan() and the run allocated for f (not f->data). */
void tt_file_release(struct tt_file *f);

/* Parses PROCESS fields (fields.c).  Returns 0, or -1 if the list does not parse. */
int tt_parse_process(struct tt_file *f, const uint8_t *p, size_t len);
/* Parses END fields (fields.c). */
int tt_parse_end(struct tt_file *f, const uint8_t *p, size_t len);

#endif /* TT_SCAN_H */
