/*
 * html_json.c - the JSON writer of the HTML report's data block: commas and keys kept
 * track of per nesting level, strings safe inside an HTML <script> element.
 */
#include <math.h>
#include <stdio.h>

#include "html.h"

/* Before a value: the comma if its container has one already, and its key. */
static void tt_hj_key(struct tt_hj *j, const char *key)
{
	uint64_t bit = (uint64_t)1 << (j->depth & 63);

	if (j->has & bit)
		tt_out_puts(j->o, ",");
	j->has |= bit;
	if (key) {
		tt_out_html_json_str(j->o, key);
		tt_out_puts(j->o, ":");
	}
}

void tt_hj_open(struct tt_hj *j, const char *key, char bracket)
{
	char c[2] = { bracket, 0 };

	if (j->depth)
		tt_hj_key(j, key);
	tt_out_puts(j->o, c);
	j->depth++;
	j->has &= ~((uint64_t)1 << (j->depth & 63));
}

void tt_hj_close(struct tt_hj *j, char bracket)
{
	char c[2] = { bracket, 0 };

	j->depth--;
	tt_out_puts(j->o, c);
}

void tt_hj_u64(struct tt_hj *j, const char *key, uint64_t v)
{
	char *p;

	tt_hj_key(j, key);
	p = tt_out_reserve(j->o, 24);
	tt_out_commit(j->o, tt_fmt_u64(p, v));
}

void tt_hj_f(struct tt_hj *j, const char *key, double v)
{
	tt_hj_key(j, key);
	if (isfinite(v))
		tt_out_printf(j->o, "%.6g", v);
	else
		tt_out_puts(j->o, "null");
}

void tt_hj_bool(struct tt_hj *j, const char *key, bool v)
{
	tt_hj_key(j, key);
	tt_out_puts(j->o, v ? "true" : "false");
}

void tt_hj_str(struct tt_hj *j, const char *key, const char *s)
{
	tt_hj_key(j, key);
	if (s)
		tt_out_html_json_str(j->o, s);
	else
		tt_out_puts(j->o, "null");
}

void tt_hj_u64s(struct tt_hj *j, const char *key, const uint64_t *v, size_t n)
{
	tt_hj_open(j, key, '[');
	for (size_t i = 0; i < n; i++) {
		char *p = tt_out_reserve(j->o, 32);

		if (i)
			*p++ = ',';
		tt_out_commit(j->o, tt_fmt_u64(p, v[i]));
	}
	j->has |= (uint64_t)1 << (j->depth & 63);
	tt_hj_close(j, ']');
}
