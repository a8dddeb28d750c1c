/*
 * contend.c - the program behind tests/data/contend/ (see README): every kind of arrow and
 * counter traceit-convert draws, at times fixed by sleeps long enough to be unambiguous.
 *
 *	contend		the main program, below
 *	contend exec	what a forked child becomes by exec
 *	contend spawn	what posix_spawn starts
 */
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t cmutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static sem_t sem;
static int ready, go;

static void pause_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts))
		;
}

/* Blocks on the mutex the main thread holds, then holds it 1 ms. */
static void *locker(void *arg)
{
	pthread_mutex_lock(&lock);
	pause_ms(1);
	pthread_mutex_unlock(&lock);
	return arg;
}

/* Waits on the condition variable until the main thread says go. */
static void *waiter(void *arg)
{
	pthread_mutex_lock(&cmutex);
	ready++;
	while (go < (int)(long)arg)
		pthread_cond_wait(&cond, &cmutex);
	pthread_mutex_unlock(&cmutex);
	return NULL;
}

static void *sem_taker(void *arg)
{
	sem_wait(&sem);
	return arg;
}

static void *reader(void *arg)
{
	pthread_rwlock_rdlock(&rw);
	pthread_rwlock_unlock(&rw);
	return arg;
}

static void on_signal(int sig)
{
	(void)sig;
}

static void wait_ready(int n)
{
	for (;;) {
		pthread_mutex_lock(&cmutex);
		int r = ready;

		pthread_mutex_unlock(&cmutex);
		if (r >= n)
			break;
		pause_ms(1);
	}
}

int main(int argc, char **argv)
{
	pthread_t t[4];
	char *block;
	pid_t pid;
	int fd;

	if (argc > 1) { /* exec'd or spawned: a few calls of its own */
		free(malloc(100));
		return strcmp(argv[1], "exec") ? 5 : 4;
	}
	/* short-lived and long-lived allocations; a descriptor opened and closed */
	for (int i = 0; i < 3; i++)
		free(malloc(1000 + i));
	block = malloc(5000);
	fd = open("/dev/null", O_RDONLY);
	close(fd);

	/* a lock hand-off: the locker waits ~3 ms for the main thread's unlock */
	pthread_mutex_lock(&lock);
	pthread_create(&t[0], NULL, locker, NULL);
	pause_ms(3);
	pthread_mutex_unlock(&lock);
	pthread_join(t[0], NULL);

	/* a signal wakes one waiter, then a broadcast wakes two */
	pthread_create(&t[0], NULL, waiter, (void *)1L);
	wait_ready(1);
	pause_ms(2);
	pthread_mutex_lock(&cmutex);
	go = 1;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&cmutex);
	pthread_join(t[0], NULL);
	ready = 0;
	pthread_create(&t[0], NULL, waiter, (void *)2L);
	pthread_create(&t[1], NULL, waiter, (void *)2L);
	wait_ready(2);
	pause_ms(2);
	pthread_mutex_lock(&cmutex);
	go = 2;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&cmutex);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);

	/* a semaphore post lets a waiting taker through; a writer holds off a reader */
	sem_init(&sem, 0, 0);
	pthread_create(&t[2], NULL, sem_taker, NULL);
	pause_ms(2);
	sem_post(&sem);
	pthread_join(t[2], NULL);
	pthread_rwlock_wrlock(&rw);
	pthread_create(&t[3], NULL, reader, NULL);
	pause_ms(2);
	pthread_rwlock_unlock(&rw);
	pthread_join(t[3], NULL);

	/* signals delivered: two SIGUSR1, one SIGUSR2 */
	signal(SIGUSR1, on_signal);
	signal(SIGUSR2, on_signal);
	raise(SIGUSR1);
	raise(SIGUSR1);
	kill(getpid(), SIGUSR2);

	/* a forked child that exits 3; one that becomes "contend exec"; a spawned one */
	pid = fork();
	if (!pid) {
		free(malloc(300));
		_exit(3);
	}
	waitpid(pid, NULL, 0);
	pid = fork();
	if (!pid) {
		execl("/proc/self/exe", "contend", "exec", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	{
		char *args[] = {"contend", "spawn", NULL};

		posix_spawn(&pid, "/proc/self/exe", NULL, NULL, args, environ);
		waitpid(pid, NULL, 0);
	}
	free(block);
	return 0;
}
