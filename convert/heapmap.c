/*
 * heapmap.c - open-addressing hash table of live heap blocks.
 */
#include <stdlib.h>

#include "heapmap.h"
#include "util.h"

static inline size_t tt_slot(const struct tt_heapmap *m, uint32_t file, uint64_t addr)
{
	/* Fibonacci hashing on the address without its alignment bits: the product's high bits
	 * spread neighbouring blocks, and one multiply is all (this runs twice per heap event) */
	uint64_t x = ((addr >> 4) ^ ((uint64_t)file << 44)) * 0x9e3779b97f4a7c15ull;

	return (size_t)(x >> (64 - __builtin_ctzll(m->cap)));
}

static void tt_heap_grow(struct tt_heapmap *m)
{
	struct tt_heapent *old = m->v;
	size_t oldcap = m->cap;

	m->cap = oldcap ? oldcap * 2 : 1024;
	m->v = tt_xcalloc(m->cap, sizeof(*m->v));
	for (size_t i = 0; i < oldcap; i++) {
		size_t j;

		if (!old[i].addr)
			continue;
		for (j = tt_slot(m, old[i].file, old[i].addr); m->v[j].addr;
		     j = (j + 1) & (m->cap - 1))
			;
		m->v[j] = old[i];
	}
	free(old);
}

bool tt_heap_put(struct tt_heapmap *m, const struct tt_heapent *e, struct tt_heapent *old)
{
	uint32_t file = e->file;
	uint64_t addr = e->addr;
	size_t j;

	if (!addr)
		return false;
	/* at most half full: linear probing stays short, and so do deletions' shifts */
	if ((m->n + 1) * 2 > m->cap)
		tt_heap_grow(m);
	for (j = tt_slot(m, file, addr); m->v[j].addr; j = (j + 1) & (m->cap - 1)) {
		if (m->v[j].addr == addr && m->v[j].file == file) {
			*old = m->v[j];
			m->v[j] = *e;
			return true;
		}
	}
	m->v[j] = *e;
	m->n++;
	return false;
}

bool tt_heap_take(struct tt_heapmap *m, uint32_t file, uint64_t addr, struct tt_heapent *out)
{
	size_t mask = m->cap - 1, i, j;

	if (!addr || !m->n)
		return false;
	for (i = tt_slot(m, file, addr); m->v[i].addr; i = (i + 1) & mask)
		if (m->v[i].addr == addr && m->v[i].file == file)
			break;
	if (!m->v[i].addr)
		return false;
	*out = m->v[i];
	m->n--;
	/* Backward-shift deletion: pull later entries of the probe run into the hole. */
	for (j = (i + 1) & mask; m->v[j].addr; j = (j + 1) & mask) {
		size_t home = tt_slot(m, m->v[j].file, m->v[j].addr);

		/* Entry j may move to i unless its home lies cyclically in (i, j]. */
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		m->v[i] = m->v[j];
		i = j;
	}
	m->v[i].addr = 0;
	return true;
}

void tt_heap_free(struct tt_heapmap *m)
{
	free(m->v);
	m->v = NULL;
	m->cap = m->n = 0;
}
