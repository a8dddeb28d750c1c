/*
 * t_sigwork: a timer signal every 50 us whose handler allocates and writes, while the main
 * thread is inside traced calls (read, write) most of the time.  Checks its own results: the
 * tracer must neither crash, deadlock nor corrupt anything.  Prints "handled N", N the
 * handlers run (or "no signal").  The main thread's own malloc
 * and free run with the signal blocked: a handler that allocates while its thread is inside
 * malloc corrupts glibc's heap with or without a tracer (1 run in 8 did, untraced).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t handled;
static int devnull;

static void on_alarm(int sig)
{
	/* not async-signal-safe, as real programs sometimes do: the tracer must cope */
	char *p = malloc(9005);

	if (p) {
		memset(p, 1, 16);
		free(p);
	}
	if (write(devnull, "s", 1) != 1)
		_exit(3);
	handled++;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000;
	struct itimerval it = { { 0, 50 }, { 0, 50 } };
	int zero = open("/dev/zero", O_RDONLY);
	char buf[64];

	devnull = open("/dev/null", O_WRONLY);
	signal(SIGALRM, on_alarm);
	setitimer(ITIMER_REAL, &it, NULL);
	sigset_t alrm;

	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	for (long i = 0; i < n; i++) {
		sigprocmask(SIG_BLOCK, &alrm, NULL);
		char *p = malloc(64 + (size_t)(i & 255));

		sigprocmask(SIG_UNBLOCK, &alrm, NULL);
		if (!p || read(zero, buf, sizeof(buf)) != (ssize_t)sizeof(buf) ||
		    write(devnull, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			return 1;
		sigprocmask(SIG_BLOCK, &alrm, NULL);
		free(p);
		sigprocmask(SIG_UNBLOCK, &alrm, NULL);
	}
	it.it_value.tv_usec = it.it_interval.tv_usec = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	if (handled > 0)
		printf("handled %d\n", (int)handled);
	else
		printf("no signal\n");
	return 0;
}
