/*
 * t_vforksig: a vfork child resets a signal the parent handles to SIG_DFL before it exits (as
 * Python's subprocess does before exec).  The child's dispositions are its own: the parent's
 * handler must still run when the signal comes.  Prints how many times it ran.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_usr1(int sig)
{
	(void)sig;
	got++;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	pid_t pid;

	sigaction(SIGUSR1, &sa, NULL);
	pid = vfork();
	if (pid == 0) {
		struct sigaction dfl = { .sa_handler = SIG_DFL };

		sigaction(SIGUSR1, &dfl, NULL);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	raise(SIGUSR1);
	printf("%d\n", (int)got);
	return got == 1 ? 0 : 1;
}
