/*
 * chunks.h - writing chunks to the stream (chunks.c), for the drains in writer.c.  The
 * writer lock is held for every call.
 */
#ifndef TT_CHUNKS_H
#define TT_CHUNKS_H

#include <stddef.h>
#include <stdint.h>

struct tt_enc;

/* Below this many raw bytes, a thread's events of a pass go into the shared chunk. */
#define TT_SMALL_CHUNK 4096

/* Maps the buffers, sets up the compressor (once).  Returns 0, or -1: out of memory. */
int tt_chunks_setup(void);
extern int tt_chunks_ok; /* tt_chunks_setup succeeded */

/* The clock sync point the chunks of the current pass carry (read at its start). */
extern uint64_t tt_sync_tick, tt_sync_ns;
/* Counters for the END record: events written or lost, EVENTS chunks written. */
extern uint64_t tt_events_written, tt_events_lost, tt_chunks_written;

/* Writes the chunk c holds as an EVENTS chunk (strings first), then empties c. */
int tt_chunk_events(struct tt_enc *c);
/*
 * Moves the chunk c holds into the shared EVENTS_MULTI chunk, then empties c; once that is
 * written, the thread's ring is released up to pos.
 */
void tt_chunk_stage(struct tt_enc *c, uint64_t pos);
/* Writes the shared chunk, if anything is staged. */
int tt_chunk_multi(void);
/* At the end of a pass: writes the shared chunk if final, full enough or held long enough. */
int tt_chunk_multi_due(int final);
/* A STACKS or MODULES chunk: a whole payload, deflated. */
int tt_chunk_side(unsigned kind, const uint8_t *raw, size_t len);
/* Fork child: forgets what the parent had buffered, zeroes the counters. */
void tt_chunks_after_fork(void);

#endif /* TT_CHUNKS_H */
