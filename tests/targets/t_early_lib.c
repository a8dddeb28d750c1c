/*
 * libttearly.so: another preload whose constructor calls wrapped functions (malloc, open,
 * read, close, pthread_create/join) before or after libtraceit's constructor ran, depending
 * on the order of LD_PRELOAD; and which itself wraps malloc and forwards to the next one,
 * like a second interposing tool would.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static void *(*next_malloc)(size_t);
static __thread int in_early;
unsigned long early_mallocs;

void *malloc(size_t size)
{
	if (!next_malloc) {
		if (in_early)
			return NULL; /* dlsym allocating: say no, it copes */
		in_early = 1;
		next_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
		in_early = 0;
		if (!next_malloc)
			return NULL;
	}
	early_mallocs++;
	return next_malloc(size);
}

static void *worker(void *arg)
{
	free(malloc(9002));
	return arg;
}

__attribute__((constructor)) static void early(void)
{
	char buf[16];
	pthread_t t;
	int fd = open("/proc/self/stat", O_RDONLY);

	free(malloc(9001));
	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf)) < 0)
			abort();
		close(fd);
	}
	if (pthread_create(&t, NULL, worker, NULL) == 0)
		pthread_join(t, NULL);
}
