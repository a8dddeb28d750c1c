/*
 * filter.c - parsing the filter options; the per-event test is inline in filter.h.
 */
#include <stdlib.h>
#include <string.h>

#include "filter.h"

void tt_filter_init(struct tt_filter *f)
{
	*f = (struct tt_filter){ .to_ns = UINT64_MAX, .categories = (1u << TT_CAT_COUNT) - 1 };
}

void tt_filter_free(struct tt_filter *f)
{
	free(f->pids);
	free(f->tids);
	f->pids = f->tids = NULL;
	f->npids = f->ntids = 0;
}

static const struct {
	const char *name;
	uint64_t ns;
} tt_time_units[] = {
	{ "ns", 1 },
	{ "us", 1000 },
	{ "\xc2\xb5s", 1000 } /* micro sign */,
	{ "\xce\xbcs", 1000 } /* Greek mu */,
	{ "ms", 1000000 },
	{ "s", 1000000000 },
};

int tt_parse_time(const char *s, uint64_t *ns, const char **why)
{
	uint64_t whole = 0, frac = 0, scale = 1, unit = 0;
	const char *p = s;
	size_t nwhole = 0, nfrac = 0;

	*why = "is not a time: a number with a unit ns, us, ms or s, e.g. 1.5s or 200ms";
	for (; *p >= '0' && *p <= '9'; p++, nwhole++)
		if (__builtin_mul_overflow(whole, 10, &whole) ||
		    __builtin_add_overflow(whole, (uint64_t)(*p - '0'), &whole))
			return -1;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, nfrac++)
			if (nfrac < 9) { /* nanoseconds of a second at most: the rest is cut */
				frac = frac * 10 + (uint64_t)(*p - '0');
				scale *= 10;
			}
	if (!nwhole && !nfrac)
		return -1;
	for (size_t i = 0; i < TT_ARRAY_SIZE(tt_time_units); i++)
		if (!strcmp(p, tt_time_units[i].name))
			unit = tt_time_units[i].ns;
	if (!unit && !*p && !whole && !frac)
		unit = 1; /* a bare 0 is 0 in any unit */
	if (!unit)
		return -1;
	if (__builtin_mul_overflow(whole, unit, ns) ||
	    __builtin_add_overflow(*ns, frac * unit / scale, ns)) {
		*why = "is too large a time";
		return -1;
	}
	return 0;
}

static int tt_id_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int tt_parse_ids(const char *s, uint32_t **v, size_t *n, const char **why)
{
	size_t cap = *n;
	const char *p = s;

	*why = "is not a list of ids: positive numbers separated by commas, e.g. 1234,1240";
	for (;;) {
		uint64_t id = 0;
		const char *start = p;

		for (; *p >= '0' && *p <= '9'; p++)
			if ((id = id * 10 + (uint64_t)(*p - '0')) > UINT32_MAX)
				return -1;
		if (p == start || !id || (*p && *p != ','))
			return -1;
		tt_grow((void **)v, &cap, *n + 1, sizeof(**v));
		(*v)[(*n)++] = (uint32_t)id;
		if (!*p++)
			break;
	}
	tt_sort(*v, *n, sizeof(**v), tt_id_cmp);
	size_t k = 0;

	for (size_t i = 0; i < *n; i++)
		if (!k || (*v)[k - 1] != (*v)[i])
			(*v)[k++] = (*v)[i];
	*n = k;
	return 0;
}

int tt_parse_categories(const char *s, uint32_t *mask, const char **why)
{
	const char *bad;
	size_t badlen;
	uint32_t m = 0;

	*why = "is not a list of categories separated by commas (" TT_CATEGORY_LIST "all)";
	if (tt_parse_category_list(s, &m, &bad, &badlen) < 0 || !m)
		return -1;
	*mask |= m;
	return 0;
}

int tt_parse_count(const char *s, uint64_t max, uint64_t *v, const char **why)
{
	const char *p = s;

	*why = "is not a positive whole number";
	*v = 0;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((*v = *v * 10 + (uint64_t)(*p - '0')) > max) {
			*why = "is too large";
			return -1;
		}
	return p == s || *p || !*v ? -1 : 0;
}

bool tt_filter_has_id(const uint32_t *v, size_t n, uint32_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] == id)
			return true;
		if (v[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}
