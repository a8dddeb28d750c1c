/*
 * stringtab.h - the interned strings of one stream file (STRINGS chunks), by id.
 */
#ifndef TT_STRINGTAB_H
#define TT_STRINGTAB_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct tt_string_ent {
	uint64_t id;
	const char *s;
};

struct tt_stringtab {
	struct tt_string_ent *v; /* sorted by id after tt_strtab_finish() */
	size_t n;
	size_t cap;
	struct tt_string_ent *unknown; /* placeholders made for undefined ids */
	size_t nunknown;
	size_t unknown_cap;
};

/* Adds id -> s (s must outlive the table). */
void tt_strtab_add(struct tt_stringtab *t, uint64_t id, const char *s);
/* Sorts by id and drops later duplicates: call once all STRINGS chunks are loaded. */
void tt_strtab_finish(struct tt_stringtab *t);
/* The string of id, NULL if never defined. */
const char *tt_strtab_get(const struct tt_stringtab *t, uint64_t id);
/*
 * The string of an undefined id: "<unknown string N>", made once per id and owned by the
 * table (not the file's arena, which the outputs' thread allocates from while the events
 * are decoded); past a bound a shared "<unknown string>" so that garbage ids cannot grow
 * memory without limit.
 */
const char *tt_strtab_placeholder(struct tt_stringtab *t, uint64_t id);
void tt_strtab_free(struct tt_stringtab *t);

#endif /* TT_STRINGTAB_H */
