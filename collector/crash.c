/*
 * crash.c - the trace survives a death by signal: on every signal whose default action ends
 * the process (a crash, SIGTERM, SIGINT, SIGPIPE, SIGALRM, real-time signals...), the buffers
 * are written out with an end record naming the signal before the program dies, and it still
 * dies of the same signal.
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

/*
 * The signals whose default action terminates the process, with or without a core (signal(7));
 * the real-time ones (SIGRTMIN..SIGRTMAX) too, below.  SIGKILL cannot be caught, and
 * SIGCHLD, SIGURG, SIGWINCH and SIGCONT are ignored by default, the stop signals stop.
 */
static const int fatal[] = { SIGHUP,  SIGINT,  SIGQUIT,	  SIGILL,  SIGTRAP, SIGABRT,
			     SIGBUS,  SIGFPE,  SIGUSR1,	  SIGSEGV, SIGUSR2, SIGPIPE,
			     SIGALRM, SIGTERM, SIGSTKFLT, SIGXCPU, SIGXFSZ, SIGVTALRM,
			     SIGPROF, SIGPOLL, SIGPWR,	  SIGSYS };

/* Raised by the faulting instruction or by abort() itself: never blocked, never deferred. */
static int synchronous(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
	       sig == SIGTRAP || sig == SIGSYS || sig == SIGABRT;
}

uint64_t tt_fatal_async_mask(void)
{
	static uint64_t mask; /* the same every time: made on first use */

	if (!mask)
		for (int sig = 1; sig <= SIGRTMAX && sig <= 64; sig++)
			if (tt_signal_is_fatal(sig) && !synchronous(sig))
				mask |= 1ull << (sig - 1);
	return mask;
}

int tt_signal_is_fatal(int sig)
{
	if (sig >= SIGRTMIN && sig <= SIGRTMAX)
		return 1;
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		if (fatal[i] == sig)
			return 1;
	return 0;
}

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

int tt_crash_set(int (*real_sigaction)(int, const struct sigaction *, struct sigaction *), int sig,
		 struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = tt_crash_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	/* another fatal signal waits for this drain, and then ends the process by itself */
	for (int s = 1; s <= SIGRTMAX && s <= 64; s++)
		if (tt_fatal_async_mask() & (1ull << (s - 1)))
			sigaddset(&sa.sa_mask, s);
	return real_sigaction(sig, &sa, old);
}

void tt_crash_install(int (*real_sigaction)(int, const struct sigaction *, struct sigaction *))
{
	struct sigaction old;

	for (int sig = 1; sig <= SIGRTMAX; sig++) {
		if (!tt_signal_is_fatal(sig) || sig == tt_cfg.ring_signal ||
		    sig == tt_cfg.toggle_signal)
			continue;
		if (real_sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_DFL &&
		    !(old.sa_flags & SA_SIGINFO))
			tt_crash_set(real_sigaction, sig, NULL);
	}
}
