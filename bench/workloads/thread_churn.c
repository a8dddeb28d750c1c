/*
 * thread_churn.c - benchmark workload: short-lived threads created and joined.
 *
 * 20 k threads by default, started two at a time (one per core of a small machine) and
 * joined; each allocates and frees one small block, so that its buffer in the tracer is
 * actually used.
 *
 * Usage: thread_churn [THREADS]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define BATCH 2

static void *work(void *arg)
{
	unsigned char *p = malloc(64);

	if (!p)
		abort();
	p[0] = (unsigned char)(unsigned long)arg;
	free(p);
	return arg;
}

int main(int argc, char **argv)
{
	unsigned long threads = argc > 1 ? strtoul(argv[1], NULL, 0) : 20000;
	pthread_t th[BATCH];

	for (unsigned long i = 0; i < threads; i += BATCH) {
		int n = 0;

		for (; n < BATCH && i + n < threads; n++)
			if (pthread_create(&th[n], NULL, work, (void *)(i + n))) {
				fprintf(stderr, "thread_churn: pthread_create failed\n");
				return 1;
			}
		for (int j = 0; j < n; j++)
			pthread_join(th[j], NULL);
	}
	return 0;
}
