/*
 * init.c - the library's lifecycle: the constructor that brings tracing up, the exit paths
 * that bring it down (exit handler and destructor, whichever runs first), and fork.
 *
 * State machine (tt_state): UNINIT -> INITING -> ACTIVE -> SHUTDOWN, or DEAD when tracing is
 * off for good (secure mode, no trace file, write error).  Wrappers record only in ACTIVE;
 * before and after, they pass straight through to the real functions.
 */
#include "tt.h"
#include "sys.h"
#include "real.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/auxv.h>

static int on_exit_registered;
static int fork_locked;

/*
 * on_exit, not atexit: its handlers get the status exit() was given, and that includes
 * the return value of main, which glibc passes to exit() from inside (no wrapper sees that
 * call: csu/libc-start.c, __libc_start_call_main).
 */
static void at_exit(int status, void *arg)
{
	(void)arg;
	tt_final_drain(TT_EXIT_EXIT, status);
}

static void fork_prepare(void)
{
	if (atomic_load(&tt_state) != TT_ACTIVE)
		return;
	/* Lock order: writer, then registry.  The child must not inherit a half-written chunk
	 * or a registry being modified. */
	tt_writer_lock();
	tt_registry_lock();
	tt_thread_fork_prepare();
	fork_locked = 1;
}

static void fork_parent(void)
{
	if (!fork_locked)
		return;
	fork_locked = 0;
	tt_registry_unlock();
	tt_writer_unlock();
}

static void fork_child(void)
{
	if (!fork_locked)
		return;
	fork_locked = 0;
	tt_registry_reinit();
	tt_writer_reinit();
	tt_thread_after_fork_child(tt_self);
	tt_owner_pid = tt_getpid();
	tt_stacks_after_fork_child();
	tt_modules_after_fork_child();
	tt_stream_forget();
	if (tt_stream_open(1) < 0) {
		atomic_store(&tt_mask, 0);
		atomic_store(&tt_state, TT_DEAD);
	}
}

/*
 * TRACEIT_RING_SIGNAL: the flight recorder's contents to the file; TRACEIT_TOGGLE_SIGNAL:
 * tracing on or off.  On the user's request.
 */
static void control_signal(int sig)
{
	int e = errno;

	if (sig == tt_cfg.toggle_signal)
		tt_control_toggle();
	else
		tt_ring_dump();
	errno = e;
}

__attribute__((constructor(101))) static void tt_init(void)
{
	int expect = TT_UNINIT;

	if (!atomic_compare_exchange_strong(&tt_state, &expect, TT_INITING))
		return;
	tt_resolve_all();
	if (getauxval(AT_SECURE)) {
		/* ld.so only preloads us here from a trusted path; still, never write files on
		 * behalf of a setuid program. */
		tt_log("secure-execution (setuid or file capabilities) program: tracing disabled");
		atomic_store(&tt_state, TT_DEAD);
		return;
	}
	tt_config_read(&tt_cfg);
	if (tt_config_memory_limit(&tt_cfg) < 0) {
		atomic_store(&tt_state, TT_DEAD);
		return;
	}
	tt_clock_init(tt_cfg.clock);
	tt_thread_init_key();
	tt_owner_pid = tt_getpid();
	/* before the stream: whether stacks work decides the stream's layout */
	if (tt_cfg.stacks && tt_stacks_init(tt_cfg.stacks, tt_cfg.stack_depth) < 0)
		tt_cfg.stacks = 0;
	if (tt_writer_setup() < 0) {
		tt_log("cannot set up compression (out of memory); tracing disabled");
		atomic_store(&tt_state, TT_DEAD);
		return;
	}
	if (tt_stream_open(0) < 0) {
		atomic_store(&tt_state, TT_DEAD);
		return;
	}
	pthread_atfork(fork_prepare, fork_parent, fork_child);
	on_exit_registered = on_exit(at_exit, NULL) == 0;
	/* the real sigaction, not our wrapper: installing these must not be recorded */
	tt_crash_install(tt_real.sigaction);
	tt_deadline = tt_cfg.ring ? UINT64_MAX : tt_now() + tt_clock_ms_to_ticks(tt_cfg.flush_ms);
	for (int i = 0; i < 2; i++) {
		int sig = i ? tt_cfg.toggle_signal : tt_cfg.ring ? tt_cfg.ring_signal : 0;
		struct sigaction sa = { .sa_handler = control_signal, .sa_flags = SA_RESTART };

		sigfillset(&sa.sa_mask);
		if (sig)
			tt_real.sigaction(sig, &sa, NULL);
	}
	if (tt_cfg.start_off)
		tt_control_start_off();
	tt_modules_snapshot(tt_now());
	tt_writer_callers_init();
	atomic_store(&tt_state, TT_ACTIVE);
	atomic_store(&tt_mask, tt_control_start_mask());
}

/*
 * exit() runs the destructors from an exit handler registered after ours (ld.so's, elf/dl-fini.c),
 * so they come first: they leave the drain to our handler, which knows the status.  Only if
 * that handler could not be registered do they drain, with the status exit() was called with.
 */
__attribute__((destructor(101))) static void tt_fini(void)
{
	if (!on_exit_registered)
		tt_final_drain(TT_EXIT_EXIT, tt_exit_status());
}
