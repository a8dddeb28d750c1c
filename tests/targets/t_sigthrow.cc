// t_sigthrow.cc - a C++ exception thrown out of a signal handler, as programs that turn
// faults or timeouts into exceptions do; then N malloc/free pairs, which must all be
// recorded.  Prints "ok" and exits 0.
//
// t_sigthrow main N	the handler runs on the thread's stack; main catches
// t_sigthrow alt N	the handler runs on an alternate stack (SA_ONSTACK); main catches
// t_sigthrow inner N	the handler throws and catches inside itself, makes a traced call
//			and returns: it was never left
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "t_sigon.h"

static volatile sig_atomic_t handled;

static void throw_out(int)
{
	throw std::runtime_error("from a handler");
}

static void catch_within(int)
{
	try {
		throw std::runtime_error("within");
	} catch (const std::exception &) {
		free(malloc(7002)); // traced, inside the handler
		handled = 1;
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "main";
	int n = argc > 2 ? atoi(argv[2]) : 100000;
	static char alt[64 << 10];
	stack_t ss = {};

	if (!strcmp(mode, "main")) {
		on(SIGUSR1, throw_out, 0);
	} else if (!strcmp(mode, "alt")) {
		ss.ss_sp = alt;
		ss.ss_size = sizeof(alt);
		if (sigaltstack(&ss, nullptr))
			return 2;
		on(SIGUSR1, throw_out, SA_ONSTACK);
	} else if (!strcmp(mode, "inner")) {
		on(SIGUSR1, catch_within, 0);
	} else {
		fprintf(stderr, "t_sigthrow: unknown mode %s\n", mode);
		return 2;
	}
	try {
		// through a pointer: raise is declared not to throw, and a call to it would have
		// no landing pad
		int (*volatile send)(int) = raise;

		send(SIGUSR1);
		if (strcmp(mode, "inner") || !handled)
			return 3; // the handler should have thrown, or returned
	} catch (const std::exception &) {
		// the handler's frames are gone: SIGUSR1 is still blocked, as after any jump
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigprocmask(SIG_UNBLOCK, &set, nullptr);
	}
	for (int i = 0; i < n; i++) {
		void *volatile p = malloc(16 + i % 100);

		free(p);
	}
	puts("ok");
	return 0;
}
