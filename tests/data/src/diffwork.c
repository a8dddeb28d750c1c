/*
 * diffwork.c - the program behind tests/data/diff-base/ and diff-new/ (see README): the same
 * work twice, with known differences for traceit-convert --diff.
 *
 *	diffwork base FILE	the baseline
 *	diffwork new FILE	the same, with: half as many mallocs again, two blocks leaked, a
 *				peak three times higher, twice the bytes written to FILE, an
 *				fsync and no access(), three failed opens instead of one, a lock
 *				held four times longer while another thread waits for it, and a
 *				second span name
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <traceit.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int newer;

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts))
		;
}

/* Holds the lock while the main thread waits for it: 2 ms, or 8 in the new run. */
static void *holder(void *arg)
{
	pthread_mutex_lock(&lock);
	*(volatile int *)arg = 1;
	pause_ms(newer ? 8 : 2);
	pthread_mutex_unlock(&lock);
	return NULL;
}

int main(int argc, char **argv)
{
	static volatile int held;
	char buf[1024], path[64];
	pthread_t t;
	int fd;

	if (argc != 3)
		return 2;
	newer = !strcmp(argv[1], "new");
	traceit_span_begin("diffwork", "phase");
	for (int i = 0; i < (newer ? 150 : 100); i++)
		free(malloc(64));
	free(malloc(newer ? 300000 : 100000));
	if (newer) {
		malloc(1000);
		malloc(1000);
	}
	traceit_span_end();

	/* a file written, its pid's /proc entry read (a path that differs in every run) */
	memset(buf, 'x', sizeof(buf));
	fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	for (int i = 0; i < (newer ? 8 : 4); i++)
		write(fd, buf, sizeof(buf));
	if (newer)
		fsync(fd);
	close(fd);
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)getpid());
	fd = open(path, O_RDONLY);
	read(fd, buf, sizeof(buf));
	close(fd);
	for (int i = 0; i < (newer ? 3 : 1); i++)
		open("/nonexistent/diffwork", O_RDONLY);
	if (!newer)
		access("/", R_OK);

	/* the main thread waits for the lock the holder has */
	pthread_create(&t, NULL, holder, (void *)&held);
	while (!held)
		pause_ms(1);
	pthread_mutex_lock(&lock);
	pthread_mutex_unlock(&lock);
	pthread_join(t, NULL);
	if (newer) {
		traceit_span_begin("diffwork", "extra");
		pause_ms(1);
		traceit_span_end();
	}
	return 0;
}
