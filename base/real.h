/*
 * real.h - the real functions behind every wrapper, resolved in one place (resolve.c).
 *
 * TT_REAL_FUNCS lists each symbol once: the pointer type comes from the declaration of the
 * same name in the system headers, so a typo in a prototype cannot creep in.
 * X(name, version, optional): version NULL means the default version.
 */
#ifndef TT_REAL_H
#define TT_REAL_H

#include <dirent.h>
#include <dlfcn.h>
#include <signal.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <malloc.h>
#include <unistd.h>
#include <sys/prctl.h>

/* glibc fortify entry points and aliases that headers declare only under some macros */
extern int __open_2(const char *path, int flags);
extern int __open64_2(const char *path, int flags);
extern int __openat_2(int dirfd, const char *path, int flags);
extern int __openat64_2(int dirfd, const char *path, int flags);
extern ssize_t __read_chk(int fd, void *buf, size_t nbytes, size_t buflen);
extern int open64(const char *path, int flags, ...);
extern int openat64(int dirfd, const char *path, int flags, ...);

#define TT_REAL_FUNCS(X)                                                                           \
	X(malloc, NULL, 0)                                                                         \
	X(calloc, NULL, 0)                                                                         \
	X(realloc, NULL, 0)                                                                        \
	X(free, NULL, 0)                                                                           \
	X(posix_memalign, NULL, 0)                                                                 \
	X(aligned_alloc, NULL, 1)                                                                  \
	X(memalign, NULL, 1)                                                                       \
	X(valloc, NULL, 1)                                                                         \
	X(pvalloc, NULL, 1)                                                                        \
	X(reallocarray, NULL, 1)                                                                   \
	X(pthread_create, NULL, 0)                                                                 \
	X(pthread_join, NULL, 0)                                                                   \
	X(pthread_exit, NULL, 0)                                                                   \
	X(pthread_setname_np, NULL, 1)                                                             \
	X(prctl, NULL, 0)                                                                          \
	X(open, NULL, 0)                                                                           \
	X(open64, NULL, 1)                                                                         \
	X(__open_2, NULL, 1)                                                                       \
	X(__open64_2, NULL, 1)                                                                     \
	X(openat, NULL, 0)                                                                         \
	X(openat64, NULL, 1)                                                                       \
	X(__openat_2, NULL, 1)                                                                     \
	X(__openat64_2, NULL, 1)                                                                   \
	X(close, NULL, 0)                                                                          \
	X(read, NULL, 0)                                                                           \
	X(__read_chk, NULL, 1)                                                                     \
	X(write, NULL, 0)                                                                          \
	X(fork, NULL, 0)                                                                           \
	X(execve, NULL, 0)                                                                         \
	X(execv, NULL, 0)                                                                          \
	X(execvp, NULL, 0)                                                                         \
	X(execvpe, NULL, 1)                                                                        \
	X(exit, NULL, 0)                                                                           \
	X(_exit, NULL, 0)                                                                          \
	X(_Exit, NULL, 0)                                                                          \
	X(dlopen, NULL, 0)                                                                         \
	X(sigaction, NULL, 0)

struct tt_real {
#define TT_REAL_FIELD(name, version, optional) __typeof__(name) *name;
	TT_REAL_FUNCS(TT_REAL_FIELD)
#undef TT_REAL_FIELD
};

extern struct tt_real tt_real;

/*
 * Wrapper families beyond the core set declare their real functions where they use them:
 *	TT_REAL(name, version)
 * defines a pointer real_<name> (of the type of the system's declaration of name) and puts
 * an entry for it in the tt_real_tab section, which tt_resolve_all walks: the resolution
 * still happens in one place, once, but a family needs no line in a shared file.  These
 * are all optional: a wrapper whose real function is missing fails with ENOSYS (TT_NEED_REAL).
 */
struct tt_real_entry {
	void **ptr;
	const char *name;
	const char *version; /* NULL: the default version */
};

#define TT_REAL(name, version)                                                                     \
	static __typeof__(name) *real_##name;                                                      \
	static const struct tt_real_entry tt_real_entry_##name __attribute__((                     \
		used, section("tt_real_tab"), aligned(sizeof(void *)))) = { (void **)&real_##name, \
									    #name, version }

/*
 * glibc declares dlsym with __attribute__((leaf)), which promises that it never calls back
 * into the caller's unit; it does (through malloc), so use undecorated declarations.
 */
extern void *tt_dlsym(void *handle, const char *name) __asm__("dlsym");
extern void *tt_dlvsym(void *handle, const char *name, const char *version) __asm__("dlvsym");

/* Fills tt_real; safe to call from any wrapper at any time, does the work once. */
void tt_resolve_all(void);

/* The bootstrap allocator that serves dlsym's own allocations before malloc is resolved. */
#define TT_BOOT_SIZE (64u << 10)
extern unsigned char tt_boot_arena[TT_BOOT_SIZE];
/* Inline: every free asks, before anything else */
static inline int tt_boot_owns(const void *p)
{
	return (const unsigned char *)p >= tt_boot_arena &&
	       (const unsigned char *)p < tt_boot_arena + TT_BOOT_SIZE;
}
void *tt_boot_alloc(size_t size, size_t align);
size_t tt_boot_size(const void *p);

#endif /* TT_REAL_H */
