/*
 * t_latecomer: threads that record a few events, sleep, then many.  While they sleep the
 * main thread's allocations make the writer drain: their few events go into the chunk that
 * threads share, which the writer keeps for a while; their later events fill chunks of their
 * own, which must come after it in the file.  Workers allocate 1000..1009 bytes, then N times
 * 2000..2006; the main thread 3000.
 *
 * Usage: t_latecomer [N]
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#define WORKERS 4

static long n = 30000;

static void *worker(void *arg)
{
	for (int i = 0; i < 10; i++) {
		void *volatile p = malloc(1000 + i);

		free(p);
	}
	usleep(100000);
	for (long i = 0; i < n; i++) {
		void *volatile p = malloc(2000 + i % 7);

		free(p);
	}
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t th[WORKERS];

	if (argc > 1)
		n = atol(argv[1]);
	for (int i = 0; i < WORKERS; i++)
		if (pthread_create(&th[i], NULL, worker, NULL))
			return 1;
	usleep(10000);
	for (int i = 0; i < 40000; i++) {
		void *volatile p = malloc(3000);

		free(p);
	}
	for (int i = 0; i < WORKERS; i++)
		pthread_join(th[i], NULL);
	return 0;
}
