/*
 * func.c - the cost of one traced function call: built with -finstrument-functions, so that
 * each call of an empty function goes through __cyg_profile_func_enter and _exit (glibc's
 * no-ops natively, traceit's or uftrace's hooks when traced).
 *
 *	func func ITERATIONS	empty() once per iteration
 *
 * Prints "calls=N wall_ns_per_call=X cpu_ns_per_call=Y" like micro.c: the loop alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

__attribute__((noinline)) static void empty(void)
{
	__asm__ volatile("" ::: "memory");
}

__attribute__((no_instrument_function)) static double now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long n;
	double wall, cpu;

	if (argc != 3 || strcmp(argv[1], "func")) {
		fprintf(stderr, "usage: func func ITERATIONS\n");
		return 2;
	}
	n = strtoul(argv[2], NULL, 0);
	wall = now_ns(CLOCK_MONOTONIC);
	cpu = now_ns(CLOCK_THREAD_CPUTIME_ID);
	for (unsigned long i = 0; i < n; i++)
		empty();
	cpu = now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu;
	wall = now_ns(CLOCK_MONOTONIC) - wall;
	printf("calls=%lu wall_ns_per_call=%.2f cpu_ns_per_call=%.2f check=0\n", n, wall / n,
	       cpu / n);
	return 0;
}
