/*
 * control.c - tracing switched on and off while the program runs: the traceit.h calls, the
 * toggle signal and TRACEIT_START=off.  Each switch is a TRACING event with the window's
 * number, so that the converter can keep one window (--window).
 *
 * Off is the state machine's ACTIVE with an empty category mask: the wrappers' one load of
 * tt_mask sends every call straight through, and the writer, the buffers and the stream stay
 * as they are for the next window.
 */
#include "tt.h"
#include "sys.h"

#include <errno.h>

static _Atomic int tt_on = 1;	       /* whether the program asked for tracing (or the start) */
static _Atomic uint32_t tt_window = 1; /* the current window, or the last one while off */

static void record_switch(struct tt_thread *t, int on, uint32_t window)
{
	uint64_t now = tt_now();

	tt_record(t, TT_EV_TRACING, now, now, 0, 0, 2, (uint64_t)on, window, 0, 0, 1);
}

static void record_fd(void *ctx, int fd, const char *target)
{
	struct tt_thread *t = ctx;
	uint64_t now = tt_now(), args[TT_MAX_ARGS] = { (uint64_t)(int64_t)fd };
	const char *strs[TT_MAX_ARGS] = { NULL, target };

	tt_record_args(t, TT_EV_FD_OPEN, now, now, 0, 0, 0, args, strs);
}

/*
 * A window begins after tracing was off: what was opened and closed meanwhile went
 * unrecorded, so the descriptors open now are recorded anew, the converter's table reset.
 */
static void resync_fds(struct tt_thread *t)
{
	uint64_t now = tt_now();

	if (!(tt_cfg.categories & (1u << TT_CAT_IO)))
		return;
	tt_record(t, TT_EV_FDS_RESET, now, now, 0, 0, 0, 0, 0, 0, 0, 1);
	tt_each_fd(record_fd, t);
}

/* Turns tracing on or off (new: a new window even if it is on already).  Returns 0, or -1 if
 * tracing is not running at all. */
int tt_control_set(int on, int new_window)
{
	int e = errno;

	if (atomic_load(&tt_state) != TT_ACTIVE) {
		errno = e;
		return -1;
	}
	if (!on) {
		if (!atomic_exchange(&tt_on, 0)) {
			errno = e;
			return 0;
		}
		struct tt_thread *t = tt_enter(TT_CAT_USER);

		if (t)
			record_switch(t, 0, atomic_load(&tt_window));
		atomic_store(&tt_mask, 0);
		/* a flight recorder's window ends here: what it holds goes to the file */
		if (tt_cfg.ring)
			tt_ring_dump();
	} else {
		int was = atomic_exchange(&tt_on, 1);

		if (was && !new_window) {
			errno = e;
			return 0;
		}
		uint32_t w = atomic_fetch_add(&tt_window, 1) + 1;

		atomic_store(&tt_mask, tt_cfg.categories);
		struct tt_thread *t = tt_enter(TT_CAT_USER);

		if (t) {
			record_switch(t, 1, w);
			if (!was)
				resync_fds(t);
		}
	}
	errno = e;
	return 0;
}

int tt_control_enabled(void)
{
	return atomic_load(&tt_state) == TT_ACTIVE && atomic_load(&tt_on);
}

/* The toggle signal: its handler may interrupt anything, tt_control_set included; the
 * exchanges above keep a switch whole, and tt_enter refuses a thread busy in the tracer. */
void tt_control_toggle(void)
{
	tt_control_set(!atomic_load(&tt_on), 0);
}

/* TRACEIT_START=off: the process starts with tracing off, before its first event. */
void tt_control_start_off(void)
{
	atomic_store(&tt_on, 0);
	atomic_store(&tt_window, 0);
}

/* The category mask to start with. */
uint32_t tt_control_start_mask(void)
{
	return atomic_load(&tt_on) ? tt_cfg.categories : 0;
}
