/*
 * hashmap.c - growing the converter's hash table (the lookups are inline in hashmap.h).
 */
#include <stdlib.h>

#include "hashmap.h"

bool tt_hmap_grow(struct tt_hmap *m, const struct tt_hkind *k)
{
	size_t cap = m->cap ? m->cap * 2 : k->first;
	char *v = calloc(cap, k->size);

	if (!v)
		return false;
	/* Entries move in slot order, each to the first free slot from its home. */
	for (size_t i = 0; i < m->cap; i++) {
		const void *e = tt_hmap_at(m, k, i);
		size_t j;

		if (!k->used(e))
			continue;
		for (j = k->hash(e) & (cap - 1); k->used(v + j * k->size); j = (j + 1) & (cap - 1))
			;
		memcpy(v + j * k->size, e, k->size);
	}
	free(m->v);
	m->v = v;
	m->cap = cap;
	return true;
}

void tt_hmap_free(struct tt_hmap *m)
{
	free(m->v);
	*m = (struct tt_hmap){ 0 };
}
