/*
 * traceit-demo - a small program to try traceit on: a few worker threads that allocate,
 * write a file each, read it back, and report.
 *
 *	traceit -o demo-trace -- traceit-demo [THREADS] [DIR]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *dir = ".";

static void *worker(void *arg)
{
	long id = (long)arg;
	char name[16], path[4096], *block;
	long total = 0;

	snprintf(name, sizeof(name), "demo-worker-%ld", id);
	pthread_setname_np(pthread_self(), name);
	snprintf(path, sizeof(path), "%s/traceit-demo.%d.%ld.tmp", dir, (int)getpid(), id);

	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);

	if (fd < 0)
		return (void *)-1;
	for (int i = 0; i < 200; i++) {
		size_t len = 512 + (size_t)(i % 8) * 512;

		block = malloc(len);
		memset(block, 'a' + (int)(id % 26), len);
		if (write(fd, block, len) != (ssize_t)len)
			total = -1;
		free(block);
	}
	close(fd);

	char buf[4096];
	ssize_t n;

	fd = open(path, O_RDONLY);
	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	if (fd >= 0)
		close(fd);
	unlink(path);
	return (void *)total;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 4;
	pthread_t th[64];
	long sum = 0;

	if (argc > 2)
		dir = argv[2];
	if (threads < 1 || threads > 64)
		threads = 4;
	for (long i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	for (int i = 0; i < threads; i++) {
		void *ret;

		pthread_join(th[i], &ret);
		sum += (long)ret;
	}
	printf("traceit-demo: %d threads wrote and read back %ld bytes\n", threads, sum);
	return 0;
}
