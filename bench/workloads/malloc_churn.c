/*
 * malloc_churn.c - benchmark workload: two threads allocate and free small blocks.
 *
 * 12 M calls in all by default: each thread makes CALLS/4 malloc and CALLS/4 free calls.  A
 * thread keeps a window of live blocks; each step frees the oldest block of the window and
 * allocates one of a varied small size (16 to 1023 bytes, the sizes glibc serves from its
 * per-thread cache) in its place, then fills a quarter of its bytes, as a program building a
 * structure would.  No call is free(NULL) (which is not recorded), so the trace must hold
 * exactly CALLS memory events.
 *
 * Usage: malloc_churn [CALLS]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define NTHREADS 2
#define WINDOW 4096

static unsigned long steps; /* malloc calls per thread (and as many frees) */
static volatile unsigned long sink;

static unsigned char *alloc_touch(unsigned int *seed, unsigned long i)
{
	unsigned char *p;
	size_t size;

	*seed = *seed * 1103515245u + 12345u;
	size = 16 + (*seed >> 16) % 1008;
	p = malloc(size);
	if (!p)
		abort();
	for (size_t off = 0; off < size; off += 4)
		p[off] = (unsigned char)i;
	return p;
}

static void *churn(void *arg)
{
	unsigned int seed = (unsigned int)(unsigned long)arg + 1;
	unsigned char *live[WINDOW]; /* 32 KiB of the thread's stack */
	unsigned long sum = 0, i;

	for (i = 0; i < WINDOW && i < steps; i++)
		live[i] = alloc_touch(&seed, i);
	for (; i < steps; i++) {
		unsigned char **slot = &live[i % WINDOW];

		sum += (*slot)[0];
		free(*slot);
		*slot = alloc_touch(&seed, i);
	}
	for (i = 0; i < WINDOW && i < steps; i++) {
		sum += live[i][0];
		free(live[i]);
	}
	sink += sum;
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long calls = argc > 1 ? strtoul(argv[1], NULL, 0) : 12000000;
	pthread_t th[NTHREADS];

	steps = calls / (2 * NTHREADS);
	for (long t = 0; t < NTHREADS; t++)
		if (pthread_create(&th[t], NULL, churn, (void *)t)) {
			fprintf(stderr, "malloc_churn: pthread_create failed\n");
			return 1;
		}
	for (int t = 0; t < NTHREADS; t++)
		pthread_join(th[t], NULL);
	return 0;
}
