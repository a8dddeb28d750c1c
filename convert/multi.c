/*
 * multi.c - reading the parts of an EVENTS_MULTI chunk, in any of its layouts: version 3 puts
 * each part's payload after its header, version 4 puts the headers first and then the
 * parts' columns grouped by column, version 7 groups the headers' fields too (format.h).
 * Every length is checked against the payload before anything is taken from it.
 */
#include "codec.h"
#include "multi.h"

/* Versions 3 to 6: the fields a part header starts with, one after the other */
static int tt_multi_fields(struct tt_multi_iter *it, struct tt_multi_part *m)
{
	uint64_t tid, n, first, last, flags;

	if (tt_get_varint(&it->p, it->end, &tid) || tt_get_varint(&it->p, it->end, &n) ||
	    tt_get_varint(&it->p, it->end, &first) || tt_get_varint(&it->p, it->end, &last) ||
	    tt_get_varint(&it->p, it->end, &flags) || n > UINT32_MAX)
		return -1;
	tid = it->prev_tid + (uint64_t)tt_unzigzag(tid);
	if (tid > UINT32_MAX)
		return -1;
	first = it->prev_first + (uint64_t)tt_unzigzag(first);
	it->prev_tid = tid;
	it->prev_first = first;
	m->tid = (uint32_t)tid;
	m->nevents = (uint32_t)n;
	m->first_tick = first;
	m->last_tick = first + last;
	m->flags = (uint32_t)(flags & (TT_CHUNK_COLUMNS | TT_CHUNK_STACK_IDS));
	return 0;
}

/* Version 4: the column lengths that end a part header (none longer than the payload) */
static int tt_multi_lens(struct tt_multi_iter *it, uint64_t *len)
{
	for (int i = 0; i < TT_NCOLS; i++)
		if (tt_get_varint(&it->p, it->end, &len[i]) ||
		    len[i] > (uint64_t)(it->end - it->start))
			return -1;
	return 0;
}

/*
 * Version 7: the next part's header, a field from each run (tt_multi_begin found them all
 * whole), its column lengths in len.
 */
static int tt_multi_by_field(struct tt_multi_iter *it, struct tt_multi_part *m, uint64_t *len)
{
	uint64_t v[TT_MULTI_FIELDS];

	for (int f = 0; f < TT_MULTI_FIELDS; f++)
		if (tt_get_varint(&it->field[f], it->end, &v[f]))
			return -1;
	uint64_t tid = it->prev_tid + (uint64_t)tt_unzigzag(v[0]);

	if (tid > UINT32_MAX || v[1] > UINT32_MAX)
		return -1;
	it->prev_tid = tid;
	it->prev_first += (uint64_t)tt_unzigzag(v[2]);
	m->tid = (uint32_t)tid;
	m->nevents = (uint32_t)v[1];
	m->first_tick = it->prev_first;
	m->flags = (uint32_t)(v[3] & (TT_CHUNK_COLUMNS | TT_CHUNK_STACK_IDS));
	for (int i = 0; i < TT_NCOLS; i++)
		len[i] = v[4 + i];
	return 0;
}

/* Version 7: the last tick, the first plus the part's end deltas, one per event. */
static int tt_multi_last(const struct tt_multi_iter *it, struct tt_multi_part *m)
{
	const uint8_t *p = it->start + m->col_off[TT_COL_DELTA];
	const uint8_t *end = p + m->col_len[TT_COL_DELTA];
	uint64_t last = m->first_tick, d;

	for (uint32_t k = 0; k < m->nevents; k++) {
		if (tt_get_varint(&p, end, &d))
			return -1;
		last += d;
	}
	m->last_tick = last;
	return 0;
}

int tt_multi_begin(struct tt_multi_iter *it, unsigned version, const uint8_t *p, size_t len,
		   uint64_t first_tick)
{
	*it = (struct tt_multi_iter){
		.start = p,
		.p = p,
		.end = p + len,
		.by_column = version >= 4,
		.by_field = version >= 7,
		.prev_first = first_tick,
	};
	if (!it->by_column)
		return 0;
	/* headers first: their column lengths say where each column of parts begins */
	struct tt_multi_iter hdr = *it;
	uint64_t nparts, total[TT_NCOLS] = { 0 };
	struct tt_multi_part m;

	if (tt_get_varint(&hdr.p, hdr.end, &nparts) || nparts > len)
		return -1;
	for (int f = 0; it->by_field && f < TT_MULTI_FIELDS; f++) {
		it->field[f] = hdr.p;
		for (uint64_t k = 0; k < nparts; k++) {
			uint64_t v;

			if (tt_get_varint(&hdr.p, hdr.end, &v) || (f >= 4 && v > len))
				return -1;
			if (f >= 4)
				total[f - 4] += v;
		}
	}
	for (uint64_t k = 0; !it->by_field && k < nparts; k++) {
		uint64_t l[TT_NCOLS];

		if (tt_multi_fields(&hdr, &m) || tt_multi_lens(&hdr, l))
			return -1;
		for (int i = 0; i < TT_NCOLS; i++)
			total[i] += l[i];
	}
	uint64_t pos = (uint64_t)(hdr.p - p);

	for (int i = 0; i < TT_NCOLS; i++) {
		if (total[i] > len - pos)
			return -1;
		it->col_pos[i] = pos;
		pos += total[i];
	}
	if (pos != len)
		return -1;
	if (tt_get_varint(&it->p, it->end, &it->left))
		return -1;
	return 0;
}

int tt_multi_next(struct tt_multi_iter *it, struct tt_multi_part *m)
{
	if (it->by_column ? !it->left : it->p >= it->end)
		return 0;
	if (it->by_field ? tt_multi_by_field(it, m, m->col_len) : tt_multi_fields(it, m))
		return -1;
	if (!it->by_column) {
		uint64_t plen;

		if (tt_get_varint(&it->p, it->end, &plen) || plen > (uint64_t)(it->end - it->p))
			return -1;
		m->off = (uint64_t)(it->p - it->start);
		m->len = plen;
		it->p += plen;
		return 1;
	}
	/* tt_multi_begin checked that the lengths add up to the payload */
	if (!it->by_field && tt_multi_lens(it, m->col_len))
		return -1;
	m->len = 0;
	for (int i = 0; i < TT_NCOLS; i++) {
		m->col_off[i] = it->col_pos[i];
		it->col_pos[i] += m->col_len[i];
		m->len += m->col_len[i];
	}
	it->left--;
	return it->by_field && tt_multi_last(it, m) ? -1 : 1;
}
