/*
 * ending.c - the last drains: at exit, on a signal that ends the process, before an exec,
 * and for a stream about to be lost.
 */
#include "tt.h"
#include "sys.h"
#include "drain.h"

/*
 * The thread doing the last drain (0: none), and whether it is over.  Two threads may end
 * the process at once (one calls _exit while another is in exit, or two _exit): the first
 * drains and the others wait for it before they end the process, else the kernel would
 * take the process down with the drain half done.
 */
static _Atomic int final_tid;
static _Atomic int final_done;

/*
 * Elects the thread that does the last drain: 1 for it, 0 for any other, which first waits
 * (a few seconds at most) for that drain to end.  The election comes before the state
 * changes, so that a loser never sees the process shutting down with no drainer named yet.
 */
static int elect_final(void)
{
	int none = 0, me = tt_gettid();

	if (atomic_compare_exchange_strong(&final_tid, &none, me))
		return 1;
	if (none == me)
		return 0; /* this thread is draining already (a signal in its drain) */
	for (int i = 0; i < 5000 && !atomic_load(&final_done); i++) {
		struct timespec ms = { 0, 1000000 };

		tt_sys2(SYS_nanosleep, &ms, NULL);
	}
	return 0;
}

/* The elected thread: tracing active, and off from now on; else nothing to drain. */
static int begin_final(void)
{
	int expect = TT_ACTIVE;

	if (!atomic_compare_exchange_strong(&tt_state, &expect, TT_SHUTDOWN)) {
		atomic_store(&final_done, 1);
		return 0;
	}
	atomic_store(&tt_mask, 0);
	return 1;
}

void tt_final_drain(int exit_kind, int status)
{
	if (tt_getpid() != tt_owner_pid)
		return; /* a vfork child shares our memory: it must not touch the stream */
	/* exit from deep inside traced functions: they end here, open */
	struct tt_thread *self = tt_enter(TT_CAT_FUNC);

	if (self)
		tt_func_close_all(self, 1);
	/* the frees noted while tracing is off, by every thread, into this thread's ring */
	self = tt_self;
	if (atomic_exchange(&tt_heap_off, 0) && self && self != &tt_thread_dead && !self->busy) {
		self->busy = TT_BUSY;
		for (struct tt_thread *t = tt_thread_first(); t; t = t->next)
			if (t->offn)
				tt_heap_flush_frees(self, t);
		self->busy = 0;
	}
	if (!elect_final() || !begin_final())
		return;
	/*
	 * A program's signal handler that ends the process on top of its thread's own drain:
	 * the lock cannot be taken, nor the drain redone half-way; the trace keeps what was
	 * written (the END record is missing, as after a kill).
	 */
	if (!tt_writer_held_here()) {
		tt_writer_lock();
		tt_sync_drain(exit_kind, status, 1);
		tt_writer_unlock();
	}
	atomic_store(&final_done, 1);
	tt_writer_wake();
}

/*
 * From the fatal-signal handler: like the final drain, but the lock is only waited for a
 * bounded time, since the thread holding it may be the one that crashed.
 */
void tt_crash_drain(int sig)
{
	if (!elect_final() || !begin_final())
		return;
	for (int i = 0; i < 2000 && !tt_writer_held_here(); i++) {
		if (tt_writer_trylock()) {
			tt_sync_drain(TT_EXIT_SIGNAL, sig, 1);
			tt_writer_unlock();
			break;
		}
		struct timespec ms = { 0, 1000000 };

		tt_sys2(SYS_nanosleep, &ms, NULL);
	}
	atomic_store(&final_done, 1);
}

/* Writer lock held: write out everything and the END chunk, for a stream about to be lost */
void tt_drain_locked_final(void)
{
	tt_sync_drain(TT_EXIT_UNKNOWN, 0, 1);
}

/* Fork child: no drain is under way in it. */
void tt_ending_reset(void)
{
	atomic_store(&final_tid, 0);
	atomic_store(&final_done, 0);
}

void tt_exec_drain(void)
{
	if (atomic_load(&tt_state) != TT_ACTIVE || tt_getpid() != tt_owner_pid ||
	    tt_writer_held_here())
		return;
	tt_writer_lock();
	tt_sync_drain(TT_EXIT_EXEC, 0, 1);
	tt_writer_unlock();
}
