/*
 * t_stacks.c - allocations, a lock and reads made in named functions at known depths, and a
 * plugin loaded with dlopen that allocates too: tests/stacks.bats finds these functions and
 * lines (the MARK comments) in the folded output and the summary.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void *kept[5];

NOINLINE void level3_alloc(int i)
{
	kept[i] = malloc(777); /* MARK_ALLOC */
	__asm__ volatile("" ::: "memory");
}

NOINLINE void level2(int i)
{
	level3_alloc(i); /* MARK_LEVEL2 */
	__asm__ volatile("" ::: "memory");
}

NOINLINE void level1(void)
{
	for (int i = 0; i < 5; i++)
		level2(i); /* MARK_LEVEL1 */
	/* three are freed, two leak */
	for (int i = 0; i < 3; i++)
		free(kept[i]);
}

static volatile int holding;

static void *holder(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	holding = 1;
	usleep(20000);
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* waits about 20 ms for the lock another thread holds */
NOINLINE void lock_site(void)
{
	pthread_t th;

	pthread_create(&th, NULL, holder, NULL);
	while (!holding)
		usleep(100);
	pthread_mutex_lock(&lock); /* MARK_LOCK */
	pthread_mutex_unlock(&lock);
	pthread_join(th, NULL);
}

NOINLINE void read_site(void)
{
	char buf[4096];
	int fd = open("/dev/zero", O_RDONLY);

	for (int i = 0; i < 2; i++)
		if (read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) /* MARK_READ */
			exit(3);
	close(fd);
}

int main(int argc, char **argv)
{
	level1(); /* MARK_MAIN */
	lock_site();
	read_site();
	if (argc > 1) {
		void *h = dlopen(argv[1], RTLD_NOW);
		void (*fn)(void) = h ? (void (*)(void))dlsym(h, "plugin_alloc") : NULL;

		if (!fn) {
			fprintf(stderr, "t_stacks: %s\n", dlerror());
			return 2;
		}
		fn();
		dlclose(h);
	}
	if (argc > 2) {
		pid_t child = fork();

		if (child == 0) {
			level2(4); /* MARK_CHILD */
			_exit(0);
		}
		/* its stream whole (and its shared buffers gone) before the test reads them */
		waitpid(child, NULL, 0);
	}
	puts("done");
	return 0;
}
