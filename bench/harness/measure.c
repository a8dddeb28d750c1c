/*
 * measure.c - run one program and report its wall time, CPU time and peak RSS.
 *
 *	measure [-p PRELOAD] [-t SECONDS] RESULT -- PROGRAM [ARGS...]
 *
 * Runs PROGRAM in a session of its own, with LD_PRELOAD=PRELOAD if given (this program
 * itself is never preloaded), waits for it, and writes one line to the file RESULT:
 *
 *	wall=SECONDS cpu=SECONDS maxrss=KIB status=N killed=0|1
 *
 * cpu is user + system time of PROGRAM and every child it waited for; maxrss is the largest
 * peak RSS among them; status is the exit status, or 128 + the signal that killed it.  After
 * SECONDS the whole session is killed (killed=1).
 *
 * Why not measure from the Python runner directly: the kernel carries a process's peak RSS
 * across fork and exec, so a child forked from a 20 MB interpreter reports at least 20 MB.
 * Forked from this small program, it reports what it used itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t killed;
static pid_t child;

/* The timeout, or the runner interrupted: the program is in a session of its own, which a
 * terminal's ^C does not reach, so it is killed here. */
static void on_signal(int sig)
{
	(void)sig;
	killed = 1;
	kill(-child, SIGKILL);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr, "usage: measure [-p PRELOAD] [-t SECONDS] RESULT -- PROGRAM [ARGS...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *preload = NULL, *result;
	double timeout = 0, start, wall;
	struct rusage ru;
	int opt, status, code;
	FILE *out;

	while ((opt = getopt(argc, argv, "+p:t:")) != -1) {
		if (opt == 'p')
			preload = optarg;
		else if (opt == 't')
			timeout = strtod(optarg, NULL);
		else
			usage();
	}
	if (argc - optind < 3 || strcmp(argv[optind + 1], "--"))
		usage();
	result = argv[optind];
	argv += optind + 2;

	start = now();
	child = fork();
	if (child < 0) {
		perror("measure: fork");
		return 1;
	}
	if (child == 0) {
		setsid();
		if (preload)
			setenv("LD_PRELOAD", preload, 1);
		execvp(argv[0], argv);
		fprintf(stderr, "measure: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (timeout > 0) {
		struct itimerval it = { 0 };

		it.it_value.tv_sec = (time_t)timeout;
		it.it_value.tv_usec = (suseconds_t)((timeout - (time_t)timeout) * 1e6);

		signal(SIGALRM, on_signal);
		setitimer(ITIMER_REAL, &it, NULL);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	while (wait4(child, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("measure: wait4");
			return 1;
		}
	}
	wall = now() - start;
	signal(SIGALRM, SIG_IGN);
	kill(-child, SIGKILL); /* whatever the program left running in its session */
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

	out = fopen(result, "w");
	if (!out) {
		perror(result);
		return 1;
	}
	fprintf(out, "wall=%.6f cpu=%.6f maxrss=%ld status=%d killed=%d\n", wall,
		ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
			ru.ru_stime.tv_usec / 1e6,
		ru.ru_maxrss, code, (int)killed);
	return fclose(out) ? 1 : 0;
}
