/*
 * wrap_proc.c - processes: fork, the exec family (execve, execv, execvp, execvpe, execl,
 * execlp, execle) and the exit paths (exit, _exit, _Exit).
 *
 * The fork child's new stream is set up by the atfork child handler (init.c), before fork
 * returns there.  An exec replaces the image without running atexit handlers, so each exec
 * wrapper records the call, drains every ring and writes an END chunk first; glibc's execl*
 * and execv* reach execve internally, where no wrapper sees them, so each is wrapped itself.
 * vfork is not wrapped (a wrapper cannot return twice); a vfork child shares our memory, so
 * the drains check that they run in the stream's own process (tt_owner_pid).
 */
#include "wrap.h"
#include "sys.h"

#include <sched.h>
#include <stdarg.h>
#include <string.h>

/*
 * A vfork child runs on its parent's memory, thread state included, until it execs or
 * exits: what it records would land in the parent's buffer as the parent's calls.  exec and
 * _exit, the calls such a child makes, check that they run in the stream's own process.
 */
static struct tt_thread *tt_enter_owner(unsigned cat)
{
	struct tt_thread *t = tt_enter(cat);

	return t && tt_getpid() == tt_owner_pid ? t : NULL;
}

TT_EXPORT pid_t fork(void)
{
	TT_NEED_OR(fork, -1);
	struct tt_thread *t = tt_enter(TT_CAT_PROCESS);
	uint64_t t0 = t ? tt_now() : 0;
	pid_t pid = tt_real.fork();
	int e = errno;

	if (pid != 0 && t) /* the child starts a fresh stream: the fork is the parent's event */
		tt_record(t, TT_EV_FORK, t0, tt_now(), pid < 0, e, 1, (uint64_t)(int64_t)pid, 0, 0,
			  0, 1);
	errno = e;
	return pid;
}

/*
 * argv as one space-separated string, cut to fit the buffer.  Read through tt_peek: exec
 * records it before the kernel has looked at it, and spawn after a failure that may be its
 * (EFAULT); an unreadable argv ends the string there.
 */
void tt_join_argv(char *buf, size_t len, char *const argv[])
{
	size_t n = 0;

	buf[0] = 0;
	for (int i = 0; argv && n + 1 < len; i++) {
		const char *arg;
		long l;

		if (!tt_peek_fixed(&arg, &argv[i], sizeof(arg)) || !arg)
			break;
		if (i)
			buf[n++] = ' ';
		l = tt_peek_str(buf + n, arg, len - n);
		if (l < 0) {
			buf[i ? n - 1 : n] = 0;
			break;
		}
		n += (size_t)l;
	}
}

void tt_record_exec(struct tt_thread *t, unsigned type, uint64_t t0, uint64_t t1, int failed,
		    int err, const char *path, char *const argv[])
{
	char joined[1024];
	const char *strs[TT_MAX_ARGS] = { path, joined, NULL, NULL };

	/* the pending record comes before the kernel has read the path */
	tt_join_argv(joined, sizeof(joined), argv);
	tt_record_strs(t, type, t0, t1, failed, err, failed ? (uint64_t)-1 : 0, NULL, strs, true);
}

/*
 * Records the exec as pending (format.h: dur 0, result 0), drains, calls, and on return
 * records the failure with the same start tick so that the reader replaces the pending one.
 */
#define TT_EXEC_BODY(fn, EV, path, argv, call)                                                     \
	TT_NEED_OR(fn, -1);                                                                        \
	struct tt_thread *t = tt_enter_owner(TT_CAT_PROCESS);                                      \
	uint64_t t0 = 0;                                                                           \
	if (t) {                                                                                   \
		t0 = tt_now();                                                                     \
		tt_record_exec(t, TT_EV_##EV, t0, t0, 0, 0, path, argv);                           \
		tt_exec_drain();                                                                   \
	}                                                                                          \
	int ret = call;                                                                            \
	int e = errno;                                                                             \
	if (t)                                                                                     \
		tt_record_exec(t, TT_EV_##EV, t0, tt_now(), 1, e, path, argv);                     \
	errno = e;                                                                                 \
	return ret;

TT_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	TT_EXEC_BODY(execve, EXECVE, path, argv, tt_real.execve(path, argv, envp))
}

TT_EXPORT int execv(const char *path, char *const argv[])
{
	TT_EXEC_BODY(execv, EXECV, path, argv, tt_real.execv(path, argv))
}

TT_EXPORT int execvp(const char *file, char *const argv[])
{
	TT_EXEC_BODY(execvp, EXECVP, file, argv, tt_real.execvp(file, argv))
}

TT_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	TT_EXEC_BODY(execvpe, EXECVPE, file, argv, tt_real.execvpe(file, argv, envp))
}

/*
 * The variadic execl family has no va_list variant in glibc: collect the arguments into an
 * array on the stack (exec has no use for the heap we are about to lose) and call the
 * matching array form.
 */
#define TT_MAX_EXECL_ARGS 4096

static int count_args(const char *arg0, va_list ap)
{
	va_list cp;
	int n = 1;

	va_copy(cp, ap);
	if (arg0)
		while (va_arg(cp, const char *) && n < TT_MAX_EXECL_ARGS)
			n++;
	va_end(cp);
	return n;
}

/* execle's environment comes after the NULL that ends the arguments */
static char *const *execle_envp(va_list ap)
{
	va_list cp;
	char *const *envp;

	va_copy(cp, ap);
	while (va_arg(cp, const char *))
		;
	envp = va_arg(cp, char *const *);
	va_end(cp);
	return envp;
}

#define TT_COLLECT_ARGS(argv, arg0, ap)                                                            \
	int n_ = count_args(arg0, ap);                                                             \
	char *argv[n_ + 1];                                                                        \
	argv[0] = (char *)arg0;                                                                    \
	for (int i_ = 1; i_ < n_; i_++)                                                            \
		argv[i_] = va_arg(ap, char *);                                                     \
	argv[n_] = NULL;

TT_EXPORT int execl(const char *path, const char *arg0, ...)
{
	va_list ap;

	va_start(ap, arg0);
	TT_COLLECT_ARGS(argv, arg0, ap);
	va_end(ap);
	TT_EXEC_BODY(execv, EXECL, path, argv, tt_real.execv(path, argv))
}

TT_EXPORT int execlp(const char *file, const char *arg0, ...)
{
	va_list ap;

	va_start(ap, arg0);
	TT_COLLECT_ARGS(argv, arg0, ap);
	va_end(ap);
	TT_EXEC_BODY(execvp, EXECLP, file, argv, tt_real.execvp(file, argv))
}

TT_EXPORT int execle(const char *path, const char *arg0, ...)
{
	va_list ap;

	va_start(ap, arg0);
	char *const *envp = execle_envp(ap);

	TT_COLLECT_ARGS(argv, arg0, ap);
	va_end(ap);
	TT_EXEC_BODY(execve, EXECLE, path, argv, tt_real.execve(path, argv, envp))
}

static void record_exit(unsigned type, int status)
{
	struct tt_thread *t = tt_enter_owner(TT_CAT_PROCESS);

	if (t) {
		uint64_t now = tt_now();

		tt_record(t, type, now, now, 0, 0, 1, (uint64_t)(int64_t)status, 0, 0, 0, 0);
	}
}

/* exit runs the atexit handlers, ours among them (init.c), which does the final drain. */
TT_EXPORT void exit(int status)
{
	TT_NEED(exit);
	record_exit(TT_EV_EXIT, status);
	tt_note_exit_status(status);
	tt_real.exit(status);
	__builtin_unreachable();
}

/* _exit and _Exit skip atexit handlers and destructors: drain here, then the matching call. */
TT_EXPORT void _exit(int status)
{
	TT_NEED(_exit);
	record_exit(TT_EV__EXIT, status);
	tt_final_drain(TT_EXIT__EXIT, status);
	tt_real._exit(status);
	__builtin_unreachable();
}

TT_EXPORT void _Exit(int status)
{
	TT_NEED(_Exit);
	record_exit(TT_EV__EXIT2, status);
	tt_final_drain(TT_EXIT__EXIT, status);
	tt_real._Exit(status);
	__builtin_unreachable();
}

TT_REAL(fexecve, NULL);
TT_REAL(execveat, NULL);
TT_REAL(quick_exit, NULL);

/* fexecve and execveat: the same pending-then-failure recording as the other execs */
static void record_exec_at(struct tt_thread *t, unsigned type, uint64_t t0, uint64_t t1, int failed,
			   int err, uint64_t a0, const char *path, char *const argv[], int flags)
{
	char joined[1024];
	const char *strs[TT_MAX_ARGS] = { NULL, path, joined };
	uint64_t args[TT_MAX_ARGS] = { a0, 0, 0, TT_S(flags) };

	tt_join_argv(joined, sizeof(joined), argv);
	if (type == TT_EV_FEXECVE) {
		strs[1] = joined; /* fexecve: (FD, ARGV) */
		strs[2] = NULL;
	}
	tt_record_strs(t, type, t0, t1, failed, err, failed ? (uint64_t)-1 : 0, args, strs, true);
}

TT_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	TT_NEED_REAL(fexecve, -1);
	struct tt_thread *t = tt_enter_owner(TT_CAT_PROCESS);
	uint64_t t0 = 0;

	if (t) {
		t0 = tt_now();
		record_exec_at(t, TT_EV_FEXECVE, t0, t0, 0, 0, TT_S(fd), NULL, argv, 0);
		tt_exec_drain();
	}
	int ret = real_fexecve(fd, argv, envp);
	int e = errno;

	if (t)
		record_exec_at(t, TT_EV_FEXECVE, t0, tt_now(), 1, e, TT_S(fd), NULL, argv, 0);
	errno = e;
	return ret;
}

TT_EXPORT int execveat(int dirfd, const char *path, char *const argv[], char *const envp[],
		       int flags)
{
	TT_NEED_REAL(execveat, -1);
	struct tt_thread *t = tt_enter_owner(TT_CAT_PROCESS);
	uint64_t t0 = 0;

	if (t) {
		t0 = tt_now();
		record_exec_at(t, TT_EV_EXECVEAT, t0, t0, 0, 0, TT_S(dirfd), path, argv, flags);
		tt_exec_drain();
	}
	int ret = real_execveat(dirfd, path, argv, envp, flags);
	int e = errno;

	if (t)
		record_exec_at(t, TT_EV_EXECVEAT, t0, tt_now(), 1, e, TT_S(dirfd), path, argv,
			       flags);
	errno = e;
	return ret;
}

/* quick_exit runs the at_quick_exit handlers, not ours: drain first. */
TT_EXPORT void quick_exit(int status)
{
	if (!real_quick_exit)
		tt_resolve_all();
	record_exit(TT_EV_QUICK_EXIT, status);
	tt_final_drain(TT_EXIT_EXIT, status);
	if (real_quick_exit)
		real_quick_exit(status);
	tt_real._exit(status);
	__builtin_unreachable();
}

/*
 * unshare and setns into a user namespace require a single-threaded process: the writer
 * thread must not make them fail (unshare(2)).  It is stopped first; the kernel may still
 * count it for a moment after the join, hence one retry on EINVAL.
 */
TT_REAL(unshare, NULL);
TT_REAL(setns, NULL);

TT_EXPORT int unshare(int flags)
{
	TT_NEED_REAL(unshare, -1);
	if (!(flags & CLONE_NEWUSER))
		return real_unshare(flags);
	tt_writer_stop();
	int ret = real_unshare(flags);

	if (ret < 0 && errno == EINVAL) {
		struct timespec ms = { 0, 1000000 };

		tt_sys2(SYS_nanosleep, &ms, NULL);
		ret = real_unshare(flags);
	}
	return ret;
}

TT_EXPORT int setns(int fd, int nstype)
{
	TT_NEED_REAL(setns, -1);
	if (nstype != 0 && !(nstype & CLONE_NEWUSER))
		return real_setns(fd, nstype);
	tt_writer_stop();
	int ret = real_setns(fd, nstype);

	if (ret < 0 && errno == EINVAL) {
		struct timespec ms = { 0, 1000000 };

		tt_sys2(SYS_nanosleep, &ms, NULL);
		ret = real_setns(fd, nstype);
	}
	return ret;
}
