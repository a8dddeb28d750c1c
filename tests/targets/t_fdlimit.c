/*
 * t_fdlimit: opens /dev/null until the descriptor limit says no (EMFILE), gives two back,
 * takes them again with a pipe, and prints how many it got: the same number with and
 * without the tracer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
	int n = 0, fd, last = -1, before = -1, p[2];

	while ((fd = open("/dev/null", O_RDONLY)) >= 0) {
		before = last;
		last = fd;
		n++;
	}
	if (errno != EMFILE || before < 0)
		return 1;
	close(last);
	close(before);
	if (pipe(p) != 0)
		return 2;
	free(malloc(9101));
	printf("opened %d\n", n);
	return 0;
}
