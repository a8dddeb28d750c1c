/*
 * wrap_signal.c - signals: kill, raise, and the delivery of signals to handlers the program
 * installed (sigaction, signal), recorded as instants on the receiving thread.
 *
 * To see a delivery, the handler the program installs is replaced by a trampoline that
 * records the signal and calls the program's handler with the arguments it expects.  The
 * program never sees the trampoline: sigaction reports its own handler back.  SIG_DFL and
 * SIG_IGN are passed through untouched, so are SIGKILL and SIGSTOP.  glibc's other
 * installers (sigset, bsd_signal) are not wrapped; handlers installed through them run
 * untraced.
 */
#include "wrap.h"
#include "sys.h"

#include <signal.h>
#include <stdbool.h>
#include <string.h>

TT_REAL(kill, NULL);
TT_REAL(raise, NULL);

#define TT_NSIG 65

struct handler {
	void *fn; /* the program's handler, NULL when it installed none of its own */
	int siginfo;
	int resethand; /* SA_RESETHAND: the default action is back once the signal is taken */
};

static struct handler handlers[TT_NSIG];

static void trampoline(int sig, siginfo_t *info, void *uc)
{
	struct handler h = handlers[sig > 0 && sig < TT_NSIG ? sig : 0];
	int e = errno;
	/*
	 * From here on the thread is in a signal handler (in_signal): the calls the handler
	 * makes are recorded, but never unwound (the thread may have been stopped anywhere,
	 * libunwind's caches included), and no event drains the buffers or starts the writer
	 * thread (the handler may run on a small alternate stack, and may have interrupted
	 * malloc).
	 */
	struct tt_thread *self = tt_self;

	/* landed in the tracer's recording of an event: delivered again once it is done */
	if (self && self->busy == TT_BUSY_HOLD && !h.resethand &&
	    tt_signal_hold(self, sig, info, uc))
		return;
	if (self) {
		if (self->in_signal < TT_SIG_NEST)
			self->sig_frame[self->in_signal] = (uintptr_t)__builtin_frame_address(0);
		self->in_signal++;
	}
	struct tt_thread *t = tt_enter(TT_CAT_PROCESS);

	/* busy threads (interrupted inside the tracer) pass: tt_enter returned NULL */
	if (t) {
		uint64_t now = tt_now();

		tt_record(t, TT_EV_SIGNAL_DELIVERED, now, now, 0, 0, 2, TT_S(sig), TT_U(h.fn), 0, 0,
			  0);
	}
	errno = e;
	/* the program took over the dump or toggle signal: ours first, then its handler */
	if (sig == tt_cfg.toggle_signal)
		tt_control_toggle();
	else if (tt_cfg.ring && sig == tt_cfg.ring_signal)
		tt_ring_dump();
	if (h.fn && h.siginfo)
		((void (*)(int, siginfo_t *, void *))h.fn)(sig, info, uc);
	else if (h.fn)
		((void (*)(int))h.fn)(sig);
	if (self)
		self->in_signal--;
}

/*
 * A jump (siglongjmp, longjmp) out of the program's signal handlers, as timeouts and Boehm
 * GC's probing of memory do: the handlers it leaves never return to the trampoline, and
 * their in_signal would stay on, and with it the thread's limits (no stacks, no drain, no
 * writer started: its events lost once its ring is full).  target is the stack pointer the
 * jump restores.  A handler is left when the target lies outside its trampoline's frame:
 * above it on the same stack, or off the alternate stack the handler ran on.  A level past
 * TT_SIG_NEST, whose frame was not kept, stays on.
 */
void tt_signal_jump(struct tt_thread *t, uint64_t target)
{
	stack_t ss;
	uint64_t lo = 0, size = 0;

	if (tt_sys2(SYS_sigaltstack, NULL, &ss) == 0 && !(ss.ss_flags & SS_DISABLE))
		lo = (uintptr_t)ss.ss_sp, size = ss.ss_size;
	while (t->in_signal && t->in_signal <= TT_SIG_NEST) {
		uint64_t frame = t->sig_frame[t->in_signal - 1];
		bool frame_alt = frame - lo < size, target_alt = target - lo < size;

		if (frame_alt == target_alt ? target <= frame : !frame_alt)
			break;
		t->in_signal--;
	}
}

static int is_trampoline(const struct sigaction *sa)
{
	return (sa->sa_flags & SA_SIGINFO) && sa->sa_sigaction == trampoline;
}

/* What the program would see: its own handler, not the trampoline nor the crash handler */
static void unwrap(int sig, const struct handler *prev, struct sigaction *old)
{
	if (old && (old->sa_flags & SA_SIGINFO) && tt_is_crash_handler((void *)old->sa_sigaction)) {
		old->sa_handler = SIG_DFL;
		old->sa_flags &= ~(SA_SIGINFO | SA_RESETHAND | SA_ONSTACK);
		return;
	}
	if (!old || !is_trampoline(old))
		return;
	if (prev->siginfo) {
		old->sa_sigaction = (void (*)(int, siginfo_t *, void *))prev->fn;
	} else {
		old->sa_flags &= ~SA_SIGINFO;
		old->sa_handler = (void (*)(int))prev->fn;
	}
}

/*
 * A vfork child shares the parent's memory: the handler table must not change under the
 * parent's feet.  Python's subprocess resets every handled signal to SIG_DFL in its vfork
 * child before exec; through the table, that emptied the parent's handlers and its signals
 * were then swallowed by the trampoline.  In such a child, calls go straight through.
 */
static int in_vfork_child(void)
{
	return tt_getpid() != tt_owner_pid;
}

TT_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	TT_NEED_OR(sigaction, -1);
	if (sig <= 0 || sig >= TT_NSIG || sig == SIGKILL || sig == SIGSTOP || !act ||
	    atomic_load(&tt_state) != TT_ACTIVE || in_vfork_child()) {
		struct handler prev =
			sig > 0 && sig < TT_NSIG ? handlers[sig] : (struct handler){ 0 };
		int ret = tt_real.sigaction(sig, act, old);

		if (ret == 0)
			unwrap(sig, &prev, old);
		return ret;
	}

	void *fn =
		(act->sa_flags & SA_SIGINFO) ? (void *)act->sa_sigaction : (void *)act->sa_handler;
	struct handler prev = handlers[sig];

	if (fn == (void *)SIG_DFL || fn == (void *)SIG_IGN) {
		/* the default action of a fatal signal: ours drains first, then dies of it */
		int ret = fn == (void *)SIG_DFL && tt_signal_is_fatal(sig) &&
					  sig != tt_cfg.ring_signal && sig != tt_cfg.toggle_signal
				  ? tt_crash_set(tt_real.sigaction, sig, old)
				  : tt_real.sigaction(sig, act, old);

		if (ret == 0) {
			unwrap(sig, &prev, old);
			handlers[sig].fn = NULL;
		}
		return ret;
	}

	struct sigaction ours = *act;

	ours.sa_flags |= SA_SIGINFO;
	ours.sa_sigaction = trampoline;
	/* Set before installing: a signal arriving right after must find its handler. */
	handlers[sig] = (struct handler){ fn, (act->sa_flags & SA_SIGINFO) != 0,
					  (act->sa_flags & SA_RESETHAND) != 0 };
	int ret = tt_real.sigaction(sig, &ours, old);

	if (ret == 0)
		unwrap(sig, &prev, old);
	else
		handlers[sig] = prev;
	return ret;
}

/* glibc's signal() installs through an internal sigaction: build it on ours (BSD semantics) */
TT_EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
	struct sigaction act, old;

	memset(&act, 0, sizeof(act));
	act.sa_handler = handler;
	act.sa_flags = SA_RESTART;
	sigemptyset(&act.sa_mask);
	if (sig > 0 && sig < TT_NSIG)
		sigaddset(&act.sa_mask, sig);
	if (sigaction(sig, &act, &old) < 0)
		return SIG_ERR;
	return (old.sa_flags & SA_SIGINFO) ? (sighandler_t)(void *)old.sa_sigaction
					   : old.sa_handler;
}

TT_EXPORT int kill(pid_t pid, int sig)
{
	TT_NEED_REAL(kill, -1);
	struct tt_thread *t = tt_enter(TT_CAT_PROCESS);

	if (!t)
		return real_kill(pid, sig);
	uint64_t t0 = tt_now();
	int ret = real_kill(pid, sig);
	uint64_t t1 = tt_now();
	int e = errno;

	tt_record(t, TT_EV_KILL, t0, t1, ret < 0, e, 3, TT_S(ret), TT_S(pid), TT_S(sig), 0, 1);
	errno = e;
	return ret;
}

TT_EXPORT int raise(int sig)
{
	TT_NEED_REAL(raise, -1);
	struct tt_thread *t = tt_enter(TT_CAT_PROCESS);

	if (!t)
		return real_raise(sig);
	uint64_t t0 = tt_now();
	int ret = real_raise(sig);
	uint64_t t1 = tt_now();
	int e = errno;

	tt_record(t, TT_EV_RAISE, t0, t1, ret != 0, e, 2, TT_S(ret), TT_S(sig), 0, 0, 1);
	errno = e;
	return ret;
}
