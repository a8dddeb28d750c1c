/*
 * mutex_cond.c - benchmark workload: producers and consumers around one locked queue.
 *
 * Two producer and two consumer threads share a bounded queue protected by one mutex, with
 * a condition variable for "not full" and one for "not empty".  300 k items by default; every
 * item costs a lock, a signal and an unlock on each side, and a wait whenever the queue is
 * found full or empty.
 *
 * Usage: mutex_cond [ITEMS]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define PRODUCERS 2
#define CONSUMERS 2
#define QUEUE_LEN 64

static struct {
	pthread_mutex_t lock;
	pthread_cond_t not_full;
	pthread_cond_t not_empty;
	unsigned long item[QUEUE_LEN];
	unsigned int head, count;
	unsigned long produced, consumed, total, sum;
} q = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.not_full = PTHREAD_COND_INITIALIZER,
	.not_empty = PTHREAD_COND_INITIALIZER,
};

static void *producer(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&q.lock);
		while (q.count == QUEUE_LEN && q.produced < q.total)
			pthread_cond_wait(&q.not_full, &q.lock);
		if (q.produced == q.total) {
			pthread_mutex_unlock(&q.lock);
			return NULL;
		}
		q.item[(q.head + q.count) % QUEUE_LEN] = q.produced++;
		q.count++;
		pthread_cond_signal(&q.not_empty);
		pthread_mutex_unlock(&q.lock);
	}
}

static void *consumer(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&q.lock);
		while (q.count == 0 && q.consumed < q.total)
			pthread_cond_wait(&q.not_empty, &q.lock);
		if (q.consumed == q.total) {
			/* wake the other consumers and producers so that they see the end too */
			pthread_cond_broadcast(&q.not_empty);
			pthread_cond_broadcast(&q.not_full);
			pthread_mutex_unlock(&q.lock);
			return NULL;
		}
		q.sum += q.item[q.head];
		q.head = (q.head + 1) % QUEUE_LEN;
		q.count--;
		if (++q.consumed == q.total)
			pthread_cond_broadcast(&q.not_empty);
		pthread_cond_signal(&q.not_full);
		pthread_mutex_unlock(&q.lock);
	}
}

int main(int argc, char **argv)
{
	pthread_t th[PRODUCERS + CONSUMERS];
	int n = 0;

	q.total = argc > 1 ? strtoul(argv[1], NULL, 0) : 300000;
	for (int i = 0; i < PRODUCERS; i++)
		if (pthread_create(&th[n++], NULL, producer, NULL))
			goto fail;
	for (int i = 0; i < CONSUMERS; i++)
		if (pthread_create(&th[n++], NULL, consumer, NULL))
			goto fail;
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	return q.sum != q.total * (q.total - 1) / 2;
fail:
	fprintf(stderr, "mutex_cond: pthread_create failed\n");
	return 1;
}
