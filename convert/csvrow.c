/*
 * csvrow.c - the typed fields of the CSV tables, on the converter's output buffer.
 */
#include <stdio.h>

#include "csvrow.h"

void tt_col_u64(struct tt_out *o, uint64_t v, char sep)
{
	char *p = tt_fmt_u64(tt_out_reserve(o, 32), v);

	*p++ = sep;
	tt_out_commit(o, p);
}

void tt_col_i64(struct tt_out *o, int64_t v, char sep)
{
	char *p = tt_fmt_i64(tt_out_reserve(o, 32), v);

	*p++ = sep;
	tt_out_commit(o, p);
}

void tt_col_hex(struct tt_out *o, uint64_t v, char sep)
{
	char *p = tt_fmt_hex(tt_out_reserve(o, 32), v);

	*p++ = sep;
	tt_out_commit(o, p);
}

void tt_col_str(struct tt_out *o, const char *s, char sep)
{
	if (s)
		tt_out_csv_str(o, s);
	tt_col_none(o, sep);
}

void tt_col_none(struct tt_out *o, char sep)
{
	char *p = tt_out_reserve(o, 1);

	*p++ = sep;
	tt_out_commit(o, p);
}

void tt_col_ratio(struct tt_out *o, double v, char sep)
{
	char text[48];
	int n = snprintf(text, sizeof(text), "%.1f%c", v, sep);

	tt_out_write(o, text, n > 0 && (size_t)n < sizeof(text) ? (size_t)n : 0);
}
