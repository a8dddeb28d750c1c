/*
 * jsontime.c - float-consistent slice times for JSON (see jsontime.h).
 *
 * In C, ns / 1000.0 is the correctly rounded double of the decimal "%llu.%03llu" string, the
 * same double a JSON reader parses (for ns below 2^53, about 104 days), so the readers'
 * arithmetic can be replayed here exactly.  It is replayed only when a slice touches an
 * earlier one: the common path compares integers.
 */
#include <math.h>
#include <stdio.h>

#include "jsontime.h"
#include "out.h"

/*
 * Ulps kept between touching ends and starts.  A reader that subtracts a base before adding
 * (speedscope) rounds twice, up to 1.5 ulp off the exact sum: 4 keeps the order strict.
 */
#define TT_JTIME_MARGIN 4

static double tt_ulps_up(double x, int n)
{
	while (n--)
		x = nextafter(x, INFINITY);
	return x;
}

/* The float end readers compute for a slice written as 3-decimal ts and dur. */
static double tt_natural_end(uint64_t start, uint64_t end)
{
	return (double)start / 1000.0 + (double)(end - start) / 1000.0;
}

static double tt_fe(const struct tt_jend *e)
{
	return e->natural ? tt_natural_end(e->start, e->end) : e->fe;
}

static char *tt_put_double(char *p, double v)
{
	/* %.17g reads back as exactly v. */
	return p + snprintf(p, 32, "%.17g", v);
}

char *tt_jtime_slice(char *p, struct tt_jtime *t, uint64_t start, uint64_t end)
{
	const struct tt_jend *touch = NULL, *last = &t->ends[t->last];
	bool inner = last->used && last->end == end;
	struct tt_jend *e;
	double ts, d, fe, min;

	/* the ends come in order: none can touch a slice that starts after the last one */
	if (last->used && start <= last->end)
		for (unsigned i = 0; i < TT_JTIME_RING; i++)
			if (t->ends[i].used && t->ends[i].end == start) {
				touch = &t->ends[i];
				break;
			}
	if (!touch && !inner) {
		/* The common case: nothing ends where this slice starts or ends. */
		t->last = (t->last + 1) % TT_JTIME_RING;
		t->ends[t->last] = (struct tt_jend){ start, end, 0, true, true };
		p = tt_fmt_us(p, start);
		p = TT_LIT(p, ",\"dur\":");
		return tt_fmt_us(p, end - start);
	}

	ts = (double)start / 1000.0;
	d = (double)(end - start) / 1000.0;
	/* A slice of this thread ended where this one starts: start clearly after its end. */
	if (touch) {
		min = tt_ulps_up(tt_fe(touch), TT_JTIME_MARGIN);
		if (ts < min)
			ts = min;
		else
			touch = NULL;
	}
	fe = ts + d;
	/* The previous slice ends at the same ns, so it is inside this one: end clearly after. */
	if (inner) {
		min = tt_ulps_up(tt_fe(last), TT_JTIME_MARGIN);
		if (fe < min) {
			d = min > ts ? min - ts : 0;
			for (int i = 0; i < 4 && ts + d < min; i++)
				d = nextafter(d, INFINITY);
			fe = ts + d;
		} else {
			inner = false;
		}
	}
	/* An enclosing slice replaces the entry of the slice inside it that ends there too. */
	if (!last->used || last->end != end)
		t->last = (t->last + 1) % TT_JTIME_RING;
	e = &t->ends[t->last];
	*e = (struct tt_jend){ start, end, fe, !touch && !inner, true };

	p = touch ? tt_put_double(p, ts) : tt_fmt_us(p, start);
	p = TT_LIT(p, ",\"dur\":");
	return inner ? tt_put_double(p, d) : tt_fmt_us(p, end - start);
}
