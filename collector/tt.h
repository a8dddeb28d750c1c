/*
 * tt.h - the recording core as the wrappers see it: per-thread state, the hot-path record API,
 * the process-wide state machine and configuration.
 *
 * Threading model: every thread owns one struct tt_thread, reached through a single
 * initial-exec TLS pointer (tt_self).  The thread is the only producer of its ring; whoever
 * holds the writer lock (the writer thread, or an application thread draining synchronously
 * at exit, exec or when no writer runs) is the only consumer.  The hot path takes no lock,
 * calls no malloc and no stdio: reserve words in the ring, fill them, publish the new head.
 */
#ifndef TT_TT_H
#define TT_TT_H

#include <stdatomic.h>
#include <stdint.h>
#include <stddef.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

#include "base.h"
#include "format.h"
#include "rings.h"
#include "clock.h"
#include "stacks.h"

#define TT_HIDDEN __attribute__((visibility("hidden")))
#define TT_EXPORT __attribute__((visibility("default")))

/* Process state machine: wrappers record only in ACTIVE. */
enum tt_state {
	TT_UNINIT = 0,
	TT_INITING,
	TT_ACTIVE,
	TT_SHUTDOWN, /* final drain done: everything passes through */
	TT_DEAD,     /* tracing disabled (error, secure mode): everything passes through */
};

/* What a thread writes before its next record (tt_thread.pending) */
#define TT_PEND_FUNC 1u	 /* entries of traced functions (funcs.c) */
#define TT_PEND_FREES 2u /* the frees noted while tracing was off (control.c) */
#define TT_OFFLOG 64	 /* frees noted per thread before they are written */
#define TT_OFFSEEN 256	 /* addresses a thread remembers having noted (a power of two) */
#define TT_SIG_NEST 8	 /* nested signal handlers whose frames a thread keeps */

/*
 * tt_thread.busy: TT_BUSY for tracer code that may not end where it began (exit, exec, a
 * thread's end); TT_BUSY_HOLD for code that ends in tt_unbusy, where a signal that lands
 * meanwhile is held, and delivered when it is done (sighold.c).
 */
enum { TT_BUSY = 1, TT_BUSY_HOLD = 2 };

/* Per-thread state lifecycle, as the writer sees it */
enum tt_thread_state {
	TT_T_LIVE = 0,
	TT_T_ORPHANED, /* its thread exited: drain, then recycle */
	TT_T_FREE,     /* drained, available to a new thread */
};

struct tt_thread {
	/* Producer side: touched by the owning thread on every event. */
	uint64_t *ring;
	uint64_t mask;	     /* ring words - 1 */
	uint64_t rsv;	     /* ring words from the start that may be written (shm.c) */
	uint64_t half;	     /* ring words / 2 */
	uint64_t kick;	     /* words in use past which a commit looks at the writer: half, or
				the whole ring while a wake is on its way (kick != half) */
	uint64_t tail_cache; /* last tail the producer saw */
	_Atomic uint64_t head;
	uint32_t busy; /* tracer code runs on this thread (TT_BUSY*): nested calls pass */
	uint32_t tid;
	uint32_t dtor_rounds;
	uint32_t in_signal; /* running a signal handler of the program: no unwinding */
	uint32_t nobuf;	    /* over TRACEIT_BUFFER_TOTAL_MB: a token ring, every event lost */
	uint32_t nogrow;    /* growing the ring would pass TRACEIT_BUFFER_TOTAL_MB */
	uint32_t pending;   /* TT_PEND_*: what to write before the thread's next record */
	uint64_t sig_held;  /* signals blocked until the tracer's code is done (sighold.c) */
	uint64_t lost;	    /* events this thread could not record, all told */
	uint64_t dropped;   /* dropped since the last LOST record (drop mode) */
	uint64_t drop_first, drop_last;
	struct tt_fstack *fs;	    /* the shadow stack of traced function calls, NULL until one */
	uint32_t offn;		    /* addresses in offlog */
	uint32_t offgen;	    /* the switch-off offseen belongs to */
	uint64_t offlog[TT_OFFLOG]; /* blocks freed while tracing is off (tt_heap_forget) */
	uint64_t offseen[TT_OFFSEEN]; /* addresses noted already since that switch-off */

	/* Each handler level's trampoline frame, to tell a jump out of it (wrap_signal.c). */
	uint64_t sig_frame[TT_SIG_NEST];

	/* Consumer side, on its own cache line. */
	_Alignas(64) _Atomic uint64_t tail;
	_Atomic uint32_t tail_seq; /* futex word: bumped whenever tail moves */
	_Atomic uint32_t waiting;  /* the producer sleeps on tail_seq */
	_Atomic uint32_t state;	   /* enum tt_thread_state */
	uint32_t multi_id;	   /* the shared chunk its last part went into (chunks.c) */
	uint64_t rpos;		/* where the next drain reads: past tail while a part is staged */
	uint64_t self;		/* pthread_self() of the owner, for name lookups */
	struct tt_thread *next; /* registry list, never unlinked */
	size_t map_len;
	uint64_t shm_off; /* the region's offset in the shared-buffer file; 0: private memory */
	uint64_t cap;	  /* ring words the region has room for: the ring may grow to that */
};

/* The per-thread pointer: initial-exec so that reading it never allocates (the dynamic
 * models may call __tls_get_addr, which allocates: glibc elf/dl-tls.c). */
extern __thread struct tt_thread *tt_self __attribute__((tls_model("initial-exec")));

/* Categories to record, 0 when the state is not ACTIVE: one load checks both. */
extern _Atomic uint32_t tt_mask;
/* Tick after which the next event kicks a flush (writer not running yet), else UINT64_MAX. */
extern uint64_t tt_deadline;

struct tt_config {
	char output[4096];   /* absolute directory */
	uint32_t categories; /* mask */
	uint32_t flush_ms;
	uint32_t buffer_kb;
	uint32_t buffer_max_kb; /* a ring that had to wait for the writer grows to this */
	int clock;		/* -1 auto, 0 monotonic, 1 tsc */
	int drop;		/* TRACEIT_MODE=drop: never wait for the writer */
	uint32_t stacks;	/* categories recorded with a call stack */
	uint32_t stack_depth;
	uint32_t buffer_total_mb;  /* all threads' buffers together */
	int buffer_total_by_limit; /* buffer_total_mb lowered by tt_config_memory_limit */
	int ring;	      /* TRACEIT_MODE=ring: keep the latest events, write them on demand */
	int ring_signal;      /* TRACEIT_RING_SIGNAL: dump on this signal, 0 = none */
	char shm_dir[256];    /* TRACEIT_SHM_DIR: the shared-buffer file's folder, "" = none */
	int start_off;	      /* TRACEIT_START=off: tracing starts switched off */
	int toggle_signal;    /* TRACEIT_TOGGLE_SIGNAL: switches tracing on and off, 0 = none */
	uint32_t func_depth;  /* TRACEIT_FUNC_DEPTH: function calls recorded this deep at most */
	uint32_t func_min_ns; /* TRACEIT_FUNC_MIN_NS: shorter calls with nothing recorded inside
				 are dropped */
	char run_id[65];      /* TRACEIT_RUN_ID: the run the process belongs to, "" = none given */
	uint32_t durations;   /* TRACEIT_DURATIONS: categories whose calls are all timed */
};
extern struct tt_config tt_cfg;
extern _Atomic int tt_state;
/* process.c */
extern int tt_owner_pid; /* the process that owns the stream (a vfork child is not it) */
/* exit() was called with status (the exit wrapper); tt_exit_status: it, or 0 */
void tt_note_exit_status(int status);
int tt_exit_status(void);

/* control.c: tracing on and off at run time (traceit.h, the toggle signal) */
/* tracing is off after a window: frees are noted (tt_heap_forget); the switch's number */
extern _Atomic uint32_t tt_heap_off;
int tt_control_set(int on, int new_window);
int tt_control_enabled(void);
void tt_control_toggle(void);
void tt_control_start_off(void);
uint32_t tt_control_start_mask(void);

/* config.c */
void tt_config_read(struct tt_config *cfg);
int tt_config_memory_limit(struct tt_config *cfg);

/* tt_log (base/log.c): formats %s %d %u %lu %llu %x %% */

/* thread.c */
struct tt_thread *tt_thread_attach(void);
void tt_thread_dtor(void *arg);
void tt_thread_init_key(void);
struct tt_thread *tt_thread_first(void);
struct tt_thread *tt_thread_find_self(uint64_t pthread_self_value);
void tt_thread_fork_prepare(void);
void tt_thread_after_fork_child(struct tt_thread *keep);
void tt_thread_share(void);
/* The ring's next words are written to for the first time: their blocks reserved (shm.c) */
void tt_ring_reserve_more(struct tt_thread *t, uint64_t need);
/* The thread's ring is empty: it takes all of its region, if the total allows (thread.c) */
void tt_ring_grow(struct tt_thread *t);
/* The drains: room up to pos is free again, its records written (partial: more to come) */
void tt_ring_release(struct tt_thread *t, uint64_t pos, int partial);
void tt_registry_lock(void);
void tt_registry_unlock(void);
void tt_registry_reinit(void);
extern struct tt_thread tt_thread_dead;
extern _Atomic uint64_t tt_threads_attached;
extern _Atomic uint32_t tt_orphans; /* ended threads not drained yet */

/* writer.c */
int tt_writer_setup(void);
uint64_t *tt_reserve_slow(struct tt_thread *t, unsigned nwords);
void tt_commit_slow(struct tt_thread *t, uint64_t now, uintptr_t spawn);
/*
 * What a record's spawn argument says about starting the writer thread from the call:
 * TT_SPAWN_NO, TT_SPAWN_YES, or the caller's return address (TT_SPAWN_CALLER): then only if
 * the caller lies outside libc and the dynamic loader (tt_writer_callers_init), whose locks a
 * malloc from inside them may be made under.
 */
#define TT_SPAWN_NO 0
#define TT_SPAWN_YES 1
#define TT_SPAWN_CALLER ((uintptr_t)__builtin_return_address(0))
void tt_writer_callers_init(void);
int tt_writer_caller_may_spawn(uintptr_t ra);
void tt_writer_start(void);
void tt_writer_kick(void); /* asks a running writer for a pass now */
void tt_writer_stop(void);
void tt_writer_lock(void);
int tt_writer_trylock(void);
void tt_writer_unlock(void);
void tt_writer_reinit(void);
int tt_writer_running(void);
void tt_drain_all(int final); /* writer lock held; final: nothing may stay buffered */
void tt_final_drain(int exit_kind, int status);
void tt_exec_drain(void);
void tt_drain_locked_final(void);
void tt_fail(const char *what, long err);
void tt_ring_dump(void);	   /* ring mode: write out what the buffers hold (signal-safe) */
extern _Atomic int tt_main_exited; /* the main thread called pthread_exit */
void tt_main_thread_exits(void);

/* ownstack.c: a drain from an application thread runs on a stack of ours */
void tt_own_stack_setup(void);
void tt_on_own_stack(void (*fn)(void *), void *arg);

/* crash.c: draining on fatal signals */
#include <signal.h>
void tt_crash_handler(int sig, siginfo_t *info, void *uc);
int tt_is_crash_handler(const void *fn);
void tt_crash_install(int (*real_sigaction)(int, const struct sigaction *, struct sigaction *));
/* Whether sig's default action ends the process (crash.c) */
int tt_signal_is_fatal(int sig);
/* The fatal signals that come from outside (kill, the terminal, timers), as a kernel mask */
uint64_t tt_fatal_async_mask(void);
/* Sets the drain-then-die handler on sig (the program asked for SIG_DFL) */
int tt_crash_set(int (*real_sigaction)(int, const struct sigaction *, struct sigaction *), int sig,
		 struct sigaction *old);
void tt_crash_drain(int sig);

/* stream.c: the output file (writer lock held for all but open) */
int tt_stream_open(int forked);
int tt_stream_write_chunk(struct tt_chunk_header *h, const void *payload);
void tt_stream_write_end(int exit_kind, int status, uint64_t events, uint64_t lost, uint64_t chunks,
			 uint64_t threads);
int tt_stream_fd(void);
int tt_fd_is_ours(int fd);
extern int tt_fd_min; /* lowest of them, INT_MAX if none */
#define TT_OUR_FDS 10 /* the trace, the shared buffers, libunwind's pipes (two, room for four) */
int tt_fds_ours(int fds[TT_OUR_FDS]);
void tt_stream_relocate(int fd);
int tt_fd_move_high(int fd, int must);
int tt_each_fd(void (*fn)(void *ctx, int fd, const char *target), void *ctx);
int tt_stream_yield_fd(void);
void tt_stream_forget(void);

/*
 * funcs.c: function tracing.  Frames are kept in a shadow stack per thread; an entry is
 * written only once something is recorded inside it (tt_func_flush, from every record).
 */
#define TT_FUNC_STACK 4096 /* frames a thread's shadow stack holds */
void tt_func_enter(struct tt_thread *t, uint64_t fn, uint64_t cfa, uint64_t now);
void tt_func_exit(struct tt_thread *t, uint64_t fn, uint64_t now);
void tt_func_longjmp(struct tt_thread *t, uint64_t target_sp);
void tt_func_catch(struct tt_thread *t, uint64_t sp); /* a C++ catch begins */
void tt_func_flush(struct tt_thread *t);
/* Writes what t->pending says, before a record of the thread (control.c) */
void tt_pending_flush(struct tt_thread *t);
void tt_func_close_all(struct tt_thread *t, int final); /* thread or process end */
void tt_func_fork_child(struct tt_thread *t);
void tt_func_release(struct tt_thread *t); /* the thread's state is recycled */
size_t tt_func_stack_size(void);

/* peek.c: the program's memory, read where it may not be readable (rare calls only) */
#define TT_PEEK_UNCHECKED (-2L)
long tt_peek(void *dst, const void *src, size_t n);
long tt_peek_str(char *dst, const char *src, size_t cap);
long tt_peek_strlen(const char *src, size_t max);
bool tt_peek_fixed(void *dst, const void *src, size_t n);

/* Generic recording of an event with string arguments (out of line, not hot); tt_record_strs
 * with peek reads each string through tt_peek first (strings the kernel has not read). */
void tt_record_strs(struct tt_thread *t, unsigned type, uint64_t t0, uint64_t t1, int failed,
		    int err, uint64_t result, const uint64_t *args, const char *const *strs,
		    bool peek);
void tt_record_args(struct tt_thread *t, unsigned type, uint64_t t0, uint64_t t1, int failed,
		    int err, uint64_t result, const uint64_t *args, const char *const *strs);

/*
 * Hot path.
 */

/*
 * sighold.c.  A program's handler that ran inside the tracer's own code would have its
 * calls pass untraced, and one that left by siglongjmp would abandon that code with the
 * thread marked busy for good: such a signal is held, and delivered by tt_unbusy.
 */
int tt_signal_hold(struct tt_thread *t, int sig, const siginfo_t *info, void *uc);
void tt_signal_release(struct tt_thread *t);

/* The start of a TT_BUSY_HOLD section; a handler on this thread reads busy: the compiler
 * keeps it before the section's work. */
static inline void tt_busy_hold(struct tt_thread *t)
{
	t->busy = TT_BUSY_HOLD;
	atomic_signal_fence(memory_order_seq_cst);
}

/* The end of a TT_BUSY_HOLD section: the signals that landed in it are delivered now. */
static inline void tt_unbusy(struct tt_thread *t)
{
	/* a handler on this thread reads both: the compiler keeps their order with the record's */
	atomic_signal_fence(memory_order_seq_cst);
	t->busy = 0;
	atomic_signal_fence(memory_order_seq_cst);
	if (tt_unlikely(t->sig_held))
		tt_signal_release(t);
}

/* Returns the calling thread's state if events of category cat are to be recorded now. */
static inline struct tt_thread *tt_enter(unsigned cat)
{
	struct tt_thread *t = tt_self;

	if (tt_likely(atomic_load_explicit(&tt_mask, memory_order_relaxed) & (1u << cat))) {
		if (tt_likely(t != NULL))
			return t->busy ? NULL : t;
		return tt_thread_attach();
	}
	return NULL;
}

static inline uint64_t *tt_reserve(struct tt_thread *t, unsigned nwords)
{
	uint64_t h = atomic_load_explicit(&t->head, memory_order_relaxed);
	uint64_t idx = h & t->mask;

	if (tt_likely(idx + nwords <= t->rsv && h + nwords - t->tail_cache <= t->mask + 1))
		return &t->ring[idx];
	return tt_reserve_slow(t, nwords);
}

/*
 * The words of a record with n words after its header: the header has one tick fewer when
 * the call ended where it began (rings.h, TT_W0_ONE_TICK).
 */
static inline unsigned tt_record_len(uint64_t t0, uint64_t t1, unsigned n)
{
	return 3 - (t0 == t1) + n;
}

/* Writes the header of a record of nw words (tt_record_len); returns where the rest goes. */
static inline uint64_t *tt_record_head(uint64_t *r, unsigned type, unsigned nw, int failed, int err,
				       uint64_t t0, uint64_t t1)
{
	unsigned one = t0 == t1;

	r[0] = TT_W0(type, nw, failed, err) | (one ? TT_W0_ONE_TICK : 0);
	r[1] = t0;
	/* the end tick, or with one tick the first word of the rest, which the caller writes over
	 */
	if (nw > 2)
		r[2] = t1;
	return r + 3 - one;
}

/* Publishes nwords reserved words; spawn: whether the writer thread may be started here. */
static inline void tt_commit(struct tt_thread *t, unsigned nwords, uint64_t now, uintptr_t spawn)
{
	uint64_t h = atomic_load_explicit(&t->head, memory_order_relaxed) + nwords;

	atomic_store_explicit(&t->head, h, memory_order_release);
	if (tt_unlikely(h - t->tail_cache > t->kick || now > tt_deadline))
		tt_commit_slow(t, now, spawn);
}

/*
 * Records a call without string arguments: n payload words (result first if the event has
 * one, then the arguments).  Memory wrappers pass TT_SPAWN_CALLER: they can run inside ld.so
 * or TLS allocation with loader locks held, where creating a thread could deadlock.  errno is
 * left as it was: the fast path makes no call, and each slow path saves and restores it.
 */
/* Never defined: a call that is not optimised away is a wrapper at odds with events.def. */
extern void tt_payload_mismatch(void)
	__attribute__((error("tt_record: the payload words differ from events.def")));

static inline void tt_record(struct tt_thread *t, unsigned type, uint64_t t0, uint64_t t1,
			     int failed, int err, unsigned n, uint64_t w3, uint64_t w4, uint64_t w5,
			     uint64_t w6, uintptr_t spawn)
{
	uint32_t sid = 0;

	if (__builtin_constant_p(type) && __builtin_constant_p(n) && n != tt_payload_words(type))
		tt_payload_mismatch();

	if (tt_unlikely(t->pending))
		tt_pending_flush(t);
	tt_busy_hold(t);
	if (tt_unlikely(tt_stack_mask) && (tt_stack_mask & (1u << tt_events[type].category)))
		sid = tt_stack_capture(t, t1);
	unsigned nw = tt_record_len(t0, t1, n + (sid != 0));
	uint64_t *r = tt_reserve(t, nw);

	if (tt_likely(r != NULL)) {
		uint64_t *p = tt_record_head(r, type, nw, failed, err, t0, t1);

		if (n > 0)
			p[0] = w3;
		if (n > 1)
			p[1] = w4;
		if (n > 2)
			p[2] = w5;
		if (n > 3)
			p[3] = w6;
		if (tt_unlikely(sid)) {
			r[0] |= TT_W0_HAS_STACK;
			p[n] = sid;
		}
		tt_commit(t, nw, t1, spawn);
	}
	tt_unbusy(t);
}

/*
 * Tracing is switched off, yet a block that a window allocated may be freed now: noted in
 * the thread's log, written as one record per TT_OFFLOG frees (or before the thread's next
 * record), with the time of the writer's last pass, so that the window's heap and leaks
 * stay right.  An address needs noting once per switch-off (a window allocates nothing
 * until the next): a direct-mapped memory of the addresses noted keeps a program that
 * reuses its blocks from noting each free.  Memory wrappers only.
 */
void tt_heap_forget_slow(uint64_t addr);
void tt_heap_flush_frees(struct tt_thread *t, struct tt_thread *from);
static inline void tt_heap_forget(const void *ptr)
{
	uint32_t gen = atomic_load_explicit(&tt_heap_off, memory_order_relaxed);
	uint64_t a = (uint64_t)(uintptr_t)ptr;

	if (tt_likely(!gen) || !ptr)
		return;
	struct tt_thread *t = tt_self;

	if (tt_likely(t && t->offgen == gen && !t->busy)) {
		uint64_t *seen = &t->offseen[(a >> 4) & (TT_OFFSEEN - 1)];

		if (*seen == a)
			return;
		if (t->offn < TT_OFFLOG) {
			*seen = a;
			t->offlog[t->offn++] = a;
			t->pending |= TT_PEND_FREES;
			return;
		}
	}
	tt_heap_forget_slow(a);
}

#endif /* TT_TT_H */
