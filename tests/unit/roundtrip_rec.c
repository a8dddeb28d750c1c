/*
 * roundtrip_rec.c - the recorder's half of the round-trip test: collector/encode.c as the
 * writer drives it, with the writer's parts it calls (tt_cfg, tt_writer_string) made here.
 */
#include <stdlib.h>
#include <string.h>

#include "tt.h"
#include "codec.h"
#include "encode.h"
#include "roundtrip.h"

struct tt_config tt_cfg;

static struct tt_enc enc;

/* The interned strings, id i + 1 at index i: few enough for a linear search. */
static struct {
	char *s;
	size_t len;
} * strs;
static size_t nstrs, strs_cap;
/* The strings defined since rt_rec_strings last took them: a STRINGS payload. */
static uint8_t *defs;
static size_t defs_len, defs_cap;

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	*cap = need * 2;
	p = realloc(p, *cap * size);
	if (!p)
		abort();
	return p;
}

/* As chunks.c does: the id, and the definition for the next STRINGS chunk if it is new. */
uint32_t tt_writer_string(const char *s, size_t len)
{
	for (size_t i = 0; i < nstrs; i++)
		if (strs[i].len == len && !memcmp(strs[i].s, s, len))
			return (uint32_t)(i + 1);
	strs = grow(strs, &strs_cap, nstrs + 1, sizeof(*strs));
	strs[nstrs].s = malloc(len + 1);
	if (!strs[nstrs].s)
		abort();
	memcpy(strs[nstrs].s, s, len);
	strs[nstrs].len = len;
	nstrs++;
	defs = grow(defs, &defs_cap, defs_len + len + 2 * TT_VARINT_MAX, 1);
	uint8_t *p = tt_put_varint(defs + defs_len, nstrs);

	p = tt_put_varint(p, len);
	memcpy(p, s, len);
	defs_len = (size_t)(p + len - defs);
	return (uint32_t)nstrs;
}

void rt_rec_new_stream(void)
{
	for (size_t i = 0; i < nstrs; i++)
		free(strs[i].s);
	nstrs = 0;
	defs_len = 0;
}

int rt_rec_setup(void)
{
	return tt_enc_setup();
}

_Static_assert(RT_ENC_PLAIN == TT_ENC_PLAIN && RT_ENC_LZCNT == TT_ENC_LZCNT &&
		       RT_ENC_PDEP == TT_ENC_PDEP,
	       "roundtrip.h's encoder choices are encode.h's");

unsigned rt_rec_use(unsigned isa)
{
	return tt_enc_use(isa);
}

void rt_rec_begin(uint32_t stacks)
{
	tt_cfg.stacks = stacks;
	tt_enc_begin(&enc, NULL);
}

int rt_rec_record(const uint64_t *r, unsigned nw)
{
	return tt_enc_record(&enc, r, nw);
}

uint64_t rt_rec_ring_span(const uint64_t *ring, uint64_t mask, uint64_t pos, uint64_t stop,
			  uint64_t head, uint64_t *refused)
{
	return tt_enc_ring(&enc, ring, mask, pos, stop, head, refused);
}

size_t rt_rec_size(void)
{
	return tt_enc_size(&enc);
}

uint32_t rt_rec_count(void)
{
	return enc.n;
}

const uint8_t *rt_rec_col(int i, size_t *len)
{
	return tt_enc_col(&enc, i, len);
}

uint8_t *rt_rec_finish(size_t *len, uint64_t *first, uint64_t *last)
{
	uint8_t *out = malloc(tt_enc_size(&enc) + TT_ENC_DIR_MAX);

	if (!out)
		abort();
	*len = tt_enc_finish(&enc, out, NULL);
	*first = enc.first;
	*last = enc.prev_end;
	return out;
}

const uint8_t *rt_rec_strings(size_t *len)
{
	*len = defs_len;
	defs_len = 0;
	return defs;
}
