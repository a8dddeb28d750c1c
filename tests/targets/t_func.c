/*
 * t_func.c - a program built with -finstrument-functions, for tests/functions.bats: known call
 * trees, recursion, longjmp, an instrumented signal handler, a thread and a process that end
 * inside functions, and a long run for the live view.
 *
 *	t_func calls	  main -> tree() x3 -> branch() x2 -> leaf() x2, malloc+free in leaf
 *	t_func recurse N  fact(N), recursive
 *	t_func longjmp	  jumper() -> level1 -> level2 -> level3 longjmps back; after() follows
 *	t_func signal	  raise(SIGUSR1) inside raiser(); the handler calls handler_work()
 *	t_func thread	  a thread that calls pthread_exit three functions deep
 *	t_func exit	  exit(3) three functions deep
 *	t_func marks	  sleeps of 20 us to 1.1 s, one per ftrace overhead mark
 *	t_func run S	  calls tick() every 10 ms for S seconds
 *	t_func empty N	  N calls of an empty function
 *	t_func errno N	  N times: errno set in a callee, read after it returns and in another
 *			  callee (the hooks run in between); exits 3 if it changed
 *	t_func fork	  forker() forks; the child calls child_work() and returns from forker
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static volatile int sink;

NOINLINE static void leaf(void)
{
	void *p = malloc(32);

	sink += p != NULL;
	free(p);
}

NOINLINE static void branch(void)
{
	leaf();
	leaf();
}

NOINLINE static void tree(void)
{
	branch();
	branch();
}

NOINLINE static long fact(long n)
{
	return n <= 1 ? 1 : n * fact(n - 1);
}

static jmp_buf env;

NOINLINE static void level3(void)
{
	longjmp(env, 1);
}

NOINLINE static void level2(void)
{
	level3();
	sink++;
}

NOINLINE static void level1(void)
{
	level2();
	sink++;
}

NOINLINE static void after(void)
{
	sink++;
}

NOINLINE static void jumper(void)
{
	if (!setjmp(env))
		level1();
	else
		after();
}

NOINLINE static void handler_work(void)
{
	sink++;
}

NOINLINE static void on_signal(int sig)
{
	(void)sig;
	handler_work();
}

NOINLINE static void raiser(void)
{
	raise(SIGUSR1);
	sink++;
}

NOINLINE static void deep3(void)
{
	pthread_exit(NULL);
}

NOINLINE static void deep2(void)
{
	deep3();
	sink++;
}

NOINLINE static void *deep1(void *arg)
{
	deep2();
	return arg;
}

NOINLINE static void exit3(void)
{
	fflush(stdout);
	exit(3);
}

NOINLINE static void exit2(void)
{
	exit3();
	sink++;
}

NOINLINE static void exit1(void)
{
	exit2();
	sink++;
}

NOINLINE static void nap(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

NOINLINE static void tick(void)
{
	nap(10000);
}

NOINLINE static void child_work(void)
{
	sink++;
}

NOINLINE static int forker(void)
{
	pid_t pid = fork();
	int st = 0;

	if (pid == 0) {
		child_work();
		return 1;
	}
	waitpid(pid, &st, 0);
	return 0;
}

NOINLINE static void empty(void)
{
	__asm__ volatile("" ::: "memory");
}

NOINLINE static void set_errno(int v)
{
	errno = v;
}

NOINLINE static int get_errno(void)
{
	return errno;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "calls";
	long n = argc > 2 ? atol(argv[2]) : 5;

	if (!strcmp(mode, "calls")) {
		for (int i = 0; i < 3; i++)
			tree();
	} else if (!strcmp(mode, "recurse")) {
		printf("%ld\n", fact(n));
	} else if (!strcmp(mode, "longjmp")) {
		jumper();
	} else if (!strcmp(mode, "signal")) {
		signal(SIGUSR1, on_signal);
		raiser();
	} else if (!strcmp(mode, "thread")) {
		pthread_t t;

		pthread_create(&t, NULL, deep1, NULL);
		pthread_join(t, NULL);
	} else if (!strcmp(mode, "exit")) {
		exit1();
	} else if (!strcmp(mode, "marks")) {
		static const long us[] = { 20, 200, 2000, 20000, 150000, 1100000 };

		for (size_t i = 0; i < sizeof(us) / sizeof(us[0]); i++)
			nap(us[i]);
	} else if (!strcmp(mode, "run")) {
		for (long i = 0; i < n * 100; i++)
			tick();
	} else if (!strcmp(mode, "fork")) {
		if (forker())
			return 0; /* the child */
	} else if (!strcmp(mode, "empty")) {
		for (long i = 0; i < n; i++)
			empty();
	} else if (!strcmp(mode, "errno")) {
		for (long i = 0; i < n; i++) {
			int v = (int)(i % 100) + 1, after, inside;

			set_errno(v);
			after = errno;
			inside = get_errno();
			if (after != v || inside != v) {
				fprintf(stderr,
					"t_func: errno %d after the call, %d inside, not %d\n",
					after, inside, v);
				return 3;
			}
		}
	} else {
		fprintf(stderr, "t_func: unknown mode %s\n", mode);
		return 2;
	}
	printf("done %d\n", sink);
	return 0;
}
