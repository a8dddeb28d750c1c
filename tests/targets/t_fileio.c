/*
 * t_fileio: descriptor I/O and file metadata with known counts and bytes.
 *
 *	t_fileio SRC OUTDIR CHUNK NLINES
 *
 * SRC is a file of lines of 64 bytes (its size need not be a multiple of 64).  It is read in
 * full through pread, readv and preadv/preadv2 (CHUNK bytes per call, until end of file),
 * then copied with sendfile and copy_file_range.  NLINES lines of 64 bytes are written into
 * OUTDIR/pwrite.out (pwrite, one line per call), OUTDIR/writev.out (writev, two lines per
 * call) and OUTDIR/pwritev.out (pwritev/pwritev2 in turn, two lines per call).  Then creat,
 * ftruncate, lseek, fsync, fdatasync; dup, dup2, dup3, fcntl F_DUPFD and F_DUPFD_CLOEXEC of
 * OUTDIR/dup.out with one write through each copy; pipe and pipe2 with one write and one read
 * each; and stat, lstat, fstat, fstatat, statx, access, mkdir, opendir, closedir, rename,
 * renameat, unlink, unlinkat, rmdir, and a stat that fails with ENOENT.
 *
 * CHUNK and NLINES come from the command line so that a _FORTIFY_SOURCE build cannot prove
 * the sizes safe and calls the _chk entry points (pread -> __pread_chk).  Every unexpected
 * result exits with its own status; the last line on stdout gives the totals read.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define LINE 64

static char line[LINE + 1];

static void fail(int status, const char *what)
{
	fprintf(stderr, "t_fileio: %s: %s\n", what, strerror(errno));
	exit(status);
}

static char *out(const char *dir, const char *name)
{
	static char paths[16][4096];
	static int next;
	char *p = paths[next++ % 16];

	snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
	return p;
}

static int open_out(const char *path)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);

	if (fd < 0)
		fail(2, path);
	return fd;
}

int main(int argc, char **argv)
{
	if (argc < 5)
		return 1;
	const char *src = argv[1], *dir = argv[2];
	size_t chunk = (size_t)atol(argv[3]);
	int nlines = atoi(argv[4]);
	char buf[8192];
	struct iovec iov[2];
	ssize_t r;
	long total_pread = 0, total_readv = 0, total_preadv = 0;
	int fd;

	if (chunk < 2 || chunk > sizeof(buf) || chunk % 2 || nlines < 2 || nlines % 2)
		return 1;
	/* forget the range just checked, or fortify proves the size safe and skips _chk */
	__asm__("" : "+r"(chunk));
	memset(line, 'a', LINE - 1);
	line[LINE - 1] = '\n';

	/* pread to the end: chunk is of unknown range, so fortify makes it __pread_chk */
	if ((fd = open(src, O_RDONLY)) < 0)
		fail(3, src);
	while ((r = pread(fd, buf, chunk, total_pread)) > 0)
		total_pread += r;
	if (r < 0)
		fail(4, "pread");
	close(fd);

	/* readv, two halves per call */
	if ((fd = open(src, O_RDONLY)) < 0)
		fail(3, src);
	iov[0].iov_base = buf;
	iov[0].iov_len = chunk / 2;
	iov[1].iov_base = buf + chunk / 2;
	iov[1].iov_len = chunk / 2;
	while ((r = readv(fd, iov, 2)) > 0)
		total_readv += r;
	if (r < 0)
		fail(5, "readv");
	close(fd);

	/* preadv and preadv2 in turn */
	if ((fd = open(src, O_RDONLY)) < 0)
		fail(3, src);
	for (int i = 0;; i++) {
		r = i % 2 ? preadv2(fd, iov, 2, total_preadv, 0) : preadv(fd, iov, 2, total_preadv);
		if (r <= 0)
			break;
		total_preadv += r;
	}
	if (r < 0)
		fail(6, "preadv");
	close(fd);

	/* pwrite, one line per call */
	fd = open_out(out(dir, "pwrite.out"));
	for (int i = 0; i < nlines; i++)
		if (pwrite(fd, line, LINE, (off_t)i * LINE) != LINE)
			fail(7, "pwrite");
	close(fd);

	/* writev, two lines per call */
	iov[0].iov_base = line;
	iov[0].iov_len = LINE;
	iov[1].iov_base = line;
	iov[1].iov_len = LINE;
	fd = open_out(out(dir, "writev.out"));
	for (int i = 0; i < nlines / 2; i++)
		if (writev(fd, iov, 2) != 2 * LINE)
			fail(8, "writev");
	close(fd);

	/* pwritev and pwritev2 in turn, two lines per call */
	fd = open_out(out(dir, "pwritev.out"));
	for (int i = 0; i < nlines / 2; i++) {
		off_t off = (off_t)i * 2 * LINE;

		r = i % 2 ? pwritev2(fd, iov, 2, off, 0) : pwritev(fd, iov, 2, off);
		if (r != 2 * LINE)
			fail(9, "pwritev");
	}
	close(fd);

	/* creat, ftruncate, lseek, fsync, fdatasync */
	const char *created = out(dir, "creat.out");

	if ((fd = creat(created, 0644)) < 0)
		fail(10, "creat");
	if (ftruncate(fd, 1000) != 0)
		fail(11, "ftruncate");
	if (lseek(fd, 0, SEEK_END) != 1000)
		fail(12, "lseek");
	if (fsync(fd) != 0 || fdatasync(fd) != 0)
		fail(13, "fsync");
	close(fd);

	/* sendfile and copy_file_range move the whole file in one call */
	struct stat st;
	int in = open(src, O_RDONLY);

	if (in < 0 || fstat(in, &st) != 0)
		fail(14, src);
	fd = open_out(out(dir, "sendfile.out"));
	if (sendfile(fd, in, NULL, (size_t)st.st_size) != st.st_size)
		fail(15, "sendfile");
	close(fd);
	close(in);
	if ((in = open(src, O_RDONLY)) < 0)
		fail(3, src);
	fd = open_out(out(dir, "copy.out"));
	if (copy_file_range(in, NULL, fd, NULL, (size_t)st.st_size, 0) != st.st_size)
		fail(16, "copy_file_range");
	close(fd);
	close(in);

	/* every copy of a descriptor names the same file */
	int dups[5];

	fd = open_out(out(dir, "dup.out"));
	dups[0] = dup(fd);
	dups[1] = dup2(fd, 100);
	dups[2] = dup3(fd, 101, O_CLOEXEC);
	dups[3] = fcntl(fd, F_DUPFD, 110);
	dups[4] = fcntl(fd, F_DUPFD_CLOEXEC, 120);
	if ((fcntl(fd, F_GETFL) & O_ACCMODE) != O_WRONLY)
		fail(17, "fcntl F_GETFL");
	for (int i = 0; i < 5; i++) {
		if (dups[i] < 0 || write(dups[i], line, LINE) != LINE)
			fail(18, "dup");
		close(dups[i]);
	}
	close(fd);

	/* both ends of a pipe are "pipe" */
	int p[2];

	for (int i = 0; i < 2; i++) {
		if ((i ? pipe2(p, O_CLOEXEC) : pipe(p)) != 0)
			fail(19, "pipe");
		if (write(p[1], line, LINE) != LINE || read(p[0], buf, LINE) != LINE)
			fail(20, "pipe I/O");
		close(p[0]);
		close(p[1]);
	}

	/* metadata */
	struct statx stx;

	if (stat(src, &st) != 0 || st.st_size != total_pread)
		fail(21, "stat");
	if (lstat(src, &st) != 0 || fstatat(AT_FDCWD, src, &st, 0) != 0)
		fail(22, "lstat/fstatat");
	if (statx(AT_FDCWD, src, 0, STATX_SIZE, &stx) != 0 || (long)stx.stx_size != total_pread)
		fail(23, "statx");
	if (access(src, R_OK) != 0)
		fail(24, "access");
	const char *d = out(dir, "d"), *a = out(dir, "d/a"), *b = out(dir, "d/b"),
		   *e = out(dir, "d/e");

	if (mkdir(d, 0755) != 0 || mkdir(e, 0755) != 0)
		fail(25, "mkdir");
	DIR *dp = opendir(d);

	if (!dp || closedir(dp) != 0)
		fail(26, "opendir");
	if (rename(created, a) != 0 || renameat(AT_FDCWD, a, AT_FDCWD, b) != 0)
		fail(27, "rename");
	if (unlink(b) != 0 || unlinkat(AT_FDCWD, e, AT_REMOVEDIR) != 0 || rmdir(d) != 0)
		fail(28, "unlink");
	/* a failure, and the errno the program sees through the wrappers */
	if (stat("/nonexistent/traceit-test", &st) == 0 || errno != ENOENT)
		return 29;

	printf("pread %ld readv %ld preadv %ld\n", total_pread, total_readv, total_preadv);
	return 0;
}
