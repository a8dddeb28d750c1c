/*
 * wrap_io.c - file I/O: open (open64, __open_2, __open64_2), openat (openat64, __openat_2,
 * __openat64_2), close, read (__read_chk), write.
 *
 * Aliases record the public name's event, so that open64 and __open_2 count as open.  This
 * file is built without _FILE_OFFSET_BITS and _FORTIFY_SOURCE, or the headers would rename
 * the very functions defined here.
 */
#include "wrap.h"

#include <stdarg.h>

/* The mode argument exists only when the flags say so: O_CREAT or O_TMPFILE (open(2)). */
#define TT_MODE_ARG(flags, mode)                                                                   \
	do {                                                                                       \
		if (__OPEN_NEEDS_MODE(flags)) {                                                    \
			va_list ap;                                                                \
			va_start(ap, flags);                                                       \
			mode = va_arg(ap, int);                                                    \
			va_end(ap);                                                                \
		}                                                                                  \
	} while (0)

static void record_open(struct tt_thread *t, uint64_t t0, int ret, int err, int dirfd,
			const char *path, int flags, int mode)
{
	uint64_t t1 = tt_now();

	if (dirfd == -1) {
		uint64_t args[TT_MAX_ARGS] = { 0, (uint64_t)flags, (uint64_t)mode, 0 };
		const char *strs[TT_MAX_ARGS] = { path, NULL, NULL, NULL };

		tt_record_args(t, TT_EV_OPEN, t0, t1, ret < 0, err, (uint64_t)(int64_t)ret, args,
			       strs);
	} else {
		uint64_t args[TT_MAX_ARGS] = { (uint64_t)(int64_t)dirfd, 0, (uint64_t)flags,
					       (uint64_t)mode };
		const char *strs[TT_MAX_ARGS] = { NULL, path, NULL, NULL };

		tt_record_args(t, TT_EV_OPENAT, t0, t1, ret < 0, err, (uint64_t)(int64_t)ret, args,
			       strs);
	}
}

/*
 * One body for all eight open entry points.  dirfd -1 means "not an openat" (AT_FDCWD is
 * -100, so -1 is free to mean that).
 */
#define TT_OPEN_BODY(fn, dirfd, call)                                                              \
	TT_NEED_OR(fn, -1);                                                                        \
	struct tt_thread *t = tt_enter(TT_CAT_IO);                                                 \
	if (!t)                                                                                    \
		return call;                                                                       \
	uint64_t t0 = tt_now();                                                                    \
	int ret = call;                                                                            \
	int e = errno;                                                                             \
	record_open(t, t0, ret, e, dirfd, path, flags, mode);                                      \
	errno = e;                                                                                 \
	return ret;

TT_EXPORT int open(const char *path, int flags, ...)
{
	int mode = 0;

	TT_MODE_ARG(flags, mode);
	TT_OPEN_BODY(open, -1, TT_FD_CALL(tt_real.open(path, flags, mode)))
}

TT_EXPORT int open64(const char *path, int flags, ...)
{
	int mode = 0;

	TT_MODE_ARG(flags, mode);
	TT_OPEN_BODY(open64, -1, TT_FD_CALL(tt_real.open64(path, flags, mode)))
}

TT_EXPORT int __open_2(const char *path, int flags)
{
	int mode = 0;

	TT_OPEN_BODY(__open_2, -1, TT_FD_CALL(tt_real.__open_2(path, flags)))
}

TT_EXPORT int __open64_2(const char *path, int flags)
{
	int mode = 0;

	TT_OPEN_BODY(__open64_2, -1, TT_FD_CALL(tt_real.__open64_2(path, flags)))
}

TT_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	int mode = 0;

	TT_MODE_ARG(flags, mode);
	TT_OPEN_BODY(openat, dirfd, TT_FD_CALL(tt_real.openat(dirfd, path, flags, mode)))
}

TT_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	int mode = 0;

	TT_MODE_ARG(flags, mode);
	TT_OPEN_BODY(openat64, dirfd, TT_FD_CALL(tt_real.openat64(dirfd, path, flags, mode)))
}

TT_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	int mode = 0;

	TT_OPEN_BODY(__openat_2, dirfd, TT_FD_CALL(tt_real.__openat_2(dirfd, path, flags)))
}

TT_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	int mode = 0;

	TT_OPEN_BODY(__openat64_2, dirfd, TT_FD_CALL(tt_real.__openat64_2(dirfd, path, flags)))
}

TT_EXPORT int close(int fd)
{
	TT_NEED_OR(close, -1);
	struct tt_thread *t = tt_enter(TT_CAT_IO);
	uint64_t t0 = t ? tt_now() : 0;
	int ret, e;

	if (tt_unlikely(fd >= tt_fd_min) && tt_fd_hidden(fd)) {
		/*
		 * The trace file is ours, left out of the program's listings of its descriptors
		 * (wrap_dir.c), but a listing made with the getdents64 system call still shows
		 * it, and closing what was listed succeeds natively.  So it succeeds, and the
		 * recorder keeps its descriptor (the program cannot be given that number again
		 * while it is open).
		 */
		ret = 0;
		e = errno;
	} else {
		if (tt_unlikely(fd >= tt_fd_min) && tt_private_fd_is(fd))
			tt_private_fd_remove(fd); /* libunwind replacing its pipe */
		ret = tt_real.close(fd);
		e = errno;
	}
	if (t)
		tt_record(t, TT_EV_CLOSE, t0, tt_now(), ret < 0, e, 2, (uint64_t)(int64_t)ret,
			  (uint64_t)(int64_t)fd, 0, 0, 1);
	errno = e;
	return ret;
}

/* read, __read_chk and write: the hottest I/O calls, recorded inline. */
#define TT_RW_BODY(fn, EV, call)                                                                   \
	TT_NEED_OR(fn, -1);                                                                        \
	struct tt_thread *t = tt_enter(TT_CAT_IO);                                                 \
	if (!t)                                                                                    \
		return TT_NOT_OURS(fd, call);                                                      \
	uint64_t t0 = tt_now();                                                                    \
	ssize_t ret = TT_NOT_OURS(fd, call);                                                       \
	uint64_t t1 = tt_now();                                                                    \
	int e = errno;                                                                             \
	tt_record(t, TT_EV_##EV, t0, t1, ret < 0, e, 3, (uint64_t)(int64_t)ret,                    \
		  (uint64_t)(int64_t)fd, count, 0, 1);                                             \
	errno = e;                                                                                 \
	return ret;

TT_EXPORT ssize_t read(int fd, void *buf, size_t count)
{
	TT_RW_BODY(read, READ, tt_real.read(fd, buf, count))
}

TT_EXPORT ssize_t __read_chk(int fd, void *buf, size_t count, size_t buflen)
{
	TT_RW_BODY(__read_chk, READ, tt_real.__read_chk(fd, buf, count, buflen))
}

TT_EXPORT ssize_t write(int fd, const void *buf, size_t count)
{
	TT_RW_BODY(write, WRITE, tt_real.write(fd, buf, count))
}
