/*
 * wrap_fileio.c - descriptor I/O beyond open/read/write: creat (creat64), pread (pread64,
 * __pread_chk, __pread64_chk), pwrite (pwrite64), readv, writev, preadv (preadv64, preadv2,
 * preadv64v2), pwritev (pwritev64, pwritev2, pwritev64v2), lseek (lseek64), fsync, fdatasync,
 * ftruncate (ftruncate64), sendfile (sendfile64), copy_file_range, dup, dup2, dup3, fcntl
 * (fcntl64), pipe, pipe2.
 *
 * Aliases record the public name's event.  pread, pwrite, readv, writev and lseek are hot in
 * databases: they are recorded inline (tt_record); preadv/pwritev carry five words and go
 * through tt_record_args, without strings.
 *
 * dup2/dup3 onto the trace file's descriptor first move the trace elsewhere
 * (tt_stream_relocate): the program gets the descriptor it asked for, and the recorder
 * never writes into the program's file.
 */
#include "wrap.h"
#include "sys.h"

#include <stdarg.h>
#include <sys/sendfile.h>
#include <sys/uio.h>

/* Fortify entry points that the headers declare only under _FORTIFY_SOURCE */
extern ssize_t __pread_chk(int fd, void *buf, size_t count, off_t off, size_t buflen);
extern ssize_t __pread64_chk(int fd, void *buf, size_t count, off64_t off, size_t buflen);

TT_REAL(creat, NULL);
TT_REAL(creat64, NULL);
TT_REAL(pread, NULL);
TT_REAL(pread64, NULL);
TT_REAL(__pread_chk, NULL);
TT_REAL(__pread64_chk, NULL);
TT_REAL(pwrite, NULL);
TT_REAL(pwrite64, NULL);
TT_REAL(readv, NULL);
TT_REAL(writev, NULL);
TT_REAL(preadv, NULL);
TT_REAL(preadv64, NULL);
TT_REAL(preadv2, NULL);
TT_REAL(preadv64v2, NULL);
TT_REAL(pwritev, NULL);
TT_REAL(pwritev64, NULL);
TT_REAL(pwritev2, NULL);
TT_REAL(pwritev64v2, NULL);
TT_REAL(lseek, NULL);
TT_REAL(lseek64, NULL);
TT_REAL(fsync, NULL);
TT_REAL(fdatasync, NULL);
TT_REAL(ftruncate, NULL);
TT_REAL(ftruncate64, NULL);
TT_REAL(sendfile, NULL);
TT_REAL(sendfile64, NULL);
TT_REAL(copy_file_range, NULL);
TT_REAL(dup, NULL);
TT_REAL(dup2, NULL);
TT_REAL(dup3, NULL);
TT_REAL(fcntl, NULL);
TT_REAL(fcntl64, NULL);
TT_REAL(pipe, NULL);
TT_REAL(pipe2, NULL);

/*
 * The shape every wrapper here shares: make sure the real function is there, pass through
 * when not recording, time the call, save errno, record (rec may use t, t0, t1, ret, e),
 * restore errno.  fail is what the call returns when the real function does not exist.
 */
#define TT_BODY(fn, fail, rtype, call, rec) TT_WRAP_BODY(TT_CAT_IO, fn, fail, rtype, call, rec)

/* Calls that return an int, -1 on failure, and take one descriptor: fsync, fdatasync, dup */
#define TT_FD_BODY(fn, EV)                                                                         \
	TT_BODY(fn, -1, int, TT_NOT_OURS(fd, real_##fn(fd)),                                       \
		tt_record(t, TT_EV_##EV, t0, t1, ret < 0, e, 2, TT_S(ret), TT_S(fd), 0, 0, 1))

static void record_creat(struct tt_thread *t, uint64_t t0, uint64_t t1, int ret, int e,
			 const char *path, mode_t mode)
{
	uint64_t args[TT_MAX_ARGS] = { 0, mode, 0, 0, 0 };
	const char *strs[TT_MAX_ARGS] = { path, NULL, NULL, NULL, NULL };

	tt_record_args(t, TT_EV_CREAT, t0, t1, ret < 0, e, TT_S(ret), args, strs);
}

#define TT_CREAT_BODY(fn)                                                                          \
	TT_BODY(fn, -1, int, TT_FD_CALL(real_##fn(path, mode)),                                    \
		record_creat(t, t0, t1, ret, e, path, mode))

TT_EXPORT int creat(const char *path, mode_t mode)
{
	TT_CREAT_BODY(creat)
}

TT_EXPORT int creat64(const char *path, mode_t mode)
{
	TT_CREAT_BODY(creat64)
}

/* pread, pwrite and their aliases: result, fd, count, offset in four inline words */
#define TT_PRW_BODY(fn, EV, call)                                                                  \
	TT_BODY(fn, -1, ssize_t, TT_NOT_OURS(fd, call),                                            \
		tt_record(t, TT_EV_##EV, t0, t1, ret < 0, e, 4, TT_S(ret), TT_S(fd), count,        \
			  TT_S(off), 1))

TT_EXPORT ssize_t pread(int fd, void *buf, size_t count, off_t off)
{
	TT_PRW_BODY(pread, PREAD, real_pread(fd, buf, count, off))
}

TT_EXPORT ssize_t pread64(int fd, void *buf, size_t count, off64_t off)
{
	TT_PRW_BODY(pread64, PREAD, real_pread64(fd, buf, count, off))
}

/* The real _chk functions check count against buflen and abort themselves. */
TT_EXPORT ssize_t __pread_chk(int fd, void *buf, size_t count, off_t off, size_t buflen)
{
	TT_PRW_BODY(__pread_chk, PREAD, real___pread_chk(fd, buf, count, off, buflen))
}

TT_EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t count, off64_t off, size_t buflen)
{
	TT_PRW_BODY(__pread64_chk, PREAD, real___pread64_chk(fd, buf, count, off, buflen))
}

TT_EXPORT ssize_t pwrite(int fd, const void *buf, size_t count, off_t off)
{
	TT_PRW_BODY(pwrite, PWRITE, real_pwrite(fd, buf, count, off))
}

TT_EXPORT ssize_t pwrite64(int fd, const void *buf, size_t count, off64_t off)
{
	TT_PRW_BODY(pwrite64, PWRITE, real_pwrite64(fd, buf, count, off))
}

/* readv, writev: result, fd, iovcnt */
#define TT_RWV_BODY(fn, EV)                                                                        \
	TT_BODY(fn, -1, ssize_t, TT_NOT_OURS(fd, real_##fn(fd, iov, iovcnt)),                      \
		tt_record(t, TT_EV_##EV, t0, t1, ret < 0, e, 3, TT_S(ret), TT_S(fd), TT_S(iovcnt), \
			  0, 1))

TT_EXPORT ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	TT_RWV_BODY(readv, READV)
}

TT_EXPORT ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	TT_RWV_BODY(writev, WRITEV)
}

/* preadv, pwritev and the v2 variants: five words, so out of line; flags 0 without v2 */
static void record_prwv(struct tt_thread *t, unsigned type, uint64_t t0, uint64_t t1, ssize_t ret,
			int e, int fd, int iovcnt, off64_t off, int flags)
{
	uint64_t args[TT_MAX_ARGS] = { TT_S(fd), TT_S(iovcnt), TT_S(off), TT_S(flags), 0 };

	tt_record_args(t, type, t0, t1, ret < 0, e, TT_S(ret), args, NULL);
}

#define TT_PRWV_BODY(fn, EV, flags, call)                                                          \
	TT_BODY(fn, -1, ssize_t, TT_NOT_OURS(fd, call),                                            \
		record_prwv(t, TT_EV_##EV, t0, t1, ret, e, fd, iovcnt, off, flags))

TT_EXPORT ssize_t preadv(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
	TT_PRWV_BODY(preadv, PREADV, 0, real_preadv(fd, iov, iovcnt, off))
}

TT_EXPORT ssize_t preadv64(int fd, const struct iovec *iov, int iovcnt, off64_t off)
{
	TT_PRWV_BODY(preadv64, PREADV, 0, real_preadv64(fd, iov, iovcnt, off))
}

TT_EXPORT ssize_t preadv2(int fd, const struct iovec *iov, int iovcnt, off_t off, int flags)
{
	TT_PRWV_BODY(preadv2, PREADV, flags, real_preadv2(fd, iov, iovcnt, off, flags))
}

TT_EXPORT ssize_t preadv64v2(int fd, const struct iovec *iov, int iovcnt, off64_t off, int flags)
{
	TT_PRWV_BODY(preadv64v2, PREADV, flags, real_preadv64v2(fd, iov, iovcnt, off, flags))
}

TT_EXPORT ssize_t pwritev(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
	TT_PRWV_BODY(pwritev, PWRITEV, 0, real_pwritev(fd, iov, iovcnt, off))
}

TT_EXPORT ssize_t pwritev64(int fd, const struct iovec *iov, int iovcnt, off64_t off)
{
	TT_PRWV_BODY(pwritev64, PWRITEV, 0, real_pwritev64(fd, iov, iovcnt, off))
}

TT_EXPORT ssize_t pwritev2(int fd, const struct iovec *iov, int iovcnt, off_t off, int flags)
{
	TT_PRWV_BODY(pwritev2, PWRITEV, flags, real_pwritev2(fd, iov, iovcnt, off, flags))
}

TT_EXPORT ssize_t pwritev64v2(int fd, const struct iovec *iov, int iovcnt, off64_t off, int flags)
{
	TT_PRWV_BODY(pwritev64v2, PWRITEV, flags, real_pwritev64v2(fd, iov, iovcnt, off, flags))
}

#define TT_LSEEK_BODY(fn)                                                                          \
	TT_BODY(fn, -1, off64_t, TT_NOT_OURS(fd, real_##fn(fd, off, whence)),                      \
		tt_record(t, TT_EV_LSEEK, t0, t1, ret < 0, e, 4, TT_S(ret), TT_S(fd), TT_S(off),   \
			  TT_S(whence), 1))

TT_EXPORT off_t lseek(int fd, off_t off, int whence)
{
	TT_LSEEK_BODY(lseek)
}

TT_EXPORT off64_t lseek64(int fd, off64_t off, int whence)
{
	TT_LSEEK_BODY(lseek64)
}

TT_EXPORT int fsync(int fd)
{
	TT_FD_BODY(fsync, FSYNC)
}

TT_EXPORT int fdatasync(int fd)
{
	TT_FD_BODY(fdatasync, FDATASYNC)
}

#define TT_FTRUNCATE_BODY(fn)                                                                      \
	TT_BODY(fn, -1, int, TT_NOT_OURS(fd, real_##fn(fd, len)),                                  \
		tt_record(t, TT_EV_FTRUNCATE, t0, t1, ret < 0, e, 3, TT_S(ret), TT_S(fd),          \
			  TT_S(len), 0, 1))

TT_EXPORT int ftruncate(int fd, off_t len)
{
	TT_FTRUNCATE_BODY(ftruncate)
}

TT_EXPORT int ftruncate64(int fd, off64_t len)
{
	TT_FTRUNCATE_BODY(ftruncate64)
}

/* sendfile writes to out_fd (the FD role, so the bytes count for the written file) */
#define TT_SENDFILE_BODY(fn)                                                                       \
	TT_BODY(fn, -1, ssize_t, real_##fn(out_fd, in_fd, off, count),                             \
		tt_record(t, TT_EV_SENDFILE, t0, t1, ret < 0, e, 4, TT_S(ret), TT_S(out_fd),       \
			  TT_S(in_fd), count, 1))

TT_EXPORT ssize_t sendfile(int out_fd, int in_fd, off_t *off, size_t count)
{
	TT_SENDFILE_BODY(sendfile)
}

TT_EXPORT ssize_t sendfile64(int out_fd, int in_fd, off64_t *off, size_t count)
{
	TT_SENDFILE_BODY(sendfile64)
}

TT_EXPORT ssize_t copy_file_range(int fd_in, off64_t *off_in, int fd_out, off64_t *off_out,
				  size_t len, unsigned int flags)
{
	TT_BODY(copy_file_range, -1, ssize_t,
		real_copy_file_range(fd_in, off_in, fd_out, off_out, len, flags),
		tt_record(t, TT_EV_COPY_FILE_RANGE, t0, t1, ret < 0, e, 4, TT_S(ret), TT_S(fd_out),
			  TT_S(fd_in), len, 1))
}

TT_EXPORT int dup(int fd)
{
	TT_FD_BODY(dup, DUP)
}

TT_EXPORT int dup2(int fd, int newfd)
{
	tt_stream_relocate(newfd);
	TT_BODY(dup2, -1, int, real_dup2(fd, newfd),
		tt_record(t, TT_EV_DUP2, t0, t1, ret < 0, e, 3, TT_S(ret), TT_S(fd), TT_S(newfd), 0,
			  1))
}

TT_EXPORT int dup3(int fd, int newfd, int flags)
{
	tt_stream_relocate(newfd);
	TT_BODY(dup3, -1, int, real_dup3(fd, newfd, flags),
		tt_record(t, TT_EV_DUP3, t0, t1, ret < 0, e, 4, TT_S(ret), TT_S(fd), TT_S(newfd),
			  TT_S(flags), 1))
}

/*
 * fcntl's third argument is an int, a pointer or absent depending on cmd.  Like glibc, read
 * a pointer-sized value whatever cmd is and pass it on: the kernel ignores it when the cmd
 * takes none, and an int argument travels in the low half of the same register.
 */
#define TT_FCNTL_BODY(fn)                                                                          \
	va_list ap;                                                                                \
	long arg;                                                                                  \
                                                                                                   \
	va_start(ap, cmd);                                                                         \
	arg = va_arg(ap, long);                                                                    \
	va_end(ap);                                                                                \
	TT_BODY(fn, -1, int, TT_NOT_OURS(fd, real_##fn(fd, cmd, arg)),                             \
		tt_record(t, TT_EV_FCNTL, t0, t1, ret < 0, e, 4, TT_S(ret), TT_S(fd), TT_S(cmd),   \
			  TT_S(arg), 1))

TT_EXPORT int fcntl(int fd, int cmd, ...)
{
	TT_FCNTL_BODY(fcntl)
}

TT_EXPORT int fcntl64(int fd, int cmd, ...)
{
	TT_FCNTL_BODY(fcntl64)
}

/* The two ends are known only when the call succeeded; fds[] is not ours to read otherwise. */
TT_EXPORT int pipe(int fds[2])
{
	TT_BODY(pipe, -1, int, TT_FD_CALL(real_pipe(fds)),
		tt_record(t, TT_EV_PIPE, t0, t1, ret < 0, e, 3, TT_S(ret),
			  TT_S(ret < 0 ? -1 : fds[0]), TT_S(ret < 0 ? -1 : fds[1]), 0, 1))
}

/* libunwind's validation pipe, opened from tt_stacks_init: out of the program's way. */
static int private_pipe(int fds[2], int flags)
{
	int ret = real_pipe2(fds, flags);

	for (int i = 0; ret == 0 && i < 2; i++) {
		long nfd = tt_sys3(SYS_fcntl, fds[i], F_DUPFD_CLOEXEC, 600);

		if (nfd >= 0) {
			tt_close(fds[i]);
			fds[i] = (int)nfd;
		}
		tt_private_fd_add(fds[i]);
	}
	return ret;
}

TT_EXPORT int pipe2(int fds[2], int flags)
{
	if (tt_unlikely(tt_stack_fd_pending) && real_pipe2)
		return private_pipe(fds, flags);
	TT_BODY(pipe2, -1, int, TT_FD_CALL(real_pipe2(fds, flags)),
		tt_record(t, TT_EV_PIPE2, t0, t1, ret < 0, e, 4, TT_S(ret),
			  TT_S(ret < 0 ? -1 : fds[0]), TT_S(ret < 0 ? -1 : fds[1]), TT_S(flags), 1))
}
