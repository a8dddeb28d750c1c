/*
 * intern.h - the converter's one string interner: each distinct string stored once.
 *
 * A string comes back as the same pointer every time, so that its users can compare and key
 * it by pointer; each user keeps what it needs about a string in extra bytes stored just
 * before it (a symbol's demangled form, a file's I/O counts), zero when the string is new.
 */
#ifndef TT_INTERN_H
#define TT_INTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"
#include "util.h"

struct tt_intern {
	size_t extra;	       /* bytes kept before each string; set before the first use */
	struct tt_hmap map;    /* struct tt_islot, by the string's hash */
	struct tt_arena arena; /* the strings, each after its extra bytes */
};

/* The stored copy of s (*fresh: made now), NULL on out of memory. */
const char *tt_intern(struct tt_intern *in, const char *s, bool *fresh);
/* The next stored string from slot *i on, *i moved past it; NULL after the last. */
const char *tt_intern_next(const struct tt_intern *in, size_t *i);
void tt_intern_free(struct tt_intern *in);

static inline size_t tt_intern_count(const struct tt_intern *in)
{
	return in->map.n;
}

/* The extra bytes of a stored string, aligned for any of the users' structs. */
static inline void *tt_intern_extra(const struct tt_intern *in, const char *str)
{
	return (char *)str - ((in->extra + 7) & ~(size_t)7);
}

#endif /* TT_INTERN_H */
