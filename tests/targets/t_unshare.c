/* t_unshare: a program that has used threads enters a new user namespace. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *work(void *arg)
{
	free(malloc(100));
	return arg;
}

int main(void)
{
	pthread_t t;

	pthread_create(&t, NULL, work, NULL);
	pthread_join(t, NULL);
	if (unshare(CLONE_NEWUSER) != 0) {
		printf("unshare: %s\n", strerror(errno));
		return 1;
	}
	free(malloc(6001));
	printf("unshare: ok\n");
	return 0;
}
