/*
 * t_sigjump: a signal handler left by siglongjmp, as timeouts and Boehm GC's probing of
 * memory leave theirs, before the tracer's writer thread has started; then N malloc/free
 * pairs, which must all be recorded.  Prints "ok" and exits 0.
 *
 * t_sigjump main N	the handler runs on the thread's stack and jumps back to main
 * t_sigjump alt N	the handler runs on an alternate stack (SA_ONSTACK)
 * t_sigjump nested N	a handler raises a second signal, whose handler jumps back to
 *			main out of both
 * t_sigjump inner N	the handler jumps within itself (sigsetjmp in the handler), makes
 *			traced calls and returns: it was never left by the jump
 * t_sigjump busy N	a timer's signals while the thread reads /dev/zero a byte at a time
 *			(with stacks on, most land in the tracer's own code); the handler
 *			writes 3 bytes to /dev/null and jumps back into the loop.  After 300
 *			of them, N writes of 5 bytes.  Prints "ok H", H the handlers run.
 *
 * t_sigjump_func is the same program built for function tracing.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "t_sigon.h"

static sigjmp_buf to_main;
static volatile sig_atomic_t handled;

static void jump_out(int sig)
{
	(void)sig;
	siglongjmp(to_main, 1);
}

static volatile sig_atomic_t ticks;
static int null_fd, zero_fd;

static void tick_out(int sig)
{
	(void)sig;
	/* traced, whatever the signal interrupted: a write of 3 bytes marks each handler */
	if (write(null_fd, "abc", 3) != 3)
		_exit(4);
	ticks++;
	siglongjmp(to_main, 1);
}

static void raise_other(int sig)
{
	(void)sig;
	raise(SIGUSR2);
}

static void jump_within(int sig)
{
	sigjmp_buf here;

	(void)sig;
	if (!sigsetjmp(here, 0))
		siglongjmp(here, 1);
	free(malloc(7001)); /* traced, inside the handler */
	handled = 1;
}

/* A function of its own: built with -finstrument-functions (t_sigjump_func), the signals
 * land in the function hooks too. */
static __attribute__((noinline)) void step(void)
{
	char c;

	if (read(zero_fd, &c, 1) != 1)
		exit(5);
}

/* The loop a timer interrupts: most signals land inside the tracer's wrappers.  Its calls
 * are system calls alone: a jump out of them leaves no lock of libc held. */
static void busy(int n)
{
	struct itimerval every = { { 0, 200 }, { 0, 200 } }, off = { { 0, 0 }, { 0, 0 } };

	null_fd = open("/dev/null", O_WRONLY);
	zero_fd = open("/dev/zero", O_RDONLY);
	if (null_fd < 0 || zero_fd < 0)
		exit(2);
	on(SIGALRM, tick_out, 0);
	sigsetjmp(to_main, 1);
	if (ticks < 300) {
		setitimer(ITIMER_REAL, &every, NULL);
		for (;;)
			step();
	}
	setitimer(ITIMER_REAL, &off, NULL);
	for (int i = 0; i < n; i++)
		if (write(null_fd, "abcde", 5) != 5)
			exit(6);
	printf("ok %d\n", (int)ticks);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "main";
	int n = argc > 2 ? atoi(argv[2]) : 100000;
	static char alt[64 << 10];
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt) };

	if (!strcmp(mode, "main")) {
		on(SIGUSR1, jump_out, 0);
	} else if (!strcmp(mode, "alt")) {
		if (sigaltstack(&ss, NULL))
			return 2;
		on(SIGUSR1, jump_out, SA_ONSTACK);
	} else if (!strcmp(mode, "nested")) {
		on(SIGUSR1, raise_other, 0);
		on(SIGUSR2, jump_out, 0);
	} else if (!strcmp(mode, "inner")) {
		on(SIGUSR1, jump_within, 0);
	} else if (!strcmp(mode, "busy")) {
		busy(n);
		return 0;
	} else {
		fprintf(stderr, "t_sigjump: unknown mode %s\n", mode);
		return 2;
	}
	if (!sigsetjmp(to_main, 1)) {
		raise(SIGUSR1);
		if (strcmp(mode, "inner") || !handled)
			return 3; /* the handler should have jumped here, or returned */
	}
	for (int i = 0; i < n; i++) {
		void *volatile p = malloc(16 + i % 100);

		free(p);
	}
	puts("ok");
	return 0;
}
