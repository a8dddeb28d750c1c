/*
 * stacks.c - call stacks: capture with libunwind, deduplication, and the STACKS chunks.
 *
 * libunwind is loaded with dlopen(RTLD_LOCAL), only when stacks are asked for: linked in, its
 * _Unwind_RaiseException and weak backtrace would join the global scope ahead of libgcc_s
 * and glibc and take over the program's C++ exceptions.
 *
 * Deduplication without a lock: each distinct stack is appended once to an arena (mmap'd,
 * reserved, touched as it grows) and found again through an open-addressing hash table whose
 * slots are claimed with a compare-and-swap.  Two threads inserting the same new stack at
 * once both append it; the loser marks its copy dead and uses the winner's id.  The writer
 * walks the arena in order and writes each live entry once.
 */
#include "config.h"
#include "tt.h"
#include "sys.h"
#include "real.h"
#include "stacks.h"
#include "codec.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#ifndef TT_LIBUNWIND_SONAME
#define TT_LIBUNWIND_SONAME "libunwind.so.8"
#endif

#define TT_XSTR(x) TT_STR(x)
#define TT_STR(x) #x

#define TT_STACK_DEPTH_MAX 256
#define TT_STACK_SKIP 8 /* room for the tracer's own frames, removed after the unwind */

#define TT_STACK_SLOTS (1u << 21)		  /* hash table: 16 MB reserved */
#define TT_STACK_ENTRIES_MAX (TT_STACK_SLOTS / 2) /* keep probing short */
#define TT_STACK_ARENA (512ul << 20)		  /* reserved, not committed */

enum { TT_SE_FILLING = 0, TT_SE_LIVE, TT_SE_WRITTEN, TT_SE_DEAD };

/* An arena entry; words, so that the walk can step over it before it is filled. */
struct tt_stack_entry {
	uint32_t words; /* whole entry, stored first */
	_Atomic uint32_t state;
	uint32_t id;
	uint32_t nframes;
	uint64_t tick; /* first seen: the converter picks the module list in force then */
	uint64_t ip[];
};

uint32_t tt_stack_mask;
int tt_stack_fd_pending;

static int (*unw_bt)(void **buf, int size);
static unsigned stack_depth;
static _Atomic uint64_t *slots;
static uint64_t *arena;
static _Atomic uint64_t arena_used; /* words */
static _Atomic uint32_t next_id;
static int table_full;

/* The tracer's own code: frames inside it are not the program's. */
static struct {
	uintptr_t lo, hi;
} self_text[4];
static unsigned nself_text;

/* Writer side (writer lock held) */
static uint64_t walk_pos; /* words: entries before it are written or dead */
static uint8_t *sbuf;
#define TT_STACK_CHUNK (128u << 10)

static void *reserve(size_t len)
{
	long p = tt_syscall6(SYS_mmap, 0, (long)len, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p < 0 && p > -4096 ? NULL : (void *)p;
}

static int find_self(struct dl_phdr_info *info, size_t size, void *arg)
{
	uintptr_t me = (uintptr_t)arg;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && me >= lo && me < lo + ph->p_memsz)
			goto mine;
	}
	return 0;
mine:
	for (int i = 0; i < info->dlpi_phnum && nself_text < 4; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
			self_text[nself_text].lo = info->dlpi_addr + ph->p_vaddr;
			self_text[nself_text].hi = self_text[nself_text].lo + ph->p_memsz;
			nself_text++;
		}
	}
	return 1;
}

static inline int is_self(uintptr_t ip)
{
	for (unsigned i = 0; i < nself_text; i++)
		if (ip >= self_text[i].lo && ip < self_text[i].hi)
			return 1;
	return 0;
}

int tt_stacks_init(uint32_t mask, unsigned depth)
{
	if (!mask)
		return 0;
	/* libunwind opens its memory-validation pipe when it initialises (at load, or at the
	 * first unwind): pipe2 moves the descriptors out of the program's range meanwhile
	 * (wrap_fileio.c) */
	tt_stack_fd_pending = 1;
	/* the real dlopen: no RUNPATH of the program applies to the recorder's own library */
	void *h =
		tt_real.dlopen ? tt_real.dlopen(TT_LIBUNWIND_SONAME, RTLD_NOW | RTLD_LOCAL) : NULL;

	if (!h) {
		tt_stack_fd_pending = 0;
		tt_log("TRACEIT_STACKS: cannot load %s (install libunwind8); recording without "
		       "stacks",
		       TT_LIBUNWIND_SONAME);
		return -1;
	}
	unw_bt = (int (*)(void **, int))dlsym(h, "unw_backtrace");
	int (*set_policy)(unw_addr_space_t, unw_caching_policy_t) = (int (*)(
		unw_addr_space_t, unw_caching_policy_t))dlsym(h, TT_XSTR(unw_set_caching_policy));
	unw_addr_space_t *local_as = (unw_addr_space_t *)dlsym(h, TT_XSTR(unw_local_addr_space));

	slots = reserve(TT_STACK_SLOTS * sizeof(uint64_t));
	arena = reserve(TT_STACK_ARENA);
	if (!unw_bt || !slots || !arena) {
		tt_stack_fd_pending = 0;
		tt_log("TRACEIT_STACKS: libunwind or memory unavailable; recording without stacks");
		unw_bt = NULL;
		return -1;
	}
	/* the per-thread cache is what makes unw_backtrace's fast path lock-free */
	if (set_policy && local_as)
		set_policy(*local_as, UNW_CACHE_PER_THREAD);
	dl_iterate_phdr(find_self, (void *)(uintptr_t)tt_stacks_init);
	stack_depth = depth < 1 ? 1 : depth > TT_STACK_DEPTH_MAX ? TT_STACK_DEPTH_MAX : depth;

	void *warm[4];

	unw_bt(warm, 4);
	tt_stack_fd_pending = 0;
	tt_stack_mask = mask;
	return 0;
}

void tt_stacks_disable(const char *why)
{
	if (!tt_stack_mask)
		return;
	tt_stack_mask = 0;
	tt_log("%s; call stacks are no longer recorded", why);
}

static inline uint64_t hash_frames(const uint64_t *ip, unsigned n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n;

	for (unsigned i = 0; i < n; i++) {
		h ^= ip[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return h | 1; /* never 0: 0 is an empty slot */
}

/* Words of the arena handed out so far (a reservation past its end was refused). */
static uint64_t arena_end(void)
{
	uint64_t end = atomic_load(&arena_used);

	return end * 8 > TT_STACK_ARENA ? TT_STACK_ARENA / 8 : end;
}

static inline struct tt_stack_entry *entry_at(uint64_t pos)
{
	return (struct tt_stack_entry *)(arena + pos);
}

static inline int same(const struct tt_stack_entry *e, const uint64_t *ip, unsigned n)
{
	return e->nframes == n && !memcmp(e->ip, ip, n * sizeof(uint64_t));
}

/* slot word: high 24 bits of the hash | arena position (40 bits of words) */
#define TT_SLOT(h, pos) (((h) & ~((1ull << 40) - 1)) | (pos))
#define TT_SLOT_POS(s) ((s) & ((1ull << 40) - 1))
#define TT_SLOT_TAG(s) ((s) >> 40)

static uint32_t intern(const uint64_t *ip, unsigned n, uint64_t tick)
{
	uint64_t h = hash_frames(ip, n);
	uint64_t i = h & (TT_STACK_SLOTS - 1);
	struct tt_stack_entry *mine = NULL;
	uint64_t mypos = 0;

	for (unsigned probe = 0; probe < TT_STACK_SLOTS;
	     probe++, i = (i + 1) & (TT_STACK_SLOTS - 1)) {
		uint64_t s = atomic_load_explicit(&slots[i], memory_order_acquire);

		if (s != 0) {
			if (TT_SLOT_TAG(s) == h >> 40 && same(entry_at(TT_SLOT_POS(s)), ip, n)) {
				if (mine)
					atomic_store_explicit(&mine->state, TT_SE_DEAD,
							      memory_order_release);
				return entry_at(TT_SLOT_POS(s))->id;
			}
			continue;
		}
		if (!mine) {
			uint32_t words = (uint32_t)(sizeof(struct tt_stack_entry) / 8 + n);

			if (atomic_load_explicit(&next_id, memory_order_relaxed) >=
			    TT_STACK_ENTRIES_MAX)
				goto full;
			mypos = atomic_fetch_add(&arena_used, words);
			if ((mypos + words) * 8 > TT_STACK_ARENA)
				goto full; /* the walk stops at the end: nothing half-made past it
					    */
			mine = entry_at(mypos);
			mine->words = words;
			mine->nframes = n;
			mine->tick = tick;
			mine->id = atomic_fetch_add(&next_id, 1) + 1;
			memcpy(mine->ip, ip, n * sizeof(uint64_t));
		}
		uint64_t expect = 0;

		if (atomic_compare_exchange_strong_explicit(&slots[i], &expect, TT_SLOT(h, mypos),
							    memory_order_acq_rel,
							    memory_order_acquire)) {
			atomic_store_explicit(&mine->state, TT_SE_LIVE, memory_order_release);
			return mine->id;
		}
		/* someone else took the slot: look at what it holds, then go on probing */
		i = (i - 1) & (TT_STACK_SLOTS - 1);
	}
full:
	if (mine)
		atomic_store_explicit(&mine->state, TT_SE_DEAD, memory_order_release);
	if (!__atomic_exchange_n(&table_full, 1, __ATOMIC_RELAXED))
		tt_log("TRACEIT_STACKS: the stack table is full (%u distinct stacks); later events "
		       "are recorded without a stack",
		       (unsigned)TT_STACK_ENTRIES_MAX);
	return 0;
}

uint32_t tt_stack_capture(struct tt_thread *t, uint64_t tick)
{
	void *buf[TT_STACK_DEPTH_MAX + TT_STACK_SKIP];
	uint64_t ip[TT_STACK_DEPTH_MAX];
	unsigned k = 0;

	/* a handler may have interrupted anything, libunwind's own caches included */
	if (t->in_signal || t->nobuf || !unw_bt || !tt_stack_mask)
		return 0;
	int e = errno; /* libunwind checks addresses with system calls (tt_record keeps errno) */
	int n = unw_bt(buf, (int)(stack_depth + TT_STACK_SKIP));

	errno = e;

	for (int i = 0; i < n && k < stack_depth; i++)
		if (!is_self((uintptr_t)buf[i]))
			ip[k++] = (uint64_t)(uintptr_t)buf[i];
	return k ? intern(ip, k, tick) : 0;
}

/*
 * STACKS payload: for each stack, varint id, varint first-seen tick, varint frame count, then
 * the frames innermost first, each a zigzag varint of its difference to the previous one
 * (the first to 0): return addresses of one stack lie close together.
 */
int tt_stacks_flush(int (*write)(unsigned kind, const uint8_t *raw, size_t len))
{
	int err = 0;

	if (!arena)
		return 0;
	if (!sbuf && !(sbuf = tt_mmap(TT_STACK_CHUNK + 16 * (TT_STACK_DEPTH_MAX + 4))))
		return -12;
	uint8_t *p = sbuf;
	uint64_t end = arena_end();

	while (walk_pos < end) {
		struct tt_stack_entry *e = entry_at(walk_pos);
		uint32_t st = atomic_load_explicit(&e->state, memory_order_acquire);

		if (st == TT_SE_FILLING)
			break; /* still being made: the next pass takes it */
		if (st == TT_SE_LIVE) {
			p = tt_put_varint(p, e->id);
			p = tt_put_varint(p, e->tick);
			p = tt_put_varint(p, e->nframes);
			uint64_t prev = 0;

			for (uint32_t i = 0; i < e->nframes; i++) {
				p = tt_put_varint(p, tt_zigzag((int64_t)(e->ip[i] - prev)));
				prev = e->ip[i];
			}
			atomic_store_explicit(&e->state, TT_SE_WRITTEN, memory_order_relaxed);
		}
		walk_pos += e->words;
		if ((size_t)(p - sbuf) >= TT_STACK_CHUNK) {
			err = write(TT_CHUNK_STACKS, sbuf, (size_t)(p - sbuf));
			p = sbuf;
			if (err)
				return err;
		}
	}
	if (p > sbuf)
		err = write(TT_CHUNK_STACKS, sbuf, (size_t)(p - sbuf));
	return err;
}

void tt_stacks_after_fork_child(void)
{
	if (!arena)
		return;
	uint64_t end = arena_end();

	for (uint64_t pos = 0; pos < end;) {
		struct tt_stack_entry *e = entry_at(pos);

		uint32_t st = atomic_load(&e->state);

		/* a thread of the parent was making it: it will never be done */
		if (st == TT_SE_FILLING && e->words)
			atomic_store(&e->state, TT_SE_DEAD);
		if (st == TT_SE_WRITTEN)
			atomic_store(&e->state, TT_SE_LIVE);
		if (!e->words)
			break;
		pos += e->words;
	}
	walk_pos = 0;
}
