/*
 * recover.h - the records a killed process left in its shared-buffer file (recover.c).
 */
#ifndef TT_RECOVER_H
#define TT_RECOVER_H

#include "model.h"

/*
 * f has no END record: reads the shared-buffer file beside it, if there is one, and adds a
 * chunk (flags TT_REF_RAW, seq from *seq) for each thread with records the stream lacks.
 * *cap is the capacity of f->chunks.  Returns 1 with *sync set to the latest clock sync point
 * the file holds, else 0.
 */
int tt_recover(struct tt_file *f, uint32_t *seq, size_t *cap, struct tt_syncpt *sync);
/* Set by --follow: the buffers of a process still running are not read (it writes them). */
extern bool tt_recover_not_live;
/*
 * Decodes one recovered record (in the buffer of a TT_REF_RAW chunk) into *ev, but for its
 * times; *end_tick is its end.  Returns its length in words.
 */
int tt_recover_decode(const uint64_t *r, struct tt_event *ev, uint64_t *end_tick);

#endif /* TT_RECOVER_H */
