/*
 * wrap_wait.c - sleeping and waiting: nanosleep, clock_nanosleep, sleep, usleep, poll
 * (__poll_chk), ppoll (__ppoll_chk), select, pselect, epoll_wait, epoll_pwait, sched_yield,
 * and futex through syscall().
 *
 * glibc's sleep and usleep sleep through its internal nanosleep, which no wrapper sees: each
 * is one event.  The requested time is recorded in nanoseconds (REQNS), -1 for "no timeout";
 * for clock_nanosleep with TIMER_ABSTIME it is the absolute time given, as the flags say.
 */
#include "wrap.h"
#include "sys.h"

#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/select.h>

/* Fortify entry points that the headers declare only under _FORTIFY_SOURCE */
extern int __poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen);
extern int __ppoll_chk(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
		       const sigset_t *ss, size_t fdslen);

TT_REAL(nanosleep, NULL);
TT_REAL(clock_nanosleep, NULL);
TT_REAL(sleep, NULL);
TT_REAL(usleep, NULL);
TT_REAL(poll, NULL);
TT_REAL(__poll_chk, NULL);
TT_REAL(ppoll, NULL);
TT_REAL(__ppoll_chk, NULL);
TT_REAL(select, NULL);
TT_REAL(pselect, NULL);
TT_REAL(epoll_wait, NULL);
TT_REAL(epoll_pwait, NULL);
TT_REAL(sched_yield, NULL);
TT_REAL(syscall, NULL);

static int64_t ts_ns(const struct timespec *ts)
{
	return ts ? (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec : -1;
}

static int64_t tv_ns(const struct timeval *tv)
{
	return tv ? (int64_t)tv->tv_sec * 1000000000 + (int64_t)tv->tv_usec * 1000 : -1;
}

/*
 * The shape every wrapper here shares (as in the other families): rec may use t, t0, t1, ret
 * and e.
 */
#define TT_BODY(fn, fail, rtype, call, rec) TT_WRAP_BODY(TT_CAT_WAIT, fn, fail, rtype, call, rec)

/*
 * nanosleep and clock_nanosleep hand their request to the kernel unread, so it is read after
 * the call, and not at all if the kernel found it unreadable (EFAULT).
 */
TT_EXPORT int nanosleep(const struct timespec *req, struct timespec *rem)
{
	TT_BODY(nanosleep, -1, int, real_nanosleep(req, rem),
		tt_record(t, TT_EV_NANOSLEEP, t0, t1, ret < 0, e, 2, TT_S(ret),
			  TT_S(ret < 0 && e == EFAULT ? -1 : ts_ns(req)), 0, 0, 1))
}

/* clock_nanosleep returns the error number and leaves errno alone. */
TT_EXPORT int clock_nanosleep(clockid_t clock, int flags, const struct timespec *req,
			      struct timespec *rem)
{
	TT_BODY(clock_nanosleep, ENOSYS, int, real_clock_nanosleep(clock, flags, req, rem),
		tt_record(t, TT_EV_CLOCK_NANOSLEEP, t0, t1, ret != 0, ret, 4, TT_S(ret),
			  TT_S(clock), (unsigned)flags, TT_S(ret == EFAULT ? -1 : ts_ns(req)), 1))
}

/* sleep returns the seconds left when a signal cut it short: a failure with EINTR */
TT_EXPORT unsigned int sleep(unsigned int seconds)
{
	TT_BODY(sleep, seconds, unsigned int, real_sleep(seconds),
		tt_record(t, TT_EV_SLEEP, t0, t1, ret != 0, ret ? e : 0, 2, ret,
			  TT_S((int64_t)seconds * 1000000000), 0, 0, 1))
}

TT_EXPORT int usleep(useconds_t usec)
{
	TT_BODY(usleep, -1, int, real_usleep(usec),
		tt_record(t, TT_EV_USLEEP, t0, t1, ret < 0, e, 2, TT_S(ret),
			  TT_S((int64_t)usec * 1000), 0, 0, 1))
}

/* poll, __poll_chk: RET, NFDS, TIMEOUT */
#define TT_POLL_REC                                                                                \
	tt_record(t, TT_EV_POLL, t0, t1, ret < 0, e, 3, TT_S(ret), nfds, TT_S(timeout), 0, 1)

TT_EXPORT int poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	TT_BODY(poll, -1, int, real_poll(fds, nfds, timeout), TT_POLL_REC)
}

/* The real __poll_chk checks nfds against fdslen and aborts itself. */
TT_EXPORT int __poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen)
{
	TT_BODY(__poll_chk, -1, int, real___poll_chk(fds, nfds, timeout, fdslen), TT_POLL_REC)
}

/*
 * ppoll, pselect, select: the timeout is read before the call (select's is overwritten with
 * the time left; glibc reads the others itself before the system call anyway).
 */
#define TT_TIMEOUT_BODY(fn, EV, ns, call)                                                          \
	TT_NEED_REAL(fn, -1);                                                                      \
	struct tt_thread *t = tt_enter(TT_CAT_WAIT);                                               \
	if (!t)                                                                                    \
		return call;                                                                       \
	int64_t reqns = ns;                                                                        \
	uint64_t t0 = tt_now();                                                                    \
	int ret = call;                                                                            \
	uint64_t t1 = tt_now();                                                                    \
	int e = errno;                                                                             \
	tt_record(t, TT_EV_##EV, t0, t1, ret < 0, e, 3, TT_S(ret), (uint64_t)nfds, TT_S(reqns), 0, \
		  1);                                                                              \
	errno = e;                                                                                 \
	return ret;

TT_EXPORT int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
		    const sigset_t *ss)
{
	TT_TIMEOUT_BODY(ppoll, PPOLL, ts_ns(timeout), real_ppoll(fds, nfds, timeout, ss))
}

TT_EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
			  const sigset_t *ss, size_t fdslen)
{
	TT_TIMEOUT_BODY(__ppoll_chk, PPOLL, ts_ns(timeout),
			real___ppoll_chk(fds, nfds, timeout, ss, fdslen))
}

TT_EXPORT int select(int nfds, fd_set *restrict rfds, fd_set *restrict wfds, fd_set *restrict efds,
		     struct timeval *restrict timeout)
{
	TT_TIMEOUT_BODY(select, SELECT, tv_ns(timeout),
			real_select(nfds, rfds, wfds, efds, timeout))
}

TT_EXPORT int pselect(int nfds, fd_set *restrict rfds, fd_set *restrict wfds, fd_set *restrict efds,
		      const struct timespec *restrict timeout, const sigset_t *restrict ss)
{
	TT_TIMEOUT_BODY(pselect, PSELECT, ts_ns(timeout),
			real_pselect(nfds, rfds, wfds, efds, timeout, ss))
}

/* epoll_wait, epoll_pwait: RET, FD, MAXEVENTS, TIMEOUT */
#define TT_EPOLL_REC(EV)                                                                           \
	tt_record(t, TT_EV_##EV, t0, t1, ret < 0, e, 4, TT_S(ret), TT_S(epfd), TT_S(maxevents),    \
		  TT_S(timeout), 1)

TT_EXPORT int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)
{
	TT_BODY(epoll_wait, -1, int, real_epoll_wait(epfd, events, maxevents, timeout),
		TT_EPOLL_REC(EPOLL_WAIT))
}

TT_EXPORT int epoll_pwait(int epfd, struct epoll_event *events, int maxevents, int timeout,
			  const sigset_t *ss)
{
	TT_BODY(epoll_pwait, -1, int, real_epoll_pwait(epfd, events, maxevents, timeout, ss),
		TT_EPOLL_REC(EPOLL_PWAIT))
}

TT_EXPORT int sched_yield(void)
{
	TT_BODY(sched_yield, -1, int, real_sched_yield(),
		tt_record(t, TT_EV_SCHED_YIELD, t0, t1, ret < 0, e, 1, TT_S(ret), 0, 0, 0, 1))
}

/*
 * syscall(): only futex is recorded (LOCK = uaddr, OP, VAL), the way programs that bring
 * their own locks (Rust's std, for one) wait; every other number passes straight through,
 * errno untouched.  The six argument words are forwarded whatever the call takes, as the
 * system call ABI does.
 */
TT_EXPORT long syscall(long number, ...)
{
	va_list ap;
	long a[6];

	va_start(ap, number);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (tt_unlikely(!real_syscall)) {
		int saved = errno;

		tt_resolve_all();
		errno = saved;
		if (!real_syscall) {
			/* still resolving (a call from inside dlsym): do what syscall() does */
			long r = tt_syscall6(number, a[0], a[1], a[2], a[3], a[4], a[5]);

			if (r < 0 && r > -4096) {
				errno = (int)-r;
				return -1;
			}
			return r;
		}
	}
	struct tt_thread *t;

	if (number != SYS_futex || !(t = tt_enter(TT_CAT_WAIT)))
		return real_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
	uint64_t t0 = tt_now();
	long ret = real_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
	uint64_t t1 = tt_now();
	int e = errno;

	tt_record(t, TT_EV_FUTEX, t0, t1, ret == -1, e, 4, TT_S(ret), TT_U(a[0]), TT_S((int)a[1]),
		  TT_S((int)a[2]), 1);
	errno = e;
	return ret;
}
