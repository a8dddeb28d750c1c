/*
 * roundtrip.h - the recorder's half of the round-trip test (roundtrip_rec.c), as the reader's
 * half (roundtrip.c) calls it.  Two files because collector/tt.h and convert/model.h each
 * define a struct tt_thread of their own.
 */
#ifndef TT_ROUNDTRIP_H
#define TT_ROUNDTRIP_H

#include <stddef.h>
#include <stdint.h>

/* tt_enc_setup: 0, or -1 (out of memory). */
int rt_rec_setup(void);
/* encode.h's TT_ENC_ choices; rt_rec_use is tt_enc_use (the best the CPU has if it lacks isa) */
enum { RT_ENC_PLAIN, RT_ENC_LZCNT, RT_ENC_PDEP };
unsigned rt_rec_use(unsigned isa);
/* A new stream file: the strings interned so far must be defined again (as after a fork). */
void rt_rec_new_stream(void);
/* Starts an EVENTS chunk, encoded with tt_cfg.stacks set to stacks (0: no stack column). */
void rt_rec_begin(uint32_t stacks);
/* tt_enc_record on one ring record of nw words: 0, or -1 if the encoder refused it. */
int rt_rec_record(const uint64_t *r, unsigned nw);
/* tt_enc_ring, the writer's way of encoding */
uint64_t rt_rec_ring_span(const uint64_t *ring, uint64_t mask, uint64_t pos, uint64_t stop,
			  uint64_t head, uint64_t *refused);
/* Raw bytes and records the chunk holds so far. */
size_t rt_rec_size(void);
uint32_t rt_rec_count(void);
/* Column i of the chunk so far. */
const uint8_t *rt_rec_col(int i, size_t *len);
/*
 * tt_enc_finish into a buffer of ours (free it); *len its length, *first and *last the end
 * ticks of the first and last records, as chunks.c puts them in the chunk header.
 */
uint8_t *rt_rec_finish(size_t *len, uint64_t *first, uint64_t *last);
/*
 * The strings tt_writer_string defined since the last call, as a STRINGS payload (format.h),
 * *len bytes; valid until the encoder interns another string.
 */
const uint8_t *rt_rec_strings(size_t *len);

#endif /* TT_ROUNDTRIP_H */
