/*
 * t_stress: big and busy programs.
 *	threads-alive N		N threads alive at once (all started, then all released)
 *	threads-churn N		N short-lived threads, created and joined in batches of 8
 *	fork-tree N		a tree of N processes (each forks up to two children)
 *	fork-mt			fork from a process with 4 threads allocating
 *	vfork-exec PROG ARG	vfork, then exec PROG ARG in the child
 *	exit-thread		_exit(9) from a thread while two others allocate
 *	slow MS			allocate once a millisecond for MS milliseconds
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pthread_barrier_t barrier;
static volatile int stop;

static void *alive(void *arg)
{
	free(malloc(8001));
	pthread_barrier_wait(&barrier);
	return arg;
}

static void *short_lived(void *arg)
{
	free(malloc(8002));
	return arg;
}

/* allocates until told to stop, or 100,000 times: the test's trace stays small */
static void *allocating(void *arg)
{
	for (int i = 0; !stop && i < 100000; i++)
		free(malloc(8003));
	return arg;
}

static void *exiter(void *arg)
{
	struct timespec ms = { 0, 20000000 };

	nanosleep(&ms, NULL);
	_exit(9);
	return arg;
}

static int fork_tree(int n)
{
	/* node i has children 2i+1 and 2i+2 below n */
	int i = 0;

	for (;;) {
		free(malloc(8004));
		pid_t kids[2];
		int nk = 0;

		for (int c = 2 * i + 1; c <= 2 * i + 2 && c < n; c++) {
			pid_t pid = fork();

			if (pid < 0)
				return 1;
			if (pid == 0) {
				i = c;
				nk = -1;
				break;
			}
			kids[nk++] = pid;
		}
		if (nk < 0)
			continue; /* the child: its own subtree */
		int bad = 0;

		for (int k = 0; k < nk; k++) {
			int st;

			if (waitpid(kids[k], &st, 0) != kids[k] || !WIFEXITED(st) ||
			    WEXITSTATUS(st))
				bad = 1;
		}
		if (i)
			_exit(bad);
		return bad;
	}
}

int main(int argc, char **argv)
{
	const char *how = argv[1];
	int n = argc > 2 ? atoi(argv[2]) : 0;

	if (!strcmp(how, "threads-alive")) {
		pthread_t *t = calloc((size_t)n, sizeof(*t));
		pthread_attr_t attr;

		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, 64 << 10);
		pthread_barrier_init(&barrier, NULL, (unsigned)n + 1);
		for (int i = 0; i < n; i++)
			if (pthread_create(&t[i], &attr, alive, NULL))
				return 1;
		pthread_barrier_wait(&barrier);
		for (int i = 0; i < n; i++)
			pthread_join(t[i], NULL);
		return 0;
	}
	if (!strcmp(how, "threads-churn")) {
		for (int i = 0; i < n; i += 8) {
			pthread_t t[8];

			for (int j = 0; j < 8; j++)
				if (pthread_create(&t[j], NULL, short_lived, NULL))
					return 1;
			for (int j = 0; j < 8; j++)
				pthread_join(t[j], NULL);
		}
		return 0;
	}
	if (!strcmp(how, "fork-tree"))
		return fork_tree(n);
	if (!strcmp(how, "fork-mt")) {
		pthread_t t[4];

		for (int i = 0; i < 4; i++)
			pthread_create(&t[i], NULL, allocating, NULL);
		for (int i = 0; i < 20; i++) {
			pid_t pid = fork();
			int st;

			if (pid == 0) {
				free(malloc(8005));
				_exit(0);
			}
			if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
			    WEXITSTATUS(st))
				return 1;
		}
		stop = 1;
		for (int i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		return 0;
	}
	if (!strcmp(how, "vfork-exec")) {
		int st;
		pid_t pid = vfork();

		if (pid == 0) {
			execlp(argv[2], argv[2], argv[3], (char *)NULL);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &st, 0) != pid)
			return 1;
		free(malloc(8006));
		return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
	}
	if (!strcmp(how, "exit-thread")) {
		pthread_t t[3];

		pthread_create(&t[0], NULL, allocating, NULL);
		pthread_create(&t[1], NULL, allocating, NULL);
		pthread_create(&t[2], NULL, exiter, NULL);
		pthread_join(t[2], NULL);
		return 1;
	}
	if (!strcmp(how, "slow")) {
		struct timespec ms = { 0, 1000000 };

		for (int i = 0; i < n; i++) {
			free(malloc(8007));
			nanosleep(&ms, NULL);
		}
		return 0;
	}
	return 2;
}
