/*
 * resolve.c - finding the real functions, and the bootstrap allocator dlsym needs meanwhile.
 *
 * dlsym allocates (its error string, its per-thread state): while we are still looking up
 * malloc, that allocation lands in our own malloc wrapper with no real malloc to call.  Those
 * few early allocations are served from a static arena (glibc dlfcn/dlerror.c allocates the
 * error state on the first dlsym of a thread); free and
 * realloc recognise arena blocks by address and never hand them to glibc.
 */
#include "base.h"
#include "real.h"
#include "sys.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <string.h>

struct tt_real tt_real;

/* The bootstrap arena (real.h): what dlsym allocates before malloc is resolved */
_Alignas(64) unsigned char tt_boot_arena[TT_BOOT_SIZE];
static _Atomic size_t boot_used;

/* A bump allocator with a size header in front of each block (for realloc). */
void *tt_boot_alloc(size_t size, size_t align)
{
	if (align < 16)
		align = 16;
	for (;;) {
		size_t old = atomic_load(&boot_used);
		size_t start = (old + 16 + align - 1) & ~(align - 1);
		size_t end = start + ((size + 15) & ~(size_t)15);

		if (end > TT_BOOT_SIZE || size > TT_BOOT_SIZE)
			return NULL;
		if (atomic_compare_exchange_weak(&boot_used, &old, end)) {
			((size_t *)(tt_boot_arena + start))[-1] = size;
			return tt_boot_arena + start;
		}
	}
}

size_t tt_boot_size(const void *p)
{
	return ((const size_t *)p)[-1];
}

/* The linker's bounds of the tt_real_tab section (the TT_REAL entries of every family) */
extern const struct tt_real_entry __start_tt_real_tab[] __attribute__((weak, visibility("hidden")));
extern const struct tt_real_entry __stop_tt_real_tab[] __attribute__((weak, visibility("hidden")));

static _Atomic int resolve_state; /* 0 not done, 1 running, 2 done */
static _Atomic int resolver_tid;

static void *lookup(const char *name, const char *version, int optional)
{
	void *p = version ? tt_dlvsym(RTLD_NEXT, name, version) : NULL;

	if (!p)
		p = tt_dlsym(RTLD_NEXT, name);
	if (!p && !optional)
		tt_log("cannot find the real %s; calls to it will fail", name);
	return p;
}

void tt_resolve_all(void)
{
	int expect = 0;

	if (tt_likely(atomic_load_explicit(&resolve_state, memory_order_acquire) == 2))
		return;
	if (!atomic_compare_exchange_strong(&resolve_state, &expect, 1)) {
		/* dlsym re-entering us on the resolving thread: the caller makes do (boot arena,
		 * ENOSYS).  Any other thread waits for the table to be complete. */
		if (atomic_load(&resolver_tid) == tt_gettid())
			return;
		while (atomic_load_explicit(&resolve_state, memory_order_acquire) != 2)
			tt_sys0(SYS_sched_yield);
		return;
	}
	atomic_store(&resolver_tid, tt_gettid());

	/* The allocator first, free before malloc, so that dlsym's own blocks get a real free. */
	tt_real.free = lookup("free", NULL, 0);
	tt_real.malloc = lookup("malloc", NULL, 0);
	tt_real.calloc = lookup("calloc", NULL, 0);
	tt_real.realloc = lookup("realloc", NULL, 0);

	struct tt_real r;

#define TT_RESOLVE(name, version, optional) r.name = lookup(#name, version, optional);
	TT_REAL_FUNCS(TT_RESOLVE)
#undef TT_RESOLVE
	for (const struct tt_real_entry *e = __start_tt_real_tab; e < __stop_tt_real_tab; e++)
		*e->ptr = lookup(e->name, e->version, 1);
	memcpy(&tt_real, &r, sizeof(r));
	atomic_store_explicit(&resolve_state, 2, memory_order_release);
}
