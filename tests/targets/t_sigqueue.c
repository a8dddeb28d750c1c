/*
 * t_sigqueue: real-time signals with a value each, queued at the main thread by another
 * thread while the main thread allocates (with stacks on, it is inside the tracer's own
 * code most of the time).  The
 * handler checks each one's siginfo (SI_QUEUE, the sender's pid) and adds up the values.
 * Prints "handled N sum S bad B": the same traced and untraced, every signal delivered once
 * with its own value, B = 0.
 *
 * Usage: t_sigqueue [N]
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t handled, bad;
static volatile long sum;
static pthread_t main_thread;
static int n;

static void on_rt(int sig, siginfo_t *info, void *uc)
{
	(void)sig;
	(void)uc;
	if (info->si_code != SI_QUEUE || info->si_pid != getpid())
		bad++;
	sum += info->si_value.sival_int;
	handled++;
}

static void *sender(void *arg)
{
	(void)arg;
	for (int i = 1; i <= n; i++) {
		union sigval v = { .sival_int = i };

		/* the queue is bounded (RLIMIT_SIGPENDING): wait for room, never drop */
		while (pthread_sigqueue(main_thread, SIGRTMIN, v) != 0)
			if (errno != EAGAIN)
				exit(2);
			else
				usleep(100);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	pthread_t th;
	sigset_t rt;

	n = argc > 1 ? atoi(argv[1]) : 20000;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_rt;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGRTMIN, &sa, NULL);
	main_thread = pthread_self();
	/* the sender never takes them itself */
	sigemptyset(&rt);
	sigaddset(&rt, SIGRTMIN);
	pthread_sigmask(SIG_BLOCK, &rt, NULL);
	if (pthread_create(&th, NULL, sender, NULL))
		return 2;
	pthread_sigmask(SIG_UNBLOCK, &rt, NULL);
	/* the handler allocates nothing: a signal that lands inside malloc is harmless */
	while (handled < n) {
		void *volatile p = malloc(64);

		free(p);
	}
	pthread_join(th, NULL);
	printf("handled %d sum %ld bad %d\n", (int)handled, sum, (int)bad);
	return 0;
}
