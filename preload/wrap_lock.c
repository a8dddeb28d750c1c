/*
 * wrap_lock.c - locks and wait objects: pthread mutexes (lock, trylock, timedlock, unlock),
 * rwlocks (rdlock, wrlock, their try and timed forms, unlock), condition variables (wait,
 * timedwait, clockwait, signal, broadcast), semaphores (sem_wait, sem_timedwait, sem_trywait,
 * sem_post), barriers (pthread_barrier_wait) and spinlocks (lock, trylock, unlock).
 *
 * The point is contention: how long a thread was blocked acquiring which lock, and who held
 * it.  An uncontended acquisition must stay cheap, so each blocking acquire tries first
 * (trylock, sem_trywait): when the try succeeds the event gets a single timestamp (duration
 * 0).  Only a busy try reads the holder out of the lock, takes a timestamp, calls the blocking
 * function and takes another, so the duration is the wait.  The try is what the blocking call
 * starts with anyway, and it gives the program the same results: a recursive mutex its caller
 * owns is re-entered by the try, an error-checking one makes the try say EBUSY and the lock
 * EDEADLK, a robust one whose owner died gives EOWNERDEAD from either (the lock is then held),
 * and any other error of the try is what the lock itself would have returned.  Two calls do
 * more than their try before they could block, and are honoured: sem_wait and sem_timedwait
 * act on a pending cancellation even when the count is positive, and sem_timedwait and the
 * timed rwlock calls reject a bad timeout even when the lock is free.
 *
 * The holder is read from glibc's lock words with a relaxed load, racing with its release:
 * it is the thread that held the lock when the try failed, or 0 when the lock does not say
 * (a lock owned by readers, an elided mutex, another libc).  Hold times
 * (acquire end to release start) are the converter's business.
 *
 * errno is not saved around the record (tt_record leaves it alone): the pthread calls report
 * errors in their result, and the semaphores' errno is read only when one failed.
 *
 * Condition variables have two ABIs on x86_64 (nptl/old_pthread_cond_*.c):
 * pthread_cond_*@GLIBC_2.2.5 take the old, smaller condvar and @@GLIBC_2.3.2 the current one. Each
 * gets its own wrapper bound by .symver to the same version of the real function: the new ones are
 * the default version (what programs link against today), the old ones record the same events for
 * binaries built before 2003 instead of silently handing their condvars to the new code.  The
 * version nodes are declared in libtraceit.map; every other export stays unversioned, which the
 * dynamic linker lets interpose any version of a name.  On ports with a single version of these
 * functions (aarch64, riscv...) the wrappers are plain exports.  Elsewhere (i386, s390, ppc) the
 * old-ABI callers would reach the new functions: not handled, those ports would need their own
 * nodes.  The other lock functions that glibc 2.34 moved from libpthread into libc carry two
 * versions too (@GLIBC_2.2.5 and @@GLIBC_2.34), but both name the same code, so one unversioned
 * wrapper serves both.
 *
 * Blind spots: glibc's own locking (stdio, malloc, dlopen, C11 mtx_* and cnd_* which call
 * the internal functions), the mutex that pthread_cond_wait releases and re-acquires inside
 * (it shows as the COND_WAIT event only), and the clock-selecting calls that have no event of
 * their own (pthread_mutex_clocklock, pthread_rwlock_clock*lock, sem_clockwait).
 */
#include "wrap.h"

#include <pthread.h>
#include <semaphore.h>
#include <time.h>

TT_REAL(pthread_mutex_lock, NULL);
TT_REAL(pthread_mutex_trylock, NULL);
TT_REAL(pthread_mutex_timedlock, NULL);
TT_REAL(pthread_mutex_unlock, NULL);
TT_REAL(pthread_rwlock_rdlock, NULL);
TT_REAL(pthread_rwlock_wrlock, NULL);
TT_REAL(pthread_rwlock_tryrdlock, NULL);
TT_REAL(pthread_rwlock_trywrlock, NULL);
TT_REAL(pthread_rwlock_timedrdlock, NULL);
TT_REAL(pthread_rwlock_timedwrlock, NULL);
TT_REAL(pthread_rwlock_unlock, NULL);
TT_REAL(pthread_cond_wait, "GLIBC_2.3.2");
TT_REAL(pthread_cond_timedwait, "GLIBC_2.3.2");
TT_REAL(pthread_cond_signal, "GLIBC_2.3.2");
TT_REAL(pthread_cond_broadcast, "GLIBC_2.3.2");
TT_REAL(sem_wait, NULL);
TT_REAL(sem_timedwait, NULL);
TT_REAL(sem_trywait, NULL);
TT_REAL(sem_post, NULL);
TT_REAL(pthread_barrier_wait, NULL);
TT_REAL(pthread_spin_lock, NULL);
TT_REAL(pthread_spin_trylock, NULL);
TT_REAL(pthread_spin_unlock, NULL);
TT_REAL(pthread_testcancel, NULL);

#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 30)
#define TT_HAVE_CLOCKWAIT 1
TT_REAL(pthread_cond_clockwait, NULL);
#endif

#if defined(__x86_64__) && !defined(__ILP32__) && defined(__GLIBC__)
/*
 * The two condvar ABIs.  The wrappers' own names are made local by libtraceit.map (tt_lockv_*);
 * only their versioned aliases are exported.
 */
#define TT_COND_OLD "GLIBC_2.2.5"
#define TT_COND_NAME(name) tt_lockv_##name##_232
#define TT_SYMVER(internal, public) __asm__(".symver " #internal "," #public)

/* Like TT_REAL, for a second (older) version of a function: pointer real_<name>_old */
#define TT_REAL_OLD(name, version)                                                                 \
	static __typeof__(name) *real_##name##_old;                                                \
	static const struct tt_real_entry tt_real_entry_##name##_old                               \
		__attribute__((used, section("tt_real_tab"), aligned(sizeof(void *)))) = {         \
			(void **)&real_##name##_old, #name, version                                \
		}

TT_REAL_OLD(pthread_cond_wait, TT_COND_OLD);
TT_REAL_OLD(pthread_cond_timedwait, TT_COND_OLD);
TT_REAL_OLD(pthread_cond_signal, TT_COND_OLD);
TT_REAL_OLD(pthread_cond_broadcast, TT_COND_OLD);
#else
#define TT_COND_NAME(name) name
#endif

/*
 * The holders.  glibc keeps the owner's tid in the mutex for the normal, error-checking,
 * recursive, robust and priority mutexes (0 when elided); robust mutexes park marker values
 * above any tid there once their owner died.  An rwlock names its writer, never its readers.
 */
#define TT_TID_MAX 0x3fffffff /* FUTEX_TID_MASK: no tid is larger */

static inline uint64_t mutex_holder(pthread_mutex_t *m)
{
#ifdef __GLIBC__
	int owner = __atomic_load_n(&m->__data.__owner, __ATOMIC_RELAXED);

	return owner > 0 && owner <= TT_TID_MAX ? (uint64_t)owner : 0;
#else
	(void)m;
	return 0;
#endif
}

/*
 * Whether unlocking m may have to wake a waiter, from glibc's lock word: a robust or
 * priority-inheriting mutex holds the owner's tid there plus FUTEX_WAITERS (bit 31); the others
 * keep 0 free, 1 locked, 2 locked with possible waiters in the two low bits (a priority-protected
 * one has its ceiling above them).  The kind bits are glibc's PTHREAD_MUTEX_ROBUST_NORMAL_NP and
 * PTHREAD_MUTEX_PRIO_INHERIT_NP.  A waiter arriving after the read makes an unlock look free of
 * wake-ups (its own event still shows the wait); other libcs get both timestamps always.
 */
static inline int mutex_may_wake(pthread_mutex_t *m)
{
#ifdef __GLIBC__
	int kind = __atomic_load_n(&m->__data.__kind, __ATOMIC_RELAXED);
	unsigned int w = __atomic_load_n((unsigned int *)&m->__data.__lock, __ATOMIC_RELAXED);

	if (kind & (16 | 32))
		return (w & 0x80000000u) != 0;
	return (w & 3) == 2;
#else
	(void)m;
	return 1;
#endif
}

/*
 * Whether signalling or broadcasting c may wake a waiter: glibc returns at once when its
 * waiter count (__wrefs above its three flag bits) is zero (nptl/pthread_cond_signal.c and
 * pthread_cond_broadcast.c since 2.25), and so does this.  A waiter arriving after the read
 * makes the call look free of wake-ups, as for mutex_may_wake.
 */
static inline int cond_may_wake(pthread_cond_t *c)
{
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 25)
	return __atomic_load_n(&c->__data.__wrefs, __ATOMIC_RELAXED) >> 3 != 0;
#else
	(void)c;
	return 1;
#endif
}

static inline uint64_t rwlock_holder(pthread_rwlock_t *rw)
{
#ifdef __GLIBC__
	int writer = __atomic_load_n(&rw->__data.__cur_writer, __ATOMIC_RELAXED);

	return writer > 0 && writer <= TT_TID_MAX ? (uint64_t)writer : 0;
#else
	(void)rw;
	return 0;
#endif
}

/* A timeout glibc rejects before looking at the lock (rwlocks, semaphores) */
static inline int bad_abstime(const struct timespec *abstime)
{
	return abstime && (unsigned long)abstime->tv_nsec >= 1000000000ul;
}

/*
 * The try-then-block acquire of the pthread locks (which return their error):
 *	EV		event; LK its lock argument; HOLDER expression read when busy (nholder: 1
 *			if the event has a HOLDER role, else 0)
 *	TRY, BLOCK	the calls
 * A try that finds the lock busy says EBUSY; anything else is final.
 */
#define TT_ACQUIRE_BODY(EV, LK, HOLDER, nholder, TRY, BLOCK)                                       \
	struct tt_thread *t = tt_enter(TT_CAT_LOCK);                                               \
	if (!t)                                                                                    \
		return BLOCK;                                                                      \
	uint64_t t0, t1, who = 0;                                                                  \
	int ret = TRY;                                                                             \
	if (tt_likely(ret != EBUSY)) {                                                             \
		t0 = t1 = tt_now();                                                                \
	} else {                                                                                   \
		who = HOLDER;                                                                      \
		t0 = tt_now();                                                                     \
		ret = BLOCK;                                                                       \
		t1 = tt_now();                                                                     \
	}                                                                                          \
	tt_record(t, EV, t0, t1, ret != 0, ret, 2 + (nholder), TT_S(ret), TT_U(LK), who, 0, 1);    \
	return ret;

/* A pthread call timed around the real one: result, then up to three argument words. */
#define TT_TIMED_BODY(EV, CALL, n, a1, a2, a3)                                                     \
	struct tt_thread *t = tt_enter(TT_CAT_LOCK);                                               \
	if (!t)                                                                                    \
		return CALL;                                                                       \
	uint64_t t0 = tt_now();                                                                    \
	int ret = CALL;                                                                            \
	uint64_t t1 = tt_now();                                                                    \
	tt_record(t, EV, t0, t1, ret != 0, ret, n, TT_S(ret), a1, a2, a3, 1);                      \
	return ret;

/*
 * A release or a wake-up of LK, timed only when it MAY wake a waiter (the duration is what
 * waking costs the caller); one that cannot is a few loads and stores, and a single
 * timestamp, its start, describes it.  The start is what matters: the end of a hold, the
 * moment a waiter was let go.
 */
#define TT_WAKE_BODY(EV, CALL, LK, MAY)                                                            \
	struct tt_thread *t = tt_enter(TT_CAT_LOCK);                                               \
	if (!t)                                                                                    \
		return CALL;                                                                       \
	int may_wake = MAY;                                                                        \
	uint64_t t0 = tt_now();                                                                    \
	int ret = CALL;                                                                            \
	uint64_t t1 = may_wake ? tt_now() : t0;                                                    \
	tt_record(t, EV, t0, t1, ret != 0, ret, 2, TT_S(ret), TT_U(LK), 0, 0, 1);                  \
	return ret;

/* A try call: it never waits, so one timestamp after it. */
#define TT_TRY_BODY(EV, CALL, LK)                                                                  \
	struct tt_thread *t = tt_enter(TT_CAT_LOCK);                                               \
	if (!t)                                                                                    \
		return CALL;                                                                       \
	int ret = CALL;                                                                            \
	uint64_t t1 = tt_now();                                                                    \
	tt_record(t, EV, t1, t1, ret != 0, ret, 2, TT_S(ret), TT_U(LK), 0, 0, 1);                  \
	return ret;

/*
 * Mutexes
 */
TT_EXPORT int pthread_mutex_lock(pthread_mutex_t *m)
{
	TT_NEED_REAL(pthread_mutex_lock, ENOSYS);
	TT_NEED_REAL(pthread_mutex_trylock, ENOSYS);
	TT_ACQUIRE_BODY(TT_EV_MUTEX_LOCK, m, mutex_holder(m), 1, real_pthread_mutex_trylock(m),
			real_pthread_mutex_lock(m))
}

TT_EXPORT int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *abstime)
{
	TT_NEED_REAL(pthread_mutex_timedlock, ENOSYS);
	TT_NEED_REAL(pthread_mutex_trylock, ENOSYS);
	TT_ACQUIRE_BODY(TT_EV_MUTEX_TIMEDLOCK, m, mutex_holder(m), 1, real_pthread_mutex_trylock(m),
			real_pthread_mutex_timedlock(m, abstime))
}

TT_EXPORT int pthread_mutex_trylock(pthread_mutex_t *m)
{
	TT_NEED_REAL(pthread_mutex_trylock, ENOSYS);
	TT_TRY_BODY(TT_EV_MUTEX_TRYLOCK, real_pthread_mutex_trylock(m), m)
}

TT_EXPORT int pthread_mutex_unlock(pthread_mutex_t *m)
{
	TT_NEED_REAL(pthread_mutex_unlock, ENOSYS);
	TT_WAKE_BODY(TT_EV_MUTEX_UNLOCK, real_pthread_mutex_unlock(m), m, mutex_may_wake(m))
}

/*
 * Read-write locks
 */
TT_EXPORT int pthread_rwlock_rdlock(pthread_rwlock_t *rw)
{
	TT_NEED_REAL(pthread_rwlock_rdlock, ENOSYS);
	TT_NEED_REAL(pthread_rwlock_tryrdlock, ENOSYS);
	TT_ACQUIRE_BODY(TT_EV_RWLOCK_RDLOCK, rw, rwlock_holder(rw), 1,
			real_pthread_rwlock_tryrdlock(rw), real_pthread_rwlock_rdlock(rw))
}

TT_EXPORT int pthread_rwlock_wrlock(pthread_rwlock_t *rw)
{
	TT_NEED_REAL(pthread_rwlock_wrlock, ENOSYS);
	TT_NEED_REAL(pthread_rwlock_trywrlock, ENOSYS);
	TT_ACQUIRE_BODY(TT_EV_RWLOCK_WRLOCK, rw, rwlock_holder(rw), 1,
			real_pthread_rwlock_trywrlock(rw), real_pthread_rwlock_wrlock(rw))
}

/* With a bad timeout the real call fails at once, lock free or not: no try then. */
TT_EXPORT int pthread_rwlock_timedrdlock(pthread_rwlock_t *rw, const struct timespec *abstime)
{
	TT_NEED_REAL(pthread_rwlock_timedrdlock, ENOSYS);
	TT_NEED_REAL(pthread_rwlock_tryrdlock, ENOSYS);
	TT_ACQUIRE_BODY(TT_EV_RWLOCK_TIMEDRDLOCK, rw, rwlock_holder(rw), 1,
			bad_abstime(abstime) ? EBUSY : real_pthread_rwlock_tryrdlock(rw),
			real_pthread_rwlock_timedrdlock(rw, abstime))
}

TT_EXPORT int pthread_rwlock_timedwrlock(pthread_rwlock_t *rw, const struct timespec *abstime)
{
	TT_NEED_REAL(pthread_rwlock_timedwrlock, ENOSYS);
	TT_NEED_REAL(pthread_rwlock_trywrlock, ENOSYS);
	TT_ACQUIRE_BODY(TT_EV_RWLOCK_TIMEDWRLOCK, rw, rwlock_holder(rw), 1,
			bad_abstime(abstime) ? EBUSY : real_pthread_rwlock_trywrlock(rw),
			real_pthread_rwlock_timedwrlock(rw, abstime))
}

TT_EXPORT int pthread_rwlock_tryrdlock(pthread_rwlock_t *rw)
{
	TT_NEED_REAL(pthread_rwlock_tryrdlock, ENOSYS);
	TT_TRY_BODY(TT_EV_RWLOCK_TRYRDLOCK, real_pthread_rwlock_tryrdlock(rw), rw)
}

TT_EXPORT int pthread_rwlock_trywrlock(pthread_rwlock_t *rw)
{
	TT_NEED_REAL(pthread_rwlock_trywrlock, ENOSYS);
	TT_TRY_BODY(TT_EV_RWLOCK_TRYWRLOCK, real_pthread_rwlock_trywrlock(rw), rw)
}

TT_EXPORT int pthread_rwlock_unlock(pthread_rwlock_t *rw)
{
	TT_NEED_REAL(pthread_rwlock_unlock, ENOSYS);
	TT_TIMED_BODY(TT_EV_RWLOCK_UNLOCK, real_pthread_rwlock_unlock(rw), 2, TT_U(rw), 0, 0)
}

/*
 * Condition variables: the duration of a wait is the time between releasing the mutex and
 * having it back, including re-acquiring it.  TT_COND_NAME is the default-version wrapper.
 */
int TT_COND_NAME(pthread_cond_wait)(pthread_cond_t *c, pthread_mutex_t *m);
int TT_COND_NAME(pthread_cond_timedwait)(pthread_cond_t *c, pthread_mutex_t *m,
					 const struct timespec *abstime);
int TT_COND_NAME(pthread_cond_signal)(pthread_cond_t *c);
int TT_COND_NAME(pthread_cond_broadcast)(pthread_cond_t *c);

TT_EXPORT int TT_COND_NAME(pthread_cond_wait)(pthread_cond_t *c, pthread_mutex_t *m)
{
	TT_NEED_REAL(pthread_cond_wait, ENOSYS);
	TT_TIMED_BODY(TT_EV_COND_WAIT, real_pthread_cond_wait(c, m), 3, TT_U(c), TT_U(m), 0)
}

TT_EXPORT int TT_COND_NAME(pthread_cond_timedwait)(pthread_cond_t *c, pthread_mutex_t *m,
						   const struct timespec *abstime)
{
	TT_NEED_REAL(pthread_cond_timedwait, ENOSYS);
	TT_TIMED_BODY(TT_EV_COND_TIMEDWAIT, real_pthread_cond_timedwait(c, m, abstime), 3, TT_U(c),
		      TT_U(m), 0)
}

TT_EXPORT int TT_COND_NAME(pthread_cond_signal)(pthread_cond_t *c)
{
	TT_NEED_REAL(pthread_cond_signal, ENOSYS);
	TT_WAKE_BODY(TT_EV_COND_SIGNAL, real_pthread_cond_signal(c), c, cond_may_wake(c))
}

TT_EXPORT int TT_COND_NAME(pthread_cond_broadcast)(pthread_cond_t *c)
{
	TT_NEED_REAL(pthread_cond_broadcast, ENOSYS);
	TT_WAKE_BODY(TT_EV_COND_BROADCAST, real_pthread_cond_broadcast(c), c, cond_may_wake(c))
}

#ifdef TT_COND_OLD
/* the version after @ is no expression: not to be formatted */
/* clang-format off */
TT_SYMVER(tt_lockv_pthread_cond_wait_232, pthread_cond_wait@@GLIBC_2.3.2);
TT_SYMVER(tt_lockv_pthread_cond_timedwait_232, pthread_cond_timedwait@@GLIBC_2.3.2);
TT_SYMVER(tt_lockv_pthread_cond_signal_232, pthread_cond_signal@@GLIBC_2.3.2);
TT_SYMVER(tt_lockv_pthread_cond_broadcast_232, pthread_cond_broadcast@@GLIBC_2.3.2);
/* clang-format on */

/* The old ABI: same events, the old real functions (they take the old condvar layout). */
int tt_lockv_pthread_cond_wait_225(pthread_cond_t *c, pthread_mutex_t *m);
int tt_lockv_pthread_cond_timedwait_225(pthread_cond_t *c, pthread_mutex_t *m,
					const struct timespec *abstime);
int tt_lockv_pthread_cond_signal_225(pthread_cond_t *c);
int tt_lockv_pthread_cond_broadcast_225(pthread_cond_t *c);

TT_EXPORT int tt_lockv_pthread_cond_wait_225(pthread_cond_t *c, pthread_mutex_t *m)
{
	TT_NEED_REAL(pthread_cond_wait_old, ENOSYS);
	TT_TIMED_BODY(TT_EV_COND_WAIT, real_pthread_cond_wait_old(c, m), 3, TT_U(c), TT_U(m), 0)
}

TT_EXPORT int tt_lockv_pthread_cond_timedwait_225(pthread_cond_t *c, pthread_mutex_t *m,
						  const struct timespec *abstime)
{
	TT_NEED_REAL(pthread_cond_timedwait_old, ENOSYS);
	TT_TIMED_BODY(TT_EV_COND_TIMEDWAIT, real_pthread_cond_timedwait_old(c, m, abstime), 3,
		      TT_U(c), TT_U(m), 0)
}

TT_EXPORT int tt_lockv_pthread_cond_signal_225(pthread_cond_t *c)
{
	TT_NEED_REAL(pthread_cond_signal_old, ENOSYS);
	TT_TIMED_BODY(TT_EV_COND_SIGNAL, real_pthread_cond_signal_old(c), 2, TT_U(c), 0, 0)
}

TT_EXPORT int tt_lockv_pthread_cond_broadcast_225(pthread_cond_t *c)
{
	TT_NEED_REAL(pthread_cond_broadcast_old, ENOSYS);
	TT_TIMED_BODY(TT_EV_COND_BROADCAST, real_pthread_cond_broadcast_old(c), 2, TT_U(c), 0, 0)
}

/* the version after @ is no expression: not to be formatted */
/* clang-format off */
TT_SYMVER(tt_lockv_pthread_cond_wait_225, pthread_cond_wait@GLIBC_2.2.5);
TT_SYMVER(tt_lockv_pthread_cond_timedwait_225, pthread_cond_timedwait@GLIBC_2.2.5);
TT_SYMVER(tt_lockv_pthread_cond_signal_225, pthread_cond_signal@GLIBC_2.2.5);
TT_SYMVER(tt_lockv_pthread_cond_broadcast_225, pthread_cond_broadcast@GLIBC_2.2.5);
/* clang-format on */
#endif

#ifdef TT_HAVE_CLOCKWAIT
/* New in glibc 2.30, after the condvar rewrite: one ABI only. */
TT_EXPORT int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clock,
				     const struct timespec *abstime)
{
	TT_NEED_REAL(pthread_cond_clockwait, ENOSYS);
	TT_TIMED_BODY(TT_EV_COND_CLOCKWAIT, real_pthread_cond_clockwait(c, m, clock, abstime), 4,
		      TT_U(c), TT_U(m), TT_S(clock))
}
#endif

/*
 * Semaphores report failure through errno.  The try's EAGAIN is not the caller's: errno is
 * put back before the blocking call, whose success leaves it alone.
 */
#define TT_SEM_BODY(EV, BLOCK, may_try)                                                            \
	struct tt_thread *t = tt_enter(TT_CAT_LOCK);                                               \
	if (!t)                                                                                    \
		return BLOCK;                                                                      \
	uint64_t t0, t1;                                                                           \
	int ret = -1, e0 = errno;                                                                  \
	if (tt_likely(may_try)) {                                                                  \
		real_pthread_testcancel(); /* a cancellation point even when not blocking */       \
		ret = real_sem_trywait(s);                                                         \
	}                                                                                          \
	if (tt_likely(ret == 0)) {                                                                 \
		t0 = t1 = tt_now();                                                                \
	} else {                                                                                   \
		/* EAGAIN (or the trywait failed otherwise: the real call says the same) */        \
		errno = e0;                                                                        \
		t0 = tt_now();                                                                     \
		ret = BLOCK;                                                                       \
		t1 = tt_now();                                                                     \
	}                                                                                          \
	tt_record(t, EV, t0, t1, ret != 0, ret != 0 ? errno : 0, 2, TT_S(ret), TT_U(s), 0, 0, 1);  \
	return ret;

TT_EXPORT int sem_wait(sem_t *s)
{
	TT_NEED_REAL(sem_wait, -1);
	TT_NEED_REAL(sem_trywait, -1);
	TT_NEED_REAL(pthread_testcancel, -1);
	TT_SEM_BODY(TT_EV_SEM_WAIT, real_sem_wait(s), 1)
}

TT_EXPORT int sem_timedwait(sem_t *s, const struct timespec *abstime)
{
	TT_NEED_REAL(sem_timedwait, -1);
	TT_NEED_REAL(sem_trywait, -1);
	TT_NEED_REAL(pthread_testcancel, -1);
	TT_SEM_BODY(TT_EV_SEM_TIMEDWAIT, real_sem_timedwait(s, abstime), !bad_abstime(abstime))
}

TT_EXPORT int sem_trywait(sem_t *s)
{
	TT_NEED_REAL(sem_trywait, -1);
	struct tt_thread *t = tt_enter(TT_CAT_LOCK);

	if (!t)
		return real_sem_trywait(s);
	int ret = real_sem_trywait(s);
	uint64_t t1 = tt_now();

	tt_record(t, TT_EV_SEM_TRYWAIT, t1, t1, ret != 0, ret != 0 ? errno : 0, 2, TT_S(ret),
		  TT_U(s), 0, 0, 1);
	return ret;
}

TT_EXPORT int sem_post(sem_t *s)
{
	TT_NEED_REAL(sem_post, -1);
	struct tt_thread *t = tt_enter(TT_CAT_LOCK);

	if (!t)
		return real_sem_post(s);
	uint64_t t0 = tt_now();
	int ret = real_sem_post(s);
	uint64_t t1 = tt_now();

	tt_record(t, TT_EV_SEM_POST, t0, t1, ret != 0, ret != 0 ? errno : 0, 2, TT_S(ret), TT_U(s),
		  0, 0, 1);
	return ret;
}

/*
 * Barriers: one waiter gets PTHREAD_BARRIER_SERIAL_THREAD, which is not a failure.
 */
TT_EXPORT int pthread_barrier_wait(pthread_barrier_t *b)
{
	TT_NEED_REAL(pthread_barrier_wait, ENOSYS);
	struct tt_thread *t = tt_enter(TT_CAT_LOCK);

	if (!t)
		return real_pthread_barrier_wait(b);
	uint64_t t0 = tt_now();
	int ret = real_pthread_barrier_wait(b);
	uint64_t t1 = tt_now();
	int failed = ret != 0 && ret != PTHREAD_BARRIER_SERIAL_THREAD;

	tt_record(t, TT_EV_BARRIER_WAIT, t0, t1, failed, failed ? ret : 0, 2, TT_S(ret), TT_U(b), 0,
		  0, 1);
	return ret;
}

/*
 * Spinlocks: no owner to read.
 */
TT_EXPORT int pthread_spin_lock(pthread_spinlock_t *sp)
{
	TT_NEED_REAL(pthread_spin_lock, ENOSYS);
	TT_NEED_REAL(pthread_spin_trylock, ENOSYS);
	TT_ACQUIRE_BODY(TT_EV_SPIN_LOCK, sp, 0, 0, real_pthread_spin_trylock(sp),
			real_pthread_spin_lock(sp))
}

TT_EXPORT int pthread_spin_trylock(pthread_spinlock_t *sp)
{
	TT_NEED_REAL(pthread_spin_trylock, ENOSYS);
	TT_TRY_BODY(TT_EV_SPIN_TRYLOCK, real_pthread_spin_trylock(sp), sp)
}

/* A spinlock has no waiters to wake: its unlock is a store, one timestamp (the start) is all. */
TT_EXPORT int pthread_spin_unlock(pthread_spinlock_t *sp)
{
	TT_NEED_REAL(pthread_spin_unlock, ENOSYS);
	struct tt_thread *t = tt_enter(TT_CAT_LOCK);

	if (!t)
		return real_pthread_spin_unlock(sp);
	uint64_t t0 = tt_now();
	int ret = real_pthread_spin_unlock(sp);

	tt_record(t, TT_EV_SPIN_UNLOCK, t0, t0, ret != 0, ret, 2, TT_S(ret), TT_U(sp), 0, 0, 1);
	return ret;
}
