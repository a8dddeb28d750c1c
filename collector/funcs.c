/*
 * funcs.c - function tracing: the shadow stack of each thread's traced calls, and the records
 * it gives (FUNC_ENTRY, FUNC, FUNC_STATS in events.def).
 *
 * A call costs one record when nothing inside it is recorded: a FUNC written when it returns,
 * from its entry tick to its exit tick.  Its entry becomes a FUNC_ENTRY record only when
 * something has to be written while it runs (a wrapped call, a call of its own that is
 * written): tt_record sees TT_PEND_FUNC and writes the pending entries first, outermost
 * first, each with its own entry tick.  So the stream holds the call tree in order, the
 * leaves at half the price, and TRACEIT_FUNC_MIN_NS can drop a short call with nothing
 * recorded inside before anything of it was written, as uftrace's time filter does.
 *
 * The shadow stack is kept right across what skips exit hooks:
 *	- longjmp, siglongjmp: the wrappers (preload/wrap_func.c) give the stack pointer the
 *	  jump restores; frames entered below it are gone (ended UNWOUND);
 *	- an exception: gcc calls the exit hooks of the frames it unwinds (cleanups), clang does
 *	  not; an exit whose function is not on top ends the frames above it as UNWOUND;
 *	- a thread or a process that ends inside functions: the frames still open are written
 *	  as ended OPEN (tt_func_close_all);
 *	- a signal handler's functions simply nest on top of what they interrupted.
 * An exit that matches no open frame is counted, not fatal (FUNC_STATS).
 *
 * All of this runs with t->busy set by the hooks: a signal handler's functions that run while
 * a hook of the same thread is working are not traced, and the stack is never seen half-changed.
 */
#include "tt.h"
#include "sys.h"

#include <errno.h>

struct tt_frame {
	uint64_t fn;
	uint64_t cfa; /* the caller's stack pointer at the entry hook */
	uint64_t t0;
};

struct tt_fstack {
	uint32_t depth;	  /* frames open (also those past the shadow stack) */
	uint32_t written; /* the frames [0, written) have their FUNC_ENTRY in the ring */
	uint64_t dropped, unmatched, too_deep;
	struct tt_frame f[TT_FUNC_STACK];
};

/* Counts of threads that ended, for the process's FUNC_STATS */
static _Atomic uint64_t ended_dropped, ended_unmatched, ended_deep;
static uint64_t min_ticks = UINT64_MAX; /* TRACEIT_FUNC_MIN_NS in ticks, once known */

/* The frames open that are recorded: TRACEIT_FUNC_DEPTH is at most TT_FUNC_STACK (config.c) */
static uint32_t recorded_depth(const struct tt_fstack *s)
{
	return s->depth < tt_cfg.func_depth ? s->depth : tt_cfg.func_depth;
}

/* A record of the function family (its payload words w); busy is already set. */
static inline __attribute__((always_inline)) void put(struct tt_thread *t, unsigned type,
						      uint64_t t0, uint64_t t1, const uint64_t *w,
						      uintptr_t spawn)
{
	unsigned n = tt_payload_words(type), nw = tt_record_len(t0, t1, n);
	uint64_t *r = tt_reserve(t, nw);

	if (tt_likely(r != NULL)) {
		uint64_t *p = tt_record_head(r, type, nw, 0, 0, t0, t1);

		for (unsigned i = 0; i < n; i++)
			p[i] = w[i];
		tt_commit(t, nw, t1, spawn);
	}
}

static void sync_unwritten(struct tt_thread *t, const struct tt_fstack *s)
{
	if (s->written < recorded_depth(s))
		t->pending |= TT_PEND_FUNC;
	else
		t->pending &= ~TT_PEND_FUNC;
}

/* Writes the entries of the open frames that have none yet, outermost first. */
static void flush_entries(struct tt_thread *t, struct tt_fstack *s)
{
	uint32_t d = recorded_depth(s);

	for (; s->written < d; s->written++)
		put(t, TT_EV_FUNC_ENTRY, s->f[s->written].t0, s->f[s->written].t0,
		    &s->f[s->written].fn, 1);
	t->pending &= ~TT_PEND_FUNC;
}

/* The pending entries, before another record of the thread; busy is already set. */
void tt_func_flush(struct tt_thread *t)
{
	t->pending &= ~TT_PEND_FUNC;
	if (t->fs)
		flush_entries(t, t->fs);
}

/* Ends the top frame at now, as ended says; a short call with nothing written is dropped. */
static void pop(struct tt_thread *t, struct tt_fstack *s, uint64_t now, unsigned ended)
{
	uint32_t i = --s->depth;

	if (i >= tt_cfg.func_depth)
		return; /* never recorded (also past the shadow stack: see recorded_depth) */
	const struct tt_frame *fr = &s->f[i];

	if (i < s->written) {
		s->written = i;
	} else {
		if (ended == TT_FUNC_RETURNED && now - fr->t0 < min_ticks) {
			s->dropped++;
			sync_unwritten(t, s);
			return;
		}
		flush_entries(t, s); /* the callers' entries, if they had none */
	}
	put(t, TT_EV_FUNC, fr->t0, now, (const uint64_t[]){ fr->fn, ended }, 1);
	sync_unwritten(t, s);
}

static struct tt_fstack *stack_of(struct tt_thread *t)
{
	if (tt_likely(t->fs != NULL))
		return t->fs;
	if (min_ticks == UINT64_MAX)
		min_ticks = tt_cfg.func_min_ns ? (tt_clock_ms_to_ticks(1000) * tt_cfg.func_min_ns) /
							 1000000000u
					       : 0;
	int e = errno; /* the hooks leave errno to this file, and the modules' walk is libc's */

	t->fs = tt_mmap(sizeof(struct tt_fstack));
	tt_modules_want(tt_now()); /* the converter names the functions by their addresses */
	errno = e;
	return t->fs;
}

void tt_func_enter(struct tt_thread *t, uint64_t fn, uint64_t cfa, uint64_t now)
{
	struct tt_fstack *s = stack_of(t);

	if (!s)
		return;
	if (s->depth >= TT_FUNC_STACK) {
		s->too_deep++;
		s->depth++;
		return;
	}
	s->f[s->depth] = (struct tt_frame){ fn, cfa, now };
	s->depth++;
	sync_unwritten(t, s);
}

void tt_func_exit(struct tt_thread *t, uint64_t fn, uint64_t now)
{
	struct tt_fstack *s = t->fs;

	if (!s || !s->depth) {
		if (s)
			s->unmatched++;
		return;
	}
	if (s->depth > TT_FUNC_STACK) {
		s->depth--; /* the frames past the stack are trusted to pair */
		return;
	}
	/* the innermost open frame of fn: the ones above it were left without their exit */
	uint32_t i = s->depth;

	while (i > 0 && s->f[i - 1].fn != fn)
		i--;
	if (!i) {
		s->unmatched++;
		return;
	}
	while (s->depth > i)
		pop(t, s, now, TT_FUNC_UNWOUND);
	pop(t, s, now, TT_FUNC_RETURNED);
}

/* A longjmp to a context whose stack pointer is target_sp: what was entered below it ends. */
void tt_func_longjmp(struct tt_thread *t, uint64_t target_sp)
{
	struct tt_fstack *s = t->fs;
	uint64_t now = tt_now();

	if (!s)
		return;
	while (s->depth > TT_FUNC_STACK)
		s->depth--;
	while (s->depth && s->f[s->depth - 1].cfa < target_sp)
		pop(t, s, now, TT_FUNC_UNWOUND);
}

/*
 * A catch begins in the function whose stack pointer is sp (preload/wrap_func.c): frames
 * entered below it are gone.  A frame's recorded stack pointer is the one its function had
 * when it called the entry hook; the catching function's is at or above sp, a callee's at
 * least a return address and a saved register below: 16 bytes tell them apart.
 */
void tt_func_catch(struct tt_thread *t, uint64_t sp)
{
	struct tt_fstack *s = t->fs;
	uint64_t now = 0;

	while (s->depth > TT_FUNC_STACK)
		s->depth--;
	while (s->depth && s->f[s->depth - 1].cfa + 16 <= sp) {
		if (!now)
			now = tt_now();
		pop(t, s, now, TT_FUNC_UNWOUND);
	}
}

/*
 * The thread (final: the process) ends with frames open: they are written ended OPEN, then
 * the counts of what could not be recorded, the process's with the last thread's.
 */
void tt_func_close_all(struct tt_thread *t, int final)
{
	struct tt_fstack *s = t->fs;
	uint64_t now = tt_now();
	uint64_t d = 0, u = 0, k = 0;
	uint32_t busy = t->busy;

	t->busy = TT_BUSY;
	if (s) {
		while (s->depth > TT_FUNC_STACK)
			s->depth--;
		while (s->depth)
			pop(t, s, now, TT_FUNC_OPEN);
		d = s->dropped, u = s->unmatched, k = s->too_deep;
		s->dropped = s->unmatched = s->too_deep = 0;
	}
	if (!final) {
		atomic_fetch_add(&ended_dropped, d);
		atomic_fetch_add(&ended_unmatched, u);
		atomic_fetch_add(&ended_deep, k);
		t->busy = busy;
		return;
	}
	/* the threads still running: their counts so far (read racily: counts only) */
	for (struct tt_thread *o = tt_thread_first(); o; o = o->next)
		if (o != t && o->fs && atomic_load(&o->state) == TT_T_LIVE) {
			d += o->fs->dropped;
			u += o->fs->unmatched;
			k += o->fs->too_deep;
		}
	d += atomic_exchange(&ended_dropped, 0);
	u += atomic_exchange(&ended_unmatched, 0);
	k += atomic_exchange(&ended_deep, 0);
	if (d || u || k) /* the final drain: no writer to start */
		put(t, TT_EV_FUNC_STATS, now, now, (const uint64_t[]){ d, u, k }, 0);
	t->busy = busy;
}

/* A fork child's stream starts empty: the frames it inherits have their entries written anew. */
void tt_func_fork_child(struct tt_thread *t)
{
	if (!t->fs)
		return;
	t->fs->written = 0;
	t->fs->dropped = t->fs->unmatched = t->fs->too_deep = 0;
	atomic_store(&ended_dropped, 0);
	atomic_store(&ended_unmatched, 0);
	atomic_store(&ended_deep, 0);
	sync_unwritten(t, t->fs);
}

/* A state taken by a new thread: nothing of the old one's calls is open. */
void tt_func_release(struct tt_thread *t)
{
	if (!t->fs)
		return;
	t->fs->depth = t->fs->written = 0;
	t->fs->dropped = t->fs->unmatched = t->fs->too_deep = 0;
	t->pending &= ~TT_PEND_FUNC;
}

size_t tt_func_stack_size(void)
{
	return sizeof(struct tt_fstack);
}
