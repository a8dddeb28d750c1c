/*
 * t_stdio: stdio streams with known counts and bytes.
 *
 *	t_stdio SRC OUTDIR CHUNK NLINES
 *
 * SRC is a file of lines of 64 bytes (the last one may be shorter, without newline).  It is
 * read in full through fread, fread_unlocked (CHUNK bytes per call), fgets (a buffer of 128),
 * getline and getdelim, each on its own stream, until end of file.  NLINES lines of 64 bytes
 * are written into OUTDIR/fwrite.out (fwrite, two 64-byte items per call), OUTDIR/fputs.out
 * (fputs), OUTDIR/fprintf.out (fprintf and vfprintf in turn) and OUTDIR/dprintf.out (dprintf
 * and vdprintf in turn), and to stdout (puts and printf in turn).  Then fseek, fseeko, ftell,
 * ftello, rewind, fgetpos, fsetpos, fflush on SRC; freopen and fdopen; and failures: fopen of
 * a missing file (ENOENT), fprintf, fputs and fwrite on a read-only stream (EBADF), and an
 * fprintf whose conversion fails (EILSEQ in the C locale).
 *
 * CHUNK and NLINES come from the command line so that a _FORTIFY_SOURCE build calls the
 * _chk entry points (fread -> __fread_chk, fgets -> __fgets_chk, printf -> __printf_chk).
 * Every unexpected result exits with its own status; the last line on stdout gives the
 * totals read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#define LINE 64

static char line[2 * LINE + 1]; /* two lines, for fwrite's two items */

static void fail(int status, const char *what)
{
	fprintf(stderr, "t_stdio: %s: %s\n", what, strerror(errno));
	exit(status);
}

static const char *out(const char *dir, const char *name)
{
	static char paths[16][4096];
	static int next;
	char *p = paths[next++ % 16];

	snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
	return p;
}

static FILE *open_stream(const char *path, const char *mode)
{
	FILE *f = fopen(path, mode);

	if (!f)
		fail(2, path);
	return f;
}

static int vfp(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfprintf(f, fmt, ap);
	va_end(ap);
	return ret;
}

static int vdp(int fd, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vdprintf(fd, fmt, ap);
	va_end(ap);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc < 5)
		return 1;
	const char *src = argv[1], *dir = argv[2];
	size_t chunk = (size_t)atol(argv[3]);
	int nlines = atoi(argv[4]);
	int lbufsize = 100;
	char buf[8192], lbuf[128];
	long total_fread = 0, total_unlocked = 0, total_fgets = 0, total_getline = 0,
	     total_getdelim = 0;
	size_t n;
	char *lp = NULL;
	size_t lsize = 0;
	ssize_t r;
	FILE *f;

	if (chunk < 1 || chunk > sizeof(buf) || nlines < 2 || nlines % 2 ||
	    lbufsize > (int)sizeof(lbuf))
		return 1;
	/* forget the ranges just checked, or fortify proves the sizes safe and skips _chk */
	__asm__("" : "+r"(chunk), "+r"(lbufsize));
	memset(line, 'a', sizeof(line) - 1);
	line[LINE - 1] = '\n';
	line[2 * LINE - 1] = '\n';

	/* fread and fread_unlocked of unknown size: __fread_chk, __fread_unlocked_chk */
	f = open_stream(src, "r");
	while ((n = fread(buf, 1, chunk, f)) > 0)
		total_fread += (long)n;
	if (ferror(f))
		fail(3, "fread");
	fclose(f);
	f = open_stream(src, "r");
	while ((n = fread_unlocked(buf, 1, chunk, f)) > 0)
		total_unlocked += (long)n;
	fclose(f);

	/* fgets: the lines are shorter than the buffer, one line per call */
	f = open_stream(src, "r");
	while (fgets(lbuf, lbufsize, f))
		total_fgets += (long)strlen(lbuf);
	fclose(f);

	/* getline (which the headers may turn into __getdelim) and getdelim */
	f = open_stream(src, "r");
	while ((r = getline(&lp, &lsize, f)) > 0)
		total_getline += r;
	fclose(f);
	f = open_stream(src, "r");
	while ((r = getdelim(&lp, &lsize, '\n', f)) > 0)
		total_getdelim += r;
	fclose(f);
	free(lp);

	/* writes */
	f = open_stream(out(dir, "fwrite.out"), "w");
	for (int i = 0; i < nlines / 2; i++)
		if (fwrite(line, LINE, 2, f) != 2)
			fail(4, "fwrite");
	fclose(f);
	line[LINE] = '\0'; /* from here on, one line */
	f = open_stream(out(dir, "fputs.out"), "w");
	for (int i = 0; i < nlines; i++)
		if (fputs(line, f) == EOF)
			fail(5, "fputs");
	fclose(f);
	f = open_stream(out(dir, "fprintf.out"), "w");
	for (int i = 0; i < nlines; i++)
		if ((i % 2 ? vfp(f, "%s", line) : fprintf(f, "%s", line)) != LINE)
			fail(6, "fprintf");
	fclose(f);
	int fd = open(out(dir, "dprintf.out"), O_CREAT | O_TRUNC | O_WRONLY, 0644);

	if (fd < 0)
		fail(2, "dprintf.out");
	for (int i = 0; i < nlines; i++)
		if ((i % 2 ? vdp(fd, "%s", line) : dprintf(fd, "%s", line)) != LINE)
			fail(7, "dprintf");
	close(fd);
	/* stdout: puts adds the newline */
	line[LINE - 1] = '\0';
	for (int i = 0; i < nlines; i++)
		if ((i % 2 ? printf("%s\n", line) : puts(line)) < 0)
			fail(8, "puts/printf");
	line[LINE - 1] = '\n';

	/* positioning */
	fpos_t pos;

	f = open_stream(src, "r");
	if (fseek(f, 100, SEEK_SET) != 0 || ftell(f) != 100)
		fail(9, "fseek");
	if (fseeko(f, LINE, SEEK_CUR) != 0 || ftello(f) != 100 + LINE)
		fail(10, "fseeko");
	rewind(f);
	if (fgetpos(f, &pos) != 0 || fread(buf, 1, 10, f) != 10 || fsetpos(f, &pos) != 0 ||
	    ftell(f) != 0)
		fail(11, "fgetpos");
	if (fflush(f) != 0)
		fail(12, "fflush");
	fclose(f);

	/* freopen moves the stream to another file; fdopen wraps a descriptor */
	f = open_stream(out(dir, "before.out"), "w");
	if (!(f = freopen(out(dir, "freopen.out"), "w", f)) || fputs(line, f) == EOF)
		fail(13, "freopen");
	fclose(f);
	fd = open(out(dir, "fdopen.out"), O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0 || !(f = fdopen(fd, "w")) || fputs(line, f) == EOF)
		fail(14, "fdopen");
	fclose(f);

	/* failures, and the errno the program sees through the wrappers */
	if (fopen("/nonexistent/traceit-test", "r") || errno != ENOENT)
		return 15;
	f = open_stream(src, "r");
	errno = 0;
	if (fprintf(f, "%s", line) != -1 || errno != EBADF)
		return 16;
	clearerr(f);
	errno = 0;
	if (fputs(line, f) != EOF || errno != EBADF)
		return 17;
	clearerr(f);
	errno = 0;
	if (fwrite(line, 1, LINE, f) != 0 || errno != EBADF)
		return 18;
	fclose(f);
	f = open_stream(out(dir, "eilseq.out"), "w");
	errno = 0;
	if (fprintf(f, "%ls", L"\x20ac") != -1 || errno != EILSEQ)
		return 19;
	fclose(f);

	printf("fread %ld fread_unlocked %ld fgets %ld getline %ld getdelim %ld\n", total_fread,
	       total_unlocked, total_fgets, total_getline, total_getdelim);
	return 0;
}
