/*
 * input.c - input expansion and file mapping.
 *
 * Stream files are mapped rather than read: the pre-scan and the decoder then work on one
 * byte range (the shape a fuzzer drives, too), the page cache does the buffering, and a
 * multi-gigabyte trace costs no heap.  What cannot be mapped (a pipe) is read into memory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"
#include "scan.h"

static int tt_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int tt_is_trc(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && !strcmp(name + n - 4, ".trc");
}

static void tt_add(char ***v, size_t *n, size_t *cap, char *name)
{
	tt_grow((void **)v, cap, *n + 1, sizeof(**v));
	(*v)[(*n)++] = name;
}

/* Appends the .trc files of directory dir, sorted. */
static void tt_expand_dir(const char *dir, char ***v, size_t *n, size_t *cap)
{
	DIR *d = opendir(dir);
	size_t first = *n, dlen = strlen(dir);
	struct dirent *e;

	if (!d) {
		tt_error("%s: cannot read directory: %s", dir, strerror(errno));
		return;
	}
	while ((e = readdir(d))) {
		struct stat st;
		char *path;

		if (!tt_is_trc(e->d_name))
			continue;
		if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN)
			continue;
		if (e->d_type == DT_UNKNOWN &&
		    (fstatat(dirfd(d), e->d_name, &st, 0) || !S_ISREG(st.st_mode)))
			continue;
		path = tt_xmalloc(dlen + strlen(e->d_name) + 2);
		strcpy(path, dir);
		if (dlen && dir[dlen - 1] != '/')
			strcat(path, "/");
		strcat(path, e->d_name);
		tt_add(v, n, cap, path);
	}
	closedir(d);
	if (*n == first)
		tt_error("%s: no .trc files in this directory", dir);
	tt_sort(*v + first, *n - first, sizeof(**v), tt_name_cmp);
}

char **tt_inputs_expand(char *const *args, int nargs, size_t *n)
{
	char **v = NULL;
	size_t cap = 0;
	struct stat st;

	*n = 0;
	for (int i = 0; i < nargs; i++) {
		if (!stat(args[i], &st) && S_ISDIR(st.st_mode))
			tt_expand_dir(args[i], &v, n, &cap);
		else
			tt_add(&v, n, &cap, tt_xstrdup(args[i]));
	}
	return v;
}

void tt_inputs_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* For what mmap refuses: read it all. */
static int tt_read_all(struct tt_file *f, int fd)
{
	size_t cap = 1 << 16, len = 0;
	uint8_t *buf = tt_xmalloc(cap);

	for (;;) {
		ssize_t r;

		if (len == cap)
			tt_grow((void **)&buf, &cap, cap + 1, 1);
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			tt_error("%s: cannot read: %s", f->name, strerror(errno));
			free(buf);
			return -1;
		}
		if (!r)
			break;
		len += (size_t)r;
	}
	f->data = buf;
	f->size = len;
	f->owned = true;
	return 0;
}

int tt_input_map(struct tt_file *f)
{
	int fd = open(f->name, O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *p;
	int rc = 0;

	if (fd < 0) {
		tt_error("%s: cannot open: %s", f->name, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st)) {
		tt_error("%s: cannot read: %s", f->name, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = tt_read_all(f, fd);
	} else if (st.st_size == 0) {
		f->data = (const uint8_t *)"";
		f->size = 0;
	} else {
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			rc = tt_read_all(f, fd);
		} else {
			f->data = p;
			f->size = (size_t)st.st_size;
		}
	}
	close(fd);
	return rc;
}

void tt_input_unmap(struct tt_file *f)
{
	if (f->owned)
		free((void *)f->data);
	else if (f->size)
		munmap((void *)f->data, f->size);
	f->data = NULL;
	f->size = 0;
	f->owned = false;
}

struct tt_file **tt_inputs_open(char **names, size_t n, uint64_t *total)
{
	struct tt_file **files = tt_xcalloc(n ? n : 1, sizeof(*files));

	if (total)
		*total = 0;
	for (size_t i = 0; i < n; i++) {
		files[i] = tt_xcalloc(1, sizeof(**files));
		files[i]->name = names[i];
		tt_input_map(files[i]);
		if (total)
			*total += files[i]->size;
	}
	return files;
}

void tt_inputs_close(struct tt_file **files, char **names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		tt_input_unmap(files[i]);
		tt_file_release(files[i]);
		free(files[i]);
	}
	free(files);
	tt_inputs_free(names, n);
}
