/*
 * crash.c - the trace survives a crash: on SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGABRT the
 * buffers are written out before the program dies, and it still dies of the same signal.
 *
 * The handler is installed only where the program left the default action, and it gives
 * the signal back to the default action: it drains (with only raw system calls, the
 * compressor on mmap'd memory and the writer lock, taken with a bounded wait so that a crash
 * inside the tracer itself cannot hang; on the tracer's own stack, ownstack.c, as the
 * handler runs on the program's alternate stack if it has one), resets the action to
 * SIG_DFL (SA_RESETHAND) and re-sends the signal to its thread.  The signal is blocked
 * while the handler runs, so it is delivered on return: a fault re-executes the faulting
 * instruction anyway, abort() raises again.
 * A program that installs its own handler replaces ours; sigaction reports SIG_DFL for
 * ours, so the program never sees it (wrap_signal.c).
 */
#include "tt.h"
#include "sys.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

static const int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};

void tt_crash_handler(int sig, siginfo_t *info, void *uc)
{
	int e = errno;
	struct tt_thread *t = tt_self;

	/* Not when the crash is inside the tracer on this thread: it may hold the lock. */
	if ((!t || !t->busy) && tt_getpid() == tt_owner_pid)
		tt_crash_drain(sig);
	tt_syscall6(SYS_tgkill, tt_getpid(), tt_gettid(), sig, 0, 0, 0);
	errno = e;
}

int tt_is_crash_handler(const void *fn)
{
	return fn == (const void *)tt_crash_handler;
}

void tt_crash_install(int (*real_sigaction)(int, const struct sigaction *, struct sigaction *))
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = tt_crash_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++) {
		if (real_sigaction(fatal[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL &&
		    !(old.sa_flags & SA_SIGINFO))
			real_sigaction(fatal[i], &sa, NULL);
	}
}
