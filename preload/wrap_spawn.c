/*
 * wrap_spawn.c - starting and reaping other processes: posix_spawn, posix_spawnp, system,
 * popen, pclose, and the wait family (wait, waitpid, waitid, wait3, wait4).
 *
 * posix_spawn and system run their child through glibc-internal clone and exec, which no
 * wrapper sees; the child inherits LD_PRELOAD and writes its own stream, and the parent's
 * event carries the child's pid so the two can be linked.
 */
#include "wrap.h"

#include <spawn.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

TT_REAL(posix_spawn, NULL);
TT_REAL(posix_spawnp, NULL);
TT_REAL(system, NULL);
TT_REAL(popen, NULL);
TT_REAL(pclose, NULL);
TT_REAL(wait, NULL);
TT_REAL(waitpid, NULL);
TT_REAL(waitid, NULL);
TT_REAL(wait3, NULL);
TT_REAL(wait4, NULL);

#define TT_SPAWN_BODY(fn, EV)                                                                      \
	TT_NEED_REAL(fn, ENOSYS);                                                                  \
	struct tt_thread *t = tt_enter(TT_CAT_PROCESS);                                            \
	if (!t)                                                                                    \
		return real_##fn(pid, path, actions, attr, argv, envp);                            \
	int e = errno;                                                                             \
	uint64_t t0 = tt_now();                                                                    \
	int ret = real_##fn(pid, path, actions, attr, argv, envp);                                 \
	uint64_t t1 = tt_now();                                                                    \
	char joined[1024];                                                                         \
	tt_join_argv(joined, sizeof(joined), argv);                                                \
	uint64_t args[TT_MAX_ARGS] = { (!ret && pid) ? TT_S(*pid) : 0 };                           \
	const char *strs[TT_MAX_ARGS] = { NULL, path, joined };                                    \
	tt_record_args(t, TT_EV_##EV, t0, t1, ret != 0, ret, TT_S(ret), args, strs);               \
	errno = e;                                                                                 \
	return ret;

TT_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
			  const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	TT_SPAWN_BODY(posix_spawn, POSIX_SPAWN)
}

TT_EXPORT int posix_spawnp(pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
			   const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	TT_SPAWN_BODY(posix_spawnp, POSIX_SPAWNP)
}

TT_EXPORT int system(const char *command)
{
	TT_NEED_REAL(system, -1);
	struct tt_thread *t = tt_enter(TT_CAT_PROCESS);

	if (!t)
		return real_system(command);
	uint64_t t0 = tt_now();
	int ret = real_system(command);
	uint64_t t1 = tt_now();
	int e = errno;
	const char *strs[TT_MAX_ARGS] = { command };

	tt_record_args(t, TT_EV_SYSTEM, t0, t1, ret == -1, e, TT_S(ret), NULL, strs);
	errno = e;
	return ret;
}

TT_EXPORT FILE *popen(const char *command, const char *type)
{
	TT_NEED_REAL(popen, NULL);
	struct tt_thread *t = tt_enter(TT_CAT_PROCESS);

	if (!t)
		return TT_FD_CALLP(real_popen(command, type));
	uint64_t t0 = tt_now();
	FILE *ret = TT_FD_CALLP(real_popen(command, type));
	uint64_t t1 = tt_now();
	int e = errno;
	uint64_t args[TT_MAX_ARGS] = { 0, 0, ret ? TT_S(fileno(ret)) : TT_S(-1) };
	const char *strs[TT_MAX_ARGS] = { command, type };

	tt_record_args(t, TT_EV_POPEN, t0, t1, ret == NULL, e, TT_U(ret), args, strs);
	errno = e;
	return ret;
}

TT_EXPORT int pclose(FILE *stream)
{
	TT_NEED_REAL(pclose, -1);
	struct tt_thread *t = tt_enter(TT_CAT_PROCESS);

	if (!t)
		return real_pclose(stream);
	int fd = stream ? fileno(stream) : -1;
	uint64_t t0 = tt_now();
	int ret = real_pclose(stream);
	uint64_t t1 = tt_now();
	int e = errno;

	tt_record(t, TT_EV_PCLOSE, t0, t1, ret == -1, e, 3, TT_S(ret), TT_U(stream), TT_S(fd), 0,
		  1);
	errno = e;
	return ret;
}

/* The wait family: the pid reaped, and its status as the program sees it. */
#define TT_STATUS(ret, status) (((ret) > 0 && (status)) ? TT_S(*(status)) : 0)

TT_EXPORT pid_t wait(int *status)
{
	TT_WRAP_BODY(TT_CAT_PROCESS, wait, -1, pid_t, real_wait(status),
		     tt_record(t, TT_EV_WAIT, t0, t1, ret < 0, e, 2, TT_S(ret),
			       TT_STATUS(ret, status), 0, 0, 1))
}

TT_EXPORT pid_t waitpid(pid_t pid, int *status, int options)
{
	TT_WRAP_BODY(TT_CAT_PROCESS, waitpid, -1, pid_t, real_waitpid(pid, status, options),
		     tt_record(t, TT_EV_WAITPID, t0, t1, ret < 0, e, 4, TT_S(ret), TT_S(pid),
			       TT_STATUS(ret, status), TT_S(options), 1))
}

TT_EXPORT int waitid(idtype_t idtype, id_t id, siginfo_t *info, int options)
{
	TT_NEED_REAL(waitid, -1);
	struct tt_thread *t = tt_enter(TT_CAT_PROCESS);

	if (!t)
		return real_waitid(idtype, id, info, options);
	uint64_t t0 = tt_now();
	int ret = real_waitid(idtype, id, info, options);
	uint64_t t1 = tt_now();
	int e = errno;
	int ok = ret == 0 && info;
	uint64_t args[TT_MAX_ARGS] = { idtype == P_ALL ? TT_S(-1) : TT_S(id), TT_S(options),
				       ok ? TT_S(info->si_pid) : 0,
				       ok ? TT_S(info->si_status) : 0 };

	tt_record_args(t, TT_EV_WAITID, t0, t1, ret < 0, e, TT_S(ret), args, NULL);
	errno = e;
	return ret;
}

TT_EXPORT pid_t wait3(int *status, int options, struct rusage *usage)
{
	TT_WRAP_BODY(TT_CAT_PROCESS, wait3, -1, pid_t, real_wait3(status, options, usage),
		     tt_record(t, TT_EV_WAIT3, t0, t1, ret < 0, e, 3, TT_S(ret),
			       TT_STATUS(ret, status), TT_S(options), 0, 1))
}

TT_EXPORT pid_t wait4(pid_t pid, int *status, int options, struct rusage *usage)
{
	TT_WRAP_BODY(TT_CAT_PROCESS, wait4, -1, pid_t, real_wait4(pid, status, options, usage),
		     tt_record(t, TT_EV_WAIT4, t0, t1, ret < 0, e, 4, TT_S(ret), TT_S(pid),
			       TT_STATUS(ret, status), TT_S(options), 1))
}
