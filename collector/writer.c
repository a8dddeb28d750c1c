/*
 * writer.c - the background writer thread: started when the program makes its first thread
 * or has recorded for TRACEIT_FLUSH_MS, woken when a ring is half full, stopped for
 * unshare; and the process-wide recorder state it runs on (configuration, state, mask).
 */
#include "config.h"
#include "tt.h"
#include "sys.h"
#include "strtab.h"
#include "chunks.h"
#include "drain.h"
#include "real.h"

#include <fcntl.h>
#include <link.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

struct tt_config tt_cfg;
_Atomic int tt_state;
_Atomic uint32_t tt_mask;
uint64_t tt_deadline = UINT64_MAX;

static _Atomic uint32_t writer_wake;
static _Atomic int writer_state; /* 0 none, 1 starting or running */
static _Atomic int writer_stop;	 /* asks the writer thread to return (unshare) */
static pthread_t writer_thread;

int tt_writer_running(void)
{
	return atomic_load_explicit(&writer_state, memory_order_relaxed);
}

_Atomic int tt_main_exited;

/*
 * Only this thread is left: /proc/self/stat shows the leader thread's state (Z once it has
 * ended; it stays counted in num_threads, field 20, as long as the process lives) and the
 * threads alive: the leader and this one.
 */
static int only_writer_left(void)
{
	char buf[1024];
	int fd = tt_openat(AT_FDCWD, "/proc/self/stat", O_RDONLY | O_CLOEXEC, 0);
	long got = fd >= 0 ? tt_read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		tt_close(fd);
	if (got <= 0)
		return 0;
	buf[got] = 0;
	char *p = strrchr(buf, ')'); /* the name may hold spaces and parentheses */

	if (!p || (p[2] != 'Z' && p[2] != 'X'))
		return 0;
	for (int field = 2; p && field < 20; field++)
		p = strchr(p + 1, ' ');
	return p && strtol(p + 1, NULL, 10) == 2;
}

static void *writer_main(void *arg)
{
	struct timespec ts = { tt_cfg.flush_ms / 1000, (long)(tt_cfg.flush_ms % 1000) * 1000000 };
	static const struct timespec soon = { 0, 10000000 };

	tt_self = &tt_thread_dead;
	tt_sys2(SYS_prctl, PR_SET_NAME, "traceit-writer");
	while (atomic_load(&tt_state) == TT_ACTIVE && !atomic_load(&writer_stop)) {
		/*
		 * The main thread left with pthread_exit: when the program's last thread is gone,
		 * glibc would call exit(0), but this thread keeps the count above zero.  Do it for
		 * the program, or the process would never end (and, all signals blocked here,
		 * could not even be terminated).
		 */
		if (atomic_load(&tt_main_exited) && only_writer_left())
			tt_real.exit(
				0); /* the real one: the program-facing wrapper would record it */
		tt_futex_wait((volatile uint32_t *)&writer_wake, 0,
			      atomic_load(&tt_main_exited) ? &soon : &ts);
		atomic_store(&writer_wake, 0);
		tt_writer_lock();
		if (atomic_load(&tt_state) == TT_ACTIVE)
			tt_drain_all(0);
		tt_writer_unlock();
	}
	return NULL;
}

/*
 * The code of libc and of the dynamic loader (and of glibc's older split libraries): a
 * malloc called from there may run with their locks held (dlopen, TLS set-up, stdio, fork),
 * which pthread_create may need.  A malloc called from anywhere else runs without them, so
 * the memory wrappers of a program that only allocates may start the writer from there.
 */
#define CALLER_RANGES 8
static struct {
	uintptr_t lo, hi;
} no_spawn[CALLER_RANGES];
static unsigned n_no_spawn;

static int is_glibc_part(const char *path)
{
	static const char *const names[] = { "libc.so", "ld-linux",	 "ld.so",
					     "ld64.so", "libpthread.so", "libdl.so" };
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strncmp(base, names[i], strlen(names[i])))
			return 1;
	return 0;
}

static int note_glibc_part(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	(void)arg;
	if (!info->dlpi_name || !is_glibc_part(info->dlpi_name) || n_no_spawn == CALLER_RANGES)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X) || n_no_spawn == CALLER_RANGES)
			continue;
		no_spawn[n_no_spawn].lo = info->dlpi_addr + ph->p_vaddr;
		no_spawn[n_no_spawn].hi = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
		n_no_spawn++;
	}
	return 0;
}

void tt_writer_callers_init(void)
{
	n_no_spawn = 0;
	dl_iterate_phdr(note_glibc_part, NULL);
}

int tt_writer_caller_may_spawn(uintptr_t ra)
{
	if (!n_no_spawn)
		return 0; /* glibc's code was not found: never from a malloc */
	for (unsigned i = 0; i < n_no_spawn; i++)
		if (ra >= no_spawn[i].lo && ra < no_spawn[i].hi)
			return 0;
	return 1;
}

void tt_writer_start(void)
{
	if (tt_cfg.ring)
		return; /* nothing is written until a dump: no thread to wake */
	/* a vfork child runs on our memory until it execs: a thread there would be ours */
	if (tt_getpid() != tt_owner_pid)
		return;
	int expect = 0;

	if (!atomic_compare_exchange_strong(&writer_state, &expect, 1))
		return;
	tt_deadline = UINT64_MAX;

	pthread_attr_t attr;
	pthread_t th;
	sigset_t all, old;

	/* The writer must never take a signal meant for the program (bugs.kde.org 378494). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	/* joinable: unshare(CLONE_NEWUSER) needs it gone for good (tt_writer_stop) */
	pthread_attr_setstacksize(&attr, 256 << 10);

	/* the allocations glibc makes for our thread (stack, TLS) are not the program's */
	struct tt_thread *self = tt_self;
	uint32_t busy = self ? self->busy : 0;

	if (self && self != &tt_thread_dead)
		self->busy = TT_BUSY;
	int ok = tt_real.pthread_create(&th, &attr, writer_main, NULL) == 0;

	if (self && self != &tt_thread_dead)
		self->busy = busy;
	if (ok) {
		writer_thread = th;
	} else {
		/* No thread: drains keep happening synchronously in the program's threads. */
		atomic_store(&writer_state, 0);
		tt_deadline = tt_now() + tt_clock_ms_to_ticks(tt_cfg.flush_ms);
	}
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void tt_writer_wake(void)
{
	if (!atomic_exchange(&writer_wake, 1))
		tt_futex_wake((volatile uint32_t *)&writer_wake, 1);
}

void tt_writer_kick(void)
{
	if (tt_writer_running())
		tt_writer_wake();
}

void tt_main_thread_exits(void)
{
	atomic_store(&tt_main_exited, 1);
	if (tt_writer_running())
		tt_writer_wake(); /* from now on it looks every 10 ms for the end of the process */
}

/*
 * Makes the process single-threaded again as far as we are concerned: unshare and setns
 * with CLONE_NEWUSER fail with EINVAL in a multithreaded process.  The writer returns after
 * its current pass and is joined; the next event that may start a thread starts a new one,
 * and until then drains happen in the program's threads.
 */
void tt_writer_stop(void)
{
	if (!tt_writer_running())
		return;
	atomic_store(&writer_stop, 1);
	tt_writer_wake();
	tt_real.pthread_join(writer_thread, NULL);
	atomic_store(&writer_stop, 0);
	atomic_store(&writer_state, 0);
	tt_deadline = tt_now() + tt_clock_ms_to_ticks(tt_cfg.flush_ms);
}

/* Fork child: no writer thread, a fresh lock, a fresh stream. */
void tt_writer_reinit(void)
{
	tt_writer_lock_reset();
	tt_ending_reset();
	atomic_store(&writer_wake, 0);
	atomic_store(&writer_state, 0);
	atomic_store(&writer_stop, 0);
	tt_chunks_after_fork();
	atomic_store(&tt_threads_attached, 1);
	tt_strtab_reset();
	tt_deadline = tt_cfg.ring ? UINT64_MAX : tt_now() + tt_clock_ms_to_ticks(tt_cfg.flush_ms);
}
