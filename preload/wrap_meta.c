/*
 * wrap_meta.c - file metadata and names: stat (stat64, __xstat, __xstat64), lstat (lstat64,
 * __lxstat, __lxstat64), fstat (fstat64, __fxstat, __fxstat64), fstatat (fstatat64,
 * __fxstatat, __fxstatat64), statx, access, unlink, unlinkat, rename, renameat, mkdir, rmdir,
 * opendir, closedir (readdir of /proc/self/fd: wrap_dir.c).
 *
 * Two generations of the stat ABI coexist (glibc 2.33 NEWS): since 2.33 stat and friends are real
 * exports, and binaries built before call __xstat(_STAT_VER, ...) and its siblings, which
 * glibc still exports (on x86_64 as ordinary GLIBC_2.2.5 and GLIBC_2.4 symbols, though no
 * header declares them any more).  Both land here as the same event.  Our definitions are
 * unversioned, and an unversioned definition in a preloaded object binds the versioned
 * reference __xstat@GLIBC_2.2.5 of an old binary, as it does for every other wrapper
 * (tests/fileio.bats checks it); the real ones are looked up with that version first, then
 * by name alone (other architectures start at other versions).
 */
#include "wrap.h"

#include <sys/stat.h>

/* The pre-2.33 stat entry points (ver is _STAT_VER, passed through untouched) */
extern int __xstat(int ver, const char *path, struct stat *buf);
extern int __xstat64(int ver, const char *path, struct stat64 *buf);
extern int __lxstat(int ver, const char *path, struct stat *buf);
extern int __lxstat64(int ver, const char *path, struct stat64 *buf);
extern int __fxstat(int ver, int fd, struct stat *buf);
extern int __fxstat64(int ver, int fd, struct stat64 *buf);
extern int __fxstatat(int ver, int dirfd, const char *path, struct stat *buf, int flags);
extern int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *buf, int flags);

TT_REAL(stat, NULL);
TT_REAL(stat64, NULL);
TT_REAL(__xstat, "GLIBC_2.2.5");
TT_REAL(__xstat64, "GLIBC_2.2.5");
TT_REAL(lstat, NULL);
TT_REAL(lstat64, NULL);
TT_REAL(__lxstat, "GLIBC_2.2.5");
TT_REAL(__lxstat64, "GLIBC_2.2.5");
TT_REAL(fstat, NULL);
TT_REAL(fstat64, NULL);
TT_REAL(__fxstat, "GLIBC_2.2.5");
TT_REAL(__fxstat64, "GLIBC_2.2.5");
TT_REAL(fstatat, NULL);
TT_REAL(fstatat64, NULL);
TT_REAL(__fxstatat, "GLIBC_2.4");
TT_REAL(__fxstatat64, "GLIBC_2.4");
TT_REAL(statx, NULL);
TT_REAL(access, NULL);
TT_REAL(unlink, NULL);
TT_REAL(unlinkat, NULL);
TT_REAL(rename, NULL);
TT_REAL(renameat, NULL);
TT_REAL(mkdir, NULL);
TT_REAL(rmdir, NULL);
TT_REAL(opendir, NULL);
TT_REAL(closedir, NULL);

/* The shape of every wrapper here (see wrap_fileio.c): rec may use t, t0, t1, ret, e. */
#define TT_BODY(fn, fail, rtype, call, rec) TT_WRAP_BODY(TT_CAT_IO, fn, fail, rtype, call, rec)

/*
 * An int-returning call with arguments a0..a3 of which s0/s1 (slot numbers, -1 none) are
 * strings.  The strings are copied into the ring, so a path that the call itself removed
 * (unlink) is still read from the caller's memory, which is intact.
 */
static void record_path(struct tt_thread *t, unsigned type, uint64_t t0, uint64_t t1, int ret,
			int e, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, int s0,
			const char *p0, int s1, const char *p1)
{
	uint64_t args[TT_MAX_ARGS] = { a0, a1, a2, a3, 0 };
	const char *strs[TT_MAX_ARGS] = { NULL, NULL, NULL, NULL, NULL };

	if (s0 >= 0)
		strs[s0] = p0;
	if (s1 >= 0)
		strs[s1] = p1;
	tt_record_args(t, type, t0, t1, ret < 0, e, TT_S(ret), args, strs);
}

/* stat and lstat: (path) */
#define TT_STAT_BODY(fn, EV, call)                                                                 \
	TT_BODY(fn, -1, int, call,                                                                 \
		record_path(t, TT_EV_##EV, t0, t1, ret, e, 0, 0, 0, 0, 0, path, -1, NULL))

TT_EXPORT int stat(const char *path, struct stat *buf)
{
	TT_STAT_BODY(stat, STAT, real_stat(path, buf))
}

TT_EXPORT int stat64(const char *path, struct stat64 *buf)
{
	TT_STAT_BODY(stat64, STAT, real_stat64(path, buf))
}

TT_EXPORT int __xstat(int ver, const char *path, struct stat *buf)
{
	TT_STAT_BODY(__xstat, STAT, real___xstat(ver, path, buf))
}

TT_EXPORT int __xstat64(int ver, const char *path, struct stat64 *buf)
{
	TT_STAT_BODY(__xstat64, STAT, real___xstat64(ver, path, buf))
}

TT_EXPORT int lstat(const char *path, struct stat *buf)
{
	TT_STAT_BODY(lstat, LSTAT, real_lstat(path, buf))
}

TT_EXPORT int lstat64(const char *path, struct stat64 *buf)
{
	TT_STAT_BODY(lstat64, LSTAT, real_lstat64(path, buf))
}

TT_EXPORT int __lxstat(int ver, const char *path, struct stat *buf)
{
	TT_STAT_BODY(__lxstat, LSTAT, real___lxstat(ver, path, buf))
}

TT_EXPORT int __lxstat64(int ver, const char *path, struct stat64 *buf)
{
	TT_STAT_BODY(__lxstat64, LSTAT, real___lxstat64(ver, path, buf))
}

/* fstat: (fd), no string, inline */
#define TT_FSTAT_BODY(fn, call)                                                                    \
	TT_BODY(fn, -1, int, call,                                                                 \
		tt_record(t, TT_EV_FSTAT, t0, t1, ret < 0, e, 2, TT_S(ret), TT_S(fd), 0, 0, 1))

TT_EXPORT int fstat(int fd, struct stat *buf)
{
	TT_FSTAT_BODY(fstat, TT_NOT_OURS(fd, real_fstat(fd, buf)))
}

TT_EXPORT int fstat64(int fd, struct stat64 *buf)
{
	TT_FSTAT_BODY(fstat64, TT_NOT_OURS(fd, real_fstat64(fd, buf)))
}

TT_EXPORT int __fxstat(int ver, int fd, struct stat *buf)
{
	TT_FSTAT_BODY(__fxstat, TT_NOT_OURS(fd, real___fxstat(ver, fd, buf)))
}

TT_EXPORT int __fxstat64(int ver, int fd, struct stat64 *buf)
{
	TT_FSTAT_BODY(__fxstat64, TT_NOT_OURS(fd, real___fxstat64(ver, fd, buf)))
}

/* fstatat and statx: (dirfd, path, flags) */
/*
 * With AT_EMPTY_PATH and an empty path, the call is about dirfd itself: the recorder's
 * descriptors do not exist for it, as for fstat.  The path is looked at only for a dirfd
 * that may be one of them, and through tt_peek: the kernel has not read it yet.
 */
#define TT_AT_CALL(call)                                                                           \
	(tt_unlikely(dirfd >= tt_fd_min) && (flags & AT_EMPTY_PATH) && empty_path(path)            \
		 ? TT_NOT_OURS(dirfd, call)                                                        \
		 : (call))

static int empty_path(const char *path)
{
	char c;

	return path && tt_peek_fixed(&c, path, 1) && !c;
}

#define TT_AT_BODY(fn, EV, call)                                                                   \
	TT_BODY(fn, -1, int, TT_AT_CALL(call),                                                     \
		record_path(t, TT_EV_##EV, t0, t1, ret, e, TT_S(dirfd), 0, TT_S(flags), 0, 1,      \
			    path, -1, NULL))

TT_EXPORT int fstatat(int dirfd, const char *path, struct stat *buf, int flags)
{
	TT_AT_BODY(fstatat, FSTATAT, real_fstatat(dirfd, path, buf, flags))
}

TT_EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *buf, int flags)
{
	TT_AT_BODY(fstatat64, FSTATAT, real_fstatat64(dirfd, path, buf, flags))
}

TT_EXPORT int __fxstatat(int ver, int dirfd, const char *path, struct stat *buf, int flags)
{
	TT_AT_BODY(__fxstatat, FSTATAT, real___fxstatat(ver, dirfd, path, buf, flags))
}

TT_EXPORT int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *buf, int flags)
{
	TT_AT_BODY(__fxstatat64, FSTATAT, real___fxstatat64(ver, dirfd, path, buf, flags))
}

TT_EXPORT int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *buf)
{
	TT_AT_BODY(statx, STATX, real_statx(dirfd, path, flags, mask, buf))
}

TT_EXPORT int access(const char *path, int mode)
{
	TT_BODY(access, -1, int, real_access(path, mode),
		record_path(t, TT_EV_ACCESS, t0, t1, ret, e, 0, TT_S(mode), 0, 0, 0, path, -1,
			    NULL))
}

TT_EXPORT int unlink(const char *path)
{
	TT_BODY(unlink, -1, int, real_unlink(path),
		record_path(t, TT_EV_UNLINK, t0, t1, ret, e, 0, 0, 0, 0, 0, path, -1, NULL))
}

TT_EXPORT int unlinkat(int dirfd, const char *path, int flags)
{
	TT_AT_BODY(unlinkat, UNLINKAT, real_unlinkat(dirfd, path, flags))
}

TT_EXPORT int rename(const char *path, const char *newpath)
{
	TT_BODY(rename, -1, int, real_rename(path, newpath),
		record_path(t, TT_EV_RENAME, t0, t1, ret, e, 0, 0, 0, 0, 0, path, 1, newpath))
}

TT_EXPORT int renameat(int dirfd, const char *path, int newdirfd, const char *newpath)
{
	TT_BODY(renameat, -1, int, real_renameat(dirfd, path, newdirfd, newpath),
		record_path(t, TT_EV_RENAMEAT, t0, t1, ret, e, TT_S(dirfd), 0, TT_S(newdirfd), 0, 1,
			    path, 3, newpath))
}

TT_EXPORT int mkdir(const char *path, mode_t mode)
{
	TT_BODY(mkdir, -1, int, real_mkdir(path, mode),
		record_path(t, TT_EV_MKDIR, t0, t1, ret, e, 0, mode, 0, 0, 0, path, -1, NULL))
}

TT_EXPORT int rmdir(const char *path)
{
	TT_BODY(rmdir, -1, int, real_rmdir(path),
		record_path(t, TT_EV_RMDIR, t0, t1, ret, e, 0, 0, 0, 0, 0, path, -1, NULL))
}

/* dirfd sets errno for a DIR without descriptor: keep the program's errno intact */
static int dir_fd(DIR *dir)
{
	int e = errno, fd = dir ? dirfd(dir) : -1;

	errno = e;
	return fd;
}

/* opendir names its descriptor (FD = dirfd of the result) with the path */
static void record_opendir(struct tt_thread *t, uint64_t t0, uint64_t t1, DIR *ret, int e,
			   const char *path)
{
	uint64_t args[TT_MAX_ARGS] = { 0, TT_S(dir_fd(ret)), 0, 0, 0 };
	const char *strs[TT_MAX_ARGS] = { path, NULL, NULL, NULL, NULL };

	tt_record_args(t, TT_EV_OPENDIR, t0, t1, ret == NULL, e, TT_U(ret), args, strs);
}

TT_EXPORT DIR *opendir(const char *path)
{
	TT_BODY(opendir, NULL, DIR *, tt_fddir_note(TT_FD_CALLP(real_opendir(path)), path),
		record_opendir(t, t0, t1, ret, e, path))
}

/* The descriptor is read before the call: closedir frees the DIR. */
TT_EXPORT int closedir(DIR *dir)
{
	int fd = dir_fd(dir);

	tt_fddir_closing(dir);
	TT_BODY(closedir, -1, int, real_closedir(dir),
		tt_record(t, TT_EV_CLOSEDIR, t0, t1, ret < 0, e, 3, TT_S(ret), TT_U(dir), TT_S(fd),
			  0, 1))
}
