/*
 * stringtab.c - string id lookup.
 *
 * The recorder hands out ids 1, 2, 3... in order, so after sorting entry id-1 usually holds
 * id: the lookup is one comparison, with a binary search as the fallback for files whose ids
 * are sparse (a damaged STRINGS chunk was skipped) or out of order.
 */
#include <stdio.h>
#include <stdlib.h>

#include "stringtab.h"

#define TT_MAX_PLACEHOLDERS 256

void tt_strtab_add(struct tt_stringtab *t, uint64_t id, const char *s)
{
	tt_grow((void **)&t->v, &t->cap, t->n + 1, sizeof(*t->v));
	t->v[t->n].id = id;
	t->v[t->n].s = s;
	t->n++;
}

static int tt_ent_cmp(const void *a, const void *b)
{
	const struct tt_string_ent *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	/* Equal ids: keep the earlier definition (entries sit in file order). */
	return x < y ? -1 : (x > y);
}

void tt_strtab_finish(struct tt_stringtab *t)
{
	size_t i, out = 0;
	int sorted = 1;

	for (i = 1; i < t->n && sorted; i++)
		sorted = t->v[i - 1].id < t->v[i].id;
	if (sorted)
		return;
	tt_sort(t->v, t->n, sizeof(*t->v), tt_ent_cmp);
	for (i = 0; i < t->n; i++)
		if (!out || t->v[out - 1].id != t->v[i].id)
			t->v[out++] = t->v[i];
	t->n = out;
}

static const char *tt_search(const struct tt_string_ent *v, size_t n, uint64_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].id == id)
			return v[mid].s;
		if (v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *tt_strtab_get(const struct tt_stringtab *t, uint64_t id)
{
	if (id - 1 < t->n && t->v[id - 1].id == id)
		return t->v[id - 1].s;
	return tt_search(t->v, t->n, id);
}

const char *tt_strtab_placeholder(struct tt_stringtab *t, uint64_t id)
{
	char text[48];
	size_t i;

	/* Few distinct ids in a sane file: a linear scan of the placeholders is enough. */
	for (i = 0; i < t->nunknown; i++)
		if (t->unknown[i].id == id)
			return t->unknown[i].s;
	if (t->nunknown >= TT_MAX_PLACEHOLDERS)
		return "<unknown string>";
	snprintf(text, sizeof(text), "<unknown string %llu>", (unsigned long long)id);
	tt_grow((void **)&t->unknown, &t->unknown_cap, t->nunknown + 1, sizeof(*t->unknown));
	t->unknown[t->nunknown].id = id;
	t->unknown[t->nunknown].s = tt_xstrdup(text);
	return t->unknown[t->nunknown++].s;
}

void tt_strtab_free(struct tt_stringtab *t)
{
	for (size_t i = 0; i < t->nunknown; i++)
		free((char *)t->unknown[i].s);
	free(t->v);
	free(t->unknown);
	t->v = t->unknown = NULL;
	t->n = t->cap = t->nunknown = t->unknown_cap = 0;
}
