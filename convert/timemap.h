/*
 * timemap.h - tick to nanosecond mapping of one stream file.
 *
 * TT_CLOCK_MONOTONIC files need none (ticks are ns).  TT_CLOCK_TSC files map through their
 * clock sync points, piecewise linearly, as format.h describes.  The mapping is monotonic
 * (non-decreasing), which is what keeps calls nested after conversion: a call inside another
 * in ticks stays inside it in nanoseconds.
 */
#ifndef TT_TIMEMAP_H
#define TT_TIMEMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tt_syncpt {
	uint64_t tick;
	uint64_t ns;
};

struct tt_timemap {
	bool identity;
	size_t n;	      /* sync points kept, >= 1 unless identity */
	struct tt_syncpt *pt; /* sorted by tick, ticks distinct, ns non-decreasing */
	uint64_t *mult;	      /* per segment [i, i+1]: ns per tick, 32.32 fixed point */
	uint64_t ext_mult;    /* slope used outside the points (first to last) */
};

/*
 * Builds the mapping from the n points at pt (reordered in place).  Returns the number of
 * distinct points used; with 0 the mapping is the identity, with 1 its slope is 1.
 */
size_t tt_timemap_build(struct tt_timemap *m, struct tt_syncpt *pt, size_t n);
void tt_timemap_identity(struct tt_timemap *m);
void tt_timemap_free(struct tt_timemap *m);

uint64_t tt_timemap_slow(const struct tt_timemap *m, uint64_t tick, uint32_t *hint);

/*
 * ns for tick.  *hint is a segment index the caller keeps per thread: a thread's ticks mostly
 * move forward a little, so checking the last segment first avoids a search per timestamp.
 */
static inline uint64_t tt_timemap_ns(const struct tt_timemap *m, uint64_t tick, uint32_t *hint)
{
	uint32_t i = *hint;

	if (m->identity)
		return tick;
	if (i + 1 < m->n && m->pt[i].tick <= tick && tick < m->pt[i + 1].tick) {
		uint64_t d =
			(uint64_t)(((unsigned __int128)(tick - m->pt[i].tick) * m->mult[i]) >> 32);
		uint64_t ns = m->pt[i].ns + d;

		/* Rounding must not carry a point past the next sync point: keep it monotonic. */
		return ns < m->pt[i + 1].ns ? ns : m->pt[i + 1].ns;
	}
	return tt_timemap_slow(m, tick, hint);
}

#endif /* TT_TIMEMAP_H */
