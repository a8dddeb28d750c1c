/*
 * sym_str.c - the symboliser's bump allocator, and the strings it interns (names, files,
 * errors) with their demangled forms, all kept until tt_sym_free().
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

/* NULL on out of memory. */
const char *tt_sym_intern_str(struct tt_sym_strings *s, const char *str)
{
	bool fresh;

	return str ? tt_intern(&s->strs, str, &fresh) : NULL;
}

/* The demangled form of a symbol name, or the name itself when it is not mangled C++. */
const char *tt_sym_demangle(struct tt_sym_strings *s, const char *name)
{
	const char *str = tt_sym_intern_str(s, name), **dem;
	char *d;
	int status;

	if (!str)
		return NULL;
	dem = tt_intern_extra(&s->strs, str);
	if (*dem)
		return *dem;
	*dem = str;
	/* Only "_Z" names: __cxa_demangle() would also "demangle" plain C names like "f" or "i". */
	if (name[0] == '_' && name[1] == 'Z') {
		d = __cxa_demangle(name, NULL, NULL, &status);
		if (d && !status) {
			const char *c = tt_sym_strdup(s, d);

			if (c)
				*dem = c;
		}
		free(d);
	}
	return *dem;
}

void tt_sym_strings_free(struct tt_sym_strings *s)
{
	while (s->blocks) {
		struct tt_sym_block *b = s->blocks;

		s->blocks = b->next;
		free(b);
	}
	tt_intern_free(&s->strs);
}
