/*
 * wrap_stdio.c - stdio streams: fopen (fopen64), freopen (freopen64), fdopen, fclose, fread
 * (fread_unlocked, __fread_chk, __fread_unlocked_chk), fwrite (fwrite_unlocked), fgets
 * (fgets_unlocked, __fgets_chk, __fgets_unlocked_chk), fputs (fputs_unlocked), puts, printf
 * (vprintf, __printf_chk, __vprintf_chk), fprintf (vfprintf, __fprintf_chk, __vfprintf_chk),
 * dprintf (vdprintf, __dprintf_chk, __vdprintf_chk), getline, getdelim (__getdelim), fflush
 * (fflush_unlocked), fseek (fseeko, fseeko64), ftell (ftello, ftello64), rewind, fgetpos
 * (fgetpos64), fsetpos (fsetpos64).
 *
 * Every event carries the stream's descriptor, so that the converter names its file.  glibc's
 * stdio reads and writes through internal calls that no wrapper sees: a program's fwrite
 * shows as one fwrite event, with no write under it, and the bytes are those the program
 * handed to stdio, not those that reached the kernel (that happens at a flush).
 *
 * What headers do to the program's calls (so what reaches us):
 *  - when optimising, bits/stdio.h turns getline into __getdelim(..., '\n', ...) and vprintf
 *    into vfprintf(stdout, ...).  __getdelim with '\n' is therefore recorded as getline; a
 *    vprintf built that way shows as fprintf on stdout.
 *  - _FORTIFY_SOURCE turns printf into __printf_chk and so on; the variadic ones forward to
 *    the real v-variant (__printf_chk -> __vprintf_chk), which does the checking.
 *
 * End of file is not a failure (as read returning 0 is not): fgets, getline and getdelim
 * that return NULL or -1 at end of file record 0 bytes, not failed; they fail when the
 * stream's error indicator is set, or when it is not at end of file (EINVAL, ENOMEM).
 * fread and fwrite fail when they moved fewer items than asked and the error indicator is
 * set (fwrite: whenever it wrote fewer).
 */
/*
 * No extern inline definitions from bits/stdio.h (getline, vprintf...): with clang they come
 * first, and our definitions of those names then lost their default visibility and were not
 * exported (glibc's features.h turns them off when __NO_INLINE__ is defined).
 */
#define __NO_INLINE__ 1
#include "wrap.h"

#include <stdarg.h>
#include <string.h>

/* bits/stdio.h makes these macros when optimising; we define the functions themselves. */
#undef fread_unlocked
#undef fwrite_unlocked

/* Fortify entry points that the headers declare only under _FORTIFY_SOURCE */
extern size_t __fread_chk(void *ptr, size_t ptrlen, size_t size, size_t n, FILE *f);
extern size_t __fread_unlocked_chk(void *ptr, size_t ptrlen, size_t size, size_t n, FILE *f);
extern char *__fgets_chk(char *s, size_t size, int n, FILE *f);
extern char *__fgets_unlocked_chk(char *s, size_t size, int n, FILE *f);
extern int __printf_chk(int flag, const char *fmt, ...);
extern int __vprintf_chk(int flag, const char *fmt, va_list ap);
extern int __fprintf_chk(FILE *f, int flag, const char *fmt, ...);
extern int __vfprintf_chk(FILE *f, int flag, const char *fmt, va_list ap);
extern int __dprintf_chk(int fd, int flag, const char *fmt, ...);
extern int __vdprintf_chk(int fd, int flag, const char *fmt, va_list ap);

TT_REAL(fopen, NULL);
TT_REAL(fopen64, NULL);
TT_REAL(freopen, NULL);
TT_REAL(freopen64, NULL);
TT_REAL(fdopen, NULL);
TT_REAL(fclose, NULL);
TT_REAL(fread, NULL);
TT_REAL(fread_unlocked, NULL);
TT_REAL(__fread_chk, NULL);
TT_REAL(__fread_unlocked_chk, NULL);
TT_REAL(fwrite, NULL);
TT_REAL(fwrite_unlocked, NULL);
TT_REAL(fgets, NULL);
TT_REAL(fgets_unlocked, NULL);
TT_REAL(__fgets_chk, NULL);
TT_REAL(__fgets_unlocked_chk, NULL);
TT_REAL(fputs, NULL);
TT_REAL(fputs_unlocked, NULL);
TT_REAL(puts, NULL);
TT_REAL(vprintf, NULL);
TT_REAL(__vprintf_chk, NULL);
TT_REAL(vfprintf, NULL);
TT_REAL(__vfprintf_chk, NULL);
TT_REAL(vdprintf, NULL);
TT_REAL(__vdprintf_chk, NULL);
TT_REAL(getline, NULL);
TT_REAL(getdelim, NULL);
TT_REAL(__getdelim, NULL);
TT_REAL(fflush, NULL);
TT_REAL(fflush_unlocked, NULL);
TT_REAL(fseek, NULL);
TT_REAL(fseeko, NULL);
TT_REAL(fseeko64, NULL);
TT_REAL(ftell, NULL);
TT_REAL(ftello, NULL);
TT_REAL(ftello64, NULL);
TT_REAL(rewind, NULL);
TT_REAL(fgetpos, NULL);
TT_REAL(fgetpos64, NULL);
TT_REAL(fsetpos, NULL);
TT_REAL(fsetpos64, NULL);

/* The shape of every wrapper here (see wrap_fileio.c): rec may use t, t0, t1, ret, e. */
#define TT_BODY(fn, fail, rtype, call, rec) TT_WRAP_BODY(TT_CAT_IO, fn, fail, rtype, call, rec)

/*
 * The stream's descriptor, -1 for none; fileno sets errno for a stream without one.  Without
 * the stream's lock: fileno takes and drops it, an atomic pair that doubled the cost of a
 * small fwrite, and the descriptor of a stream in use does not change under it.
 */
static int stream_fd(FILE *f)
{
	int e = errno, fd = f ? fileno_unlocked(f) : -1;

	errno = e;
	return fd;
}

/* Events of (result, stream, fd): result is an int or off_t, failed when negative */
#define TT_REC_STREAM(EV, f)                                                                       \
	tt_record(t, TT_EV_##EV, t0, t1, ret < 0, e, 3, TT_S(ret), TT_U(f), TT_S(stream_fd(f)), 0, \
		  1)

/* fopen, freopen: the new stream's descriptor now names path */
static void record_fopen(struct tt_thread *t, unsigned type, uint64_t t0, uint64_t t1, FILE *ret,
			 int e, const char *path, const char *mode)
{
	uint64_t args[TT_MAX_ARGS] = { 0, 0, TT_S(stream_fd(ret)), 0, 0 };
	const char *strs[TT_MAX_ARGS] = { path, mode, NULL, NULL, NULL };

	tt_record_args(t, type, t0, t1, ret == NULL, e, TT_U(ret), args, strs);
}

TT_EXPORT FILE *fopen(const char *path, const char *mode)
{
	TT_BODY(fopen, NULL, FILE *, TT_FD_CALLP(real_fopen(path, mode)),
		record_fopen(t, TT_EV_FOPEN, t0, t1, ret, e, path, mode))
}

TT_EXPORT FILE *fopen64(const char *path, const char *mode)
{
	TT_BODY(fopen64, NULL, FILE *, TT_FD_CALLP(real_fopen64(path, mode)),
		record_fopen(t, TT_EV_FOPEN, t0, t1, ret, e, path, mode))
}

TT_EXPORT FILE *freopen(const char *path, const char *mode, FILE *f)
{
	TT_BODY(freopen, NULL, FILE *, real_freopen(path, mode, f),
		record_fopen(t, TT_EV_FREOPEN, t0, t1, ret, e, path, mode))
}

TT_EXPORT FILE *freopen64(const char *path, const char *mode, FILE *f)
{
	TT_BODY(freopen64, NULL, FILE *, real_freopen64(path, mode, f),
		record_fopen(t, TT_EV_FREOPEN, t0, t1, ret, e, path, mode))
}

static void record_fdopen(struct tt_thread *t, uint64_t t0, uint64_t t1, FILE *ret, int e, int fd,
			  const char *mode)
{
	uint64_t args[TT_MAX_ARGS] = { TT_S(fd), 0, 0, 0, 0 };
	const char *strs[TT_MAX_ARGS] = { NULL, mode, NULL, NULL, NULL };

	tt_record_args(t, TT_EV_FDOPEN, t0, t1, ret == NULL, e, TT_U(ret), args, strs);
}

TT_EXPORT FILE *fdopen(int fd, const char *mode)
{
	TT_BODY(fdopen, NULL, FILE *, real_fdopen(fd, mode),
		record_fdopen(t, t0, t1, ret, e, fd, mode))
}

/* The descriptor is read before the call: fclose frees the stream. */
TT_EXPORT int fclose(FILE *f)
{
	int fd = stream_fd(f);

	TT_BODY(fclose, EOF, int, real_fclose(f),
		tt_record(t, TT_EV_FCLOSE, t0, t1, ret == EOF, e, 3, TT_S(ret), TT_U(f), TT_S(fd),
			  0, 1))
}

/* fread and fwrite: bytes = items moved * size, count = size * n */
static void record_rw(struct tt_thread *t, unsigned type, uint64_t t0, uint64_t t1, size_t ret,
		      int e, size_t size, size_t n, FILE *f)
{
	int failed = ret < n && size != 0 && (type == TT_EV_FWRITE || ferror_unlocked(f));

	tt_record(t, type, t0, t1, failed, e, 4, ret * size, TT_U(f), TT_S(stream_fd(f)), size * n,
		  1);
}

#define TT_FRW_BODY(fn, EV, call)                                                                  \
	TT_BODY(fn, 0, size_t, call, record_rw(t, TT_EV_##EV, t0, t1, ret, e, size, n, f))

TT_EXPORT size_t fread(void *ptr, size_t size, size_t n, FILE *f)
{
	TT_FRW_BODY(fread, FREAD, real_fread(ptr, size, n, f))
}

TT_EXPORT size_t fread_unlocked(void *ptr, size_t size, size_t n, FILE *f)
{
	TT_FRW_BODY(fread_unlocked, FREAD, real_fread_unlocked(ptr, size, n, f))
}

/* The real _chk functions check the request against ptrlen and abort themselves. */
TT_EXPORT size_t __fread_chk(void *ptr, size_t ptrlen, size_t size, size_t n, FILE *f)
{
	TT_FRW_BODY(__fread_chk, FREAD, real___fread_chk(ptr, ptrlen, size, n, f))
}

TT_EXPORT size_t __fread_unlocked_chk(void *ptr, size_t ptrlen, size_t size, size_t n, FILE *f)
{
	TT_FRW_BODY(__fread_unlocked_chk, FREAD, real___fread_unlocked_chk(ptr, ptrlen, size, n, f))
}

TT_EXPORT size_t fwrite(const void *ptr, size_t size, size_t n, FILE *f)
{
	TT_FRW_BODY(fwrite, FWRITE, real_fwrite(ptr, size, n, f))
}

TT_EXPORT size_t fwrite_unlocked(const void *ptr, size_t size, size_t n, FILE *f)
{
	TT_FRW_BODY(fwrite_unlocked, FWRITE, real_fwrite_unlocked(ptr, size, n, f))
}

/* A NULL or -1 at end of file is no failure; with the error indicator, or without EOF, it is. */
static int eof_or_failed(FILE *f)
{
	return ferror_unlocked(f) || !feof_unlocked(f);
}

/* fgets: bytes = length of the line read (0 at end of file), count = n */
static void record_fgets(struct tt_thread *t, uint64_t t0, uint64_t t1, const char *ret, int e,
			 int n, FILE *f)
{
	int failed = !ret && eof_or_failed(f);
	int64_t bytes = ret ? (int64_t)strlen(ret) : failed ? -1 : 0;

	tt_record(t, TT_EV_FGETS, t0, t1, failed, e, 4, TT_S(bytes), TT_U(f), TT_S(stream_fd(f)),
		  TT_S(n), 1);
}

#define TT_FGETS_BODY(fn, call)                                                                    \
	TT_BODY(fn, NULL, char *, call, record_fgets(t, t0, t1, ret, e, n, f))

TT_EXPORT char *fgets(char *s, int n, FILE *f)
{
	TT_FGETS_BODY(fgets, real_fgets(s, n, f))
}

TT_EXPORT char *fgets_unlocked(char *s, int n, FILE *f)
{
	TT_FGETS_BODY(fgets_unlocked, real_fgets_unlocked(s, n, f))
}

TT_EXPORT char *__fgets_chk(char *s, size_t size, int n, FILE *f)
{
	TT_FGETS_BODY(__fgets_chk, real___fgets_chk(s, size, n, f))
}

TT_EXPORT char *__fgets_unlocked_chk(char *s, size_t size, int n, FILE *f)
{
	TT_FGETS_BODY(__fgets_unlocked_chk, real___fgets_unlocked_chk(s, size, n, f))
}

/* fputs returns a non-negative number, not a count: bytes = strlen(s) when it succeeded */
static void record_puts(struct tt_thread *t, unsigned type, uint64_t t0, uint64_t t1, int ret,
			int e, const char *s, size_t extra, FILE *f)
{
	int64_t bytes = ret == EOF ? -1 : (int64_t)(strlen(s) + extra);

	tt_record(t, type, t0, t1, ret == EOF, e, 3, TT_S(bytes), TT_U(f), TT_S(stream_fd(f)), 0,
		  1);
}

TT_EXPORT int fputs(const char *s, FILE *f)
{
	TT_BODY(fputs, EOF, int, real_fputs(s, f),
		record_puts(t, TT_EV_FPUTS, t0, t1, ret, e, s, 0, f))
}

TT_EXPORT int fputs_unlocked(const char *s, FILE *f)
{
	TT_BODY(fputs_unlocked, EOF, int, real_fputs_unlocked(s, f),
		record_puts(t, TT_EV_FPUTS, t0, t1, ret, e, s, 0, f))
}

/* puts writes the string and a newline */
TT_EXPORT int puts(const char *s)
{
	TT_BODY(puts, EOF, int, real_puts(s),
		record_puts(t, TT_EV_PUTS, t0, t1, ret, e, s, 1, stdout))
}

/*
 * The printf family returns the bytes it wrote, negative on error.  Each v-variant has one
 * body here; the variadic entry points hand their va_list to it.
 */
static int do_vprintf(const char *fmt, va_list ap)
{
	TT_BODY(vprintf, -1, int, real_vprintf(fmt, ap), TT_REC_STREAM(PRINTF, stdout))
}

static int do_vprintf_chk(int flag, const char *fmt, va_list ap)
{
	TT_BODY(__vprintf_chk, -1, int, real___vprintf_chk(flag, fmt, ap),
		TT_REC_STREAM(PRINTF, stdout))
}

static int do_vfprintf(FILE *f, const char *fmt, va_list ap)
{
	TT_BODY(vfprintf, -1, int, real_vfprintf(f, fmt, ap), TT_REC_STREAM(FPRINTF, f))
}

static int do_vfprintf_chk(FILE *f, int flag, const char *fmt, va_list ap)
{
	TT_BODY(__vfprintf_chk, -1, int, real___vfprintf_chk(f, flag, fmt, ap),
		TT_REC_STREAM(FPRINTF, f))
}

#define TT_REC_DPRINTF                                                                             \
	tt_record(t, TT_EV_DPRINTF, t0, t1, ret < 0, e, 2, TT_S(ret), TT_S(fd), 0, 0, 1)

static int do_vdprintf(int fd, const char *fmt, va_list ap)
{
	TT_BODY(vdprintf, -1, int, real_vdprintf(fd, fmt, ap), TT_REC_DPRINTF)
}

static int do_vdprintf_chk(int fd, int flag, const char *fmt, va_list ap)
{
	TT_BODY(__vdprintf_chk, -1, int, real___vdprintf_chk(fd, flag, fmt, ap), TT_REC_DPRINTF)
}

/* va_end touches no errno: the wrapper's restored errno survives it */
#define TT_VARIADIC(last, call)                                                                    \
	va_list ap;                                                                                \
	int ret;                                                                                   \
                                                                                                   \
	va_start(ap, last);                                                                        \
	ret = call;                                                                                \
	va_end(ap);                                                                                \
	return ret;

TT_EXPORT int printf(const char *fmt, ...)
{
	TT_VARIADIC(fmt, do_vprintf(fmt, ap))
}

TT_EXPORT int vprintf(const char *fmt, va_list ap)
{
	return do_vprintf(fmt, ap);
}

TT_EXPORT int __printf_chk(int flag, const char *fmt, ...)
{
	TT_VARIADIC(fmt, do_vprintf_chk(flag, fmt, ap))
}

TT_EXPORT int __vprintf_chk(int flag, const char *fmt, va_list ap)
{
	return do_vprintf_chk(flag, fmt, ap);
}

TT_EXPORT int fprintf(FILE *f, const char *fmt, ...)
{
	TT_VARIADIC(fmt, do_vfprintf(f, fmt, ap))
}

TT_EXPORT int vfprintf(FILE *f, const char *fmt, va_list ap)
{
	return do_vfprintf(f, fmt, ap);
}

TT_EXPORT int __fprintf_chk(FILE *f, int flag, const char *fmt, ...)
{
	TT_VARIADIC(fmt, do_vfprintf_chk(f, flag, fmt, ap))
}

TT_EXPORT int __vfprintf_chk(FILE *f, int flag, const char *fmt, va_list ap)
{
	return do_vfprintf_chk(f, flag, fmt, ap);
}

TT_EXPORT int dprintf(int fd, const char *fmt, ...)
{
	TT_VARIADIC(fmt, do_vdprintf(fd, fmt, ap))
}

TT_EXPORT int vdprintf(int fd, const char *fmt, va_list ap)
{
	return do_vdprintf(fd, fmt, ap);
}

TT_EXPORT int __dprintf_chk(int fd, int flag, const char *fmt, ...)
{
	TT_VARIADIC(fmt, do_vdprintf_chk(fd, flag, fmt, ap))
}

TT_EXPORT int __vdprintf_chk(int fd, int flag, const char *fmt, va_list ap)
{
	return do_vdprintf_chk(fd, flag, fmt, ap);
}

/* getline, getdelim: bytes = length of the line (0 at end of file) */
static void record_getdelim(struct tt_thread *t, unsigned type, uint64_t t0, uint64_t t1,
			    ssize_t ret, int e, FILE *f)
{
	int failed = ret < 0 && eof_or_failed(f);

	tt_record(t, type, t0, t1, failed, e, 3, TT_S(ret < 0 && !failed ? 0 : ret), TT_U(f),
		  TT_S(stream_fd(f)), 0, 1);
}

TT_EXPORT ssize_t getline(char **line, size_t *n, FILE *f)
{
	TT_BODY(getline, -1, ssize_t, real_getline(line, n, f),
		record_getdelim(t, TT_EV_GETLINE, t0, t1, ret, e, f))
}

TT_EXPORT ssize_t getdelim(char **line, size_t *n, int delim, FILE *f)
{
	TT_BODY(getdelim, -1, ssize_t, real_getdelim(line, n, delim, f),
		record_getdelim(t, TT_EV_GETDELIM, t0, t1, ret, e, f))
}

/* Programs reach __getdelim through the inline getline of bits/stdio.h (see the top). */
TT_EXPORT ssize_t __getdelim(char **line, size_t *n, int delim, FILE *f)
{
	TT_BODY(__getdelim, -1, ssize_t, real___getdelim(line, n, delim, f),
		record_getdelim(t, delim == '\n' ? TT_EV_GETLINE : TT_EV_GETDELIM, t0, t1, ret, e,
				f))
}

/* fflush(NULL) flushes every stream: stream 0, fd -1 */
TT_EXPORT int fflush(FILE *f)
{
	TT_BODY(fflush, EOF, int, real_fflush(f), TT_REC_STREAM(FFLUSH, f))
}

TT_EXPORT int fflush_unlocked(FILE *f)
{
	TT_BODY(fflush_unlocked, EOF, int, real_fflush_unlocked(f), TT_REC_STREAM(FFLUSH, f))
}

/* fseek: result, stream, fd, offset, whence are five words, so out of line */
static void record_fseek(struct tt_thread *t, uint64_t t0, uint64_t t1, int ret, int e, FILE *f,
			 off64_t off, int whence)
{
	uint64_t args[TT_MAX_ARGS] = { TT_U(f), TT_S(stream_fd(f)), TT_S(off), TT_S(whence), 0 };

	tt_record_args(t, TT_EV_FSEEK, t0, t1, ret < 0, e, TT_S(ret), args, NULL);
}

#define TT_FSEEK_BODY(fn)                                                                          \
	TT_BODY(fn, -1, int, real_##fn(f, off, whence),                                            \
		record_fseek(t, t0, t1, ret, e, f, off, whence))

TT_EXPORT int fseek(FILE *f, long off, int whence)
{
	TT_FSEEK_BODY(fseek)
}

TT_EXPORT int fseeko(FILE *f, off_t off, int whence)
{
	TT_FSEEK_BODY(fseeko)
}

TT_EXPORT int fseeko64(FILE *f, off64_t off, int whence)
{
	TT_FSEEK_BODY(fseeko64)
}

TT_EXPORT long ftell(FILE *f)
{
	TT_BODY(ftell, -1, long, real_ftell(f), TT_REC_STREAM(FTELL, f))
}

TT_EXPORT off_t ftello(FILE *f)
{
	TT_BODY(ftello, -1, off_t, real_ftello(f), TT_REC_STREAM(FTELL, f))
}

TT_EXPORT off64_t ftello64(FILE *f)
{
	TT_BODY(ftello64, -1, off64_t, real_ftello64(f), TT_REC_STREAM(FTELL, f))
}

/* rewind returns nothing and cannot fail */
TT_EXPORT void rewind(FILE *f)
{
	if (tt_unlikely(!real_rewind)) {
		tt_resolve_all();
		if (!real_rewind)
			return;
	}
	struct tt_thread *t = tt_enter(TT_CAT_IO);

	if (!t) {
		real_rewind(f);
		return;
	}
	uint64_t t0 = tt_now();

	real_rewind(f);
	uint64_t t1 = tt_now();
	int e = errno;

	tt_record(t, TT_EV_REWIND, t0, t1, 0, 0, 2, TT_U(f), TT_S(stream_fd(f)), 0, 0, 1);
	errno = e;
}

/* fgetpos and fsetpos return 0, or non-zero on failure */
#define TT_POS_BODY(fn, EV)                                                                        \
	TT_BODY(fn, -1, int, real_##fn(f, pos),                                                    \
		tt_record(t, TT_EV_##EV, t0, t1, ret != 0, e, 3, TT_S(ret), TT_U(f),               \
			  TT_S(stream_fd(f)), 0, 1))

TT_EXPORT int fgetpos(FILE *f, fpos_t *pos)
{
	TT_POS_BODY(fgetpos, FGETPOS)
}

TT_EXPORT int fgetpos64(FILE *f, fpos64_t *pos)
{
	TT_POS_BODY(fgetpos64, FGETPOS)
}

TT_EXPORT int fsetpos(FILE *f, const fpos_t *pos)
{
	TT_POS_BODY(fsetpos, FSETPOS)
}

TT_EXPORT int fsetpos64(FILE *f, const fpos64_t *pos)
{
	TT_POS_BODY(fsetpos64, FSETPOS)
}
