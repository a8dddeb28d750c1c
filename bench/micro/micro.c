/*
 * micro.c - the hot-path microbenchmark: the cost of one wrapped call.
 *
 *	micro noop ITERATIONS	bench_noop(i) (libbenchfn.so): 1 call per iteration
 *	micro malloc ITERATIONS	free(malloc(16)): 2 calls per iteration
 *	micro mutex ITERATIONS	pthread_mutex_lock + pthread_mutex_unlock: 2 calls per iteration
 *	micro span ITERATIONS	traceit_span_begin + traceit_span_end (traceit.h): 1 pair, counted
 *				as 2 calls, per iteration
 *	micro offmalloc ITERATIONS  traceit_disable(), then free(malloc(16)): tracing switched
 *				off after a window, frees still noted for the heap
 *
 * Run natively, under the floor interposer (noop) or under traceit (malloc, mutex), and
 * compare.  Prints "calls=N wall_ns_per_call=X cpu_ns_per_call=Y": the loop alone, timed
 * with CLOCK_MONOTONIC and with this thread's CPU clock, without start-up and exit.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "traceit.h"

int bench_noop(int x);

static double now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	unsigned long n, calls, sum = 0;
	double wall, cpu;

	if (argc != 3) {
		fprintf(stderr, "usage: micro noop|malloc|mutex ITERATIONS\n");
		return 2;
	}
	n = strtoul(argv[2], NULL, 0);
	wall = now_ns(CLOCK_MONOTONIC);
	cpu = now_ns(CLOCK_THREAD_CPUTIME_ID);
	if (!strcmp(argv[1], "noop")) {
		for (unsigned long i = 0; i < n; i++)
			sum += (unsigned int)bench_noop((int)i);
		calls = n;
	} else if (!strcmp(argv[1], "malloc") || !strcmp(argv[1], "offmalloc")) {
		if (argv[1][0] == 'o')
			traceit_disable();
		for (unsigned long i = 0; i < n; i++) {
			void *p = malloc(16);

			/* p escapes: the compiler may not drop the pair */
			__asm__ volatile("" : : "r"(p) : "memory");
			free(p);
		}
		calls = 2 * n;
	} else if (!strcmp(argv[1], "mutex")) {
		for (unsigned long i = 0; i < n; i++) {
			pthread_mutex_lock(&lock);
			sum++;
			pthread_mutex_unlock(&lock);
		}
		calls = 2 * n;
	} else if (!strcmp(argv[1], "span")) {
		for (unsigned long i = 0; i < n; i++) {
			traceit_span_begin("bench", "span");
			traceit_span_end();
		}
		calls = 2 * n;
	} else {
		fprintf(stderr, "micro: unknown test '%s'\n", argv[1]);
		return 2;
	}
	cpu = now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu;
	wall = now_ns(CLOCK_MONOTONIC) - wall;
	printf("calls=%lu wall_ns_per_call=%.2f cpu_ns_per_call=%.2f check=%lu\n", calls,
	       wall / calls, cpu / calls, sum);
	return 0;
}
