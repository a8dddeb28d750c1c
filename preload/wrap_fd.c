/*
 * wrap_fd.c - keeping the trace's descriptor alive when the program closes descriptors
 * wholesale: close_range and closefrom (close itself is in wrap_io.c, dup2 and dup3 in
 * wrap_fileio.c).  Daemons close everything above 2 at start; the range is split around the
 * trace's descriptor, which the program never opened.  These calls are not recorded.
 *
 * glibc's closefrom calls close_range internally, past our wrapper, so closefrom is wrapped
 * itself and done with our close_range.
 */
#include "wrap.h"
#include "sys.h"

#include <limits.h>
#include <sys/resource.h>

extern int close_range(unsigned int first, unsigned int last, int flags);
extern void closefrom(int lowfd);

TT_REAL(close_range, NULL);
TT_REAL(closefrom, NULL);

#define TT_CLOSE_RANGE_CLOEXEC 4

static int range_call(unsigned int first, unsigned int last, int flags)
{
	if (real_close_range)
		return real_close_range(first, last, flags);
	long r = tt_sys3(SYS_close_range, first, last, flags);

	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return 0;
}

/* The range without the recorder's descriptors, which the program never opened. */
static int split_close_range(unsigned int first, unsigned int last, int flags)
{
	int ours[TT_OUR_FDS], n = tt_fds_ours(ours), r = 0;
	unsigned int from = first;

	if (flags & TT_CLOSE_RANGE_CLOEXEC) /* only sets close-on-exec: ours have it already */
		return range_call(first, last, flags);
	for (int i = 0; i < n && from <= last; i++) {
		unsigned int fd = (unsigned int)ours[i];

		if (fd < from || fd > last)
			continue;
		if (fd > from && !r)
			r = range_call(from, fd - 1, flags);
		from = fd + 1;
		if (fd == UINT_MAX)
			return r;
	}
	if (from <= last && from >= first && !r)
		r = range_call(from, last, flags);
	return r;
}

TT_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	TT_NEED_REAL(close_range, -1);
	return split_close_range(first, last, flags);
}

TT_EXPORT void closefrom(int lowfd)
{
	int e = errno;

	if (lowfd < 0)
		lowfd = 0;
	if (split_close_range((unsigned int)lowfd, UINT_MAX, 0) == 0) {
		errno = e;
		return;
	}
	/* no close_range in this kernel: close one by one up to the limit */
	struct rlimit rl;
	long max = 65536;

	if (tt_sys2(SYS_getrlimit, RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		max = (long)rl.rlim_cur;
	for (long fd = lowfd; fd < max; fd++)
		if (!tt_fd_is_ours((int)fd))
			tt_close((int)fd);
	errno = e;
}
