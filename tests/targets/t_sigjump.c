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
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sigjmp_buf to_main;
static volatile sig_atomic_t handled;

static void jump_out(int sig)
{
	(void)sig;
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

static void on(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigaction(sig, &sa, NULL);
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
