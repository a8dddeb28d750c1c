/*
 * intern.c - storing each distinct string once (see intern.h).
 */
#include <string.h>

#include "intern.h"

/* The hash is kept: growing the table does not read the strings again. */
struct tt_islot {
	uint64_t hash;
	const char *str; /* NULL = free slot */
};

struct tt_ikey {
	uint64_t hash;
	const char *str;
};

static size_t tt_islot_hash(const void *e)
{
	return (size_t)((const struct tt_islot *)e)->hash;
}

static bool tt_islot_eq(const void *e, const void *key)
{
	const struct tt_islot *s = e;
	const struct tt_ikey *k = key;

	return s->hash == k->hash && !strcmp(s->str, k->str);
}

static bool tt_islot_used(const void *e)
{
	return ((const struct tt_islot *)e)->str != NULL;
}

static const struct tt_hkind tt_islot_kind = {
	.size = sizeof(struct tt_islot),
	.first = 64,
	.fill = 2,
	.hash = tt_islot_hash,
	.eq = tt_islot_eq,
	.used = tt_islot_used,
};

const char *tt_intern(struct tt_intern *in, const char *s, bool *fresh)
{
	struct tt_ikey key = { tt_hash_str(0, s), s };
	const struct tt_islot *found = tt_hmap_find(&in->map, &tt_islot_kind, key.hash, &key);
	size_t pad = (in->extra + 7) & ~(size_t)7, n;
	struct tt_islot *slot;
	char *p;

	*fresh = !found;
	if (found)
		return found->str;
	if (!tt_hmap_reserve(&in->map, &tt_islot_kind))
		return NULL;
	n = strlen(s) + 1;
	p = tt_arena_try_alloc(&in->arena, pad + n);
	if (!p)
		return NULL;
	memset(p, 0, pad);
	memcpy(p + pad, s, n);
	slot = tt_hmap_add(&in->map, &tt_islot_kind, key.hash);
	*slot = (struct tt_islot){ key.hash, p + pad };
	return slot->str;
}

const char *tt_intern_next(const struct tt_intern *in, size_t *i)
{
	const struct tt_islot *slot = tt_hmap_next(&in->map, &tt_islot_kind, i);

	return slot ? slot->str : NULL;
}

void tt_intern_free(struct tt_intern *in)
{
	tt_hmap_free(&in->map);
	tt_arena_free(&in->arena);
}
