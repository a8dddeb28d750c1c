/*
 * util.h - allocation helpers and a bump arena for the converter.
 *
 * The converter is a batch tool: running out of memory ends it with one message and exit
 * status 2 (tt_xmalloc), rather than every caller handling NULL.  Nothing here is sized from
 * untrusted input without a bound checked by the caller first.
 */
#ifndef TT_UTIL_H
#define TT_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define TT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Ends the converter: "out of memory", exit status 2. */
_Noreturn void tt_oom(void);
void *tt_xmalloc(size_t n);
void *tt_xcalloc(size_t n, size_t size);
void *tt_xrealloc(void *p, size_t n);
/* Grows *p (an array of *cap elements of size bytes) to hold at least need elements. */
void tt_grow(void **p, size_t *cap, size_t need, size_t size);
char *tt_xstrdup(const char *s);

/*
 * A bump allocator for strings that live as long as the file they came from: one free() per
 * block instead of one per string.
 */
struct tt_arena {
	struct tt_arena_block *head;
	size_t left; /* bytes free in head */
};

void *tt_arena_alloc(struct tt_arena *a, size_t n);
/* The same, NULL on out of memory, for callers that carry on without. */
void *tt_arena_try_alloc(struct tt_arena *a, size_t n);
/* Copies len bytes and adds a NUL. */
char *tt_arena_strndup(struct tt_arena *a, const void *s, size_t len);
void tt_arena_free(struct tt_arena *a);

/* qsort() that accepts an empty (possibly NULL) array. */
void tt_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

/* The part of path after its last '/'. */
const char *tt_basename(const char *path);

#endif /* TT_UTIL_H */
