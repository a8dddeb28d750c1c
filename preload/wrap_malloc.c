/*
 * wrap_malloc.c - the malloc family: malloc, calloc, realloc, free, posix_memalign,
 * aligned_alloc, memalign, valloc, pvalloc, reallocarray.
 *
 * The writer thread is started from here only when the caller is outside libc and ld.so,
 * which call malloc with their locks held (dlopen, TLS allocation), where starting a thread
 * could deadlock (TT_SPAWN_CALLER).  The calls are one timestamp unless they ask for
 * TT_TIMED_BYTES or more, or TRACEIT_DURATIONS names memory (tt_mem_start).
 * errno is read only when a call failed and is not restored: tt_record leaves it alone, so
 * saving it would be a call into libc per event for nothing.
 * free(NULL) is not recorded.  Blocks of the bootstrap arena (resolve.c) are never passed to
 * glibc.
 */
#include "wrap.h"

#include <string.h>

TT_EXPORT void *malloc(size_t size)
{
	if (tt_unlikely(!tt_real.malloc)) {
		tt_resolve_all();
		if (!tt_real.malloc)
			return tt_boot_alloc(size, 16);
	}
	struct tt_thread *t = tt_enter(TT_CAT_MEMORY);

	if (!t)
		return tt_real.malloc(size);
	uint64_t t0 = tt_mem_start(size);
	void *p = tt_real.malloc(size);
	uint64_t t1 = tt_now();

	tt_record(t, TT_EV_MALLOC, tt_mem_t0(t0, t1), t1, !p, p ? 0 : errno, 2, TT_U(p), size, 0, 0,
		  TT_SPAWN_CALLER);
	return p;
}

TT_EXPORT void *calloc(size_t nmemb, size_t size)
{
	if (tt_unlikely(!tt_real.calloc)) {
		tt_resolve_all();
		if (!tt_real.calloc) {
			/* the arena is static and never reused: already zero */
			if (size && nmemb > SIZE_MAX / size)
				return NULL;
			return tt_boot_alloc(nmemb * size, 16);
		}
	}
	struct tt_thread *t = tt_enter(TT_CAT_MEMORY);

	if (!t)
		return tt_real.calloc(nmemb, size);
	size_t bytes;
	uint64_t t0 = tt_mem_start(__builtin_mul_overflow(nmemb, size, &bytes) ? SIZE_MAX : bytes);
	void *p = tt_real.calloc(nmemb, size);
	uint64_t t1 = tt_now();

	tt_record(t, TT_EV_CALLOC, tt_mem_t0(t0, t1), t1, !p, p ? 0 : errno, 3, TT_U(p), nmemb,
		  size, 0, TT_SPAWN_CALLER);
	return p;
}

TT_EXPORT void free(void *ptr)
{
	if (!ptr || tt_unlikely(tt_boot_owns(ptr)))
		return;
	TT_NEED(free);
	if (tt_unlikely(!tt_real.free))
		return; /* cannot happen after resolution; leaking beats crashing */
	struct tt_thread *t = tt_enter(TT_CAT_MEMORY);

	if (!t) {
		tt_heap_forget(ptr);
		tt_real.free(ptr);
		return;
	}
	uint64_t t0 = tt_mem_start(0);

	tt_real.free(ptr);
	uint64_t t1 = tt_now();

	tt_record(t, TT_EV_FREE, tt_mem_t0(t0, t1), t1, 0, 0, 1, TT_U(ptr), 0, 0, 0,
		  TT_SPAWN_CALLER);
}

/* Moves a bootstrap block into the real heap: realloc of dlsym's early allocations. */
static void *boot_realloc(void *ptr, size_t size)
{
	void *n = tt_real.malloc ? tt_real.malloc(size) : tt_boot_alloc(size, 16);
	size_t old = tt_boot_size(ptr);

	if (n)
		memcpy(n, ptr, old < size ? old : size);
	return n;
}

TT_EXPORT void *realloc(void *ptr, size_t size)
{
	if (tt_unlikely(ptr && tt_boot_owns(ptr)))
		return boot_realloc(ptr, size);
	if (tt_unlikely(!tt_real.realloc)) {
		tt_resolve_all();
		if (!tt_real.realloc)
			return ptr ? NULL : tt_boot_alloc(size, 16);
	}
	struct tt_thread *t = tt_enter(TT_CAT_MEMORY);

	if (!t) {
		tt_heap_forget(ptr); /* a window's block moves or goes: it is no longer its own */
		return tt_real.realloc(ptr, size);
	}
	uint64_t t0 = tt_mem_start(size);
	void *p = tt_real.realloc(ptr, size);
	uint64_t t1 = tt_now();

	/* realloc(p, 0) frees and returns NULL: that is not a failure */
	tt_record(t, TT_EV_REALLOC, tt_mem_t0(t0, t1), t1, !p && size, p ? 0 : errno, 3, TT_U(p),
		  TT_U(ptr), size, 0, TT_SPAWN_CALLER);
	return p;
}

/*
 * glibc's reallocarray calls realloc through its public symbol (malloc/reallocarray.c), and
 * that realloc is recorded nested in it, as the malloc inside fopen is.  The converter counts
 * the block once (convert/state.c).  Without a real reallocarray (glibc before 2.26), the
 * overflow check and the realloc are done here.
 */
TT_EXPORT void *reallocarray(void *ptr, size_t nmemb, size_t size)
{
	size_t bytes;

	if (__builtin_mul_overflow(nmemb, size, &bytes)) {
		errno = ENOMEM;
		return NULL;
	}
	if (tt_unlikely(ptr && tt_boot_owns(ptr)))
		return boot_realloc(ptr, bytes);
	TT_NEED_OR(realloc, NULL);
	struct tt_thread *t = tt_enter(TT_CAT_MEMORY);

	if (!t)
		return tt_real.realloc(ptr, bytes);
	/* always timed: the realloc inside lies within it, by which it is counted once */
	uint64_t t0 = tt_now();
	void *p = tt_real.reallocarray ? tt_real.reallocarray(ptr, nmemb, size)
				       : tt_real.realloc(ptr, bytes);
	uint64_t t1 = tt_now();

	tt_record(t, TT_EV_REALLOCARRAY, t0, t1, !p && bytes, p ? 0 : errno, 4, TT_U(p), TT_U(ptr),
		  nmemb, size, TT_SPAWN_CALLER);
	return p;
}

TT_EXPORT int posix_memalign(void **memptr, size_t alignment, size_t size)
{
	if (tt_unlikely(!tt_real.posix_memalign)) {
		tt_resolve_all();
		if (!tt_real.posix_memalign) {
			*memptr = tt_boot_alloc(size, alignment);
			return *memptr ? 0 : ENOMEM;
		}
	}
	struct tt_thread *t = tt_enter(TT_CAT_MEMORY);

	if (!t)
		return tt_real.posix_memalign(memptr, alignment, size);
	uint64_t t0 = tt_mem_start(size);
	int ret = tt_real.posix_memalign(memptr, alignment, size);
	uint64_t t1 = tt_now();

	tt_record(t, TT_EV_POSIX_MEMALIGN, tt_mem_t0(t0, t1), t1, ret != 0, ret, 4,
		  (uint64_t)(int64_t)ret, alignment, size, ret ? 0 : TT_U(*memptr),
		  TT_SPAWN_CALLER);
	return ret;
}

/* aligned_alloc, memalign, valloc, pvalloc: one shape, one definition each. */
#define TT_ALIGNED_WRAPPER(fn, EV, align_expr, ...)                                                \
	TT_EXPORT void *fn(__VA_ARGS__)                                                            \
	{                                                                                          \
		size_t al = (align_expr);                                                          \
		if (tt_unlikely(!tt_real.fn)) {                                                    \
			tt_resolve_all();                                                          \
			if (!tt_real.fn)                                                           \
				return tt_boot_alloc(size, al ? al : 4096);                        \
		}                                                                                  \
		struct tt_thread *t = tt_enter(TT_CAT_MEMORY);                                     \
		if (!t)                                                                            \
			return TT_ALIGNED_CALL_##EV;                                               \
		uint64_t t0 = tt_mem_start(size);                                                  \
		void *p = TT_ALIGNED_CALL_##EV;                                                    \
		uint64_t t1 = tt_now();                                                            \
		tt_record(t, TT_EV_##EV, tt_mem_t0(t0, t1), t1, !p, p ? 0 : errno,                 \
			  TT_ALIGNED_NARGS_##EV, TT_U(p), TT_ALIGNED_NARGS_##EV == 3 ? al : size,  \
			  size, 0, TT_SPAWN_CALLER);                                               \
		return p;                                                                          \
	}

#define TT_ALIGNED_CALL_ALIGNED_ALLOC tt_real.aligned_alloc(alignment, size)
#define TT_ALIGNED_CALL_MEMALIGN tt_real.memalign(alignment, size)
#define TT_ALIGNED_CALL_VALLOC tt_real.valloc(size)
#define TT_ALIGNED_CALL_PVALLOC tt_real.pvalloc(size)
#define TT_ALIGNED_NARGS_ALIGNED_ALLOC 3
#define TT_ALIGNED_NARGS_MEMALIGN 3
#define TT_ALIGNED_NARGS_VALLOC 2
#define TT_ALIGNED_NARGS_PVALLOC 2

TT_ALIGNED_WRAPPER(aligned_alloc, ALIGNED_ALLOC, alignment, size_t alignment, size_t size)
TT_ALIGNED_WRAPPER(memalign, MEMALIGN, alignment, size_t alignment, size_t size)
TT_ALIGNED_WRAPPER(valloc, VALLOC, 0, size_t size)
TT_ALIGNED_WRAPPER(pvalloc, PVALLOC, 0, size_t size)
