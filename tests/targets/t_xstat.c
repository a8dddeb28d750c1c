/*
 * t_xstat: the stat entry points of binaries built before glibc 2.33, which called
 * __xstat(_STAT_VER, ...) and its siblings instead of stat.  No header declares them any
 * more; glibc still exports them, so a reference from here is what an old binary has
 * (__xstat@GLIBC_2.2.5 on x86_64).
 *
 *	t_xstat FILE	stat FILE through __xstat, __xstat64, __lxstat, __lxstat64, __fxstat,
 *			__fxstat64, __fxstatat, __fxstatat64, then __xstat of a missing file
 *
 * Exits 77 where the test does not apply (not x86_64 glibc).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__x86_64__) && defined(__GLIBC__)
#define VER 1 /* _STAT_VER_LINUX, x86_64's _STAT_VER */

extern int __xstat(int ver, const char *path, struct stat *buf);
extern int __xstat64(int ver, const char *path, struct stat64 *buf);
extern int __lxstat(int ver, const char *path, struct stat *buf);
extern int __lxstat64(int ver, const char *path, struct stat64 *buf);
extern int __fxstat(int ver, int fd, struct stat *buf);
extern int __fxstat64(int ver, int fd, struct stat64 *buf);
extern int __fxstatat(int ver, int dirfd, const char *path, struct stat *buf, int flags);
extern int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *buf, int flags);

int main(int argc, char **argv)
{
	struct stat st;
	struct stat64 st64;

	if (argc < 2)
		return 1;
	int fd = open(argv[1], O_RDONLY);

	if (fd < 0)
		return 2;
	if (__xstat(VER, argv[1], &st) != 0 || __xstat64(VER, argv[1], &st64) != 0)
		return 3;
	if (__lxstat(VER, argv[1], &st) != 0 || __lxstat64(VER, argv[1], &st64) != 0)
		return 4;
	if (__fxstat(VER, fd, &st) != 0 || __fxstat64(VER, fd, &st64) != 0)
		return 5;
	if (__fxstatat(VER, AT_FDCWD, argv[1], &st, 0) != 0 ||
	    __fxstatat64(VER, AT_FDCWD, argv[1], &st64, 0) != 0)
		return 6;
	if (st.st_size != st64.st_size)
		return 7;
	close(fd);
	if (__xstat(VER, "/nonexistent/traceit-test", &st) == 0 || errno != ENOENT)
		return 8;
	printf("size %ld\n", (long)st.st_size);
	return 0;
}
#else
int main(void)
{
	return 77;
}
#endif
