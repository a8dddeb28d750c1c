/*
 * diff_print.c - a comparison of two runs as text (the summary format) or as a CSV table.
 */
#include <stdio.h>
#include <string.h>

#include "csvrow.h"
#include "diff_print.h"
#include "summary.h"

#define TT_DIFF_TOP 60 /* rows of changes shown as text; the CSV has them all */

static const char *const tt_change_names[] = {
	[TT_DC_APPEARED] = "appeared",
	[TT_DC_GONE] = "gone",
	[TT_DC_CHANGED] = "changed",
	[TT_DC_SAME] = "same",
};

static const char *const tt_unit_names[] = {
	[TT_DU_COUNT] = "count",
	[TT_DU_NS] = "ns",
	[TT_DU_BYTES] = "bytes",
};

const char *tt_diff_value(char *buf, size_t len, unsigned metric, uint64_t v)
{
	switch (tt_dmetrics[metric].unit) {
	case TT_DU_NS:
		return tt_hum(buf, len, v, tt_time_units, 1000, 0);
	case TT_DU_BYTES:
		return tt_hum(buf, len, v, tt_byte_units, 1024, 0);
	default:
		snprintf(buf, len, "%llu", (unsigned long long)v);
		return buf;
	}
}

/* "+1.20 ms", "-3" */
static const char *tt_delta(char *buf, size_t len, const struct tt_drow *r)
{
	char v[32];

	tt_diff_value(v, sizeof(v), r->metric,
		      r->delta < 0 ? (uint64_t)-r->delta : (uint64_t)r->delta);
	snprintf(buf, len, "%s%s", r->delta < 0 ? "-" : "+", v);
	return buf;
}

static void tt_print_row(struct tt_out *o, const struct tt_drow *r)
{
	char change[32], base[32], new[32], delta[40];

	if (r->change == TT_DC_APPEARED)
		snprintf(change, sizeof(change), "new");
	else if (r->change == TT_DC_GONE)
		snprintf(change, sizeof(change), "gone");
	else if (!r->base)
		snprintf(change, sizeof(change), "from 0");
	else
		snprintf(change, sizeof(change), "%+.1f%%", r->pct);
	if (r->change == TT_DC_APPEARED)
		snprintf(base, sizeof(base), "-");
	else
		tt_diff_value(base, sizeof(base), r->metric, r->base);
	if (r->change == TT_DC_GONE)
		snprintf(new, sizeof(new), "-");
	else
		tt_diff_value(new, sizeof(new), r->metric, r->new);
	tt_delta(delta, sizeof(delta), r);
	/* printf's widths count bytes: "µs" takes one more than it shows */
	tt_out_printf(o, "  %9s %*s %*s %*s  %s", change, 11 + (strstr(base, "\xc2\xb5") != NULL),
		      base, 11 + (strstr(new, "\xc2\xb5") != NULL), new,
		      12 + (strstr(delta, "\xc2\xb5") != NULL), delta, tt_dkind_names[r->kind]);
	if (*r->key) {
		tt_out_puts(o, " ");
		tt_out_text(o, r->key);
	}
	tt_out_printf(o, ": %s\n", tt_dmetrics[r->metric].name);
}

static void tt_print_checks(struct tt_out *o, const struct tt_fcheck *c, size_t n)
{
	if (!n)
		return;
	tt_out_puts(o, "\nThresholds (--fail-on)\n");
	for (size_t i = 0; i < n; i++) {
		char line[256];

		tt_out_printf(o, "  %-8s ", c[i].crossed ? "crossed" : "ok");
		tt_out_text(o, c[i].f->text);
		tt_out_printf(o, ": %s\n", tt_fcheck_text(line, sizeof(line), &c[i]));
	}
}

const char *tt_fcheck_text(char *buf, size_t len, const struct tt_fcheck *c)
{
	char base[32], new[32];
	unsigned m = c->f->metric;

	if (!c->found)
		snprintf(buf, len, "in neither run");
	else if (c->f->op == TT_FOP_GT)
		snprintf(buf, len, "%s", tt_diff_value(new, sizeof(new), m, c->new));
	else if (c->base && c->new != c->base)
		snprintf(buf, len, "%s -> %s (%+.1f%%)",
			 tt_diff_value(base, sizeof(base), m, c->base),
			 tt_diff_value(new, sizeof(new), m, c->new),
			 100.0 * ((double)c->new - (double)c->base) / (double)c->base);
	else
		snprintf(buf, len, "%s -> %s", tt_diff_value(base, sizeof(base), m, c->base),
			 tt_diff_value(new, sizeof(new), m, c->new));
	return buf;
}

void tt_diff_text(struct tt_out *o, const struct tt_diff *d, const struct tt_fcheck *checks,
		  size_t nchecks)
{
	size_t changed = 0, same = 0, shown = 0;

	tt_out_printf(o, "traceit diff: %zu process%s, %llu events -> %zu process%s, %llu events\n",
		      d->side[0].processes, d->side[0].processes == 1 ? "" : "es",
		      (unsigned long long)d->side[0].events, d->side[1].processes,
		      d->side[1].processes == 1 ? "" : "es", (unsigned long long)d->side[1].events);
	for (int i = 0; i < 2; i++) {
		tt_out_puts(o, i ? "  new:  " : "  base: ");
		tt_out_text(o, d->side[i].label);
		tt_out_puts(o, "\n");
	}
	tt_out_printf(o,
		      "\nChanges (new and gone entries first, then by the size of the change)\n"
		      "  %9s %11s %11s %12s  %s\n",
		      "change", "base", "new", "delta", "what");
	for (size_t i = 0; i < d->nrows; i++) {
		if (d->rows[i].change == TT_DC_SAME) {
			same++;
			continue;
		}
		changed++;
		if (shown++ < TT_DIFF_TOP)
			tt_print_row(o, &d->rows[i]);
	}
	if (!changed)
		tt_out_puts(o, "  (no change)\n");
	if (changed > TT_DIFF_TOP)
		tt_out_printf(o, "  ... and %zu more changes (-f csv lists them all)\n",
			      changed - TT_DIFF_TOP);
	tt_out_printf(o, "  %zu entr%s unchanged\n", same, same == 1 ? "y" : "ies");
	tt_out_puts(o,
		    "  (what: the kind of entry, its key and the metric.  Entries are matched by "
		    "name, path and lock key, never by pid or address: see traceit-convert(1), "
		    "DIFF)\n");
	tt_print_checks(o, checks, nchecks);
}

void tt_diff_csv(struct tt_out *o, const struct tt_diff *d)
{
	tt_out_puts(o, "schema_version,kind,key,metric,unit,base,new,delta,pct,change\n");
	for (size_t i = 0; i < d->nrows; i++) {
		const struct tt_drow *r = &d->rows[i];

		tt_col_u64(o, 1, ',');
		tt_col_str(o, tt_dkind_names[r->kind], ',');
		tt_col_str(o, r->key, ',');
		tt_col_str(o, tt_dmetrics[r->metric].name, ',');
		tt_col_str(o, tt_unit_names[tt_dmetrics[r->metric].unit], ',');
		if (r->change == TT_DC_APPEARED)
			tt_col_none(o, ',');
		else
			tt_col_u64(o, r->base, ',');
		if (r->change == TT_DC_GONE)
			tt_col_none(o, ',');
		else
			tt_col_u64(o, r->new, ',');
		tt_col_i64(o, r->delta, ',');
		if (r->base && r->change != TT_DC_APPEARED && r->change != TT_DC_GONE)
			tt_col_ratio(o, r->pct, ',');
		else
			tt_col_none(o, ',');
		tt_col_str(o, tt_change_names[r->change], '\n');
	}
}
