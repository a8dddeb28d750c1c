/*
 * ownstack.c - the drains an application thread runs happen on a stack of ours.
 *
 * A drain compresses, and igzip builds its Huffman tables in some 20 KB of locals.  The
 * thread that drains may be short of stack: a program's signal handler that calls exit() or
 * execve() runs on whatever alternate stack the program gave it (8 or 16 KB is common), a
 * crash handler takes the program's SA_ONSTACK stack too, and a thread may have been created
 * with PTHREAD_STACK_MIN.  Overflowing that stack would crash a program at its exit, or lose
 * the last events of a crash.  So the drain switches to a stack mapped for the purpose; the
 * switch (getcontext, makecontext, swapcontext: a register save and a sigprocmask) needs a
 * few hundred bytes of the thread's own stack.  The writer lock serialises the drains, so
 * one stack, and one pair of contexts, serve every thread.
 */
#include "tt.h"
#include "sys.h"

#include <sys/mman.h>
#include <ucontext.h>

#define OWN_STACK_SIZE (256u << 10)
#define OWN_GUARD 4096u

static char *own_stack;
static ucontext_t own_back, own_ctx;
static void (*own_fn)(void *);
static void *own_arg;

static void own_entry(void)
{
	own_fn(own_arg);
}

/* Maps the stack (at start-up: a drain at exit or in a crash should not need memory). */
void tt_own_stack_setup(void)
{
	char *p;

	if (own_stack || !(p = tt_mmap(OWN_STACK_SIZE)))
		return;
	/* the lowest page a guard: an overflow faults instead of writing past */
	if (tt_sys3(SYS_mprotect, p, OWN_GUARD, PROT_NONE) == 0)
		own_stack = p;
	else
		tt_munmap(p, OWN_STACK_SIZE);
}

/* Writer lock held.  Runs fn(arg) on the tracer's stack, or here if none could be mapped. */
void tt_on_own_stack(void (*fn)(void *), void *arg)
{
	if (!own_stack || getcontext(&own_ctx) != 0) {
		fn(arg);
		return;
	}
	own_ctx.uc_stack.ss_sp = own_stack + OWN_GUARD;
	own_ctx.uc_stack.ss_size = OWN_STACK_SIZE - OWN_GUARD;
	own_ctx.uc_link = &own_back; /* where own_entry returns to */
	own_fn = fn;
	own_arg = arg;
	makecontext(&own_ctx, own_entry, 0);
	if (swapcontext(&own_back, &own_ctx) != 0)
		fn(arg);
}
