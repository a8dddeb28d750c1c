/*
 * writer.c - the consumer side: draining the per-thread rings into compressed chunks, the
 * background writer thread, the writer lock, and the final drains at exit and exec.
 *
 * Whoever holds the writer lock may drain: usually the writer thread, but also an
 * application thread when none runs yet (short programs never start one), at exit, before an
 * exec, and when a memory wrapper finds its ring full (memory wrappers never start threads,
 * see tt_record).  The lock also guards what chunks.c holds (the compressor, its buffers,
 * the string table) and the file.
 */
#include "config.h"
#include "tt.h"
#include "sys.h"
#include "codec.h"
#include "strtab.h"
#include "encode.h"
#include "chunks.h"
#include "real.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

struct tt_config tt_cfg;
_Atomic int tt_state;
_Atomic uint32_t tt_mask;
uint64_t tt_deadline = UINT64_MAX;

/* Writer lock: a futex mutex (0 free, 1 locked, 2 locked with waiters). */
static _Atomic uint32_t writer_lock_word;
static _Atomic uint32_t writer_wake;
static _Atomic int writer_state; /* 0 none, 1 starting or running */
static _Atomic int writer_stop;	 /* asks the writer thread to return (unshare) */
static pthread_t writer_thread;

/* Everything below is guarded by the writer lock. */
void tt_writer_lock(void)
{
	uint32_t c = 0;

	if (atomic_compare_exchange_strong(&writer_lock_word, &c, 1))
		return;
	if (c != 2)
		c = atomic_exchange(&writer_lock_word, 2);
	while (c != 0) {
		tt_futex_wait((volatile uint32_t *)&writer_lock_word, 2, NULL);
		c = atomic_exchange(&writer_lock_word, 2);
	}
}

int tt_writer_trylock(void)
{
	uint32_t c = 0;

	return atomic_compare_exchange_strong(&writer_lock_word, &c, 1);
}

void tt_writer_unlock(void)
{
	if (atomic_exchange(&writer_lock_word, 0) == 2)
		tt_futex_wake((volatile uint32_t *)&writer_lock_word, 1);
}

int tt_writer_running(void)
{
	return atomic_load_explicit(&writer_state, memory_order_relaxed);
}

/* Stops tracing after an output error: one line, then everything passes through. */
void tt_fail(const char *what, long err)
{
	if (atomic_exchange(&tt_state, TT_DEAD) == TT_DEAD)
		return;
	atomic_store(&tt_mask, 0);
	const char *why = err == -28   ? "disk full"
			  : err == -27 ? "file size limit reached"
			  : err == -9  ? "trace file descriptor was closed"
			  : err == -12 ? "out of memory"
				       : "write error";

	tt_log("%s (%s, error %d); tracing stopped, the trace so far stays readable", what, why,
	       (int)-err);
}

/*
 * Gives the drained room back to the thread.  In the middle of a drain (partial), a thread
 * waiting for room is woken only once half its ring is free: woken for every bit of room,
 * it would preempt the writer again and again to fill it, and the two would take turns on
 * one CPU.  The drain's last release wakes it in any case.
 */
static void release(struct tt_thread *t, uint64_t pos, int partial)
{
	atomic_store_explicit(&t->tail, pos, memory_order_release);
	atomic_fetch_add_explicit(&t->tail_seq, 1, memory_order_release);
	if (atomic_load(&t->waiting) && (!partial || atomic_load(&t->head) - pos <= t->half))
		tt_futex_wake((volatile uint32_t *)&t->tail_seq, 1);
}

/*
 * Ring mode: the thread itself moves the tail when it overwrites its oldest records, so a
 * record is copied first and taken only if the tail did not move meanwhile (the thread
 * claims space with the same compare-and-swap before it writes there).
 */
static void flush_dropped(struct tt_thread *t);

#define TT_RECORD_MAX 4096 /* words: longer than any record (5 strings of TT_STR_MAX) */
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
		uint64_t w0 = t->ring[tail & t->mask], end = t->ring[(tail + 2) & t->mask];
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

/* Asks for the history slots of the record at pos; returns the position of the next one. */
#define PREFETCH_RECORDS 4
#define RELEASE_RECORDS 1024
static inline uint64_t prefetch_record(struct tt_thread *t, uint64_t pos, uint64_t head)
{
	if (pos >= head)
		return pos;
	const uint64_t *r = &t->ring[pos & t->mask];
	unsigned nw = TT_W0_WORDS(r[0]);

	if (!nw || pos + nw > head)
		return head;
	tt_enc_prefetch(r, nw);
	__builtin_prefetch(&t->ring[(pos + 64) & t->mask]);
	return pos + nw;
}

/* Drains one thread's ring: encodes what is there, or discards it when tracing is dead. */
static void drain_thread(struct tt_thread *t)
{
	uint64_t head = atomic_load_explicit(&t->head, memory_order_acquire);
	uint64_t pos = atomic_load_explicit(&t->tail, memory_order_relaxed);
	struct tt_enc c;
	int dead = atomic_load(&tt_state) == TT_DEAD || !tt_chunks_ok;

	if (pos == head)
		return;
	tt_enc_begin(&c, t);
	uint64_t ahead = pos; /* the record prefetched last */
	unsigned encoded = 0;

	for (int i = 0; i < PREFETCH_RECORDS; i++)
		ahead = prefetch_record(t, ahead, head);
	while (pos < head) {
		const uint64_t *r = &t->ring[pos & t->mask];
		unsigned nw = TT_W0_WORDS(r[0]);

		ahead = prefetch_record(t, ahead, head);

		if (nw == 0 || pos + nw > head) {
			tt_events_lost++; /* cannot happen unless memory was trampled: stop here */
			pos = head;
			break;
		}
		if (TT_W0_TYPE(r[0]) != TT_EV_INVALID) {
			if (dead)
				tt_events_lost++;
			else if (tt_enc_record(&c, r, nw) < 0)
				tt_events_lost++;
		}
		pos += nw;
		/*
		 * Encoded records are out of the ring: give their room back now, not after the
		 * chunk is compressed and written, so that a thread waiting for room (the writer
		 * is the bottleneck when threads make events faster than it compresses them)
		 * goes on while the writer works, instead of the two taking turns.
		 */
		if (++encoded % RELEASE_RECORDS == 0)
			release(t, pos, 1);
		if (tt_enc_full(&c)) {
			release(t, pos, 1);
			tt_chunk_events(&c);
			dead = atomic_load(&tt_state) == TT_DEAD;
		}
	}
	release(t, pos, 0);
	/* a drop mode LOST record may follow (flush_dropped): it must not overtake the events */
	if (!dead && c.n && !tt_cfg.drop && tt_enc_size(&c) < TT_SMALL_CHUNK)
		tt_chunk_stage(&c);
	else if (!dead)
		tt_chunk_events(&c);
	t->wake_sent = 0;
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
	uint64_t r[4] = {TT_W0(TT_EV_LOST, 4, 0, 0), t->drop_first, t->drop_last, n};
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

void tt_drain_all(int final)
{
	tt_clock_sync(&tt_sync_tick, &tt_sync_ns);
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
			atomic_store_explicit(&t->state, TT_T_FREE, memory_order_release);
			atomic_fetch_sub(&tt_orphans, 1);
		}
	}
	tt_chunk_multi_due(final);
	/* after the rings: every stack their events name was complete before the event was */
	if (tt_cfg.stacks && tt_chunks_ok && atomic_load(&tt_state) != TT_DEAD) {
		if (!tt_modules_flush(tt_chunk_side))
			tt_stacks_flush(tt_chunk_side);
	}
}

struct sync_drain_args {
	int exit_kind, status, end;
};

/* A drain from an application thread: no SIGXFSZ may kill the program on our behalf. */
static void sync_drain_here(void *arg)
{
	const struct sync_drain_args *a = arg;
	int exit_kind = a->exit_kind, status = a->status, end = a->end;
	uint64_t set = 1ull << (SIGXFSZ - 1), old, before = 0, after = 0;

	tt_sys4(SYS_rt_sigprocmask, SIG_BLOCK, &set, &old, 8);
	tt_sys2(SYS_rt_sigpending, &before, 8);
	tt_drain_all(end);
	if (end && atomic_load(&tt_state) != TT_DEAD) {
		uint64_t lost = tt_events_lost;

		for (struct tt_thread *t = tt_thread_first(); t; t = t->next)
			lost += t->lost;
		tt_stream_write_end(exit_kind, status, tt_events_written, lost, tt_chunks_written,
				    atomic_load(&tt_threads_attached));
	}
	/* a write past RLIMIT_FSIZE queued SIGXFSZ for us: take it back before unblocking */
	tt_sys2(SYS_rt_sigpending, &after, 8);
	if ((after & set) && !(before & set)) {
		struct timespec zero = {0, 0};

		tt_sys4(SYS_rt_sigtimedwait, &set, NULL, &zero, 8);
	}
	tt_sys4(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, 8);
}

/* Writer lock held.  The calling thread's stack may be small (ownstack.c): not used. */
static void sync_drain(int exit_kind, int status, int end)
{
	struct sync_drain_args a = {exit_kind, status, end};

	tt_on_own_stack(sync_drain_here, &a);
}

_Atomic int tt_main_exited;

/*
 * Only this thread is left: /proc/self/stat shows the leader thread's state (Z once it has
 * ended; it stays counted in num_threads, field 20, as long as the process lives) and the
 * threads alive: the leader and this one.
 */
static int only_writer_left(void)
{
	char buf[1024];
	int fd = tt_openat(AT_FDCWD, "/proc/self/stat", O_RDONLY | O_CLOEXEC, 0);
	long got = fd >= 0 ? tt_read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		tt_close(fd);
	if (got <= 0)
		return 0;
	buf[got] = 0;
	char *p = strrchr(buf, ')'); /* the name may hold spaces and parentheses */

	if (!p || (p[2] != 'Z' && p[2] != 'X'))
		return 0;
	for (int field = 2; p && field < 20; field++)
		p = strchr(p + 1, ' ');
	return p && strtol(p + 1, NULL, 10) == 2;
}

static void *writer_main(void *arg)
{
	struct timespec ts = {tt_cfg.flush_ms / 1000, (long)(tt_cfg.flush_ms % 1000) * 1000000};
	static const struct timespec soon = {0, 10000000};

	tt_self = &tt_thread_dead;
	tt_sys2(SYS_prctl, PR_SET_NAME, "traceit-writer");
	while (atomic_load(&tt_state) == TT_ACTIVE && !atomic_load(&writer_stop)) {
		/*
		 * The main thread left with pthread_exit: when the program's last thread is gone,
		 * glibc would call exit(0), but this thread keeps the count above zero.  Do it for
		 * the program, or the process would never end (and, all signals blocked here,
		 * could not even be terminated).
		 */
		if (atomic_load(&tt_main_exited) && only_writer_left())
			tt_real.exit(0); /* the real one: the program-facing wrapper would record it */
		tt_futex_wait((volatile uint32_t *)&writer_wake, 0,
			      atomic_load(&tt_main_exited) ? &soon : &ts);
		atomic_store(&writer_wake, 0);
		tt_writer_lock();
		if (atomic_load(&tt_state) == TT_ACTIVE)
			tt_drain_all(0);
		tt_writer_unlock();
	}
	return NULL;
}

void tt_writer_start(void)
{
	if (tt_cfg.ring)
		return; /* nothing is written until a dump: no thread to wake */
	int expect = 0;

	if (!atomic_compare_exchange_strong(&writer_state, &expect, 1))
		return;
	tt_deadline = UINT64_MAX;

	pthread_attr_t attr;
	pthread_t th;
	sigset_t all, old;

	/* The writer must never take a signal meant for the program (bugs.kde.org 378494). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	/* joinable: unshare(CLONE_NEWUSER) needs it gone for good (tt_writer_stop) */
	pthread_attr_setstacksize(&attr, 256 << 10);

	/* the allocations glibc makes for our thread (stack, TLS) are not the program's */
	struct tt_thread *self = tt_self;
	uint32_t busy = self ? self->busy : 0;

	if (self && self != &tt_thread_dead)
		self->busy = 1;
	int ok = tt_real.pthread_create(&th, &attr, writer_main, NULL) == 0;

	if (self && self != &tt_thread_dead)
		self->busy = busy;
	if (ok) {
		writer_thread = th;
	} else {
		/* No thread: drains keep happening synchronously in the program's threads. */
		atomic_store(&writer_state, 0);
		tt_deadline = tt_now() + tt_clock_ms_to_ticks(tt_cfg.flush_ms);
	}
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void wake_writer(void)
{
	if (!atomic_exchange(&writer_wake, 1))
		tt_futex_wake((volatile uint32_t *)&writer_wake, 1);
}

void tt_writer_kick(void)
{
	if (tt_writer_running())
		wake_writer();
}

void tt_main_thread_exits(void)
{
	atomic_store(&tt_main_exited, 1);
	if (tt_writer_running())
		wake_writer(); /* from now on it looks every 10 ms for the end of the process */
}

/*
 * Makes the process single-threaded again as far as we are concerned: unshare and setns
 * with CLONE_NEWUSER fail with EINVAL in a multithreaded process.  The writer returns after
 * its current pass and is joined; the next event that may start a thread starts a new one,
 * and until then drains happen in the program's threads.
 */
void tt_writer_stop(void)
{
	if (!tt_writer_running())
		return;
	atomic_store(&writer_stop, 1);
	wake_writer();
	tt_real.pthread_join(writer_thread, NULL);
	atomic_store(&writer_stop, 0);
	atomic_store(&writer_state, 0);
	tt_deadline = tt_now() + tt_clock_ms_to_ticks(tt_cfg.flush_ms);
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
	sync_drain(0, 0, 0);
	tt_writer_unlock();
}

void tt_commit_slow(struct tt_thread *t, uint64_t now, int may_spawn)
{
	if (tt_cfg.ring) {
		tt_deadline = UINT64_MAX;
		if (atomic_load(&ring_dump_pending))
			tt_ring_dump();
		return;
	}
	t->tail_cache = atomic_load_explicit(&t->tail, memory_order_acquire);
	/*
	 * In a program's signal handler (it may run on a small alternate stack, it may have
	 * interrupted malloc): a running writer may be woken, nothing is drained, no thread
	 * started (tt_reserve_slow alike).
	 */
	if (t->in_signal)
		may_spawn = 0;
	if (now > tt_deadline && !t->in_signal) {
		if (may_spawn) {
			tt_writer_start();
		} else if (tt_writer_trylock()) {
			tt_deadline = now + tt_clock_ms_to_ticks(tt_cfg.flush_ms);
			sync_drain(0, 0, 0);
			tt_writer_unlock();
			t->tail_cache = atomic_load(&t->tail);
		}
	}
	if (atomic_load(&t->head) - t->tail_cache > t->half) {
		if (tt_writer_running()) {
			if (!t->wake_sent) {
				t->wake_sent = 1;
				wake_writer();
			}
		} else if (may_spawn) {
			tt_writer_start();
			wake_writer();
		}
	}
}

#define TT_LOST_WORDS 4

static void wake_writer(void);

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
	if (!t->wake_sent) {
		t->wake_sent = 1;
		wake_writer();
	}
	return NULL;
}

/* The ring has no room for nwords: wrap, wait for the writer, or drain here. */
uint64_t *tt_reserve_slow(struct tt_thread *t, unsigned nwords)
{
	uint64_t size = t->mask + 1;

	if (tt_unlikely(t->nobuf)) {
		t->lost++;
		return NULL;
	}
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

		if (h + need - t->tail_cache > size)
			t->tail_cache = atomic_load_explicit(&t->tail, memory_order_acquire);
		if (h + need - t->tail_cache <= size) {
			if (idx + nwords <= size)
				return &t->ring[idx];
			/* Pad to the end of the ring so that a record is never split. */
			t->ring[idx] = TT_W0(TT_EV_INVALID, size - idx, 0, 0);
			atomic_store_explicit(&t->head, h + size - idx, memory_order_release);
			continue;
		}
		if (atomic_load(&tt_state) != TT_ACTIVE) {
			t->lost++;
			return NULL;
		}
		if (tt_writer_running() && tt_cfg.drop)
			return drop_event(t);
		if (tt_writer_running()) {
			uint32_t seq = atomic_load(&t->tail_seq);
			struct timespec ts = {0, 100000000};

			atomic_store(&t->waiting, 1);
			wake_writer();
			if (atomic_load(&t->tail) == t->tail_cache)
				tt_futex_wait((volatile uint32_t *)&t->tail_seq, seq, &ts);
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
			sync_drain(0, 0, 0);
			tt_writer_unlock();
		}
	}
}

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
		struct timespec ms = {0, 1000000};

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
	sync_drain(exit_kind, status, 1);
	tt_writer_unlock();
	atomic_store(&final_done, 1);
	wake_writer();
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
			sync_drain(TT_EXIT_SIGNAL, sig, 1);
			tt_writer_unlock();
			atomic_store(&final_done, 1);
			return;
		}
		struct timespec ms = {0, 1000000};

		tt_sys2(SYS_nanosleep, &ms, NULL);
	}
	atomic_store(&final_done, 1);
}

/* Writer lock held: write out everything and the END chunk, for a stream about to be lost */
void tt_drain_locked_final(void)
{
	sync_drain(TT_EXIT_UNKNOWN, 0, 1);
}

void tt_exec_drain(void)
{
	if (atomic_load(&tt_state) != TT_ACTIVE || tt_getpid() != tt_owner_pid)
		return;
	tt_writer_lock();
	sync_drain(TT_EXIT_EXEC, 0, 1);
	tt_writer_unlock();
}

/* Fork child: no writer thread, a fresh lock, a fresh stream. */
void tt_writer_reinit(void)
{
	atomic_store(&writer_lock_word, 0);
	atomic_store(&writer_wake, 0);
	atomic_store(&writer_state, 0);
	atomic_store(&writer_stop, 0);
	tt_chunks_after_fork();
	atomic_store(&tt_threads_attached, 1);
	tt_strtab_reset();
	tt_deadline = tt_cfg.ring ? UINT64_MAX : tt_now() + tt_clock_ms_to_ticks(tt_cfg.flush_ms);
}
