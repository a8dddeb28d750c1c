/*
 * t_wait: K of each wait that returns at once or after a known request, none depending on
 * timing for its result.
 *	t_wait K
 * nanosleep 1 ms, poll/select/epoll_wait with a zero timeout on a pipe that has data,
 * sched_yield, futex wake through syscall(); once each: clock_nanosleep (and a failing one),
 * sleep(0), usleep(1000), ppoll and select with no timeout (ready at once), pselect,
 * epoll_pwait, a futex wait that fails at once, syscall(SYS_getpid) and a failing
 * syscall(SYS_close) that must not be recorded.  Prints the futex word's address.
 */
#include <errno.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define CHECK(cond, code)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "t_wait: check failed at line %d: %s\n", __LINE__,         \
				strerror(errno));                                                  \
			exit(code);                                                                \
		}                                                                                  \
	} while (0)

/* An fd count unknown at compile time: under _FORTIFY_SOURCE, poll and ppoll are _chk calls */
static volatile nfds_t one = 1;
static uint32_t word;

int main(int argc, char **argv)
{
	int k = argc > 1 ? atoi(argv[1]) : 10;
	struct timespec ms = { 0, 1000000 }, us = { 0, 1000 }, zero = { 0, 0 };
	int p[2];

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("futex_word %p\n", (void *)&word);
	for (int i = 0; i < k; i++)
		CHECK(nanosleep(&ms, NULL) == 0, 2);
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &us, NULL) == 0, 2);
	/* clock_nanosleep returns its error and leaves errno alone */
	errno = 1234;
	CHECK(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &us, NULL) == EINVAL && errno == 1234, 2);
	CHECK(sleep(0) == 0, 2);
	CHECK(usleep(1000) == 0, 2);

	CHECK(pipe(p) == 0 && write(p[1], "x", 1) == 1, 3);
	struct pollfd pfd[1] = { { .fd = p[0], .events = POLLIN } };

	for (int i = 0; i < k; i++)
		CHECK(poll(pfd, one, 0) == 1, 3);
	CHECK(ppoll(pfd, one, &zero, NULL) == 1, 3);
	CHECK(ppoll(pfd, one, NULL, NULL) == 1, 3);
	for (int i = 0; i < k; i++) {
		fd_set r;
		struct timeval tv = { 0, 0 };

		FD_ZERO(&r);
		FD_SET(p[0], &r);
		CHECK(select(p[0] + 1, &r, NULL, NULL, &tv) == 1, 3);
	}
	fd_set r;

	FD_ZERO(&r);
	FD_SET(p[0], &r);
	CHECK(select(p[0] + 1, &r, NULL, NULL, NULL) == 1, 3);
	struct timespec ps = { 0, 2000 };

	CHECK(pselect(p[0] + 1, &r, NULL, NULL, &ps, NULL) == 1, 3);

	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN }, out[4];

	CHECK(ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, 4);
	for (int i = 0; i < k; i++)
		CHECK(epoll_wait(ep, out, 4, 0) == 1, 4);
	CHECK(epoll_pwait(ep, out, 4, 0, NULL) == 1, 4);
	close(ep);
	close(p[0]);
	close(p[1]);

	for (int i = 0; i < k; i++)
		CHECK(sched_yield() == 0, 5);

	/* futex: wakes with no waiter return 0; a wait on a changed value fails at once */
	for (int i = 0; i < k; i++)
		CHECK(syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) == 0, 6);
	CHECK(syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0) == -1 &&
		      errno == EAGAIN,
	      6);
	/* other system calls pass through unrecorded, errno as the kernel said */
	CHECK(syscall(SYS_getpid) == getpid(), 7);
	errno = 0;
	CHECK(syscall(SYS_close, -1) == -1 && errno == EBADF, 7);
	return 0;
}
