/*
 * rings.c - moving a shared-buffer file that a process left behind into its trace folder
 * (rings.h), for the launcher and the converter.
 */
#include "rings.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Whether the process that made the file still runs: its buffers are not left behind yet. */
static int owner_alive(int fd)
{
	struct tt_rings_file h;

	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    memcmp(h.magic, TT_RINGS_MAGIC, sizeof(h.magic)) || !h.pid)
		return 0;
	return kill((pid_t)h.pid, 0) == 0 || errno == EPERM;
}

static int copy_fd(int in, int out)
{
	size_t cap = 1 << 20;
	char *buf = malloc(cap);
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	while ((n = read(in, buf, cap)) > 0) {
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(out, buf + done, (size_t)(n - done));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				int e = errno;

				free(buf);
				return -e;
			}
			done += w;
		}
	}
	free(buf);
	return n < 0 ? -errno : 0;
}

int tt_rings_adopt(const char *link_path, const char **why)
{
	char target[4096], tmp[4200];
	ssize_t n = readlink(link_path, target, sizeof(target) - 1);
	int in, out, err;

	if (why)
		*why = "read the link";
	if (n < 0)
		return errno == EINVAL || errno == ENOENT ? 0 : -errno; /* a file already */
	target[n] = 0;
	in = open(target, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0) {
		if (errno != ENOENT) {
			if (why)
				*why = "open the file";
			return -errno;
		}
		unlink(link_path); /* nothing left to recover */
		return 0;
	}
	if (owner_alive(in)) {
		close(in);
		return 0;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.part", link_path) >= (int)sizeof(tmp)) {
		close(in);
		return -ENAMETOOLONG;
	}
	if (why)
		*why = "copy it into the trace folder";
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		err = -errno;
		close(in);
		return err;
	}
	err = copy_fd(in, out);
	close(in);
	if (close(out) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, link_path) < 0)
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	unlink(target);
	return 1;
}
