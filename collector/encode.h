/*
 * encode.h - ring records into the payload of an EVENTS chunk (format.h, section 4b: the
 * column layout).  One encoder at a time: whoever holds the writer lock.
 */
#ifndef TT_ENCODE_H
#define TT_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "format.h"

struct tt_thread;

#define TT_ENC_CAP (256u << 10)	 /* raw bytes per EVENTS chunk */
#define TT_ENC_SLACK (16u << 10) /* room past TT_ENC_CAP: see tt_enc_full */
#define TT_ENC_DIR_MAX (TT_NCOLS * 10)

/* The chunk being built, for one thread. */
struct tt_enc {
	struct tt_thread *t;
	uint8_t *col[TT_NCOLS]; /* write position in each column */
	uint32_t n;		/* records so far */
	uint32_t naddr;		/* ADDR values so far: the position in the address history */
	uint64_t first, prev_end, prev_addr;
	uint32_t prev_stack;
	uint32_t gen;	     /* tells this chunk's history entries from older chunks' */
	uintptr_t base_sum;  /* the columns' start addresses added up: for tt_enc_size */
	uint32_t next_check; /* records at which tt_enc_full looks again */
};

/* Maps the column buffers and the history table.  Returns 0, or -1 (out of memory). */
int tt_enc_setup(void);
/* Unmaps them (setup failed part way). */
void tt_enc_teardown(void);
/*
 * The instructions the encoder uses, each choice making the same bytes: tt_enc_setup takes
 * the best one the CPU runs fast.  tt_enc_use sets one (the best if the CPU lacks it) and
 * returns it: the tests try each.
 */
enum { TT_ENC_PLAIN, TT_ENC_LZCNT, TT_ENC_PDEP };
unsigned tt_enc_use(unsigned isa);
/* Starts an empty chunk for thread t. */
void tt_enc_begin(struct tt_enc *c, struct tt_thread *t);
/* Appends one ring record (r, nw words).  Returns 0, or -1 if the record is malformed. */
int tt_enc_record(struct tt_enc *c, const uint64_t *r, unsigned nw);
/*
 * Appends the records of ring (mask + 1 words; records up to head) from pos, until pos
 * reaches stop or the chunk is full (tt_enc_full said so); returns the position reached.
 * Each record refused as malformed adds one to *refused; one whose length is 0 or runs past
 * head (memory trampled) does too, and ends it: head is returned.  Padding is skipped.
 */
uint64_t tt_enc_ring(struct tt_enc *c, const uint64_t *ring, uint64_t mask, uint64_t pos,
		     uint64_t stop, uint64_t head, uint64_t *refused);
/* Raw bytes the chunk holds so far: the caller flushes past TT_ENC_CAP. */
static inline size_t tt_enc_size(const struct tt_enc *c)
{
	uintptr_t n = 0;

	for (int i = 0; i < TT_NCOLS; i++)
		n += (uintptr_t)c->col[i];
	return n - c->base_sum;
}
/*
 * Whether the chunk should be flushed now.  Looks every 32 records (a batch of frees counts
 * as its TT_OFFLOG records): 96 records of at most ~150 bytes each fit in TT_ENC_SLACK.
 */
static inline int tt_enc_full(struct tt_enc *c)
{
	if (c->n < c->next_check)
		return 0;
	c->next_check = c->n + 32;
	return tt_enc_size(c) >= TT_ENC_CAP;
}
/*
 * Lays the chunk out in out (at least tt_enc_size + TT_ENC_DIR_MAX bytes); returns its length.
 * off, unless NULL, gets where each of the TT_NCOLS columns starts in out, then the end.
 */
size_t tt_enc_finish(const struct tt_enc *c, uint8_t *out, size_t *off);
/* Column i of the chunk so far: its bytes, *len of them. */
const uint8_t *tt_enc_col(const struct tt_enc *c, int i, size_t *len);

/*
 * A string argument to intern: returns its id, after writing it to the strings buffer if it
 * is new.  Provided by the writer, which owns the STRINGS chunks.
 */
uint32_t tt_writer_string(const char *s, size_t len);

#endif /* TT_ENCODE_H */
