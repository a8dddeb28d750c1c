/*
 * peek.c - reading the program's memory where it may not be readable.
 *
 * A wrapper that reads an argument before the kernel has (exec's path and argv, recorded
 * before the image is replaced; the buffer size accept and recvfrom overwrite) reads
 * whatever the program passed.  Where the kernel would answer EFAULT, reading it ourselves
 * would crash the program instead.  These copy through process_vm_readv on the process
 * itself, which answers EFAULT too.  Each costs two system calls or more: for calls that
 * cost far more, or for the uncommon case of one that does not.
 */
#include "tt.h"
#include "sys.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#define TT_PAGE 4096u

/*
 * Copies n bytes from src.  Returns n, the bytes copied up to the first unreadable page, or
 * TT_PEEK_UNCHECKED when the kernel will not do it (a seccomp filter, an old kernel): the
 * caller then reads as it did before.  The remote side is split at page boundaries: the
 * kernel copies whole iovecs only (process_vm_readv(2)), so a string that ends before an
 * unmapped page is still read up to it.
 */
long tt_peek(void *dst, const void *src, size_t n)
{
	struct iovec local = { dst, n }, remote[TT_STR_MAX / TT_PAGE + 2];
	uintptr_t a = (uintptr_t)src;
	unsigned k = 0;
	long r;

	if (n > TT_STR_MAX)
		n = local.iov_len = TT_STR_MAX;
	while (n) {
		size_t room = TT_PAGE - (a & (TT_PAGE - 1)), take = n < room ? n : room;

		remote[k++] = (struct iovec){ (void *)a, take };
		a += take;
		n -= take;
	}
	if (!k)
		return 0;
	r = tt_sys6(SYS_process_vm_readv, tt_getpid(), &local, 1, remote, k, 0);
	if (r == -EFAULT)
		return 0;
	return r < 0 ? TT_PEEK_UNCHECKED : r;
}

/* The length of the string at src, at most max: -1 if it is not readable to its end. */
long tt_peek_strlen(const char *src, size_t max)
{
	char part[256];
	size_t len = 0;

	while (len < max) {
		size_t want = max - len < sizeof(part) ? max - len : sizeof(part);
		long got = tt_peek(part, src + len, want);
		size_t n;

		if (got == TT_PEEK_UNCHECKED)
			return (long)(len + strnlen(src + len, max - len));
		n = strnlen(part, (size_t)got);
		if (n < (size_t)got)
			return (long)(len + n);
		if (got < (long)want)
			return -1; /* no end before the first page it could not read */
		len += (size_t)got;
	}
	return (long)max;
}

/* The string at src into dst (cap bytes, cap > 0), cut to fit: its length, -1 if it is not
 * readable to its end (or to the cut). */
long tt_peek_str(char *dst, const char *src, size_t cap)
{
	long len = tt_peek_strlen(src, cap - 1);

	if (len < 0)
		return -1;
	memcpy(dst, src, (size_t)len);
	dst[len] = 0;
	return len;
}

/* n bytes (a word, a length) from src into dst: whether they could be read.  Where the
 * kernel will not check, they are read as before. */
bool tt_peek_fixed(void *dst, const void *src, size_t n)
{
	long got = tt_peek(dst, src, n);

	if (got != TT_PEEK_UNCHECKED)
		return got == (long)n;
	memcpy(dst, src, n);
	return true;
}
