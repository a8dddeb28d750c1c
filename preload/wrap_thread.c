/*
 * wrap_thread.c - thread lifecycle: pthread_create (through a trampoline so that the new
 * thread records its own start and end), pthread_join, pthread_exit, and thread names
 * (pthread_setname_np, prctl(PR_SET_NAME)).
 *
 * pthread_create is wrapped unversioned: pthread_create@@GLIBC_2.34 is the default since
 * glibc 2.34 (libpthread merged into libc) and a wrapper pinned to an older version would
 * be skipped by programs linked since.
 */
#include "wrap.h"
#include "sys.h"

#include <stdarg.h>
#include <string.h>

struct start {
	void *(*fn)(void *);
	void *arg;
	uint32_t creator;
};

static void record_thread_end(void *value)
{
	struct tt_thread *t = tt_enter(TT_CAT_FUNC);

	if (t && t->fs)
		tt_func_close_all(t, 0);
	t = tt_enter(TT_CAT_THREAD);

	if (t) {
		uint64_t now = tt_now();

		tt_record(t, TT_EV_THREAD_END, now, now, 0, 0, 1, TT_U(value), 0, 0, 0, 1);
	}
}

static void on_cancel_or_exit(void *unused)
{
	record_thread_end(NULL);
}

static void *trampoline(void *p)
{
	struct start s = *(struct start *)p;

	tt_real.free(p);

	struct tt_thread *t = tt_enter(TT_CAT_THREAD);

	if (t) {
		char name[17] = "";
		uint64_t now = tt_now();
		uint64_t args[TT_MAX_ARGS] = { s.creator, TT_U(pthread_self()), TT_U(s.fn), 0 };
		const char *strs[TT_MAX_ARGS] = { NULL, NULL, NULL, name };

		tt_sys2(SYS_prctl, PR_GET_NAME, name);
		tt_record_args(t, TT_EV_THREAD_START, now, now, 0, 0, 0, args, strs);
	}

	void *ret;

	/* pthread_exit and cancellation unwind through here: the end is recorded either way */
	pthread_cleanup_push(on_cancel_or_exit, NULL);
	ret = s.fn(s.arg);
	pthread_cleanup_pop(0);
	record_thread_end(ret);
	return ret;
}

TT_EXPORT int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*fn)(void *),
			     void *arg)
{
	TT_NEED_OR(pthread_create, EAGAIN);
	struct tt_thread *t = tt_enter(TT_CAT_THREAD);

	if (!t)
		return tt_real.pthread_create(thread, attr, fn, arg);

	/* The program goes multithreaded now anyway: a good moment for the writer to start. */
	if (!tt_writer_running())
		tt_writer_start();

	tt_busy_hold(t);
	struct start *s = tt_real.malloc(sizeof(*s));

	tt_unbusy(t);
	if (!s)
		return tt_real.pthread_create(thread, attr, fn, arg);
	s->fn = fn;
	s->arg = arg;
	s->creator = t->tid;

	uint64_t t0 = tt_now();
	int ret = tt_real.pthread_create(thread, attr, trampoline, s);
	uint64_t t1 = tt_now();
	int e = errno;

	if (ret)
		tt_real.free(s);
	tt_record(t, TT_EV_PTHREAD_CREATE, t0, t1, ret != 0, ret, 3, (uint64_t)(int64_t)ret,
		  ret ? 0 : TT_U(*thread), TT_U(fn), 0, 1);
	errno = e;
	return ret;
}

TT_EXPORT int pthread_join(pthread_t thread, void **retval)
{
	TT_NEED_OR(pthread_join, ENOSYS);
	struct tt_thread *t = tt_enter(TT_CAT_THREAD);

	if (!t)
		return tt_real.pthread_join(thread, retval);
	uint64_t t0 = tt_now();
	int ret = tt_real.pthread_join(thread, retval);
	uint64_t t1 = tt_now();
	int e = errno;

	tt_record(t, TT_EV_PTHREAD_JOIN, t0, t1, ret != 0, ret, 3, (uint64_t)(int64_t)ret,
		  TT_U(thread), (!ret && retval) ? TT_U(*retval) : 0, 0, 1);
	errno = e;
	return ret;
}

TT_EXPORT void pthread_exit(void *retval)
{
	TT_NEED(pthread_exit);
	struct tt_thread *t = tt_enter(TT_CAT_THREAD);

	if (t) {
		uint64_t now = tt_now();

		tt_record(t, TT_EV_PTHREAD_EXIT, now, now, 0, 0, 1, TT_U(retval), 0, 0, 0, 1);
	}
	/* the writer thread must then end the process when the last program thread is gone */
	if (tt_gettid() == tt_getpid())
		tt_main_thread_exits();
	tt_real.pthread_exit(retval);
	__builtin_unreachable();
}

static void record_name(struct tt_thread *t, unsigned type, uint64_t t0, int ret, int err,
			uint64_t a0, const char *name)
{
	uint64_t t1 = tt_now();
	uint64_t args[TT_MAX_ARGS] = { a0, 0, 0, 0 };
	const char *strs[TT_MAX_ARGS] = { NULL, name, NULL, NULL };

	tt_record_args(t, type, t0, t1, ret != 0, err, (uint64_t)(int64_t)ret, args, strs);
}

TT_EXPORT int pthread_setname_np(pthread_t thread, const char *name)
{
	TT_NEED_OR(pthread_setname_np, ENOSYS);
	struct tt_thread *t = tt_enter(TT_CAT_THREAD);

	if (!t)
		return tt_real.pthread_setname_np(thread, name);
	uint64_t t0 = tt_now();
	int ret = tt_real.pthread_setname_np(thread, name);
	int e = errno;
	struct tt_thread *target = tt_thread_find_self(TT_U(thread));
	char copy[16] = "";

	/* Record what the kernel kept (15 bytes), and only if it took it. */
	if (!ret)
		strncpy(copy, name, 15);
	record_name(t, TT_EV_SETNAME, t0, ret, ret, target ? target->tid : 0, copy);
	errno = e;
	return ret;
}

TT_EXPORT int prctl(int option, ...)
{
	va_list ap;
	unsigned long a2, a3, a4, a5;

	va_start(ap, option);
	a2 = va_arg(ap, unsigned long);
	a3 = va_arg(ap, unsigned long);
	a4 = va_arg(ap, unsigned long);
	a5 = va_arg(ap, unsigned long);
	va_end(ap);

	TT_NEED_OR(prctl, -1);
	struct tt_thread *t = tt_enter(TT_CAT_THREAD);

	if (!t)
		return tt_real.prctl(option, a2, a3, a4, a5);
	uint64_t t0 = tt_now();
	int ret = tt_real.prctl(option, a2, a3, a4, a5);
	int e = errno;
	char copy[16] = "";

	if (option == PR_SET_NAME && ret == 0 && a2)
		strncpy(copy, (const char *)a2, 15);
	record_name(t, TT_EV_PRCTL, t0, ret, e, (uint64_t)(int64_t)option,
		    option == PR_SET_NAME ? copy : NULL);
	errno = e;
	return ret;
}

/* The other thread calls: one shape, (pthread_t [, void **]) -> error code. */
TT_REAL(pthread_tryjoin_np, NULL);
TT_REAL(pthread_timedjoin_np, NULL);
TT_REAL(pthread_detach, NULL);
TT_REAL(pthread_cancel, NULL);

/* pthread calls return their error number and leave errno alone */
#define TT_THREAD_CALL(fn, EV, call, n, value)                                                     \
	TT_WRAP_BODY(TT_CAT_THREAD, fn, ENOSYS, int, call,                                         \
		     tt_record(t, TT_EV_##EV, t0, t1, ret != 0, ret, n, TT_S(ret), TT_U(thread),   \
			       value, 0, 1))

#define TT_RETVAL(ret, retval) (((ret) == 0 && (retval)) ? TT_U(*(retval)) : 0)

TT_EXPORT int pthread_tryjoin_np(pthread_t thread, void **retval)
{
	TT_THREAD_CALL(pthread_tryjoin_np, PTHREAD_TRYJOIN, real_pthread_tryjoin_np(thread, retval),
		       3, TT_RETVAL(ret, retval))
}

TT_EXPORT int pthread_timedjoin_np(pthread_t thread, void **retval, const struct timespec *abstime)
{
	TT_THREAD_CALL(pthread_timedjoin_np, PTHREAD_TIMEDJOIN,
		       real_pthread_timedjoin_np(thread, retval, abstime), 3,
		       TT_RETVAL(ret, retval))
}

TT_EXPORT int pthread_detach(pthread_t thread)
{
	TT_THREAD_CALL(pthread_detach, PTHREAD_DETACH, real_pthread_detach(thread), 2, 0)
}

TT_EXPORT int pthread_cancel(pthread_t thread)
{
	TT_THREAD_CALL(pthread_cancel, PTHREAD_CANCEL, real_pthread_cancel(thread), 2, 0)
}
