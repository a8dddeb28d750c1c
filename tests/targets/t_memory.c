/* t_memory: N calls of each malloc-family function, each with a size found nowhere else. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10;

	for (int i = 0; i < n; i++) {
		void *p;
		char *a = malloc(1001);
		char *b = calloc(1, 1002);
		char *c = realloc(NULL, 1003);

		c = realloc(c, 1004);
		if (posix_memalign(&p, 64, 1005))
			return 1;
		void *d = aligned_alloc(64, 1024);
		void *e = memalign(64, 1006);
		void *f = valloc(1007);
		void *g = pvalloc(1008);
		void *h = reallocarray(NULL, 3, 1009);

		memset(a, 1, 1001);
		free(a);
		free(b);
		free(c);
		free(p);
		free(d);
		free(e);
		free(f);
		free(g);
		free(h);
		free(NULL); /* not recorded */
	}
	/* addresses as far from the heap and each other as can be (both calls fail, EINVAL) */
	munmap((void *)0x7ffffffffffff000ull, 4096);
	munmap((void *)0xfffffffffffff000ull, 4096);
	free(malloc(2010));
	/* one failure: ENOMEM */
	void *big = malloc((size_t)1 << 62);

	return big != NULL;
}
