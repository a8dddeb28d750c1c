/*
 * t_proc2: the process, signal and thread calls beyond fork/exec, each a known number of
 * times.  Exits 0 when every call behaved as it does without the preload.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static volatile sig_atomic_t got_usr1, got_usr2;

static void on_usr1(int sig, siginfo_t *info, void *uc)
{
	got_usr1 += sig == SIGUSR1 && info->si_signo == SIGUSR1;
}

static void on_usr2(int sig)
{
	got_usr2 += sig == SIGUSR2;
}

static int gate[2];

static void *blocked(void *arg)
{
	char c;

	/* waits until main lets it go: tryjoin must find it running */
	if (read(gate[0], &c, 1) != 1)
		return NULL;
	return arg;
}

static void *forever(void *arg)
{
	for (;;)
		pause();
	return arg;
}

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "t_proc2: line %d: %s failed\n", __LINE__, #cond);         \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

int main(int argc, char **argv)
{
	char *const true_argv[] = { "true", NULL };
	pid_t pid;
	int status;

	/* posix_spawn, posix_spawnp, and each wait function once */
	CHECK(posix_spawn(&pid, "/bin/true", NULL, NULL, true_argv, environ) == 0);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status));
	CHECK(posix_spawnp(&pid, "true", NULL, NULL, true_argv, environ) == 0);
	CHECK(wait(&status) == pid);
	CHECK(posix_spawn(&pid, "/nonexistent/traceit", NULL, NULL, true_argv, environ) != 0 ||
	      (waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 127));
	if ((pid = fork()) == 0)
		_exit(5);
	CHECK(wait3(&status, 0, NULL) == pid && WEXITSTATUS(status) == 5);
	if ((pid = fork()) == 0)
		_exit(6);
	CHECK(wait4(pid, &status, 0, NULL) == pid && WEXITSTATUS(status) == 6);
	if ((pid = fork()) == 0)
		_exit(7);
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PID, (id_t)pid, &si, WEXITED) == 0 && si.si_pid == pid && si.si_status == 7);
	CHECK(waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD);

	/* system and popen */
	status = system("exit 3");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3);
	FILE *p = popen("echo popen-output", "r");
	char line[64] = "";

	CHECK(p && fgets(line, sizeof(line), p) && !strcmp(line, "popen-output\n"));
	CHECK(pclose(p) == 0);

	/* signals: two handlers, each delivered twice; the program sees its own handlers */
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	CHECK(sigaction(SIGUSR1, NULL, &old) == 0 && old.sa_sigaction == on_usr1 &&
	      (old.sa_flags & SA_SIGINFO));
	CHECK(signal(SIGUSR2, on_usr2) == SIG_DFL);
	CHECK(signal(SIGUSR2, on_usr2) == on_usr2);
	CHECK(raise(SIGUSR1) == 0 && raise(SIGUSR2) == 0);
	CHECK(kill(getpid(), SIGUSR1) == 0 && kill(getpid(), SIGUSR2) == 0);
	CHECK(got_usr1 == 2 && got_usr2 == 2);
	CHECK(kill(999999999, 0) == -1 && errno == ESRCH);
	CHECK(signal(SIGUSR2, SIG_DFL) == on_usr2);

	/* threads: tryjoin on a running thread (EBUSY), then join; timedjoin; detach; cancel */
	pthread_t t1, t2, t3;

	CHECK(pipe(gate) == 0);
	CHECK(pthread_create(&t1, NULL, blocked, (void *)7) == 0);
	CHECK(pthread_tryjoin_np(t1, NULL) == EBUSY);
	CHECK(write(gate[1], "x", 1) == 1);
	void *ret = NULL;
	struct timespec far;

	clock_gettime(CLOCK_REALTIME, &far);
	far.tv_sec += 60;
	CHECK(pthread_timedjoin_np(t1, &ret, &far) == 0 && ret == (void *)7);
	CHECK(pthread_create(&t2, NULL, blocked, (void *)8) == 0);
	CHECK(pthread_detach(t2) == 0);
	CHECK(write(gate[1], "x", 1) == 1);
	CHECK(pthread_create(&t3, NULL, forever, NULL) == 0);
	CHECK(pthread_cancel(t3) == 0);
	CHECK(pthread_join(t3, &ret) == 0 && ret == PTHREAD_CANCELED);

	/* exec through fexecve or execveat when asked: argv[1] names it, argv[2] the program */
	if (argc > 2 && !strcmp(argv[1], "fexecve")) {
		int fd = open(argv[2], O_RDONLY | O_CLOEXEC);

		fexecve(fd, argv + 2, environ);
		return 2;
	}
	if (argc > 2 && !strcmp(argv[1], "execveat")) {
		execveat(AT_FDCWD, argv[2], argv + 2, environ, 0);
		return 2;
	}
	return 0;
}
