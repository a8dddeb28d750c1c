/*
 * wrap_mem.c - the kernel's side of memory: mmap (mmap64), munmap, mremap, mprotect, brk,
 * sbrk.
 *
 * glibc's malloc maps and unmaps through internal calls that no wrapper sees, so these
 * events are the program's own mappings (and those of libraries calling the public
 * symbols), not the allocator's.
 */
#include "wrap.h"

#include <stdarg.h>
#include <sys/mman.h>

extern void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off);

TT_REAL(mmap, NULL);
TT_REAL(mmap64, NULL);
TT_REAL(munmap, NULL);
TT_REAL(mremap, NULL);
TT_REAL(mprotect, NULL);
TT_REAL(brk, NULL);
TT_REAL(sbrk, NULL);

static void record_mmap(struct tt_thread *t, uint64_t t0, void *ret, int e, size_t len, int prot,
			int flags, int fd, off_t off)
{
	uint64_t args[TT_MAX_ARGS] = { len, TT_S(prot), TT_S(flags), TT_S(fd), TT_S(off) };

	tt_record_args(t, TT_EV_MMAP, t0, tt_now(), ret == MAP_FAILED, e, TT_U(ret), args, NULL);
}

#define TT_MMAP_BODY(fn)                                                                           \
	TT_NEED_REAL(fn, MAP_FAILED);                                                              \
	struct tt_thread *t = tt_enter(TT_CAT_MEMORY);                                             \
	if (!t)                                                                                    \
		return real_##fn(addr, len, prot, flags, fd, off);                                 \
	uint64_t t0 = tt_now();                                                                    \
	void *ret = real_##fn(addr, len, prot, flags, fd, off);                                    \
	int e = errno;                                                                             \
	record_mmap(t, t0, ret, e, len, prot, flags, fd, off);                                     \
	errno = e;                                                                                 \
	return ret;

TT_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	TT_MMAP_BODY(mmap)
}

TT_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	TT_MMAP_BODY(mmap64)
}

TT_EXPORT int munmap(void *addr, size_t len)
{
	TT_NEED_REAL(munmap, -1);
	struct tt_thread *t = tt_enter(TT_CAT_MEMORY);

	if (!t)
		return real_munmap(addr, len);
	uint64_t t0 = tt_now();
	int ret = real_munmap(addr, len);
	uint64_t t1 = tt_now();
	int e = errno;

	tt_record(t, TT_EV_MUNMAP, t0, t1, ret < 0, e, 3, TT_S(ret), TT_U(addr), len, 0, 0);
	errno = e;
	return ret;
}

/* mremap's fifth argument exists only with MREMAP_FIXED */
TT_EXPORT void *mremap(void *old, size_t old_size, size_t new_size, int flags, ...)
{
	void *new_addr = NULL;

	if (flags & MREMAP_FIXED) {
		va_list ap;

		va_start(ap, flags);
		new_addr = va_arg(ap, void *);
		va_end(ap);
	}
	TT_NEED_REAL(mremap, MAP_FAILED);
	struct tt_thread *t = tt_enter(TT_CAT_MEMORY);

	if (!t)
		return real_mremap(old, old_size, new_size, flags, new_addr);
	uint64_t t0 = tt_now();
	void *ret = real_mremap(old, old_size, new_size, flags, new_addr);
	int e = errno;
	uint64_t args[TT_MAX_ARGS] = { TT_U(old), old_size, new_size, TT_S(flags), 0 };

	tt_record_args(t, TT_EV_MREMAP, t0, tt_now(), ret == MAP_FAILED, e, TT_U(ret), args, NULL);
	errno = e;
	return ret;
}

TT_EXPORT int mprotect(void *addr, size_t len, int prot)
{
	TT_NEED_REAL(mprotect, -1);
	struct tt_thread *t = tt_enter(TT_CAT_MEMORY);

	if (!t)
		return real_mprotect(addr, len, prot);
	uint64_t t0 = tt_now();
	int ret = real_mprotect(addr, len, prot);
	uint64_t t1 = tt_now();
	int e = errno;
	uint64_t args[TT_MAX_ARGS] = { TT_U(addr), len, TT_S(prot), 0, 0 };

	tt_record_args(t, TT_EV_MPROTECT, t0, t1, ret < 0, e, TT_S(ret), args, NULL);
	errno = e;
	return ret;
}

TT_EXPORT int brk(void *addr)
{
	TT_NEED_REAL(brk, -1);
	struct tt_thread *t = tt_enter(TT_CAT_MEMORY);

	if (!t)
		return real_brk(addr);
	uint64_t t0 = tt_now();
	int ret = real_brk(addr);
	uint64_t t1 = tt_now();
	int e = errno;

	tt_record(t, TT_EV_BRK, t0, t1, ret < 0, e, 2, TT_S(ret), TT_U(addr), 0, 0, 0);
	errno = e;
	return ret;
}

TT_EXPORT void *sbrk(intptr_t incr)
{
	TT_NEED_REAL(sbrk, (void *)-1);
	struct tt_thread *t = tt_enter(TT_CAT_MEMORY);

	if (!t)
		return real_sbrk(incr);
	uint64_t t0 = tt_now();
	void *ret = real_sbrk(incr);
	uint64_t t1 = tt_now();
	int e = errno;

	tt_record(t, TT_EV_SBRK, t0, t1, ret == (void *)-1, e, 2, TT_U(ret), TT_S(incr), 0, 0, 0);
	errno = e;
	return ret;
}
