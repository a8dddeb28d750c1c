/*
 * control.c - tracing switched on and off while the program runs: the traceit.h calls, the
 * toggle signal and TRACEIT_START=off.  Each switch is a TRACING event with the window's
 * number, so that the converter can keep one window (--window).
 *
 * Off is the state machine's ACTIVE with an empty category mask: the wrappers' one load of
 * tt_mask sends every call straight through, and the writer, the buffers and the stream stay
 * as they are for the next window.  What a window needs to stay right is still noted: the
 * frees (a block a window allocated and freed while off is no leak), and, when tracing comes
 * back on, the descriptors open and the number of threads.
 */
#include "tt.h"
#include "sys.h"
#include "chunks.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>

static _Atomic int tt_on = 1;	       /* whether the program asked for tracing (or the start) */
_Atomic uint32_t tt_heap_off;	       /* off after a window: the switch's number, else 0 */
static _Atomic uint32_t tt_heap_gen;   /* switches off so far */
static _Atomic uint32_t tt_window = 1; /* the current window, or the last one while off */

/*
 * Writes the frees from's log noted into t's ring, as one FREES_OFF record (the converter
 * forgets the blocks whatever thread's record says so).  t is the calling thread, busy.
 */
void tt_heap_flush_frees(struct tt_thread *t, struct tt_thread *from)
{
	uint32_t n = from->offn;
	uint64_t now = __atomic_load_n(&tt_sync_tick, __ATOMIC_RELAXED);
	uint64_t *r;

	if (n > TT_OFFLOG)
		n = TT_OFFLOG;
	if (n && (r = tt_reserve(t, 3 + n))) {
		r[0] = TT_W0(TT_EV_FREES_OFF, 3 + n, 0, 0);
		r[1] = r[2] = now;
		memcpy(r + 3, from->offlog, n * sizeof(*r));
		tt_commit(t, 3 + n, now, 0);
	}
	from->offn = 0;
	from->pending &= ~TT_PEND_FREES;
}

/* The log is full, or the thread has none yet. */
void tt_heap_forget_slow(uint64_t addr)
{
	struct tt_thread *t = tt_self;
	int e = errno;

	if (atomic_load(&tt_state) != TT_ACTIVE)
		return;
	if (!t)
		t = tt_thread_attach();
	if (!t || t->busy) {
		errno = e;
		return;
	}
	tt_busy_hold(t);
	uint32_t gen = atomic_load(&tt_heap_off);

	if (t->offgen != gen) {
		/* a new switch-off: what was noted before says nothing of this one */
		memset(t->offseen, 0, sizeof(t->offseen));
		t->offgen = gen;
	}
	if (t->offn >= TT_OFFLOG)
		tt_heap_flush_frees(t, t);
	t->offseen[(addr >> 4) & (TT_OFFSEEN - 1)] = addr;
	t->offlog[t->offn++] = addr;
	t->pending |= TT_PEND_FREES;
	tt_unbusy(t);
	errno = e;
}

void tt_pending_flush(struct tt_thread *t)
{
	uint32_t busy = t->busy;
	int e = errno; /* tt_record keeps errno */

	/* a section that may not end where it began holds no signal: nor does this part of it */
	t->busy = busy == TT_BUSY ? TT_BUSY : TT_BUSY_HOLD;
	atomic_signal_fence(memory_order_seq_cst);
	if (t->pending & TT_PEND_FREES)
		tt_heap_flush_frees(t, t);
	if (t->pending & TT_PEND_FUNC)
		tt_func_flush(t);
	if (busy)
		t->busy = busy;
	else
		tt_unbusy(t);
	errno = e;
}

/* The threads of the process now, from /proc/self/task; 0 if it cannot be read. */
static uint64_t count_threads(void)
{
	char buf[4096];
	uint64_t n = 0;
	long got;
	int fd = tt_openat(AT_FDCWD, "/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);

	if (fd < 0)
		return 0;
	while ((got = tt_sys3(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < got;) {
			const struct dirent64 *d = (const struct dirent64 *)(buf + off);

			n += d->d_name[0] != '.';
			off += d->d_reclen;
		}
	}
	tt_sys1(SYS_close, fd);
	return n;
}

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

	/* threads started and ended meanwhile went unrecorded too */
	if (tt_cfg.categories & (1u << TT_CAT_THREAD)) {
		uint64_t n = count_threads();

		if (n)
			tt_record(t, TT_EV_THREADS_RESET, now, now, 0, 0, 1, n, 0, 0, 0, 1);
	}
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
		if (tt_cfg.categories & (1u << TT_CAT_MEMORY))
			atomic_store(&tt_heap_off, atomic_fetch_add(&tt_heap_gen, 1) + 1);
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

		atomic_store(&tt_heap_off, 0);
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

/*
 * TRACEIT_START=off: the process starts with tracing off, before its first event.  Nothing
 * was allocated in a window yet: frees need no noting until one has been.
 */
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
