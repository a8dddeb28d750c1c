/* t_io: N writes then N reads of 64 bytes on one file, a failing open, openat. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *path = argv[1];
	int n = argc > 2 ? atoi(argv[2]) : 10;
	char buf[64];

	memset(buf, 'x', sizeof(buf));
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);

	if (fd < 0)
		return 2;
	for (int i = 0; i < n; i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			return 3;
	close(fd);

	fd = openat(AT_FDCWD, path, O_RDONLY);
	if (fd < 0)
		return 4;
	ssize_t r;
	long total = 0;
	/* of unknown range at compile time: with _FORTIFY_SOURCE this read is __read_chk */
	size_t count = sizeof(buf) + (size_t)(argc > 3 ? atoi(argv[3]) : 0);

	while ((r = read(fd, buf, count)) > 0)
		total += r;
	close(fd);

	/* two-argument open with flags unknown at compile time: __open_2 under fortify */
	int flags = argc > 99 ? O_WRONLY : O_RDONLY;

	fd = open(path, flags);
	if (fd < 0)
		return 7;
	close(fd);

	/* a failure the trace must show with its errno */
	if (open("/nonexistent/traceit-test", O_RDONLY) >= 0 || errno != ENOENT)
		return 5;
	/* errno must survive the wrappers: close of a bad fd gives EBADF */
	if (close(-1) == 0 || errno != EBADF)
		return 6;
	printf("read %ld bytes\n", total);
	return 0;
}
