/*
 * annotate.c - a small request server annotated with traceit.h: each request a span, its
 * parse and reply steps nested spans, the queue length a counter, a job handed to a worker
 * thread an async span, and the first request's details an instant.  Built against the
 * header alone: run it plainly and it runs untraced; run it under traceit and its spans
 * enclose the allocations and writes they make.
 *
 *	demo/annotate [REQUESTS]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traceit.h"

struct job {
	uint64_t span;
	int n;
};

static void *worker(void *arg)
{
	struct job *j = arg;

	traceit_thread_name("demo worker");
	char *buf = malloc(4096);

	memset(buf, 'x', 4096);
	free(buf);
	traceit_span_finish(j->span); /* begun by main, ended here */
	return NULL;
}

static void handle(int i)
{
	TRACEIT_SCOPE("http", "request");
	char *body;

	traceit_span_begin("http", "parse");
	body = malloc(256 + (size_t)i);
	snprintf(body, 256, "request %d", i);
	traceit_span_end();

	traceit_span_begin("http", "reply");
	if (i == 0) {
		const char *keys[] = { "id", "bytes" };
		long long values[] = { i, 256 };

		traceit_instant_args("http", "first request", 2, keys, values);
	}
	free(body);
	traceit_span_end();
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10;
	pthread_t th;
	struct job j = { 0, n };

	for (int i = 0; i < n; i++) {
		traceit_counter("queue", n - i);
		handle(i);
	}
	traceit_counter_double("load", 0.5);
	j.span = traceit_span_start("jobs", "background job");
	traceit_async_begin("jobs", "batch", 7);
	pthread_create(&th, NULL, worker, &j);
	pthread_join(th, NULL);
	traceit_async_instant("jobs", "batch", 7);
	traceit_async_end("jobs", "batch", 7);
	printf("handled %d requests\n", n);
	return 0;
}
