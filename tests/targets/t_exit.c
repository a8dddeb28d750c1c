/*
 * t_exit: allocate a marker block, then leave by the path named in argv[1] with status 7;
 * "pthread_exit": the main thread ends with pthread_exit while a thread it started lives on
 * a little and returns, so that the process ends (status 0) when that thread does.
 */
#include <pthread.h>
#include <stdint.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *how;

static void leave(void)
{
	if (!strcmp(how, "exit"))
		exit(7);
	if (!strcmp(how, "_exit"))
		_exit(7);
	if (!strcmp(how, "_Exit"))
		_Exit(7);
	if (!strcmp(how, "quick_exit"))
		quick_exit(7);
	if (!strcmp(how, "signal"))
		raise(SIGTERM);
	if (!strcmp(how, "segv"))
		*(volatile int *)(uintptr_t)8 = 1;
	if (!strcmp(how, "abort"))
		abort();
}

static void *thread_exit(void *arg)
{
	leave();
	return NULL;
}

static void *outlive_main(void *arg)
{
	usleep(50000);
	free(malloc(3002));
	return arg;
}

int main(int argc, char **argv)
{
	how = argc > 1 ? argv[1] : "return";
	free(malloc(3001));
	if (argc > 2 && !strcmp(argv[2], "thread")) {
		pthread_t t;

		pthread_create(&t, NULL, thread_exit, NULL);
		pthread_join(t, NULL);
	}
	if (!strcmp(how, "pthread_exit")) {
		pthread_t t;

		pthread_create(&t, NULL, outlive_main, NULL);
		pthread_exit(NULL);
	}
	leave();
	return 7;
}
