/*
 * t_memory: N calls of each malloc-family function, each with a size found nowhere else.
 * Exits 3 if a call that succeeded changed errno, which the tracer must leave as it was.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define KEPT 4242 /* no errno value: whatever changes it shows */

/* Sets errno to KEPT before a call and checks it after, if the call succeeded. */
#define KEEP(ok, call)                                                                             \
	do {                                                                                       \
		errno = KEPT;                                                                      \
		call;                                                                              \
		if ((ok) && errno != KEPT) {                                                       \
			fprintf(stderr, "t_memory: %s changed errno to %d\n", #call, errno);       \
			exit(3);                                                                   \
		}                                                                                  \
	} while (0)

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10;

	for (int i = 0; i < n; i++) {
		void *p = NULL, *d, *e, *f, *g, *h;
		char *a, *b, *c;
		int r;

		KEEP(a, a = malloc(1001));
		KEEP(b, b = calloc(1, 1002));
		KEEP(c, c = realloc(NULL, 1003));
		KEEP(c, c = realloc(c, 1004));
		KEEP(!r, r = posix_memalign(&p, 64, 1005));
		if (r)
			return 1;
		KEEP(d, d = aligned_alloc(64, 1024));
		KEEP(e, e = memalign(64, 1006));
		KEEP(f, f = valloc(1007));
		KEEP(g, g = pvalloc(1008));
		KEEP(h, h = reallocarray(NULL, 3, 1009));

		memset(a, 1, 1001);
		KEEP(1, free(a));
		KEEP(1, free(b));
		KEEP(1, free(c));
		KEEP(1, free(p));
		KEEP(1, free(d));
		KEEP(1, free(e));
		KEEP(1, free(f));
		KEEP(1, free(g));
		KEEP(1, free(h));
		KEEP(1, free(NULL)); /* not recorded */
	}
	/* addresses as far from the heap and each other as can be (both calls fail, EINVAL) */
	munmap((void *)0x7ffffffffffff000ull, 4096);
	munmap((void *)0xfffffffffffff000ull, 4096);
	free(malloc(2010));
	/* one failure: ENOMEM */
	void *big = malloc((size_t)1 << 62);

	return big != NULL;
}
