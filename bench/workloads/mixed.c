/*
 * mixed.c - benchmark workload: a bit of everything, as a real program mixes it.
 *
 * Four threads each run ROUNDS rounds (100 k by default).  A round allocates a few blocks,
 * fills a 1 KiB record and writes it to the thread's own temporary file, adds to a shared
 * table under a mutex, frees the blocks, and every 16th round reads back a record written
 * earlier.  Every 1000th round the thread starts a helper thread that does the same kind of
 * work once and joins it.  The files are created in $TMPDIR (default /tmp) and unlinked at
 * once; each is rewritten from its start every 1024 records, so it stays at 1 MiB.
 *
 * Usage: mixed [ROUNDS]
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NTHREADS 4
#define RECORD 1024
#define BUCKETS 256
#define FILE_RECORDS 1024

static unsigned long rounds;
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long table[BUCKETS];

static int open_tmp(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/traceit-bench-mixed-XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd >= 0)
		unlink(path);
	return fd;
}

/* One round of work: allocate, fill, write, count under the lock, free */
static int round_of_work(int fd, unsigned long i, unsigned int *seed)
{
	char *record = malloc(RECORD);
	unsigned long *keys;
	size_t nkeys;
	int ret = 0;

	*seed = *seed * 1103515245u + 12345u;
	nkeys = 4 + (*seed >> 16) % 28;
	keys = calloc(nkeys, sizeof(*keys));
	if (!record || !keys) {
		free(record);
		free(keys);
		return -1;
	}
	for (size_t k = 0; k < nkeys; k++)
		keys[k] = (i * 2654435761u + k * 40503u) % BUCKETS;
	memset(record, 'a' + (int)(i % 26), RECORD);
	memcpy(record, keys, nkeys * sizeof(*keys));
	if (write(fd, record, RECORD) != RECORD)
		ret = -1;
	pthread_mutex_lock(&table_lock);
	for (size_t k = 0; k < nkeys; k++)
		table[keys[k]]++;
	pthread_mutex_unlock(&table_lock);
	if (i % 16 == 15 && pread(fd, record, RECORD, (off_t)(i % FILE_RECORDS / 2) * RECORD) < 0)
		ret = -1;
	if (i % FILE_RECORDS == FILE_RECORDS - 1 && lseek(fd, 0, SEEK_SET) < 0)
		ret = -1;
	free(keys);
	free(record);
	return ret;
}

static void *helper(void *arg)
{
	unsigned int seed = 7;

	return (void *)(long)round_of_work(*(int *)arg, 0, &seed);
}

static void *worker(void *arg)
{
	unsigned int seed = (unsigned int)(unsigned long)arg + 1;
	int fd = open_tmp();

	if (fd < 0)
		return (void *)-1L;
	for (unsigned long i = 0; i < rounds; i++) {
		if (round_of_work(fd, i, &seed))
			break;
		if (i % 1000 == 999) {
			pthread_t th;

			if (pthread_create(&th, NULL, helper, &fd) == 0)
				pthread_join(th, NULL);
		}
	}
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[NTHREADS];
	int failed = 0;

	rounds = argc > 1 ? strtoul(argv[1], NULL, 0) : 100000;
	for (long t = 0; t < NTHREADS; t++)
		if (pthread_create(&th[t], NULL, worker, (void *)t)) {
			fprintf(stderr, "mixed: pthread_create failed\n");
			return 1;
		}
	for (int t = 0; t < NTHREADS; t++) {
		void *ret;

		pthread_join(th[t], &ret);
		failed |= ret != NULL;
	}
	if (failed)
		fprintf(stderr, "mixed: a worker failed\n");
	return failed;
}
