/*
 * t_heaponly: a single-threaded program that only allocates, then says whether a thread
 * named traceit-writer runs in it.  "app N": N malloc/free pairs made here; "libc N": N
 * qsorts of an array large enough that glibc's qsort mallocs and frees its buffer itself;
 * "big N": N pairs of 1 MiB mallocs and frees.  Prints "writer=0" or "writer=1".
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Raw system calls: a wrapped call (opendir, fopen) may start the writer itself. */
static int writer_runs(void)
{
	char buf[8192], path[64], comm[64];
	int found = 0;
	long d = syscall(SYS_openat, AT_FDCWD, "/proc/self/task", O_RDONLY | O_DIRECTORY), got;

	while (d >= 0 && (got = syscall(SYS_getdents64, d, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < got;) {
			/* struct linux_dirent64: ino 8, off 8, reclen 2, type 1, name */
			unsigned short reclen;
			const char *name = buf + off + 19;

			memcpy(&reclen, buf + off + 16, 2);
			off += reclen;
			if (name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/self/task/%s/comm", name);
			long f = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY);
			long n = f >= 0 ? syscall(SYS_read, f, comm, sizeof(comm) - 1) : -1;

			if (f >= 0)
				syscall(SYS_close, f);
			found |= n >= 14 && !strncmp(comm, "traceit-writer", 14);
		}
	}
	if (d >= 0)
		syscall(SYS_close, d);
	return found;
}

int main(int argc, char **argv)
{
	static int a[4096];
	long n = argc > 2 ? atol(argv[2]) : 1000;

	if (argc < 2)
		return 2;
	for (long i = 0; i < n; i++) {
		if (!strcmp(argv[1], "app")) {
			void *p = malloc(16 + (size_t)(i & 63));

			__asm__ volatile("" : : "r"(p) : "memory");
			free(p);
		} else if (!strcmp(argv[1], "big")) {
			void *p = malloc(1 << 20);

			__asm__ volatile("" : : "r"(p) : "memory");
			free(p);
		} else {
			for (size_t k = 0; k < sizeof(a) / sizeof(a[0]); k++)
				a[k] = (int)((k * 2654435761u) % 1000);
			qsort(a, sizeof(a) / sizeof(a[0]), sizeof(a[0]), cmp);
		}
	}
	/* the answer is taken before this program's stdio starts allocating */
	int w = writer_runs();

	printf("writer=%d\n", w);
	return 0;
}
