/*
 * t_altstack: a signal handler running on a small alternate stack makes traced calls, as
 * CPython's handlers do (SA_ONSTACK, with faulthandler's stack).  The stack has 1 MiB of
 * guard below it (a large frame jumps over a single guard page): a tracer that drained its buffers
 * there (an allocation cannot start the writer thread) would overflow it and crash.  The main
 * thread waits in pause(), so the handler's malloc interrupts no other.  Prints "ok" and exits 0.
 *
 * t_altstack exit: the handler calls exit(7) after 50000 malloc/free pairs were made, so
 * the tracer's final drain (which compresses) starts on that stack.
 * t_altstack crash: no handler; the same allocations, then a SIGSEGV, which the tracer's
 * crash handler takes on the alternate stack (SA_ONSTACK) to drain before the program dies.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#define ALT_SIZE (16 << 10)
#define GUARD (1 << 20)

static int pipefd[2];
static volatile sig_atomic_t fired;

static void exit_handler(int sig)
{
	exit(sig == SIGUSR1 ? 7 : 6);
}

/* Each a traced malloc and free (volatile: the compiler may not drop the pair) */
static void churn(void)
{
	for (int i = 0; i < 50000; i++) {
		void *volatile p = malloc(16 + i % 100);

		free(p);
	}
}

static void handler(int sig)
{
	char c = (char)sig;

	free(malloc(7001)); /* traced calls */
	if (write(pipefd[1], &c, 1) != 1)
		_exit(3);
	fired = 1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	char *mem = mmap(NULL, GUARD + ALT_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	stack_t ss = { .ss_sp = mem + GUARD, .ss_size = ALT_SIZE };
	struct sigaction sa;
	struct itimerval it = { .it_value = { 0, 50000 } };
	char c;

	if (mem == MAP_FAILED || mprotect(mem, GUARD, PROT_NONE) || sigaltstack(&ss, NULL) ||
	    pipe(pipefd))
		return 2;
	memset(&sa, 0, sizeof(sa));
	if (!strcmp(mode, "exit")) {
		sa.sa_handler = exit_handler;
		sa.sa_flags = SA_ONSTACK;
		sigaction(SIGUSR1, &sa, NULL);
		churn();
		raise(SIGUSR1);
		return 5;
	}
	if (!strcmp(mode, "crash")) {
		churn();
		*(volatile int *)(mem + GUARD / 2) = 1; /* the guard: SIGSEGV */
		return 5;
	}
	sa.sa_handler = handler;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGALRM, &sa, NULL);
	/* no traced call until the signal: the tracer's first flush is due by then */
	setitimer(ITIMER_REAL, &it, NULL);
	while (!fired)
		pause();
	if (read(pipefd[0], &c, 1) != 1 || c != SIGALRM)
		return 4;
	puts("ok");
	return 0;
}
