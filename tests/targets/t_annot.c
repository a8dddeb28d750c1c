/*
 * t_annot: every call of traceit.h, a known number of times, and the ways to misuse them.
 *	t_annot all N		N requests: a span with two nested spans, a counter, a double
 *				counter and an instant with arguments each; then a span begun on
 *				main and finished on a thread, an async span with a step, a
 *				thread name; prints what traceit_is_enabled said
 *	t_annot misuse		a span ended twice, one never ended, an async end of an id never
 *				begun, NULL and 10,000-byte strings
 *	t_annot windows		3 windows: 10 mallocs in each, off between them (10 more
 *				mallocs there, not recorded)
 *	t_annot signal SIG	100 mallocs, raise(SIG) (the toggle signal), 100 mallocs,
 *				raise(SIG), 100 mallocs; the program has its own handler for SIG
 *				and prints how many times it ran
 *	t_annot slow		60 mallocs of 100 to 159 bytes, 10 ms apart
 *	t_annot fds PATH	with tracing off, opens PATH and opens and closes it again; on
 *				again, reads the first descriptor and closes it
 *	t_annot heap		window 1 allocates 10 blocks of 3333 bytes; off, 5 of them are
 *				freed (and realloc'ed: 1), 5 of 4444 allocated, a thread started;
 *				window 2 frees all that is left, the thread ends
 * Built against the header alone: untraced, it runs the same and prints the same.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "traceit.h"

static volatile sig_atomic_t handled;

static void on_signal(int sig)
{
	(void)sig;
	handled++;
}

static void mallocs(int n, size_t size)
{
	for (int i = 0; i < n; i++) {
		void *volatile p = malloc(size);

		free(p);
	}
}

/* started while tracing is off, it ends in the next window */
static void *worker(void *arg)
{
	struct timespec ms20 = { 0, 20000000 };

	nanosleep(&ms20, NULL);
	return arg;
}

static void *finisher(void *arg)
{
	traceit_thread_name("a worker with a name longer than the kernel's fifteen");
	traceit_span_finish(*(uint64_t *)arg);
	traceit_async_end("jobs", "batch", 42);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "";

	if (!strcmp(how, "all") && argc > 2) {
		int n = atoi(argv[2]);
		const char *keys[] = { "id", "size" };
		pthread_t th;
		uint64_t id;

		for (int i = 0; i < n; i++) {
			long long values[] = { i, 100 + i };
			TRACEIT_SCOPE("req", "request");

			traceit_span_begin("req", "parse");
			mallocs(1, 1000);
			traceit_span_end();
			traceit_span_begin("req", "reply");
			traceit_span_end();
			traceit_counter("queue", n - i);
			traceit_counter_double("ratio", i / 4.0);
			traceit_instant_args("req", "mark", 2, keys, values);
		}
		traceit_instant(NULL, "done");
		id = traceit_span_start("jobs", "handoff");
		traceit_async_begin("jobs", "batch", 42);
		traceit_async_instant("jobs", "batch", 42);
		pthread_create(&th, NULL, finisher, &id);
		pthread_join(th, NULL);
		printf("enabled %d\n", traceit_is_enabled());
		return 0;
	}
	if (!strcmp(how, "misuse")) {
		char *big = malloc(10000);

		memset(big, 'n', 9999);
		big[9999] = 0;
		traceit_span_begin("x", "once");
		traceit_span_end();
		traceit_span_end(); /* once too often */
		traceit_async_end("x", "never begun", 99);
		traceit_span_begin(NULL, NULL);
		traceit_span_end();
		traceit_span_begin(big, big);
		traceit_span_end();
		traceit_instant_args(NULL, NULL, 3, NULL, NULL);
		traceit_counter(NULL, 1);
		traceit_thread_name(NULL);
		traceit_span_begin("x", "left open");
		free(big);
		return 0;
	}
	if (!strcmp(how, "windows")) {
		for (int w = 0; w < 3; w++) {
			if (w)
				traceit_enable();
			mallocs(10, 1111);
			traceit_disable();
			mallocs(10, 2222);
		}
		traceit_new_window();
		return 0;
	}
	if (!strcmp(how, "heap")) {
		void *w1[10], *off[5];
		pthread_t th;

		for (int i = 0; i < 10; i++)
			w1[i] = malloc(3333);
		traceit_disable();
		for (int i = 0; i < 4; i++)
			free(w1[i]);
		w1[4] = realloc(w1[4], 5555);
		for (int i = 0; i < 5; i++)
			off[i] = malloc(4444);
		pthread_create(&th, NULL, worker, NULL);
		traceit_enable();
		pthread_join(th, NULL);
		for (int i = 4; i < 10; i++)
			free(w1[i]);
		for (int i = 0; i < 5; i++)
			free(off[i]);
		return 0;
	}
	if (!strcmp(how, "slow")) {
		for (int i = 0; i < 60; i++) {
			struct timespec ms10 = { 0, 10000000 };

			mallocs(1, 100 + (size_t)i);
			nanosleep(&ms10, NULL);
		}
		return 0;
	}
	if (!strcmp(how, "fds") && argc > 2) {
		char b[8];
		int fd, fd2;

		traceit_disable();
		fd = open(argv[2], O_RDONLY);
		fd2 = open(argv[2], O_RDONLY);
		close(fd2);
		traceit_enable();
		printf("read %d\n", (int)read(fd, b, sizeof(b)));
		close(fd);
		return 0;
	}
	if (!strcmp(how, "signal") && argc > 2) {
		int sig = atoi(argv[2]);

		signal(sig, on_signal);
		mallocs(100, 3333);
		raise(sig);
		mallocs(100, 4444);
		raise(sig);
		mallocs(100, 5555);
		printf("handled %d\n", (int)handled);
		return 0;
	}
	return 2;
}
