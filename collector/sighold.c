/*
 * sighold.c - signals that land in the tracer's own code, held until it is done.
 *
 * A program's handler that ran there found the thread busy: its calls passed untraced, and
 * a handler that left by siglongjmp (a timeout, a probe of memory) abandoned the tracer's
 * code with busy still set, the thread untraced from then on.  The trampoline
 * (wrap_signal.c) queues such a signal again, with its siginfo, and returns to the tracer's
 * code with the signal blocked; the end of the section (tt_unbusy) unblocks it, and its
 * handler runs there, traced, free to jump.  While it is blocked, the kernel keeps what
 * else arrives as it would for any blocked signal: a real-time signal queued, another one
 * merged.  Only the sections that end in tt_unbusy hold (TT_BUSY_HOLD): the recording of
 * an event, a function hook.
 */
#include "tt.h"
#include "sys.h"

#include <errno.h>
#include <ucontext.h>

/*
 * Not held: a fault the tracer's code itself raised (its handler has to see it where it
 * happened: the instruction would only fault again), and a vfork child, which shares this
 * state with its parent.  These run now, as any signal did before; so does one the kernel
 * will not queue again, and one whose handler was reset on delivery (the caller's test:
 * queued again, it would meet the default action).  The caller has found t in a
 * TT_BUSY_HOLD section.
 */
int tt_signal_hold(struct tt_thread *t, int sig, const siginfo_t *info, void *uc)
{
	ucontext_t *u = uc;
	uint64_t bit, old;
	int pid;

	if (!info || !u || sig <= 0 || sig > 64)
		return 0;
	switch (sig) {
	case SIGSEGV:
	case SIGBUS:
	case SIGFPE:
	case SIGILL:
	case SIGTRAP:
	case SIGSYS:
		if (info->si_code > 0) /* from the kernel: a fault, not a kill */
			return 0;
		break;
	default:
		break;
	}
	pid = tt_getpid();
	if (pid != tt_owner_pid)
		return 0;
	bit = 1ull << (sig - 1);
	/* blocked before it is queued: a handler with SA_NODEFER would take it back at once */
	if (tt_sys4(SYS_rt_sigprocmask, SIG_BLOCK, &bit, &old, 8) < 0)
		return 0;
	/* to oneself any si_code may be sent (kernel/signal.c, do_rt_tgsigqueueinfo) */
	if (tt_sys4(SYS_rt_tgsigqueueinfo, pid, tt_gettid(), sig, info) < 0) {
		tt_sys4(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, 8);
		return 0;
	}
	/* the mask the tracer's code resumes with */
	sigaddset(&u->uc_sigmask, sig);
	t->sig_held |= bit;
	return 1;
}

/* The held signals are delivered as the mask lets them through, here: errno is kept, as
 * tt_record keeps it (their handlers run inside a wrapper, after the program's call). */
void tt_signal_release(struct tt_thread *t)
{
	int e = errno;
	uint64_t held = t->sig_held;

	t->sig_held = 0;
	atomic_signal_fence(memory_order_seq_cst);
	tt_sys4(SYS_rt_sigprocmask, SIG_UNBLOCK, &held, NULL, 8);
	errno = e;
}
