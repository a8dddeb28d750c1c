/*
 * t_lock.c - every function of the lock family, with known outcomes and forced contention.
 *
 * Usage: t_lock N	(N uncontended lock/unlock pairs on a mutex and on a spinlock)
 * Prints name=value lines (the two threads' tids, the addresses of the locks, counts that the
 * program itself observed), then "ok".  Exits non-zero as soon as a call returns something
 * other than expected, so the same checks hold with and without the preload.
 *
 * Contention is forced without timing assumptions: the main thread holds a lock, lets the
 * helper thread call the blocking function, and waits until the kernel shows the helper asleep
 * in a futex call on that very lock's memory (/proc/self/task/TID/syscall) before it sleeps
 * 50 ms and releases.  The helper's call has then waited at least 50 ms, and the lock's holder
 * was the main thread all along.  Every wait is bounded: nothing here can hang.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define HOLD_MS 50

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER; /* uncontended */
static pthread_mutex_t cm = PTHREAD_MUTEX_INITIALIZER; /* contended */
static pthread_mutex_t em;			       /* error-checking */
static pthread_mutex_t rm;			       /* recursive */
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t cmu = PTHREAD_MUTEX_INITIALIZER; /* the condvar's mutex */
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static sem_t sm;	 /* the semaphore under test */
static sem_t step, done; /* orchestration: main -> helper, helper -> main */
static pthread_barrier_t bar;
static pthread_spinlock_t sp;

static int ready, flag; /* under cmu */
static int helper_condwaits, helper_timedwaits;
static volatile pid_t helper_tid;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "t_lock:%d: check failed: %s\n", __LINE__, #cond);         \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

static pid_t my_tid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static struct timespec in_ms(clockid_t clock, long ms)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

/* Is thread tid asleep in a futex call on an address inside [obj, obj + size)? */
static int blocked_on(pid_t tid, const void *obj, size_t size)
{
	char path[64], buf[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';

	char *end;
	long nr = strtol(buf, &end, 10);
	unsigned long addr = strtoul(end, NULL, 0);
	int futex = nr == SYS_futex;
#ifdef SYS_futex_time64
	futex |= nr == SYS_futex_time64;
#endif
	return end != buf && futex && addr >= (unsigned long)obj &&
	       addr < (unsigned long)obj + size;
}

static void wait_blocked(pid_t tid, const void *obj, size_t size)
{
	for (int i = 0; i < 20000; i++) {
		if (blocked_on(tid, obj, size))
			return;
		sleep_ms(1);
	}
	fprintf(stderr, "t_lock: thread %d never blocked on %p\n", (int)tid, obj);
	exit(3);
}

/* Main holds the lock; the helper's next step blocks on it; release once it surely waits. */
#define CONTEND(obj, unlock_call)                                                                  \
	do {                                                                                       \
		CHECK(sem_post(&step) == 0);                                                       \
		wait_blocked(helper_tid, &(obj), sizeof(obj));                                     \
		sleep_ms(HOLD_MS);                                                                 \
		CHECK((unlock_call) == 0);                                                         \
		CHECK(sem_wait(&done) == 0);                                                       \
	} while (0)

static void next_step(void)
{
	CHECK(sem_wait(&step) == 0);
}

static void *helper(void *arg)
{
	struct timespec ts;

	(void)arg;
	helper_tid = my_tid();
	CHECK(sem_post(&done) == 0);

	/* 1. contended mutex lock, then timedlock */
	next_step();
	CHECK(pthread_mutex_lock(&cm) == 0);
	CHECK(pthread_mutex_unlock(&cm) == 0);
	CHECK(sem_post(&done) == 0);
	next_step();
	ts = in_ms(CLOCK_REALTIME, 30000);
	CHECK(pthread_mutex_timedlock(&cm, &ts) == 0);
	CHECK(pthread_mutex_unlock(&cm) == 0);
	CHECK(sem_post(&done) == 0);

	/* 2. trylock on a mutex the main thread holds */
	next_step();
	CHECK(pthread_mutex_trylock(&cm) == EBUSY);
	CHECK(sem_post(&done) == 0);

	/* 3. contended rwlock: rdlock and timedwrlock behind a writer */
	next_step();
	CHECK(pthread_rwlock_rdlock(&rw) == 0);
	CHECK(pthread_rwlock_unlock(&rw) == 0);
	CHECK(sem_post(&done) == 0);
	next_step();
	ts = in_ms(CLOCK_REALTIME, 30000);
	CHECK(pthread_rwlock_timedwrlock(&rw, &ts) == 0);
	CHECK(pthread_rwlock_unlock(&rw) == 0);
	CHECK(sem_post(&done) == 0);

	/* 4. a writer against a reader: times out, try fails, a second reader gets in */
	next_step();
	ts = in_ms(CLOCK_REALTIME, 20);
	CHECK(pthread_rwlock_timedwrlock(&rw, &ts) == ETIMEDOUT);
	CHECK(pthread_rwlock_trywrlock(&rw) == EBUSY);
	CHECK(pthread_rwlock_tryrdlock(&rw) == 0);
	CHECK(pthread_rwlock_unlock(&rw) == 0);
	CHECK(sem_post(&done) == 0);

	/* 5. condition variable: wait for a signal, timedwait for a broadcast */
	next_step();
	CHECK(pthread_mutex_lock(&cmu) == 0);
	ready = 1;
	while (flag < 1) {
		CHECK(pthread_cond_wait(&cv, &cmu) == 0);
		helper_condwaits++;
	}
	ready = 2;
	ts = in_ms(CLOCK_REALTIME, 30000);
	while (flag < 2) {
		CHECK(pthread_cond_timedwait(&cv, &cmu, &ts) == 0);
		helper_timedwaits++;
	}
	CHECK(pthread_mutex_unlock(&cmu) == 0);
	CHECK(sem_post(&done) == 0);

	/* 6. contended semaphore; a successful wait leaves errno alone */
	next_step();
	errno = 0;
	CHECK(sem_wait(&sm) == 0);
	CHECK(errno == 0);
	CHECK(sem_post(&done) == 0);

	/* 7. barrier of two */
	next_step();
	int r = pthread_barrier_wait(&bar);
	CHECK(r == 0 || r == PTHREAD_BARRIER_SERIAL_THREAD);

	/* 8. spinlock held by the main thread (contended unless this thread was slow to come) */
	next_step();
	CHECK(pthread_spin_lock(&sp) == 0);
	CHECK(pthread_spin_unlock(&sp) == 0);
	CHECK(sem_post(&done) == 0);
	return NULL;
}

static int cmu_locks; /* the main thread's pthread_mutex_lock calls on cmu */

/*
 * Returns with cmu held once the helper waits on cv in the given phase: it sets ready while
 * holding cmu, and releases cmu only inside the wait.
 */
static void wait_cond_ready(int phase)
{
	for (int i = 0; i < 20000; i++) {
		CHECK(pthread_mutex_lock(&cmu) == 0);
		cmu_locks++;
		if (ready == phase)
			return;
		CHECK(pthread_mutex_unlock(&cmu) == 0);
		sleep_ms(1);
	}
	fprintf(stderr, "t_lock: the helper never waited on the condition variable\n");
	exit(3);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	pthread_mutexattr_t ma;
	struct timespec ts;
	pthread_t th;
	int r, val;

	CHECK(sem_init(&sm, 0, 0) == 0);
	CHECK(sem_init(&step, 0, 0) == 0);
	CHECK(sem_init(&done, 0, 0) == 0);
	CHECK(pthread_barrier_init(&bar, NULL, 2) == 0);
	CHECK(pthread_spin_init(&sp, PTHREAD_PROCESS_PRIVATE) == 0);
	CHECK(pthread_mutexattr_init(&ma) == 0);
	CHECK(pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK) == 0);
	CHECK(pthread_mutex_init(&em, &ma) == 0);
	CHECK(pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE) == 0);
	CHECK(pthread_mutex_init(&rm, &ma) == 0);
	CHECK(pthread_mutexattr_destroy(&ma) == 0);

	/* Uncontended mutex: n pairs; trylock; timedlock on a mutex this thread holds */
	for (int i = 0; i < n; i++) {
		errno = EDOM; /* the pthread calls report errors by their result: errno stays */
		CHECK(pthread_mutex_lock(&mu) == 0);
		CHECK(pthread_mutex_unlock(&mu) == 0 && errno == EDOM);
	}
	CHECK(pthread_mutex_trylock(&mu) == 0);
	CHECK(pthread_mutex_trylock(&mu) == EBUSY);
	ts = in_ms(CLOCK_REALTIME, 20);
	CHECK(pthread_mutex_timedlock(&mu, &ts) == ETIMEDOUT);
	CHECK(pthread_mutex_unlock(&mu) == 0);
	ts = in_ms(CLOCK_REALTIME, 10000);
	CHECK(pthread_mutex_timedlock(&mu, &ts) == 0);
	CHECK(pthread_mutex_unlock(&mu) == 0);

	/* Error-checking mutex: relock and foreign unlock are errors */
	CHECK(pthread_mutex_lock(&em) == 0);
	CHECK(pthread_mutex_lock(&em) == EDEADLK);
	CHECK(pthread_mutex_trylock(&em) == EBUSY);
	CHECK(pthread_mutex_unlock(&em) == 0);
	CHECK(pthread_mutex_unlock(&em) == EPERM);

	/* Recursive mutex: the owner re-enters */
	CHECK(pthread_mutex_lock(&rm) == 0);
	CHECK(pthread_mutex_lock(&rm) == 0);
	CHECK(pthread_mutex_trylock(&rm) == 0);
	for (int i = 0; i < 3; i++)
		CHECK(pthread_mutex_unlock(&rm) == 0);

	/* Uncontended rwlock, each acquire once */
	CHECK(pthread_rwlock_rdlock(&rw) == 0);
	CHECK(pthread_rwlock_unlock(&rw) == 0);
	CHECK(pthread_rwlock_wrlock(&rw) == 0);
	CHECK(pthread_rwlock_unlock(&rw) == 0);
	CHECK(pthread_rwlock_tryrdlock(&rw) == 0);
	CHECK(pthread_rwlock_unlock(&rw) == 0);
	CHECK(pthread_rwlock_trywrlock(&rw) == 0);
	CHECK(pthread_rwlock_unlock(&rw) == 0);
	ts = in_ms(CLOCK_REALTIME, 10000);
	CHECK(pthread_rwlock_timedrdlock(&rw, &ts) == 0);
	CHECK(pthread_rwlock_unlock(&rw) == 0);
	CHECK(pthread_rwlock_timedwrlock(&rw, &ts) == 0);
	/* held for writing by this thread: tries fail, a read lock would deadlock */
	CHECK(pthread_rwlock_tryrdlock(&rw) == EBUSY);
	CHECK(pthread_rwlock_trywrlock(&rw) == EBUSY);
	CHECK(pthread_rwlock_rdlock(&rw) == EDEADLK);
	CHECK(pthread_rwlock_unlock(&rw) == 0);
	/* a bad timeout is refused even though the lock is free, and takes nothing */
	ts.tv_nsec = 1000000000;
	CHECK(pthread_rwlock_timedrdlock(&rw, &ts) == EINVAL);
	CHECK(pthread_rwlock_timedwrlock(&rw, &ts) == EINVAL);

	/* Two threads */
	CHECK(pthread_create(&th, NULL, helper, NULL) == 0);
	CHECK(sem_wait(&done) == 0);

	CHECK(pthread_mutex_lock(&cm) == 0);
	CONTEND(cm, pthread_mutex_unlock(&cm));
	CHECK(pthread_mutex_lock(&cm) == 0);
	CONTEND(cm, pthread_mutex_unlock(&cm));

	CHECK(pthread_mutex_lock(&cm) == 0);
	CHECK(sem_post(&step) == 0);
	CHECK(sem_wait(&done) == 0);
	CHECK(pthread_mutex_unlock(&cm) == 0);

	CHECK(pthread_rwlock_wrlock(&rw) == 0);
	CONTEND(rw, pthread_rwlock_unlock(&rw));
	CHECK(pthread_rwlock_wrlock(&rw) == 0);
	CONTEND(rw, pthread_rwlock_unlock(&rw));

	CHECK(pthread_rwlock_rdlock(&rw) == 0);
	CHECK(sem_post(&step) == 0);
	CHECK(sem_wait(&done) == 0);
	CHECK(pthread_rwlock_unlock(&rw) == 0);

	CHECK(sem_post(&step) == 0);
	wait_cond_ready(1);
	flag = 1;
	CHECK(pthread_cond_signal(&cv) == 0);
	CHECK(pthread_mutex_unlock(&cmu) == 0);
	wait_cond_ready(2);
	flag = 2;
	CHECK(pthread_cond_broadcast(&cv) == 0);
	CHECK(pthread_mutex_unlock(&cmu) == 0);
	CHECK(sem_wait(&done) == 0);

	CONTEND(sm, sem_post(&sm));

	CHECK(sem_post(&step) == 0);
	r = pthread_barrier_wait(&bar);
	CHECK(r == 0 || r == PTHREAD_BARRIER_SERIAL_THREAD);

	CHECK(pthread_spin_lock(&sp) == 0);
	CHECK(sem_post(&step) == 0);
	sleep_ms(20);
	CHECK(pthread_spin_unlock(&sp) == 0);
	CHECK(sem_wait(&done) == 0);

	CHECK(pthread_join(th, NULL) == 0);

	/* One thread again: condvar calls nobody answers */
	CHECK(pthread_cond_signal(&cv) == 0);
	CHECK(pthread_cond_broadcast(&cv) == 0);
	int timedwaits = 0, clockwaits = 0;

	CHECK(pthread_mutex_lock(&cmu) == 0);
	cmu_locks++;
	ts = in_ms(CLOCK_REALTIME, 20);
	do
		timedwaits++;
	while ((r = pthread_cond_timedwait(&cv, &cmu, &ts)) == 0);
	CHECK(r == ETIMEDOUT);
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 30)
	ts = in_ms(CLOCK_MONOTONIC, 20);
	do
		clockwaits++;
	while ((r = pthread_cond_clockwait(&cv, &cmu, CLOCK_MONOTONIC, &ts)) == 0);
	CHECK(r == ETIMEDOUT);
#endif
	CHECK(pthread_mutex_unlock(&cmu) == 0);

	/* Semaphore, value 0 here */
	CHECK(sem_post(&sm) == 0);
	errno = EDOM;
	CHECK(sem_wait(&sm) == 0);
	CHECK(errno == EDOM);
	CHECK(sem_trywait(&sm) == -1 && errno == EAGAIN);
	CHECK(sem_post(&sm) == 0);
	CHECK(sem_trywait(&sm) == 0);
	ts = in_ms(CLOCK_REALTIME, 20);
	CHECK(sem_timedwait(&sm, &ts) == -1 && errno == ETIMEDOUT);
	CHECK(sem_post(&sm) == 0);
	ts = in_ms(CLOCK_REALTIME, 10000);
	CHECK(sem_timedwait(&sm, &ts) == 0);
	/* a bad timeout is refused even though the count is positive, and takes nothing */
	CHECK(sem_post(&sm) == 0);
	ts.tv_nsec = -1;
	CHECK(sem_timedwait(&sm, &ts) == -1 && errno == EINVAL);
	CHECK(sem_getvalue(&sm, &val) == 0 && val == 1);
	CHECK(sem_wait(&sm) == 0);

	/* Spinlock: n pairs, then the tries */
	for (int i = 0; i < n; i++) {
		errno = EDOM;
		CHECK(pthread_spin_lock(&sp) == 0);
		CHECK(pthread_spin_unlock(&sp) == 0 && errno == EDOM);
	}
	CHECK(pthread_spin_trylock(&sp) == 0);
	CHECK(pthread_spin_trylock(&sp) == EBUSY);
	CHECK(pthread_spin_unlock(&sp) == 0);

	printf("main=%d\nhelper=%d\n", (int)my_tid(), (int)helper_tid);
	printf("mu=%p\ncm=%p\nem=%p\nrm=%p\nrw=%p\ncmu=%p\ncv=%p\nsm=%p\nbar=%p\nsp=%p\n",
	       (void *)&mu, (void *)&cm, (void *)&em, (void *)&rm, (void *)&rw, (void *)&cmu,
	       (void *)&cv, (void *)&sm, (void *)&bar, (void *)&sp);
	printf("cmu_locks=%d\nhelper_condwaits=%d\nhelper_timedwaits=%d\ntimedwaits=%d\n"
	       "clockwaits=%d\n",
	       cmu_locks, helper_condwaits, helper_timedwaits, timedwaits, clockwaits);
	printf("ok\n");
	return 0;
}
