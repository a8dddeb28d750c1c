/*
 * t_forkleader: a thread forks; in the child that thread is the only one, the leader, and it
 * starts another thread and returns.  The child must end (status 0) when that other thread
 * does, as untraced; the parent prints the child's status.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void *late(void *arg)
{
	usleep(50000);
	free(malloc(3003));
	return arg;
}

static void *worker(void *arg)
{
	pthread_t t;
	pid_t pid = fork();

	if (pid > 0) {
		int status;

		waitpid(pid, &status, 0);
		printf("child status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		exit(0);
	}
	pthread_create(&t, NULL, late, NULL);
	return arg;
}

int main(void)
{
	pthread_t w;

	pthread_create(&w, NULL, worker, NULL);
	pause();
	return 1;
}
