/*
 * t_ending: the ordinary ways a process ends, after a known amount of work.
 *	t_ending return N	N malloc/free pairs, then main returns 3
 *	t_ending exit N		N pairs, then exit(0)
 *	t_ending signal SIG N	N pairs, then kill(getpid(), SIG) (default action)
 *	t_ending race N		N pairs, then _exit(0) while a second thread, 1 ms later,
 *				calls _exit(0) too (the first is still draining)
 *	t_ending listfd		closes every descriptor above 2 that /proc/self/fd lists (as
 *				crashpad does): status 1 if a close fails
 *	t_ending probe		for every descriptor the getdents64 system call lists in
 *				/proc/self/fd, fstat and fstatat(fd, "", AT_EMPTY_PATH) must
 *				agree: status 1 if they do not
 *	t_ending rawfds		prints the descriptors getdents64 lists, one per line
 *	t_ending exitgroup N	N pairs, then the exit_group system call (no atexit, no
 *				destructor: as the Go runtime ends)
 *	t_ending kill N T	N pairs in each of T threads and in main, then SIGKILL
 *	t_ending forkkill N	forks a child that makes N pairs and SIGKILLs itself; the
 *				parent waits for it, makes N pairs and returns 0
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static atomic_int done;

static void work(long n)
{
	for (long i = 0; i < n; i++) {
		void *volatile p = malloc(16 + (size_t)(i & 63));

		free(p);
	}
}

static void *worker(void *arg)
{
	work((long)arg);
	atomic_fetch_add(&done, 1);
	return NULL;
}

static void *second_exit(void *arg)
{
	struct timespec ms = { 0, 1000000 };

	(void)arg;
	while (!atomic_load(&done))
		sched_yield();
	nanosleep(&ms, NULL);
	_exit(0);
}

static int listfd(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int bad = 0, own;

	if (!d)
		return 2;
	own = dirfd(d);
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] == '.' || fd <= 2 || fd == own)
			continue;
		if (close(fd) != 0) {
			perror("close");
			bad = 1;
		}
	}
	closedir(d);
	return bad;
}

static int probe(int print)
{
	char buf[4096];
	int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY), bad = 0;
	long n;

	if (dir < 0)
		return 2;
	while ((n = syscall(SYS_getdents64, dir, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			/* struct linux_dirent64: ino, off, reclen, type, name */
			unsigned short reclen;
			const char *name = buf + off + 19;
			struct stat a, b;
			int fd = atoi(name), ra, rb;

			memcpy(&reclen, buf + off + 16, sizeof(reclen));
			off += reclen;
			if (name[0] == '.' || fd == dir)
				continue;
			if (print) {
				printf("%d\n", fd);
				continue;
			}
			ra = fstat(fd, &a);
			rb = fstatat(fd, "", &b, AT_EMPTY_PATH);
			if (ra != rb) {
				fprintf(stderr, "fd %d: fstat %d, fstatat %d\n", fd, ra, rb);
				bad = 1;
			}
		}
	}
	close(dir);
	return bad;
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "";
	pthread_t th;

	if (!strcmp(how, "listfd"))
		return listfd();
	if (!strcmp(how, "probe") || !strcmp(how, "rawfds"))
		return probe(!strcmp(how, "rawfds"));
	if (!strcmp(how, "signal") && argc > 3) {
		work(atol(argv[3]));
		kill(getpid(), atoi(argv[2]));
		return 99; /* not reached: the default action ends the process */
	}
	if (!strcmp(how, "kill") && argc > 3) {
		long n = atol(argv[2]), t = atol(argv[3]);

		for (long i = 0; i < t; i++)
			pthread_create(&th, NULL, worker, (void *)n);
		work(n);
		while (atomic_load(&done) < t)
			sched_yield();
		kill(getpid(), SIGKILL);
		return 99;
	}
	if (argc < 3)
		return 2;
	if (!strcmp(how, "forkkill")) {
		pid_t pid = fork();

		if (pid == 0) {
			work(atol(argv[2]));
			kill(getpid(), SIGKILL);
		}
		waitpid(pid, NULL, 0);
		work(atol(argv[2]));
		return 0;
	}
	if (!strcmp(how, "exitgroup")) {
		work(atol(argv[2]));
		syscall(SYS_exit_group, 0);
	}
	if (!strcmp(how, "race"))
		pthread_create(&th, NULL, second_exit, NULL);
	work(atol(argv[2]));
	if (!strcmp(how, "return"))
		return 3;
	if (!strcmp(how, "exit"))
		exit(0);
	if (!strcmp(how, "race")) {
		atomic_store(&done, 1);
		_exit(0);
	}
	return 2;
}
