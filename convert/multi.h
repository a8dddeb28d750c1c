/*
 * multi.h - the parts of an EVENTS_MULTI chunk (format.h), for the scanner, which makes each
 * part a chunk of its thread, and the decoder, which takes the part out when it gets there.
 */
#ifndef TT_MULTI_H
#define TT_MULTI_H

#include <stddef.h>
#include <stdint.h>

#include "format.h"

struct tt_multi_part {
	uint32_t tid, nevents, flags;
	uint64_t first_tick, last_tick;
	/* version 3: the part's payload; version 4 and later: the sum of its column lengths */
	uint64_t off, len;
	uint64_t col_off[TT_NCOLS], col_len[TT_NCOLS]; /* version 4: its columns */
};

#define TT_MULTI_FIELDS (4 + TT_NCOLS) /* version 7: header fields, each a run of nparts */

struct tt_multi_iter {
	const uint8_t *start, *p, *end;
	int by_column;			       /* version 4 layout */
	int by_field;			       /* version 7: the headers by field, no last tick */
	const uint8_t *field[TT_MULTI_FIELDS]; /* version 7: where the next part's fields are */
	uint64_t left;			       /* version 4: parts not yet returned */
	uint64_t prev_tid, prev_first;
	uint64_t col_pos[TT_NCOLS]; /* version 4: where the next part's columns start */
};

/*
 * Starts reading the inflated payload [p, p + len) of an EVENTS_MULTI chunk whose header says
 * first_tick, written in format version `version`.  Returns 0, or -1 if its layout does not
 * add up (version 4: the column lengths against the payload).
 */
int tt_multi_begin(struct tt_multi_iter *it, unsigned version, const uint8_t *p, size_t len,
		   uint64_t first_tick);
/* The next part: 1 and *part, 0 at the end, -1 if the part does not parse. */
int tt_multi_next(struct tt_multi_iter *it, struct tt_multi_part *part);

#endif /* TT_MULTI_H */
