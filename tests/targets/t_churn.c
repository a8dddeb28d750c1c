/*
 * t_churn: T threads each doing N malloc/free pairs, as fast as they can.  A third argument
 * ends the program rudely after a marker allocation (7777 bytes): "usr2" raises SIGUSR2
 * first, then dies of SIGKILL (no exit path runs); "abort" calls abort().
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long n;

static void *churn(void *arg)
{
	for (long i = 0; i < n; i++)
		free(malloc(16 + (size_t)(i & 63)));
	return arg;
}

int main(int argc, char **argv)
{
	int threads = argc > 2 ? atoi(argv[2]) : 2;
	pthread_t t[64];

	n = argc > 1 ? atol(argv[1]) : 100000;
	if (threads > 64)
		threads = 64;
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, churn, NULL);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	if (argc > 3 && !strcmp(argv[3], "usr2")) {
		raise(SIGUSR2);
		free(malloc(7777));
		kill(getpid(), SIGKILL);
	}
	if (argc > 3 && !strcmp(argv[3], "abort")) {
		free(malloc(7777));
		abort();
	}
	return 0;
}
