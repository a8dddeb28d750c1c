/*
 * slowpath.c - when a thread's ring is full or its flush deadline has passed: block mode
 * waits for the writer (or drains here), drop mode counts what it drops, ring mode
 * overwrites the oldest records; and the ring dump asked for by signal.
 */
#include "tt.h"
#include "sys.h"
#include "drain.h"

#include <errno.h>
#include <string.h>

/*
 * Ring mode, the ring is full: overwrite the oldest records (counted, and told by a LOST
 * record at the next dump) rather than wait for a writer that only runs on demand.
 */
static uint64_t *ring_reserve(struct tt_thread *t, unsigned nwords)
{
	uint64_t size = t->mask + 1;

	for (;;) {
		uint64_t h = atomic_load_explicit(&t->head, memory_order_relaxed);
		uint64_t idx = h & t->mask;
		uint64_t need = nwords + (idx + nwords > size ? size - idx : 0);
		uint64_t tail = atomic_load_explicit(&t->tail, memory_order_acquire);

		if (h + need - tail <= size) {
			t->tail_cache = tail;
			if (idx + nwords <= size)
				return &t->ring[idx];
			t->ring[idx] = TT_W0(TT_EV_INVALID, size - idx, 0, 0);
			atomic_store_explicit(&t->head, h + size - idx, memory_order_release);
			continue;
		}
		if (atomic_load(&tt_state) != TT_ACTIVE || nwords > size / 4) {
			t->lost++;
			return NULL;
		}
		uint64_t w0 = t->ring[tail & t->mask];
		uint64_t end = t->ring[(tail + TT_W0_PAYLOAD(w0) - 1) & t->mask];
		unsigned nw = TT_W0_WORDS(w0);

		if (nw == 0 || tail + nw > h) {
			t->lost++;
			return NULL;
		}
		if (atomic_compare_exchange_strong(&t->tail, &tail, tail + nw) &&
		    TT_W0_TYPE(w0) != TT_EV_INVALID) {
			if (!__atomic_fetch_add(&t->dropped, 1, __ATOMIC_RELAXED))
				t->drop_first = end;
			t->drop_last = end;
			t->lost++;
		}
	}
}

static _Atomic int ring_dump_pending;

/*
 * Ring mode: write out what the buffers hold, now (TRACEIT_RING_SIGNAL's handler; at exit and
 * on a crash the final drains do it).  Async-signal-safe: if the interrupted thread holds the
 * writer lock, the dump is left to the next event that any thread records.
 */
void tt_ring_dump(void)
{
	if (atomic_load(&tt_state) != TT_ACTIVE || tt_getpid() != tt_owner_pid)
		return;
	if (!tt_writer_trylock()) {
		atomic_store(&ring_dump_pending, 1);
		tt_deadline = 0;
		return;
	}
	atomic_store(&ring_dump_pending, 0);
	tt_sync_drain(0, 0, 0);
	tt_writer_unlock();
}

/* Whether this call may start the writer thread: see TT_SPAWN_CALLER. */
static int may_spawn(const struct tt_thread *t, uintptr_t spawn)
{
	/*
	 * In a program's signal handler (it may run on a small alternate stack, it may have
	 * interrupted malloc): a running writer may be woken, nothing is drained, no thread
	 * started (tt_reserve_slow alike).
	 */
	if (t->in_signal || spawn == TT_SPAWN_NO)
		return 0;
	return spawn == TT_SPAWN_YES || tt_writer_caller_may_spawn(spawn);
}

static void commit_slow(struct tt_thread *t, uint64_t now, uintptr_t spawn)
{
	if (tt_cfg.ring) {
		tt_deadline = UINT64_MAX;
		if (atomic_load(&ring_dump_pending))
			tt_ring_dump();
		return;
	}
	t->tail_cache = atomic_load_explicit(&t->tail, memory_order_acquire);
	if (now > tt_deadline && !t->in_signal) {
		if (may_spawn(t, spawn)) {
			tt_writer_start();
		} else if (tt_writer_trylock()) {
			tt_deadline = now + tt_clock_ms_to_ticks(tt_cfg.flush_ms);
			tt_sync_drain(0, 0, 0);
			tt_writer_unlock();
			t->tail_cache = atomic_load(&t->tail);
		}
	}
	if (atomic_load(&t->head) - t->tail_cache > t->half) {
		if (tt_writer_running()) {
			/*
			 * Woken once is enough: the commits stop coming here until its drain
			 * ends (drain.c puts kick back), as reserving does not need them to
			 * see the room it makes.
			 */
			if (t->kick == t->half) {
				t->kick = t->mask;
				tt_writer_wake();
			}
		} else if (may_spawn(t, spawn)) {
			tt_writer_start();
			tt_writer_wake();
		}
	}
}

#define TT_LOST_WORDS 4

/*
 * Drop mode: the ring is full and the writer runs.  Count the event instead of waiting, and
 * make the fast path fail until there is room again, so that the next record is preceded by
 * a LOST record telling when and how many.
 */
static uint64_t *drop_event(struct tt_thread *t)
{
	uint64_t now = tt_now();

	if (!t->dropped)
		t->drop_first = now;
	t->drop_last = now;
	t->dropped++;
	t->lost++;
	t->tail_cache = atomic_load_explicit(&t->head, memory_order_relaxed) - t->mask - 1;
	if (t->kick == t->half) {
		t->kick = t->mask;
		tt_writer_wake();
	}
	return NULL;
}

/*
 * The ring has no room for nwords: wrap, wait for the writer, or drain here.  A thread that
 * has to wait and whose ring may grow (tt_ring_grow) waits until the ring is empty and grows
 * it: once.
 */
static uint64_t *reserve_slow(struct tt_thread *t, unsigned nwords)
{
	uint64_t size = t->mask + 1;
	int grow = 0;

again:
	if (tt_unlikely(t->nobuf)) {
		t->lost++;
		return NULL;
	}
	/* first time this far into the ring: reserve the blocks before writing there */
	uint64_t at = atomic_load_explicit(&t->head, memory_order_relaxed) & t->mask;
	uint64_t upto = at + nwords > size ? at + 1 : at + nwords; /* a padding word, or all */

	if (upto > t->rsv)
		tt_ring_reserve_more(t, upto);
	if (tt_cfg.ring)
		return ring_reserve(t, nwords);

	if (t->dropped) {
		/* the LOST record goes first, if both fit; else keep dropping */
		uint64_t h = atomic_load_explicit(&t->head, memory_order_relaxed);

		t->tail_cache = atomic_load_explicit(&t->tail, memory_order_acquire);
		if (h + TT_LOST_WORDS + nwords + nwords - t->tail_cache > size)
			return drop_event(t);
		uint64_t n = t->dropped, first = t->drop_first, last = t->drop_last;

		t->dropped = 0;
		uint64_t *r = tt_reserve(t, TT_LOST_WORDS);

		if (!r) {
			t->dropped += n;
			t->drop_first = first;
			return NULL;
		}
		r[0] = TT_W0(TT_EV_LOST, TT_LOST_WORDS, 0, 0);
		r[1] = first;
		r[2] = last;
		r[3] = n;
		atomic_store_explicit(&t->head, atomic_load(&t->head) + TT_LOST_WORDS,
				      memory_order_release);
	}
	for (;;) {
		uint64_t h = atomic_load_explicit(&t->head, memory_order_relaxed);
		uint64_t idx = h & t->mask;
		uint64_t need = nwords + (idx + nwords > size ? size - idx : 0);

		if (h + need - t->tail_cache > size || grow)
			t->tail_cache = atomic_load_explicit(&t->tail, memory_order_acquire);
		if (grow && t->tail_cache == h) {
			atomic_store(&t->waiting, 0);
			tt_ring_grow(t);
			size = t->mask + 1;
			grow = 0;
			goto again; /* the blocks past the old ring are reserved there */
		}
		if (!grow && h + need - t->tail_cache <= size) {
			if (idx + nwords <= size)
				return &t->ring[idx];
			/* Pad to the end of the ring so that a record is never split. */
			t->ring[idx] = TT_W0(TT_EV_INVALID, size - idx, 0, 0);
			atomic_store_explicit(&t->head, h + size - idx, memory_order_release);
			continue;
		}
		if (atomic_load(&tt_state) != TT_ACTIVE) {
			atomic_store(&t->waiting, 0);
			t->lost++;
			return NULL;
		}
		if (tt_writer_running() && tt_cfg.drop)
			return drop_event(t);
		/*
		 * Not in a signal handler, which may run on a small alternate stack while the
		 * writer drains: the thread could not wait for the whole ring there.
		 */
		grow = grow || (t->cap > size && !t->nogrow && !t->in_signal);
		if (tt_writer_running()) {
			uint32_t seq = atomic_load(&t->tail_seq);
			struct timespec ts = { 0, 100000000 };

			/* waiting stays set until the ring is empty: no drain keeps a part back */
			atomic_store(&t->waiting, 1);
			tt_writer_wake();
			if (atomic_load(&t->tail) == t->tail_cache)
				tt_futex_wait((volatile uint32_t *)&t->tail_seq, seq, &ts);
			if (!grow)
				atomic_store(&t->waiting, 0);
		} else if (t->in_signal) {
			/*
			 * A signal handler, no writer thread: draining here could overflow a small
			 * alternate stack, and starting the writer is no async-signal-safe thing to
			 * do.  The event is counted as lost.
			 */
			t->lost++;
			return NULL;
		} else {
			tt_writer_lock();
			tt_sync_drain(0, 0, 0);
			tt_writer_unlock();
		}
	}
}

/*
 * Both keep errno: starting the writer or waiting for it may call into libc, and the heap
 * wrappers, which run the most, count on tt_record leaving errno alone (wrap_malloc.c).
 */
void tt_commit_slow(struct tt_thread *t, uint64_t now, uintptr_t spawn)
{
	int e = errno;

	commit_slow(t, now, spawn);
	errno = e;
}

uint64_t *tt_reserve_slow(struct tt_thread *t, unsigned nwords)
{
	int e = errno;
	uint64_t *r = reserve_slow(t, nwords);

	errno = e;
	return r;
}
