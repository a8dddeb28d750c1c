/*
 * hashmap.h - the converter's one hash table: open addressing with linear probing.
 *
 * Entries are the users' own structs, stored in the slots (no pointer chasing, no per-entry
 * allocation); a slot of all zero bytes is free.  What differs between the users is in a
 * struct tt_hkind, read-only and known at compile time: the lookups below are static inline,
 * so that its hash, key comparison and emptiness test are inlined at every call site (the
 * live heap blocks' table is looked up for every malloc and free of a trace).  Only growing
 * is a call.
 *
 * A user's hash function decides the slot order, which is the order of tt_hmap_next(); the
 * table keeps a hash's low bits.  Deletion shifts later entries of the probe run back
 * instead of leaving tombstones, so a long run of inserts and deletes never degrades it.
 */
#ifndef TT_HASHMAP_H
#define TT_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util.h"

struct tt_hmap {
	char *v;    /* cap slots */
	size_t cap; /* a power of two, or 0 before the first insert */
	size_t n;   /* slots in use */
};

struct tt_hkind {
	size_t size;   /* bytes of an entry */
	size_t first;  /* slots of a new table, a power of two */
	unsigned fill; /* grown before more than fill quarters of the slots would be in use */
	/* of an entry in use: the table takes the low bits */
	size_t (*hash)(const void *ent);
	/* whether an entry holds key (what the lookups are given) */
	bool (*eq)(const void *ent, const void *key);
	/* false for a free slot: all its bytes are zero */
	bool (*used)(const void *ent);
};

/* Doubles the slots (the kind's first count if none).  False on out of memory: unchanged. */
bool tt_hmap_grow(struct tt_hmap *m, const struct tt_hkind *k);
void tt_hmap_free(struct tt_hmap *m);

static inline void *tt_hmap_at(const struct tt_hmap *m, const struct tt_hkind *k, size_t i)
{
	return m->v + i * k->size;
}

/* Room for one more entry.  False on out of memory (the table is unchanged). */
static inline bool tt_hmap_reserve(struct tt_hmap *m, const struct tt_hkind *k)
{
	return (m->n + 1) * 4 <= m->cap * k->fill || tt_hmap_grow(m, k);
}

/* The entry holding key, whose hash is h; NULL if none. */
static inline void *tt_hmap_find(const struct tt_hmap *m, const struct tt_hkind *k, size_t h,
				 const void *key)
{
	size_t mask = m->cap - 1;

	if (!m->n)
		return NULL;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		void *e = tt_hmap_at(m, k, i);

		if (!k->used(e))
			return NULL;
		if (k->eq(e, key))
			return e;
	}
}

/*
 * A free slot for a key known to be absent, whose hash is h, after tt_hmap_reserve().  It is
 * counted in use: the caller fills it at once so that used() holds.
 */
static inline void *tt_hmap_add(struct tt_hmap *m, const struct tt_hkind *k, size_t h)
{
	size_t mask = m->cap - 1, i = h & mask;

	while (k->used(tt_hmap_at(m, k, i)))
		i = (i + 1) & mask;
	m->n++;
	return tt_hmap_at(m, k, i);
}

/*
 * The entry holding key, whose hash is h; if none, a free slot for it, counted in use, that
 * the caller fills at once (*fresh says which).  Out of memory ends the converter.
 */
static inline void *tt_hmap_get(struct tt_hmap *m, const struct tt_hkind *k, size_t h,
				const void *key, bool *fresh)
{
	size_t mask, i;

	if (!tt_hmap_reserve(m, k))
		tt_oom();
	mask = m->cap - 1;
	for (i = h & mask;; i = (i + 1) & mask) {
		void *e = tt_hmap_at(m, k, i);

		if (!k->used(e)) {
			m->n++;
			*fresh = true;
			return e;
		}
		if (k->eq(e, key)) {
			*fresh = false;
			return e;
		}
	}
}

/* Removes entry e (a pointer into the table), which is then overwritten. */
static inline void tt_hmap_remove(struct tt_hmap *m, const struct tt_hkind *k, void *e)
{
	size_t mask = m->cap - 1, i = (size_t)((char *)e - m->v) / k->size, j;

	m->n--;
	/* Backward shift: pull the later entries of the probe run into the hole. */
	for (j = (i + 1) & mask; k->used(tt_hmap_at(m, k, j)); j = (j + 1) & mask) {
		size_t home = k->hash(tt_hmap_at(m, k, j)) & mask;

		/* Entry j may move to i unless its home lies cyclically in (i, j]. */
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		memcpy(tt_hmap_at(m, k, i), tt_hmap_at(m, k, j), k->size);
		i = j;
	}
	memset(tt_hmap_at(m, k, i), 0, k->size);
}

/* The next entry in use from slot *i on, *i moved past it; NULL after the last. */
static inline void *tt_hmap_next(const struct tt_hmap *m, const struct tt_hkind *k, size_t *i)
{
	for (; *i < m->cap; ++*i)
		if (k->used(tt_hmap_at(m, k, *i)))
			return tt_hmap_at(m, k, (*i)++);
	return NULL;
}

/* Empties the table, keeping its slots. */
static inline void tt_hmap_clear(struct tt_hmap *m, const struct tt_hkind *k)
{
	if (m->n)
		memset(m->v, 0, m->cap * k->size);
	m->n = 0;
}

/*
 * Hashes the users share.  Fibonacci hashing: one multiply, whose high bits depend on all
 * of x and spread neighbouring values apart (take those, not the low ones)...
 */
static inline uint64_t tt_hash_fib(uint64_t x)
{
	return x * 0x9e3779b97f4a7c15ull;
}

/* ...splitmix64's finaliser, which spreads every bit of x over all of the result... */
static inline uint64_t tt_hash_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* ...and FNV-1a over a string's bytes, from h (0 to start). */
static inline uint64_t tt_hash_str(uint64_t h, const char *s)
{
	h ^= 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

#endif /* TT_HASHMAP_H */
