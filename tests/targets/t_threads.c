/* t_threads: K threads named two ways, one ending with pthread_exit; all joined. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>

static void *worker(void *arg)
{
	long i = (long)arg;
	char name[16];

	snprintf(name, sizeof(name), "worker-%ld", i);
	if (i % 2)
		prctl(PR_SET_NAME, name);
	else
		pthread_setname_np(pthread_self(), name);
	free(malloc(4001));
	if (i == 0)
		pthread_exit((void *)42);
	return (void *)i;
}

int main(int argc, char **argv)
{
	int k = argc > 1 ? atoi(argv[1]) : 4;
	pthread_t th[64];

	if (k > 64)
		k = 64;
	pthread_setname_np(pthread_self(), "main-thread");
	for (long i = 0; i < k; i++)
		if (pthread_create(&th[i], NULL, worker, (void *)i))
			return 1;
	for (int i = 0; i < k; i++) {
		void *ret;

		pthread_join(th[i], &ret);
		if ((long)ret != (i == 0 ? 42 : i))
			return 2;
	}
	return 0;
}
