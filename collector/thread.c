/*
 * thread.c - per-thread state: creation on a thread's first event, the registry the writer
 * walks, and recycling after the thread exits.
 *
 * States are mmap'd (never the interposed malloc) and never unmapped: the writer walks the
 * registry without a lock, and a thread that exited may leave its state to be drained after
 * it is gone.  A drained orphan goes back to FREE and is reused by the next new thread, so
 * 20,000 short-lived threads cost as many states as were ever alive at once.
 */
#include "tt.h"
#include "sys.h"
#include "shm.h"

#include <errno.h>
#include <string.h>

__thread struct tt_thread *tt_self __attribute__((tls_model("initial-exec")));

/* Installed on threads that must never record: the writer, and threads past their exit. */
struct tt_thread tt_thread_dead = { .busy = TT_BUSY };

static struct tt_thread *_Atomic registry;
static _Atomic uint32_t registry_lock_word;
_Atomic uint64_t tt_threads_attached;
static pthread_key_t exit_key;
static int exit_key_ok;

/* The registry lock is a spinlock: pthread_mutex_lock may itself be interposed, and it is
 * only ever held for a few instructions. */
void tt_registry_lock(void)
{
	while (atomic_exchange_explicit(&registry_lock_word, 1, memory_order_acquire))
		tt_sys0(SYS_sched_yield);
}

void tt_registry_unlock(void)
{
	atomic_store_explicit(&registry_lock_word, 0, memory_order_release);
}

void tt_registry_reinit(void)
{
	atomic_store(&registry_lock_word, 0);
}

struct tt_thread *tt_thread_first(void)
{
	return atomic_load_explicit(&registry, memory_order_acquire);
}

/* A power of two, at least 16 KiB, so that the longest record fits a quarter of it. */
static size_t kb_words(uint32_t kb)
{
	size_t bytes = (size_t)kb * 1024, words = 2048;

	while (words * 8 < bytes)
		words <<= 1;
	return words;
}

static size_t ring_words(void)
{
	return kb_words(tt_cfg.buffer_kb);
}

/*
 * The ring words a new state's region has room for.  Block mode only: in drop mode a thread
 * never waits, and a flight recorder keeps TRACEIT_BUFFER_KB by definition.
 */
static size_t cap_words(void)
{
	size_t words = ring_words(), cap = kb_words(tt_cfg.buffer_max_kb);

	return tt_cfg.drop || tt_cfg.ring || cap < words ? words : cap;
}

static void reset_ring(struct tt_thread *t)
{
	uint64_t pos = atomic_load(&t->tail);

	t->rpos = pos;
	atomic_store(&t->head, pos);
	/* a token ring looks full to the fast path: every event goes to tt_reserve_slow */
	t->tail_cache = t->nobuf ? pos - t->mask - 1 : pos;
	t->lost = 0;
	t->dropped = 0;
	t->dtor_rounds = 0;
	t->nogrow = 0;
	t->kick = t->half;
	atomic_store(&t->waiting, 0);
}

/*
 * A free state whose region holds cap words (its ring may have grown there already), or
 * words without room to grow (its room could not be mapped)
 */
static struct tt_thread *take_free_state(size_t words, size_t cap)
{
	for (struct tt_thread *t = tt_thread_first(); t; t = t->next) {
		uint32_t expect = TT_T_FREE;

		if ((t->cap == cap || t->cap == words) &&
		    atomic_compare_exchange_strong(&t->state, &expect, TT_T_LIVE))
			return t;
	}
	return NULL;
}

/*
 * Buffer memory in all: each full ring counts once it is mapped (states are reused after
 * their thread ends, never unmapped).  Past TRACEIT_BUFFER_TOTAL_MB a new thread gets a token
 * ring that takes no event: what it would have recorded is counted as lost, so a program
 * with thousands of live threads cannot make the tracer use unbounded memory.
 */
#define TT_TOKEN_WORDS 16
#define TT_ORPHANS_WAKE 128 /* ended threads whose buffers wait for a drain */
_Atomic uint32_t tt_orphans;
static size_t ring_bytes;
static size_t grown_bytes; /* the part of ring_bytes that rings took by growing */
static int cap_reported;

/* A state's region: the header a reader of the shared-buffer file needs, the state, the ring */
#define STATE_OFF sizeof(struct tt_rings_region)
#define RING_OFF (STATE_OFF + ((sizeof(struct tt_thread) + 63) & ~(size_t)63))
_Static_assert(RING_OFF <= 4096, "a thread's state fits the page tt_shm_rebind saves");
_Static_assert(TT_T_FREE == TT_RINGS_STATE_FREE, "rings.h names the free state");

static struct tt_rings_region *region_of(struct tt_thread *t)
{
	return (struct tt_rings_region *)((char *)t - STATE_OFF);
}

/*
 * A shared ring's blocks are reserved a piece at a time, from its start, as the thread gets
 * there (tt_ring_reserve_more): the first piece with the state.
 */
#define FIRST_RSV (64u << 10)
#define PAGE_SIZE_ 4096u

/* Ring words that end on a page boundary of the region, at least words, at most the ring. */
static uint64_t rsv_words(const struct tt_thread *t, uint64_t words)
{
	uint64_t end = (RING_OFF + words * 8 + PAGE_SIZE_ - 1) & ~(uint64_t)(PAGE_SIZE_ - 1);
	uint64_t w = (end - RING_OFF) / 8;

	return w > t->mask + 1 ? t->mask + 1 : w;
}

/*
 * A state whose ring has words, in a region with room for cap: the rest is mapped but never
 * touched (nor reserved in the shared-buffer file) until the ring grows (tt_ring_grow).
 */
static struct tt_thread *new_state(size_t words, size_t cap)
{
	size_t len = RING_OFF + cap * 8;
	uint64_t off = 0;
	char *mem = tt_shm_map(len, RING_OFF + FIRST_RSV, &off);

	if (!mem && !(mem = tt_mmap(len)))
		return NULL;
	struct tt_thread *t = (struct tt_thread *)(mem + STATE_OFF);
	struct tt_rings_region *rg = (struct tt_rings_region *)mem;

	*rg = (struct tt_rings_region){
		.magic = TT_REGION_MAGIC,
		.header_len = sizeof(*rg),
		.region_len = (len + 4095) & ~(size_t)4095,
		.ring_off = RING_OFF,
		.ring_words = words,
		.head_off = STATE_OFF + offsetof(struct tt_thread, head),
		.tail_off = STATE_OFF + offsetof(struct tt_thread, tail),
		.tid_off = STATE_OFF + offsetof(struct tt_thread, tid),
		.state_off = STATE_OFF + offsetof(struct tt_thread, state),
	};
	t->ring = (uint64_t *)(mem + RING_OFF);
	t->mask = words - 1;
	t->cap = cap;
	t->shm_off = off;
	t->rsv = off ? rsv_words(t, FIRST_RSV / 8) : words;
	/* ring mode never asks the writer for a pass: a full ring drops its oldest events */
	t->half = tt_cfg.ring ? words : words / 2;
	t->kick = t->half;
	t->nobuf = words == TT_TOKEN_WORDS;
	if (!t->nobuf)
		ring_bytes += words * 8;
	t->map_len = len;
	atomic_store(&t->state, TT_T_LIVE);
	t->next = atomic_load(&registry);
	atomic_store_explicit(&registry, t, memory_order_release);
	return t;
}

/*
 * No memory for a thread's buffer (RLIMIT_AS, overcommit off): a smaller one, down to 16 KiB
 * (the thread waits for the writer more often), else a token one that counts the thread's
 * events as lost.  Said once, on the first shortage.
 */
static struct tt_thread *short_of_memory(size_t words)
{
	static int reported;
	struct tt_thread *t = NULL;
	size_t w = words / 4;

	for (; !t && w >= 2048; w /= 4)
		t = new_state(w, w);
	if (!t)
		t = new_state(TT_TOKEN_WORDS, TT_TOKEN_WORDS);
	if (!reported) {
		reported = 1;
		if (t && !t->nobuf)
			tt_log("out of memory for a thread's %lu KB buffer: it records into a %lu "
			       "KB "
			       "one",
			       (unsigned long)words / 128, (unsigned long)(t->mask + 1) / 128);
		else
			tt_log("out of memory for a thread's buffer: its events are counted as "
			       "lost");
	}
	return t;
}

/*
 * The thread is about to write ring words past those reserved: reserve more (twice as many,
 * at least up to need); if the filesystem has no room, the rest of the ring becomes private
 * memory, which cannot fail, but is lost if the process is killed.  Said once.
 */
void tt_ring_reserve_more(struct tt_thread *t, uint64_t need)
{
	static int said;
	uint64_t size = t->mask + 1, want = rsv_words(t, need > 2 * t->rsv ? need : 2 * t->rsv);
	long err;

	if (t->rsv >= size)
		return;
	err = t->shm_off ? tt_shm_reserve(t->shm_off + RING_OFF + t->rsv * 8, (want - t->rsv) * 8)
			 : -EBADF;
	if (!err) {
		t->rsv = want;
		return;
	}
	uint64_t from = RING_OFF + t->rsv * 8; /* a page boundary of the region: rsv_words */
	long r = tt_sys6(SYS_mmap, (char *)t - STATE_OFF + from, (size - t->rsv) * 8,
			 PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	if (r < 0 && r > -4096)
		return; /* still the reserved part only: the slow path wraps early */
	t->rsv = size;
	if (!said) {
		said = 1;
		tt_log("cannot reserve more of the shared buffers (error %d): what threads record "
		       "from now on is lost if the process is killed",
		       (int)-err);
	}
}

/*
 * The thread had to wait for the writer: it gets the rest of its region, so that the writer
 * takes its records in longer chunks and it waits less often.  Called by the thread itself
 * when its ring is empty (every record written and released): no record is where the new
 * mask would not find it, and the writer reads the mask only after a head that the thread
 * publishes after this.  Growing takes half of TRACEIT_BUFFER_TOTAL_MB at most, the rest
 * staying for the threads to come; under the registry lock that guards the counts.
 */
void tt_ring_grow(struct tt_thread *t)
{
	uint64_t words = t->mask + 1;
	size_t more = (t->cap - words) * 8, total = (size_t)tt_cfg.buffer_total_mb << 20;

	if (t->cap <= words || t->nobuf)
		return;
	tt_registry_lock();
	if (grown_bytes + more <= total / 2 && ring_bytes + more <= total) {
		ring_bytes += more;
		grown_bytes += more;
		words = t->cap;
		t->mask = words - 1;
		t->half = words / 2;
		t->kick = t->half;
		region_of(t)->ring_words = words;
		if (!t->shm_off)
			t->rsv = words; /* private memory: all of it may be written */
	} else {
		t->nogrow = 1;
	}
	tt_registry_unlock();
}

/*
 * Gives the drained room back to the thread.  In the middle of a drain (partial), a thread
 * waiting for room is woken only once half its ring is free: woken for every bit of room,
 * it would preempt the writer again and again to fill it, and the two would take turns on
 * one CPU.  The drain's last release wakes it in any case.
 */
void tt_ring_release(struct tt_thread *t, uint64_t pos, int partial)
{
	atomic_store_explicit(&t->tail, pos, memory_order_release);
	atomic_fetch_add_explicit(&t->tail_seq, 1, memory_order_release);
	if (atomic_load(&t->waiting) && (!partial || atomic_load(&t->head) - pos <= t->half))
		tt_futex_wake((volatile uint32_t *)&t->tail_seq, 1);
}

/*
 * First event of a thread.  Runs with the thread marked busy through a temporary dead state,
 * because pthread_setspecific may call calloc.
 */
struct tt_thread *tt_thread_attach(void)
{
	if (atomic_load(&tt_state) != TT_ACTIVE)
		return NULL;
	tt_self = &tt_thread_dead;

	size_t words = ring_words(), cap = cap_words();

	tt_registry_lock();
	struct tt_thread *t = take_free_state(words, cap);

	if (!t && ring_bytes + words * 8 > (size_t)tt_cfg.buffer_total_mb << 20) {
		t = take_free_state(TT_TOKEN_WORDS, TT_TOKEN_WORDS);
		if (!t)
			t = new_state(TT_TOKEN_WORDS, TT_TOKEN_WORDS);
		if (!cap_reported) {
			cap_reported = 1;
			tt_log("the threads' buffers reached %s (%u MB); events of threads started "
			       "from now on while it lasts are counted as lost",
			       tt_cfg.buffer_total_by_limit ? "a sixteenth of the memory limit"
							    : "TRACEIT_BUFFER_TOTAL_MB",
			       tt_cfg.buffer_total_mb);
		}
	} else if (!t) {
		t = new_state(words, cap);
		if (!t && cap > words)
			t = new_state(words, words);
		if (!t)
			t = short_of_memory(words);
	}
	tt_registry_unlock();
	if (!t) {
		/* Not even a page for a token buffer: this thread runs untraced, not failing. */
		return NULL;
	}
	reset_ring(t);
	t->offn = 0;
	t->pending = 0;
	/* a thread cancelled in the middle of recording leaves no signal of its to unblock here */
	t->sig_held = 0;
	tt_func_release(t);
	atomic_fetch_add(&tt_threads_attached, 1);
	t->tid = (uint32_t)tt_gettid();
	t->self = (uint64_t)pthread_self();
	if (exit_key_ok)
		pthread_setspecific(exit_key, t);
	tt_self = t;
	t->busy = 0;
	return t;
}

/*
 * The pthread key destructor: the thread is exiting.  Other keys' destructors may still
 * free memory after ours, so re-arm for the first rounds (glibc runs up to
 * PTHREAD_DESTRUCTOR_ITERATIONS rounds while some key is still set), then hand the state to
 * the writer for draining.
 */
void tt_thread_dtor(void *arg)
{
	struct tt_thread *t = arg;

	if (++t->dtor_rounds < 3) {
		pthread_setspecific(exit_key, t);
		return;
	}
	/* the frees it noted while tracing was off: written while the ring is still its own */
	if (t->offn && !t->busy) {
		t->busy = TT_BUSY;
		tt_heap_flush_frees(t, t);
		t->busy = 0;
	}
	tt_self = &tt_thread_dead;
	atomic_store_explicit(&t->state, TT_T_ORPHANED, memory_order_release);
	/*
	 * Only a drain makes an ended thread's buffer free for a new thread: a program that
	 * starts and ends threads quickly would otherwise map a new buffer for each of them
	 * until the next timed pass, and could reach TRACEIT_BUFFER_TOTAL_MB.
	 */
	if (atomic_fetch_add(&tt_orphans, 1) + 1 >= TT_ORPHANS_WAKE)
		tt_writer_kick();
	/* the leader ending before the others (pthread_exit in main, or in a fork child the
	 * thread that forked returning): the writer must end the process after the last one */
	if (t->tid == (uint32_t)tt_getpid())
		tt_main_thread_exits();
}

void tt_thread_init_key(void)
{
	exit_key_ok = pthread_key_create(&exit_key, tt_thread_dtor) == 0;
}

struct tt_thread *tt_thread_find_self(uint64_t value)
{
	for (struct tt_thread *t = tt_thread_first(); t; t = t->next)
		if (atomic_load(&t->state) == TT_T_LIVE && t->self == value)
			return t;
	return NULL;
}

/*
 * In a fork child only the forking thread exists.  Everything in the rings was recorded by
 * the parent, which writes it itself: discard it all, keep the caller's state for reuse.
 */
/*
 * The forking thread's state as it was when fork was called: in the child, the shared
 * mapping shows the parent's state as the parent goes on changing it (its fork wrapper
 * marks it busy, unwinds a stack...), not as it was at the fork.  Registry lock held.
 */
static uint8_t fork_snap[RING_OFF];
static struct tt_thread *fork_snap_of;

void tt_thread_fork_prepare(void)
{
	struct tt_thread *self = tt_self;

	fork_snap_of = NULL;
	for (struct tt_thread *t = tt_thread_first(); t; t = t->next)
		if (t == self) {
			memcpy(fork_snap, region_of(t), RING_OFF);
			fork_snap_of = t;
		}
}

void tt_thread_after_fork_child(struct tt_thread *keep)
{
	struct tt_thread *t, *next, *kept = NULL;

	/*
	 * The states may be the parent's shared-buffer file: first memory of the child's own
	 * for the one it keeps, before anything is written there; the others go, the child
	 * has no thread for them.  Single-threaded here: the registry can be rebuilt.
	 */
	for (t = tt_thread_first(); t; t = next) {
		next = t->next;
		if (t != keep) {
			if (t->fs)
				tt_munmap(t->fs, tt_func_stack_size());
			tt_munmap(region_of(t), t->map_len);
			continue;
		}
		if (tt_shm_rebind(region_of(t), t->map_len, t == fork_snap_of ? fork_snap : NULL,
				  RING_OFF, 1, 0, NULL) < 0) {
			/* cannot be told from the parent's: the child records nothing */
			atomic_store(&tt_mask, 0);
			atomic_store(&tt_state, TT_DEAD);
			tt_self = &tt_thread_dead;
			continue;
		}
		kept = t;
	}
	atomic_store(&registry, kept);
	ring_bytes = 0;
	grown_bytes = 0;
	atomic_store(&tt_orphans, 0);
	if (kept) {
		kept->next = NULL;
		if (!kept->nobuf) {
			ring_bytes = (kept->mask + 1) * 8;
			if (kept->mask + 1 > ring_words())
				grown_bytes = (kept->mask + 1 - ring_words()) * 8;
		}
		atomic_store(&kept->tail, atomic_load(&kept->head));
		atomic_store(&kept->tail_seq, 0);
		reset_ring(kept);
		kept->tid = (uint32_t)tt_gettid();
		kept->self = (uint64_t)pthread_self();
		kept->shm_off = 0; /* private memory, all of it writable */
		kept->rsv = kept->mask + 1;
		kept->offn = 0; /* the parent's frees: the parent writes them */
		kept->pending &= ~TT_PEND_FREES;
		tt_func_fork_child(kept);
	}
}

/* Fork child, its stream open: the state it kept moves into its own shared-buffer file. */
void tt_thread_share(void)
{
	struct tt_thread *t = tt_thread_first();

	uint64_t off = 0;

	if (t && tt_shm_on() &&
	    !tt_shm_rebind(region_of(t), t->map_len, NULL, RING_OFF, 0, RING_OFF + FIRST_RSV,
			   &off)) {
		t->shm_off = off;
		t->rsv = rsv_words(t, FIRST_RSV / 8);
	}
}
