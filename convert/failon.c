/*
 * failon.c - parsing and checking the --fail-on thresholds.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failon.h"

/* The units of each kind of metric, with their size in its base unit. */
static const struct {
	uint8_t unit; /* enum tt_dunit */
	const char *name;
	double mult;
} tt_funits[] = {
	{ TT_DU_NS, "ns", 1 },
	{ TT_DU_NS, "us", 1e3 },
	{ TT_DU_NS, "\xc2\xb5s", 1e3 },
	{ TT_DU_NS, "ms", 1e6 },
	{ TT_DU_NS, "s", 1e9 },
	{ TT_DU_BYTES, "B", 1 },
	{ TT_DU_BYTES, "KB", 1e3 },
	{ TT_DU_BYTES, "kB", 1e3 },
	{ TT_DU_BYTES, "MB", 1e6 },
	{ TT_DU_BYTES, "GB", 1e9 },
	{ TT_DU_BYTES, "KiB", 1024.0 },
	{ TT_DU_BYTES, "MiB", 1048576.0 },
	{ TT_DU_BYTES, "GiB", 1073741824.0 },
};

static const char *const tt_unit_lists[] = {
	[TT_DU_COUNT] = "a count, without a unit",
	[TT_DU_NS] = "a time: ns, us, ms or s",
	[TT_DU_BYTES] = "bytes: B, KB, MB, GB, KiB, MiB or GiB",
};

/* One expression, e[0..len).  0, or -1 with why. */
static int tt_failon_one(const char *e, size_t len, struct tt_failon *f, char *why, size_t wl)
{
	char *text = tt_xmalloc(len + 1), *p, *close, *end;
	const char *problem = NULL, *unit;
	char names[256];
	double num, mult = 1;
	size_t mlen;

	memcpy(text, e, len);
	text[len] = '\0';
	*f = (struct tt_failon){ .text = text };
	mlen = strspn(text, "abcdefghijklmnopqrstuvwxyz_");
	for (f->metric = 0; f->metric < TT_DM_COUNT; f->metric++)
		if (strlen(tt_dmetrics[f->metric].name) == mlen &&
		    !strncmp(text, tt_dmetrics[f->metric].name, mlen))
			break;
	p = text + mlen;
	if (f->metric == TT_DM_COUNT) {
		size_t k = 0;

		for (unsigned m = 0; m < TT_DM_COUNT && k < sizeof(names); m++)
			k += (size_t)snprintf(names + k, sizeof(names) - k, "%s%s", m ? ", " : "",
					      tt_dmetrics[m].name);
		snprintf(why, wl, "--fail-on: '%s': no metric named '%.*s' (%s)", text, (int)mlen,
			 text, names);
		return -1;
	} else if (*p == '(') {
		/* the key runs to the last ')': a path may hold parentheses */
		close = strrchr(p, ')');
		if (!close) {
			problem = "no ')' after the key";
		} else if (close == p + 1) {
			problem = "an empty key";
		} else {
			f->key = tt_xmalloc((size_t)(close - p));
			memcpy(f->key, p + 1, (size_t)(close - p - 1));
			f->key[close - p - 1] = '\0';
			p = close + 1;
		}
	}
	if (!problem && *p != '+' && *p != '>')
		problem = "no threshold: give +N%, +N or >N after the metric";
	if (problem) {
		snprintf(why, wl, "--fail-on: '%s': %s", f->text, problem);
		return -1;
	}
	f->op = *p++ == '+' ? TT_FOP_ADD : TT_FOP_GT;
	num = strtod(p, &end);
	if (end == p || *p == '-' || *p == '+' || !isfinite(num) || num < 0) {
		snprintf(why, wl, "--fail-on: '%s': '%s' is not a number", f->text, p);
		return -1;
	}
	unit = end;
	if (!strcmp(unit, "%")) {
		if (f->op != TT_FOP_ADD) {
			snprintf(why, wl, "--fail-on: '%s': a percentage goes after +, not >",
				 f->text);
			return -1;
		}
		f->op = TT_FOP_PCT;
		f->pct = num;
		return 0;
	}
	if (*unit) {
		size_t u;

		for (u = 0; u < TT_ARRAY_SIZE(tt_funits); u++)
			if (tt_funits[u].unit == tt_dmetrics[f->metric].unit &&
			    !strcmp(unit, tt_funits[u].name))
				break;
		if (u == TT_ARRAY_SIZE(tt_funits)) {
			snprintf(why, wl, "--fail-on: '%s': '%s' is not a unit of %s (%s)", f->text,
				 unit, tt_dmetrics[f->metric].name,
				 tt_unit_lists[tt_dmetrics[f->metric].unit]);
			return -1;
		}
		mult = tt_funits[u].mult;
	}
	if (num * mult >= 1.8e19) {
		snprintf(why, wl, "--fail-on: '%s': too large", f->text);
		return -1;
	}
	f->n = (uint64_t)llround(num * mult);
	return 0;
}

int tt_failon_parse(const char *s, struct tt_failon **v, size_t *n, char *why, size_t whylen)
{
	size_t cap = *n;

	for (const char *p = s;;) {
		const char *e = p;
		int depth = 0;

		for (; *e && (*e != ',' || depth); e++)
			depth += (*e == '(') - (*e == ')' && depth);
		if (e == p) {
			snprintf(why, whylen,
				 "--fail-on: '%s': an empty expression (between commas?)", s);
			return -1;
		}
		tt_grow((void **)v, &cap, *n + 1, sizeof(**v));
		if (tt_failon_one(p, (size_t)(e - p), &(*v)[*n], why, whylen)) {
			tt_failon_free(*v + *n, 1);
			return -1;
		}
		++*n;
		if (!*e)
			return 0;
		p = e + 1;
	}
}

void tt_failon_free(struct tt_failon *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].text);
		free(v[i].key);
	}
}

static bool tt_crossed(const struct tt_failon *f, uint64_t base, uint64_t new)
{
	switch (f->op) {
	case TT_FOP_PCT:
		return new > base &&
		       (!base || 100.0 * (double)(new - base) / (double)base > f->pct);
	case TT_FOP_ADD:
		return new > base &&new - base > f->n;
	default:
		return new > f->n;
	}
}

bool tt_failon_check(const struct tt_failon *v, size_t n, const struct tt_diff *d,
		     struct tt_fcheck *out)
{
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		const struct tt_failon *f = &v[i];
		struct tt_fcheck *c = &out[i];
		char path[4096];
		const char *pkey = f->key ? tt_diff_path_key(f->key, path, sizeof(path)) : NULL;

		*c = (struct tt_fcheck){ .f = f };
		/* every entry of that name: the first that crosses decides, else the first */
		for (size_t r = 0; r < d->nrows && !c->crossed; r++) {
			const struct tt_drow *row = &d->rows[r];
			bool mine =
				f->key ? row->kind != TT_DK_TOTAL && (!strcmp(row->key, f->key) ||
								      (row->kind == TT_DK_FILE &&
								       !strcmp(row->key, pkey)))
				       : row->kind == TT_DK_TOTAL;

			if (row->metric != f->metric || !mine)
				continue;
			if (!c->found || tt_crossed(f, row->base, row->new)) {
				c->base = row->base;
				c->new = row->new;
			}
			c->found = true;
			c->crossed = tt_crossed(f, row->base, row->new);
		}
		any |= c->crossed;
	}
	return any;
}
