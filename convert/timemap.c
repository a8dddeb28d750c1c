/*
 * timemap.c - building the piecewise-linear tick to ns mapping, and the search path of it.
 *
 * Slopes are kept as 32.32 fixed-point multipliers so that mapping a timestamp is one
 * multiplication, not a division: the converter maps two timestamps per event.  Within a
 * segment shorter than 2^32 ticks (about a second of TSC) the rounding error is below 1 ns,
 * and the result is clamped to the segment's end so the mapping stays monotonic.
 */
#include <stdlib.h>

#include "timemap.h"
#include "util.h"

static int tt_syncpt_cmp(const void *a, const void *b)
{
	const struct tt_syncpt *x = a, *y = b;

	if (x->tick != y->tick)
		return x->tick < y->tick ? -1 : 1;
	if (x->ns != y->ns)
		return x->ns < y->ns ? -1 : 1;
	return 0;
}

/* (dns / dticks) in 32.32, saturated. */
static uint64_t tt_slope(uint64_t dns, uint64_t dticks)
{
	unsigned __int128 q;

	if (!dticks)
		return 1ull << 32;
	q = ((unsigned __int128)dns << 32) / dticks;
	return q > UINT64_MAX ? UINT64_MAX : (uint64_t)q;
}

void tt_timemap_identity(struct tt_timemap *m)
{
	m->identity = true;
	m->n = 0;
	m->pt = NULL;
	m->mult = NULL;
	m->ext_mult = 1ull << 32;
}

size_t tt_timemap_build(struct tt_timemap *m, struct tt_syncpt *pt, size_t n)
{
	size_t i, out = 0;

	tt_timemap_identity(m);
	if (!n)
		return 0;
	tt_sort(pt, n, sizeof(*pt), tt_syncpt_cmp);
	for (i = 0; i < n; i++) {
		if (out && pt[out - 1].tick == pt[i].tick)
			continue; /* same tick twice: keep the first (smallest ns) */
		pt[out] = pt[i];
		/* A sync point behind its predecessor would make time run backwards. */
		if (out && pt[out].ns < pt[out - 1].ns)
			pt[out].ns = pt[out - 1].ns;
		out++;
	}
	m->identity = false;
	m->n = out;
	m->pt = tt_xmalloc(out * sizeof(*m->pt));
	m->mult = tt_xmalloc(out * sizeof(*m->mult));
	for (i = 0; i < out; i++) {
		m->pt[i] = pt[i];
		m->mult[i] =
			i + 1 < out ? tt_slope(pt[i + 1].ns - pt[i].ns, pt[i + 1].tick - pt[i].tick)
				    : 0;
	}
	m->ext_mult = out > 1 ? tt_slope(pt[out - 1].ns - pt[0].ns, pt[out - 1].tick - pt[0].tick)
			      : 1ull << 32;
	return out;
}

static uint64_t tt_scale(uint64_t dticks, uint64_t mult)
{
	unsigned __int128 d = ((unsigned __int128)dticks * mult) >> 32;

	return d > UINT64_MAX ? UINT64_MAX : (uint64_t)d;
}

uint64_t tt_timemap_slow(const struct tt_timemap *m, uint64_t tick, uint32_t *hint)
{
	const struct tt_syncpt *pt = m->pt;
	size_t lo, hi;
	uint64_t d, ns;

	if (m->identity)
		return tick;
	if (tick < pt[0].tick) {
		d = tt_scale(pt[0].tick - tick, m->ext_mult);
		return d > pt[0].ns ? 0 : pt[0].ns - d;
	}
	if (tick >= pt[m->n - 1].tick) {
		d = tt_scale(tick - pt[m->n - 1].tick, m->ext_mult);
		ns = pt[m->n - 1].ns + d;
		return ns < d ? UINT64_MAX : ns;
	}
	/* pt[lo].tick <= tick < pt[hi].tick */
	lo = 0;
	hi = m->n - 1;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (pt[mid].tick <= tick)
			lo = mid;
		else
			hi = mid;
	}
	*hint = (uint32_t)lo;
	ns = pt[lo].ns + tt_scale(tick - pt[lo].tick, m->mult[lo]);
	return ns < pt[lo + 1].ns ? ns : pt[lo + 1].ns;
}

void tt_timemap_free(struct tt_timemap *m)
{
	free(m->pt);
	free(m->mult);
	tt_timemap_identity(m);
}
