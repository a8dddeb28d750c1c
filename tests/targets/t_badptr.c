/*
 * t_badptr: calls given a pointer the kernel cannot read (a path, argv, a length), which it
 * answers with EFAULT (or EINVAL, for flags it checks first), as test suites and fuzzers
 * do.  Prints "name result errno" for each; the output is the same traced and untraced.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define BAD ((void *)16)

static struct stat st;
static struct statx stx;
static char *const bad_argv[] = { "x", BAD, NULL };
static char *const *volatile bad_vec = BAD; /* out of the compiler's sight */

/* a loopback socket of type, bound; its address in *a */
static int bound(int type, struct sockaddr_in *a)
{
	int s = socket(AF_INET, type, 0);
	socklen_t l = sizeof(*a);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)a, sizeof(*a)) || getsockname(s, (void *)a, &l))
		exit(2);
	return s;
}

static long recvfrom_bad_len(void)
{
	struct sockaddr_in a, from;
	int s = bound(SOCK_DGRAM, &a);
	char b[4];

	if (sendto(s, "x", 1, 0, (struct sockaddr *)&a, sizeof(a)) != 1)
		exit(2);
	return recvfrom(s, b, sizeof(b), 0, (struct sockaddr *)&from, BAD);
}

static long accept_bad_len(void)
{
	struct sockaddr_in a, peer;
	int s = bound(SOCK_STREAM, &a), c = socket(AF_INET, SOCK_STREAM, 0);

	if (listen(s, 4) || connect(c, (struct sockaddr *)&a, sizeof(a)))
		exit(2);
	return accept(s, (struct sockaddr *)&peer, BAD);
}

/* posix_spawn reports its error as its result */
static long spawn(const char *path, char *const argv[])
{
	pid_t pid;
	int r = posix_spawn(&pid, path, NULL, NULL, argv, NULL);

	errno = r;
	return r ? -1 : 0;
}

#define CASE(name, expr)                                                                           \
	do {                                                                                       \
		errno = 0;                                                                         \
		long r_ = (long)(expr);                                                            \
		printf("%s %ld %d\n", name, r_, errno);                                            \
	} while (0)

int main(void)
{
	CASE("open", open(BAD, O_RDONLY));
	CASE("openat", openat(AT_FDCWD, BAD, O_RDONLY));
	CASE("creat", creat(BAD, 0600));
	CASE("stat", stat(BAD, &st));
	CASE("lstat", lstat(BAD, &st));
	CASE("fstatat", fstatat(AT_FDCWD, BAD, &st, 0));
	CASE("fstatat-empty", fstatat(700, BAD, &st, AT_EMPTY_PATH));
	CASE("statx", statx(AT_FDCWD, BAD, 0, STATX_BASIC_STATS, &stx));
	CASE("access", access(BAD, R_OK));
	CASE("unlink", unlink(BAD));
	CASE("mkdir", mkdir(BAD, 0700));
	CASE("rmdir", rmdir(BAD));
	CASE("rename-from", rename(BAD, "t_badptr.none"));
	CASE("rename-to", rename("t_badptr.none", BAD));
	CASE("fopen", fopen(BAD, "r") ? 0 : -1);
	CASE("execve", execve(BAD, bad_argv, NULL));
	CASE("execve-argv", execve("/nonexistent/t_badptr", bad_argv, NULL));
	CASE("execv-argv", execv("/bin/true", bad_vec));
	CASE("posix_spawn", spawn(BAD, bad_argv));
	CASE("posix_spawn-argv", spawn("/bin/true", bad_argv));
	CASE("recvfrom-len", recvfrom_bad_len());
	CASE("accept-len", accept_bad_len());
	CASE("connect", connect(socket(AF_INET, SOCK_STREAM, 0), BAD, 16));
	/* flags the kernel refuses before it reads the path: EINVAL, the path unread */
	CASE("fstatat-flags", fstatat(AT_FDCWD, BAD, &st, 0x7000000));
	CASE("unlinkat-flags", unlinkat(AT_FDCWD, BAD, 0x7000000));
	CASE("openat-flags", openat(AT_FDCWD, BAD, O_TMPFILE | O_RDONLY));
	/* the same refusal of a path that can be read: recorded with it */
	CASE("openat-flags-path", openat(AT_FDCWD, "t_badptr.none", O_TMPFILE | O_RDONLY));
	return 0;
}
