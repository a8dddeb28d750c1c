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

/* A thread that lost the race to drain: wait for the drain, a few seconds at most. */
static void wait_final_drain(void)
{
	int tid = atomic_load(&final_tid);

	if (!tid || tid == tt_gettid())
		return;
	for (int i = 0; i < 5000 && !atomic_load(&final_done); i++) {
		struct timespec ms = { 0, 1000000 };

		tt_sys2(SYS_nanosleep, &ms, NULL);
	}
}

void tt_final_drain(int exit_kind, int status)
{
	int expect = TT_ACTIVE;

	if (tt_getpid() != tt_owner_pid)
		return; /* a vfork child shares our memory: it must not touch the stream */
	if (!atomic_compare_exchange_strong(&tt_state, &expect, TT_SHUTDOWN)) {
		wait_final_drain();
		return;
	}
	atomic_store(&final_tid, tt_gettid());
	atomic_store(&tt_mask, 0);
	tt_writer_lock();
	tt_sync_drain(exit_kind, status, 1);
	tt_writer_unlock();
	atomic_store(&final_done, 1);
	tt_writer_wake();
}

/*
 * From the fatal-signal handler: like the final drain, but the lock is only waited for a
 * bounded time, since the thread holding it may be the one that crashed.
 */
void tt_crash_drain(int sig)
{
	int expect = TT_ACTIVE;

	if (!atomic_compare_exchange_strong(&tt_state, &expect, TT_SHUTDOWN)) {
		wait_final_drain();
		return;
	}
	atomic_store(&final_tid, tt_gettid());
	atomic_store(&tt_mask, 0);
	for (int i = 0; i < 2000; i++) {
		if (tt_writer_trylock()) {
			tt_sync_drain(TT_EXIT_SIGNAL, sig, 1);
			tt_writer_unlock();
			atomic_store(&final_done, 1);
			return;
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

void tt_exec_drain(void)
{
	if (atomic_load(&tt_state) != TT_ACTIVE || tt_getpid() != tt_owner_pid)
		return;
	tt_writer_lock();
	tt_sync_drain(TT_EXIT_EXEC, 0, 1);
	tt_writer_unlock();
}
