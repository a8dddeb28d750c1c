/*
 * t_closeall: a daemon-like program that closes every descriptor above 2 (by a loop to the
 * limit, close_range or closefrom), or dup2s its own file onto every descriptor number
 * (which hits the tracer's), then keeps working: its file must hold exactly what it wrote.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *how = argv[1], *path = argv[2];
	struct rlimit rl;
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);

	if (fd < 0 || write(fd, "before\n", 7) != 7)
		return 2;
	free(malloc(7001));
	getrlimit(RLIMIT_NOFILE, &rl);
	if (!strcmp(how, "loop")) {
		for (long i = 3; i < (long)rl.rlim_cur; i++)
			close((int)i);
	} else if (!strcmp(how, "close_range")) {
		if (close_range(3, ~0U, 0) != 0)
			return 3;
	} else if (!strcmp(how, "closefrom")) {
		closefrom(3);
	} else if (!strncmp(how, "dup", 3)) {
		/*
		 * The program's file onto many numbers, one of them the tracer's (dup2, dup3), or
		 * onto every number there is (dupall): then no descriptor is left for the trace.
		 */
		long last = !strcmp(how, "dupall") ? (long)rl.rlim_cur : 1000;

		for (long i = fd + 1; i < last && i < (long)rl.rlim_cur; i++)
			if ((!strcmp(how, "dup3") ? dup3(fd, (int)i, 0) : dup2(fd, (int)i)) != i)
				return 4;
	}
	if (strncmp(how, "dup", 3)) {
		fd = open(path, O_WRONLY | O_APPEND);
		if (fd < 0)
			return 5;
	}
	for (int i = 0; i < 1000; i++)
		free(malloc(7002));
	if (write(fd, "after\n", 6) != 6)
		return 6;
	return 0;
}
