/*
 * t_lock_oldcond.c - a program linked against the old condition variable ABI
 * (pthread_cond_*@GLIBC_2.2.5 on x86_64, what binaries built before glibc 2.3.2 call).
 *
 * Usage: t_lock_oldcond
 * A helper thread waits for a signal, the main thread times out once and broadcasts to nobody.
 * Prints the condvar's address and how many waits each thread made, then "ok"; prints "skip"
 * where there is no old ABI.  Every wait is bounded.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__) && !defined(__ILP32__) && defined(__GLIBC__)
/* Bind this file's references to the old versions, as an old binary's would be. */
__asm__(".symver pthread_cond_init,pthread_cond_init@GLIBC_2.2.5");
__asm__(".symver pthread_cond_destroy,pthread_cond_destroy@GLIBC_2.2.5");
__asm__(".symver pthread_cond_wait,pthread_cond_wait@GLIBC_2.2.5");
__asm__(".symver pthread_cond_timedwait,pthread_cond_timedwait@GLIBC_2.2.5");
__asm__(".symver pthread_cond_signal,pthread_cond_signal@GLIBC_2.2.5");
__asm__(".symver pthread_cond_broadcast,pthread_cond_broadcast@GLIBC_2.2.5");

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "t_lock_oldcond:%d: check failed: %s\n", __LINE__, #cond); \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static int ready, flag, waits;

static void *helper(void *arg)
{
	(void)arg;
	CHECK(pthread_mutex_lock(&m) == 0);
	ready = 1;
	while (!flag) {
		CHECK(pthread_cond_wait(&cv, &m) == 0);
		waits++;
	}
	CHECK(pthread_mutex_unlock(&m) == 0);
	return NULL;
}

int main(void)
{
	struct timespec ts = { 0, 1000000 };
	pthread_t th;
	int r, timedwaits = 0, i;

	CHECK(pthread_cond_init(&cv, NULL) == 0);
	CHECK(pthread_create(&th, NULL, helper, NULL) == 0);
	/* the helper sets ready under m and releases m only inside its wait */
	for (i = 0; i < 20000; i++) {
		CHECK(pthread_mutex_lock(&m) == 0);
		if (ready)
			break;
		CHECK(pthread_mutex_unlock(&m) == 0);
		nanosleep(&ts, NULL);
	}
	CHECK(i < 20000);
	flag = 1;
	CHECK(pthread_cond_signal(&cv) == 0);
	CHECK(pthread_mutex_unlock(&m) == 0);
	CHECK(pthread_join(th, NULL) == 0);
	/*
	 * The old functions keep a pointer to a condvar they allocate in the first word; the new
	 * ones keep a wait counter there, a small number by now: this tells which code ran.
	 */
	void *inner;

	memcpy(&inner, &cv, sizeof(inner));
	CHECK((uintptr_t)inner > 65536);

	CHECK(pthread_cond_broadcast(&cv) == 0);
	CHECK(pthread_mutex_lock(&m) == 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 20000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	do
		timedwaits++;
	while ((r = pthread_cond_timedwait(&cv, &m, &ts)) == 0);
	CHECK(r == ETIMEDOUT);
	CHECK(pthread_mutex_unlock(&m) == 0);
	CHECK(pthread_cond_destroy(&cv) == 0);
	printf("cv=%p\nwaits=%d\ntimedwaits=%d\nok\n", (void *)&cv, waits, timedwaits);
	return 0;
}
#else
int main(void)
{
	printf("skip\n");
	return 0;
}
#endif
