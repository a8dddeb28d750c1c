/*
 * sys.h - raw system calls for the recorder.
 *
 * Inside libtraceit, a call to open() or write() would bind to our own exported wrapper, and a
 * call through libc is a cancellation point and sets errno.  The recorder therefore talks to
 * the kernel directly: these never touch errno, never run cancellation, never recurse into a
 * wrapper, and are async-signal-safe.  They return -errno on failure, like the kernel.
 */
#ifndef TT_SYS_H
#define TT_SYS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>

static inline long tt_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	long ret;
#if defined(__x86_64__)
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;
	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	ret = x0;
#else
#error "traceit: raw system calls are implemented for x86_64 and aarch64 only"
#endif
	return ret;
}

#define tt_sys0(n) tt_syscall6((n), 0, 0, 0, 0, 0, 0)
#define tt_sys1(n, a) tt_syscall6((n), (long)(a), 0, 0, 0, 0, 0)
#define tt_sys2(n, a, b) tt_syscall6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define tt_sys3(n, a, b, c) tt_syscall6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define tt_sys4(n, a, b, c, d) tt_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define tt_sys6(n, a, b, c, d, e, f)                                                               \
	tt_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

static inline int tt_getpid(void)
{
	return (int)tt_sys0(SYS_getpid);
}

static inline int tt_gettid(void)
{
	return (int)tt_sys0(SYS_gettid);
}

static inline long tt_write(int fd, const void *buf, size_t len)
{
	return tt_sys3(SYS_write, fd, buf, len);
}

static inline long tt_read(int fd, void *buf, size_t len)
{
	return tt_sys3(SYS_read, fd, buf, len);
}

static inline int tt_close(int fd)
{
	return (int)tt_sys1(SYS_close, fd);
}

static inline int tt_openat(int dirfd, const char *path, int flags, int mode)
{
	return (int)tt_sys4(SYS_openat, dirfd, path, flags, mode);
}

static inline void *tt_mmap(size_t len)
{
	long r = tt_sys6(SYS_mmap, 0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			 0);

	return (r < 0 && r > -4096) ? NULL : (void *)r;
}

static inline void tt_munmap(void *p, size_t len)
{
	tt_sys2(SYS_munmap, p, len);
}

/* futex on a 32-bit word, private to the process */
static inline long tt_futex_wait(volatile uint32_t *word, uint32_t val, const void *timeout)
{
	return tt_sys4(SYS_futex, word, 128 /* FUTEX_WAIT_PRIVATE */, val, timeout);
}

static inline long tt_futex_wake(volatile uint32_t *word, int n)
{
	return tt_sys3(SYS_futex, word, 129 /* FUTEX_WAKE_PRIVATE */, n);
}

#endif /* TT_SYS_H */
