/*
 * wrap_dir.c - the recorder's descriptors left out of the program's listings of its own
 * descriptors: readdir (readdir64) of /proc/self/fd and its other names skips them.
 *
 * Programs that close what they inherited list /proc/self/fd and close each entry (Chromium's
 * crashpad, daemons): the trace's descriptor must not be among them.  opendir (wrap_meta.c)
 * and fdopendir note the streams that list this process's descriptors; only those are
 * filtered, so readdir of any other folder costs one load and a compare.  Listings made
 * with the raw getdents64 system call cannot be filtered: for those, close() of the trace's
 * descriptor succeeds as it would natively (wrap_io.c).
 */
#include "wrap.h"
#include "sys.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TT_REAL(readdir, NULL);
TT_REAL(readdir64, NULL);
TT_REAL(fdopendir, NULL);

/* The streams listing our descriptors (NULL: a free slot); more are left unfiltered. */
#define TT_FDDIRS 16
static DIR *_Atomic fddirs[TT_FDDIRS];
static _Atomic int nfddirs; /* slots ever used: readdir looks no further */

/* "fd", or "task/TID/fd": what follows a process's folder in /proc to name its descriptors */
static int names_fd_dir(const char *rest)
{
	size_t n = strlen(rest);

	return !strcmp(rest, "fd") ||
	       (!strncmp(rest, "task/", 5) && n > 8 && !strcmp(rest + n - 3, "/fd"));
}

/* "/proc/self/fd", "/proc/thread-self/fd", "/proc/PID/fd", ".../task/TID/fd", "/dev/fd" */
static int names_own_fds(const char *path)
{
	char pid[24], buf[96];
	size_t n;

	if (!path)
		return 0;
	n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, path, n);
	buf[n] = '\0';
	if (!strcmp(buf, "/proc/thread-self/fd") || !strcmp(buf, "/dev/fd"))
		return 1;
	if (!strncmp(buf, "/proc/self/", 11))
		return names_fd_dir(buf + 11);
	n = (size_t)snprintf(pid, sizeof(pid), "/proc/%d/", tt_getpid());
	return !strncmp(buf, pid, n) && names_fd_dir(buf + n);
}

void tt_fddir_opened(DIR *dir, const char *path)
{
	if (!dir || !names_own_fds(path))
		return;
	for (int i = 0; i < TT_FDDIRS; i++) {
		DIR *expect = NULL;

		if (atomic_compare_exchange_strong(&fddirs[i], &expect, dir)) {
			int used = atomic_load(&nfddirs);

			while (used < i + 1 &&
			       !atomic_compare_exchange_weak(&nfddirs, &used, i + 1))
				;
			return;
		}
	}
}

void tt_fddir_closing(DIR *dir)
{
	int n = atomic_load(&nfddirs);

	for (int i = 0; i < n; i++) {
		DIR *expect = dir;

		if (atomic_compare_exchange_strong(&fddirs[i], &expect, NULL))
			return;
	}
}

static int is_fddir(DIR *dir)
{
	int n = atomic_load(&nfddirs);

	for (int i = 0; i < n; i++)
		if (atomic_load(&fddirs[i]) == dir)
			return 1;
	return 0;
}

/* Whether an entry of such a listing names one of ours ("12" for descriptor 12). */
static int hides(const char *name)
{
	char *end;
	long fd = strtol(name, &end, 10);

	return *name >= '0' && *name <= '9' && !*end && fd <= 0x7fffffff && tt_fd_hidden((int)fd);
}

/* readdir and readdir64: the listing of our descriptors skips them, any other passes. */
#define TT_READDIR_BODY(fn)                                                                        \
	__typeof__(real_##fn(dir)) e;                                                              \
	TT_NEED_REAL(fn, NULL);                                                                    \
	if (tt_likely(!atomic_load(&nfddirs)) || !is_fddir(dir))                                   \
		return real_##fn(dir);                                                             \
	do                                                                                         \
		e = real_##fn(dir);                                                                \
	while (e && hides(e->d_name));                                                             \
	return e;

TT_EXPORT struct dirent *readdir(DIR *dir)
{
	TT_READDIR_BODY(readdir)
}

TT_EXPORT struct dirent64 *readdir64(DIR *dir)
{
	TT_READDIR_BODY(readdir64)
}

/* The folder of fd, by its name in /proc/self/fd, decides whether it lists ours. */
TT_EXPORT DIR *fdopendir(int fd)
{
	char link[64], target[256];
	ssize_t n;
	DIR *dir;

	TT_NEED_REAL(fdopendir, NULL);
	dir = real_fdopendir(fd);
	if (dir) {
		int e = errno;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = '\0';
			tt_fddir_opened(dir, target);
		}
		errno = e;
	}
	return dir;
}
