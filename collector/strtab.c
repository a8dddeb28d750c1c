/*
 * strtab.c - open-addressing hash table of interned strings, in mmap'd memory.
 *
 * Memory grows with the number of distinct strings, not with events.  Past TABLE_MAX
 * entries new strings are no longer remembered: each use then gets a fresh id and its own
 * definition, which costs space but loses nothing.
 */
#include "strtab.h"
#include "sys.h"

#include <string.h>

#define TABLE_MAX (1u << 20)
#define ARENA_BLOCK (1u << 20)

struct entry {
	uint64_t hash;
	const char *str;
	uint32_t len;
	uint32_t id;
};

static struct entry *table;
static uint32_t table_size, table_used, next_id = 1;
static char *arena;
static size_t arena_left;

static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
	return h | 1; /* 0 marks an empty slot */
}

static int grow(void)
{
	uint32_t nsize = table_size ? table_size * 2 : 4096;
	struct entry *nt = tt_mmap(nsize * sizeof(*nt));

	if (!nt)
		return -1;
	for (uint32_t i = 0; i < table_size; i++) {
		if (!table[i].hash)
			continue;
		uint32_t j = (uint32_t)table[i].hash & (nsize - 1);

		while (nt[j].hash)
			j = (j + 1) & (nsize - 1);
		nt[j] = table[i];
	}
	if (table)
		tt_munmap(table, table_size * sizeof(*table));
	table = nt;
	table_size = nsize;
	return 0;
}

static const char *keep(const char *s, size_t len)
{
	if (len + 1 > arena_left) {
		size_t sz = len + 1 > ARENA_BLOCK ? len + 1 : ARENA_BLOCK;

		arena = tt_mmap(sz);
		if (!arena) {
			arena_left = 0;
			return NULL;
		}
		arena_left = sz;
	}
	char *p = arena;

	memcpy(p, s, len);
	p[len] = 0;
	arena += len + 1;
	arena_left -= len + 1;
	return p;
}

uint32_t tt_strtab_intern(const char *s, size_t len, int *is_new)
{
	uint64_t h = hash_bytes(s, len);

	*is_new = 1;
	if (table_used * 2 >= table_size && table_size < TABLE_MAX && grow() < 0)
		return next_id++;
	if (!table || table_used * 2 >= table_size)
		return next_id++;

	uint32_t j = (uint32_t)h & (table_size - 1);

	while (table[j].hash) {
		if (table[j].hash == h && table[j].len == len && !memcmp(table[j].str, s, len)) {
			*is_new = 0;
			return table[j].id;
		}
		j = (j + 1) & (table_size - 1);
	}
	const char *copy = keep(s, len);

	if (!copy)
		return next_id++;
	table[j] = (struct entry){ .hash = h, .str = copy, .len = (uint32_t)len, .id = next_id };
	table_used++;
	return next_id++;
}

void tt_strtab_reset(void)
{
	if (table)
		memset(table, 0, table_size * sizeof(*table));
	table_used = 0;
	next_id = 1;
}
