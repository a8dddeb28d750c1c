/* t_churn: T threads each doing N malloc/free pairs, as fast as they can. */
#include <pthread.h>
#include <stdlib.h>

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
	return 0;
}
