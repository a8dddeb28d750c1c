/*
 * sym_str.c - the symboliser's hash tables, its bump allocator, and the strings it interns
 * (names, files, errors) with their demangled forms, all kept until tt_sym_free().
 */
#include <stdlib.h>
#include <string.h>

#include "sym_int.h"

/* From libstdc++ (the converter links it); C has no header for it. */
char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

#define TT_SYM_BLOCK (64 * 1024)

struct tt_sym_block {
	struct tt_sym_block *next;
	size_t used;
	size_t cap;
	char data[];
};

/* An interned string, with its demangled form computed on first need. */
struct tt_sym_str {
	const char *dem; /* NULL until asked; str itself when not a mangled name */
	char str[];
};

uint64_t tt_sym_strhash(uint64_t h, const char *s)
{
	/* FNV-1a */
	h ^= 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

/* Makes room for one more entry.  False on out of memory (the table is unchanged). */
bool tt_sym_tab_reserve(struct tt_sym_tab *t)
{
	struct tt_sym_slot *v;
	size_t cap, i, j;

	if ((t->n + 1) * 2 <= t->cap)
		return true;
	cap = t->cap ? t->cap * 2 : 64;
	v = calloc(cap, sizeof(*v));
	if (!v)
		return false;
	for (i = 0; i < t->cap; i++) {
		if (!t->v[i].val)
			continue;
		for (j = t->v[i].hash & (cap - 1); v[j].val; j = (j + 1) & (cap - 1))
			;
		v[j] = t->v[i];
	}
	free(t->v);
	t->v = v;
	t->cap = cap;
	return true;
}

/*
 * The slot holding a value for which eq() holds, else the empty slot where it belongs (only
 * after tt_sym_tab_reserve()), else NULL.
 */
struct tt_sym_slot *tt_sym_tab_find(const struct tt_sym_tab *t, uint64_t hash,
				    bool (*eq)(uintptr_t val, const void *key), const void *key)
{
	size_t mask = t->cap - 1, i;

	if (!t->cap)
		return NULL;
	for (i = hash & mask; t->v[i].val; i = (i + 1) & mask)
		if (t->v[i].hash == hash && eq(t->v[i].val, key))
			return &t->v[i];
	return t->n < t->cap ? &t->v[i] : NULL;
}

void tt_sym_tab_put(struct tt_sym_tab *t, struct tt_sym_slot *slot, uint64_t hash, uintptr_t val)
{
	slot->hash = hash;
	slot->val = val;
	t->n++;
}

void *tt_sym_alloc(struct tt_sym_strings *s, size_t n, size_t align)
{
	struct tt_sym_block *b = s->blocks;
	uintptr_t p;
	size_t cap;

	if (b) {
		p = ((uintptr_t)b->data + b->used + align - 1) & ~(uintptr_t)(align - 1);
		if (p + n <= (uintptr_t)b->data + b->cap) {
			b->used = p + n - (uintptr_t)b->data;
			return (void *)p;
		}
	}
	if (n > SIZE_MAX / 2)
		return NULL;
	/* A big request gets a block of its own: the current one keeps its free space. */
	cap = n > TT_SYM_BLOCK / 4 ? n + align : TT_SYM_BLOCK;
	b = malloc(sizeof(*b) + cap);
	if (!b)
		return NULL;
	b->cap = cap;
	if (s->blocks && n > TT_SYM_BLOCK / 4) {
		b->next = s->blocks->next;
		s->blocks->next = b;
	} else {
		b->next = s->blocks;
		s->blocks = b;
	}
	p = ((uintptr_t)b->data + align - 1) & ~(uintptr_t)(align - 1);
	b->used = p + n - (uintptr_t)b->data;
	return (void *)p;
}

char *tt_sym_strdup(struct tt_sym_strings *s, const char *str)
{
	size_t n = strlen(str) + 1;
	char *p = tt_sym_alloc(s, n, 1);

	if (p)
		memcpy(p, str, n);
	return p;
}

static bool tt_sym_str_eq(uintptr_t val, const void *key)
{
	return !strcmp(((const struct tt_sym_str *)val)->str, key);
}

/* NULL on out of memory. */
static struct tt_sym_str *tt_sym_intern(struct tt_sym_strings *s, const char *str)
{
	uint64_t h = tt_sym_strhash(0, str);
	struct tt_sym_slot *slot;
	struct tt_sym_str *e;
	size_t n;

	slot = tt_sym_tab_find(&s->strs, h, tt_sym_str_eq, str);
	if (slot && slot->val)
		return (struct tt_sym_str *)slot->val;
	if (!tt_sym_tab_reserve(&s->strs))
		return NULL;
	n = strlen(str) + 1;
	e = tt_sym_alloc(s, sizeof(*e) + n, _Alignof(struct tt_sym_str));
	if (!e)
		return NULL;
	e->dem = NULL;
	memcpy(e->str, str, n);
	slot = tt_sym_tab_find(&s->strs, h, tt_sym_str_eq, str);
	tt_sym_tab_put(&s->strs, slot, h, (uintptr_t)e);
	return e;
}

const char *tt_sym_intern_str(struct tt_sym_strings *s, const char *str)
{
	struct tt_sym_str *e = str ? tt_sym_intern(s, str) : NULL;

	return e ? e->str : NULL;
}

/* The demangled form of a symbol name, or the name itself when it is not mangled C++. */
const char *tt_sym_demangle(struct tt_sym_strings *s, const char *name)
{
	struct tt_sym_str *e = tt_sym_intern(s, name);
	char *d;
	int status;

	if (!e)
		return NULL;
	if (e->dem)
		return e->dem;
	e->dem = e->str;
	/* Only "_Z" names: __cxa_demangle() would also "demangle" plain C names like "f" or "i". */
	if (name[0] == '_' && name[1] == 'Z') {
		d = __cxa_demangle(name, NULL, NULL, &status);
		if (d && !status) {
			const char *c = tt_sym_strdup(s, d);

			if (c)
				e->dem = c;
		}
		free(d);
	}
	return e->dem;
}

void tt_sym_strings_free(struct tt_sym_strings *s)
{
	while (s->blocks) {
		struct tt_sym_block *b = s->blocks;

		s->blocks = b->next;
		free(b);
	}
	free(s->strs.v);
	s->strs = (struct tt_sym_tab){ 0 };
}
