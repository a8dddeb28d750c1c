/*
 * drain.c - draining the per-thread rings into compressed chunks: block and drop modes (the
 * records between a ring's tail and head), ring mode (a ring whose owner may be overwriting
 * it meanwhile), and the lost-event records of threads that dropped.
 *
 * Whoever holds the writer lock (lock.c) drains: usually the writer thread, but also an
 * application thread when none runs yet (short programs never start one), at exit, before
 * an exec, and when a memory wrapper finds its ring full (memory wrappers never start
 * threads, see tt_record).
 */
#include "tt.h"
#include "sys.h"
#include "encode.h"
#include "chunks.h"
#include "drain.h"
#include "shm.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

/* Stops tracing after an output error: one line, then everything passes through. */
void tt_fail(const char *what, long err)
{
	if (atomic_exchange(&tt_state, TT_DEAD) == TT_DEAD)
		return;
	atomic_store(&tt_mask, 0);
	const char *why = err == -ENOSPC   ? "disk full"
			  : err == -EFBIG  ? "file size limit reached"
			  : err == -EBADF  ? "trace file descriptor was closed"
			  : err == -ENOMEM ? "out of memory"
					   : "write error";

	tt_log("%s (%s, error %d); tracing stopped, the trace so far stays readable", what, why,
	       (int)-err);
}

/*
 * Ring mode: the thread itself moves the tail when it overwrites its oldest records, so a
 * record is copied first and taken only if the tail did not move meanwhile (the thread
 * claims space with the same compare-and-swap before it writes there).
 */
static void flush_dropped(struct tt_thread *t);

static uint64_t ring_copy[TT_RECORD_MAX];

static void drain_thread_ring(struct tt_thread *t)
{
	struct tt_enc c;
	int dead = atomic_load(&tt_state) == TT_DEAD || !tt_chunks_ok;

	flush_dropped(t); /* the events overwritten before the window come first */
	tt_enc_begin(&c, t);
	for (;;) {
		uint64_t pos = atomic_load_explicit(&t->tail, memory_order_acquire);
		uint64_t head = atomic_load_explicit(&t->head, memory_order_acquire);

		if (pos >= head)
			break;
		const uint64_t *r = &t->ring[pos & t->mask];
		unsigned nw = TT_W0_WORDS(__atomic_load_n(&r[0], __ATOMIC_RELAXED));

		if (nw == 0 || nw > TT_RECORD_MAX || pos + nw > head ||
		    (pos & t->mask) + nw > t->mask + 1) {
			if (atomic_load(&t->tail) != pos)
				continue; /* overwritten while we looked */
			tt_events_lost++; /* cannot happen unless memory was trampled: stop here */
			atomic_compare_exchange_strong(&t->tail, &pos, head);
			break;
		}
		memcpy(ring_copy, r, nw * 8);
		if (!atomic_compare_exchange_strong(&t->tail, &pos, pos + nw))
			continue;
		if (TT_W0_TYPE(ring_copy[0]) != TT_EV_INVALID) {
			if (dead || tt_enc_record(&c, ring_copy, nw) < 0)
				tt_events_lost++;
		}
		if (tt_enc_full(&c))
			tt_chunk_events(&c);
	}
	if (!dead)
		tt_chunk_events(&c);
}

/* Tracing is dead: the records from pos up to stop are counted lost.  As tt_enc_ring. */
static uint64_t lose_records(const uint64_t *ring, uint64_t mask, uint64_t pos, uint64_t stop,
			     uint64_t head)
{
	while (pos < stop) {
		uint64_t w0 = ring[pos & mask];
		unsigned nw = TT_W0_WORDS(w0);

		if (nw == 0 || pos + nw > head) {
			tt_events_lost++;
			return head;
		}
		tt_events_lost += TT_W0_TYPE(w0) != TT_EV_INVALID;
		pos += nw;
	}
	return pos;
}

/*
 * Drains one thread's ring: encodes what is there, or discards it when tracing is dead.
 *
 * Room goes back to the thread only once its records are in the file: until then they stay
 * in the ring, which is the shared-buffer file's (rings.h), so that a process killed
 * meanwhile loses none of them.  A chunk is written after half the ring at most, so that a
 * thread waiting for room gets it while the writer encodes the next part (the two would
 * otherwise take turns on one CPU when the writer is the bottleneck).  Not less: a chunk is
 * the span of the address history (encode.c), and a program that frees a block thousands
 * of events after allocating it needs that span to name it in a byte or two.
 */
static void drain_thread(struct tt_thread *t)
{
	uint64_t head = atomic_load_explicit(&t->head, memory_order_acquire);
	uint64_t pos = t->rpos, tail = atomic_load_explicit(&t->tail, memory_order_relaxed);
	uint64_t from, span;
	struct tt_enc c;
	int dead = atomic_load(&tt_state) == TT_DEAD || !tt_chunks_ok;

	if (pos < tail || pos > head)
		pos = tail; /* cannot happen: keep to what the ring says */
	if (pos == head)
		return;
	/* after head: a thread whose ring was empty may have grown it (tt_ring_grow) */
	span = (t->mask + 1) / 2;
	tt_enc_begin(&c, t);
	from = pos;
	/*
	 * Read once: they share a cache line with the head the producer moves at every event,
	 * and reading them per record took a fifth of the writer's time.
	 */
	const uint64_t *ring = t->ring;
	const uint64_t mask = t->mask;

	while (pos < head) {
		uint64_t stop = head - from > span ? from + span : head, refused = 0;

		pos = dead ? lose_records(ring, mask, pos, stop, head)
			   : tt_enc_ring(&c, ring, mask, pos, stop, head, &refused);
		tt_events_lost += refused;
		/* short of stop: the chunk is full */
		if (pos < stop || pos - from >= span) {
			if (!dead)
				tt_chunk_events(&c);
			tt_ring_release(t, pos, 1);
			from = pos;
			dead = atomic_load(&tt_state) == TT_DEAD;
		}
	}
	t->rpos = pos;
	t->kick = t->half; /* a new wake may be sent */
	/*
	 * A little of a thread's goes into the shared chunk, which releases it when written,
	 * unless the thread needs the room.  A drop mode LOST record may follow (flush_dropped):
	 * it must not overtake the events.
	 */
	if (!dead && c.n && !tt_cfg.drop && tt_enc_size(&c) < TT_SMALL_CHUNK &&
	    !atomic_load(&t->waiting) && pos - tail < t->half / 2) {
		tt_chunk_stage(&c, pos);
		return;
	}
	if (!dead)
		tt_chunk_events(&c);
	tt_ring_release(t, pos, 0);
}

/*
 * A thread that is gone (or a process that is ending) may have dropped events since its last
 * record: write the LOST record on its behalf, so that every drop has its place in the trace.
 */
static void flush_dropped(struct tt_thread *t)
{
	if (!__atomic_load_n(&t->dropped, __ATOMIC_RELAXED) || atomic_load(&tt_state) == TT_DEAD ||
	    !tt_chunks_ok)
		return;
	/* ring mode: the thread may be discarding more right now; exchange, not read and zero */
	uint64_t n = __atomic_exchange_n(&t->dropped, 0, __ATOMIC_RELAXED);
	uint64_t r[4] = { TT_W0(TT_EV_LOST, 4, 0, 0), t->drop_first, t->drop_last, n };
	struct tt_enc c;

	tt_enc_begin(&c, t);
	if (tt_enc_record(&c, r, 4) == 0)
		tt_chunk_events(&c);
}

/*
 * The drains' memory (buffers, compressor, the stack of ownstack.c), mapped at start-up: a
 * program short of memory is told at once, while its stderr is surely open (a program may
 * close it before exit, the first drain of a short one), and the trace is not started.
 * Returns 0, or -1.
 */
int tt_writer_setup(void)
{
	if (tt_chunks_setup() < 0)
		return -1;
	tt_own_stack_setup();
	return 0;
}

#define TT_ORPHANS_HELD 64

void tt_drain_all(int final)
{
	unsigned held = 0, ended = 0;

	tt_clock_sync(&tt_sync_tick, &tt_sync_ns);
	tt_shm_sync(tt_sync_tick, tt_sync_ns);
	for (struct tt_thread *t = tt_thread_first(); t; t = t->next) {
		uint32_t st = atomic_load_explicit(&t->state, memory_order_acquire);

		if (st == TT_T_FREE)
			continue;
		if (tt_cfg.ring)
			drain_thread_ring(t); /* writes its LOST record itself, first */
		else
			drain_thread(t);
		if (!tt_cfg.ring && (st == TT_T_ORPHANED || atomic_load(&tt_state) == TT_SHUTDOWN))
			flush_dropped(t);
		if (st == TT_T_ORPHANED) {
			tt_events_lost += t->lost;
			t->lost = 0;
			held += atomic_load(&t->tail) != atomic_load(&t->head);
			ended++;
		}
	}
	/* many ended threads wait for the shared chunk: write it, so that they can be reused */
	tt_chunk_multi_due(final || held >= TT_ORPHANS_HELD);
	/* an ended thread's state is free once all its records are written */
	for (struct tt_thread *t = tt_thread_first(); ended && t; t = t->next) {
		if (atomic_load(&t->state) == TT_T_ORPHANED &&
		    atomic_load(&t->tail) == atomic_load(&t->head)) {
			atomic_store_explicit(&t->state, TT_T_FREE, memory_order_release);
			atomic_fetch_sub(&tt_orphans, 1);
		}
	}
	/* after the rings: every stack their events name was complete before the event was */
	if (tt_chunks_ok && atomic_load(&tt_state) != TT_DEAD) {
		if (!tt_modules_flush(tt_chunk_side) && tt_cfg.stacks)
			tt_stacks_flush(tt_chunk_side);
	}
}

struct sync_drain_args {
	int exit_kind, status, end;
};

/*
 * A drain from an application thread: no SIGXFSZ may kill the program on our behalf, and a
 * fatal signal from outside (SIGTERM, SIGINT...) waits for the drain to end, so that its own
 * drain (crash.c) then finds the lock free and the trace whole.
 */
static void sync_drain_here(void *arg)
{
	const struct sync_drain_args *a = arg;
	int exit_kind = a->exit_kind, status = a->status, end = a->end;
	uint64_t set = 1ull << (SIGXFSZ - 1), old, before = 0, after = 0,
		 block = set | tt_fatal_async_mask();

	tt_sys4(SYS_rt_sigprocmask, SIG_BLOCK, &block, &old, 8);
	tt_sys2(SYS_rt_sigpending, &before, 8);
	tt_drain_all(end);
	if (end && atomic_load(&tt_state) != TT_DEAD) {
		uint64_t lost = tt_events_lost;

		for (struct tt_thread *t = tt_thread_first(); t; t = t->next)
			lost += t->lost;
		tt_stream_write_end(exit_kind, status, tt_events_written, lost, tt_chunks_written,
				    atomic_load(&tt_threads_attached));
		/* everything is in the stream: nothing is left to recover */
		tt_shm_remove();
	}
	/* a write past RLIMIT_FSIZE queued SIGXFSZ for us: take it back before unblocking */
	tt_sys2(SYS_rt_sigpending, &after, 8);
	if ((after & set) && !(before & set)) {
		struct timespec zero = { 0, 0 };

		tt_sys4(SYS_rt_sigtimedwait, &set, NULL, &zero, 8);
	}
	tt_sys4(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, 8);
}

/* Writer lock held.  The calling thread's stack may be small (ownstack.c): not used. */
void tt_sync_drain(int exit_kind, int status, int end)
{
	struct sync_drain_args a = { exit_kind, status, end };

	tt_on_own_stack(sync_drain_here, &a);
}
