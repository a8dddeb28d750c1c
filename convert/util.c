/*
 * util.c - allocation helpers and the string arena.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void tt_oom(void)
{
	fputs("traceit-convert: out of memory\n", stderr);
	exit(2);
}

void *tt_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		tt_oom();
	return p;
}

void *tt_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		tt_oom();
	return p;
}

void *tt_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		tt_oom();
	return p;
}

void tt_grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 16;

	if (need <= *cap)
		return;
	while (n < need) {
		if (n > SIZE_MAX / 2 / size)
			tt_oom();
		n *= 2;
	}
	*p = tt_xrealloc(*p, n * size);
	*cap = n;
}

char *tt_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(tt_xmalloc(n), s, n);
}

struct tt_arena_block {
	struct tt_arena_block *next;
	size_t size;
	max_align_t data[];
};

#define TT_ARENA_BLOCK (64u << 10)

void *tt_arena_try_alloc(struct tt_arena *a, size_t n)
{
	struct tt_arena_block *b;
	size_t size;

	n = (n + 7) & ~(size_t)7;
	if (a->head && n <= a->left) {
		void *p = (char *)a->head->data + (a->head->size - a->left);

		a->left -= n;
		return p;
	}
	/* A big string gets a block of its own, so the current block keeps its free space. */
	size = n > TT_ARENA_BLOCK / 4 ? n : TT_ARENA_BLOCK;
	b = malloc(sizeof(*b) + size);
	if (!b)
		return NULL;
	b->size = size;
	if (size == n && a->head) {
		b->next = a->head->next;
		a->head->next = b;
		return b->data;
	}
	b->next = a->head;
	a->head = b;
	a->left = size - n;
	return b->data;
}

void *tt_arena_alloc(struct tt_arena *a, size_t n)
{
	void *p = tt_arena_try_alloc(a, n);

	if (!p)
		tt_oom();
	return p;
}

char *tt_arena_strndup(struct tt_arena *a, const void *s, size_t len)
{
	char *p = tt_arena_alloc(a, len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void tt_arena_free(struct tt_arena *a)
{
	struct tt_arena_block *b = a->head;

	while (b) {
		struct tt_arena_block *next = b->next;

		free(b);
		b = next;
	}
	a->head = NULL;
	a->left = 0;
}

void tt_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

const char *tt_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}
