/* t_exit: allocate a marker block, then leave by the path named in argv[1] with status 7. */
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

int main(int argc, char **argv)
{
	how = argc > 1 ? argv[1] : "return";
	free(malloc(3001));
	if (argc > 2 && !strcmp(argv[2], "thread")) {
		pthread_t t;

		pthread_create(&t, NULL, thread_exit, NULL);
		pthread_join(t, NULL);
	}
	leave();
	return 7;
}
