/*
 * modules.c - the loaded modules (program, libraries, vDSO) as the converter needs them to
 * symbolise stacks and traced functions: path, load bias, address range and GNU build id, read from
 *the loader's own list (dl_iterate_phdr) at start and after every dlopen and dlclose that changed
 *it.
 *
 * Each snapshot is encoded straight into a log in the stream's format, so that the writer
 * only copies it out (MODULES chunks).  A snapshot is the whole list, not a difference: a
 * reader needs no earlier chunk to know what was mapped at a given tick.
 *
 * MODULES payload: snapshots, each
 *	varint tick, varint count, then count times:
 *	varint bias, varint lo, varint hi (the PT_LOAD range, absolute), varint path length,
 *	path bytes, varint build-id length, build-id bytes.
 * The main program's path is /proc/self/exe's target (the loader names it "").
 */
#include "tt.h"
#include "sys.h"
#include "stacks.h"
#include "codec.h"

#include <elf.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>

#define TT_MODLOG_MAX (16u << 20)
#define TT_MODULE_MAX (4096 + 64) /* one module's record, path included */
#define TT_MODCHUNK (128u << 10)

static uint8_t *modlog;
static size_t mod_used, mod_written;
static _Atomic int mod_lock; /* owner tid, 0 when free */
static unsigned long long last_adds = ~0ull, last_subs = ~0ull;
static int mod_full;
static char exe_path[4096];

struct snap {
	uint8_t *p, *end;
	unsigned count;
	int overflow;
};

static uint8_t *put_bytes(uint8_t *p, const void *b, size_t len)
{
	p = tt_put_varint(p, len);
	memcpy(p, b, len);
	return p + len;
}

/* The NT_GNU_BUILD_ID note of a loaded module, from its PT_NOTE segments in memory. */
static size_t build_id(const struct dl_phdr_info *info, const uint8_t **id)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_NOTE)
			continue;
		const uint8_t *n = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
		const uint8_t *end = n + ph->p_memsz;

		while (n + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)n;
			const uint8_t *name = n + sizeof(*nh);
			const uint8_t *desc = name + ((nh->n_namesz + 3) & ~3u);

			if (desc + nh->n_descsz > end)
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    !memcmp(name, "GNU", 4) && nh->n_descsz <= 64) {
				*id = desc;
				return nh->n_descsz;
			}
			n = desc + ((nh->n_descsz + 3) & ~3u);
		}
	}
	return 0;
}

static int add_module(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct snap *s = arg;
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	const char *path = info->dlpi_name;
	const uint8_t *id = NULL;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD)
			continue;
		if (info->dlpi_addr + ph->p_vaddr < lo)
			lo = info->dlpi_addr + ph->p_vaddr;
		if (info->dlpi_addr + ph->p_vaddr + ph->p_memsz > hi)
			hi = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
	}
	if (hi == 0)
		return 0;
	if (!path || !*path)
		path = s->count == 0 ? exe_path : "";
	size_t plen = strnlen(path, 4096), idlen = build_id(info, &id);

	if (s->p + TT_MODULE_MAX > s->end) {
		s->overflow = 1;
		return 1;
	}
	uint8_t *p = tt_put_varint(s->p, info->dlpi_addr);

	p = tt_put_varint(p, lo);
	p = tt_put_varint(p, hi);
	p = put_bytes(p, path, plen);
	p = put_bytes(p, id, idlen);
	s->p = p;
	s->count++;
	return 0;
}

static int count_changes(struct dl_phdr_info *info, size_t size, void *arg)
{
	unsigned long long *c = arg;

	if (size < offsetof(struct dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs)) {
		c[0] = c[1] = ~0ull - 1; /* cannot tell: take a snapshot each time */
		return 1;
	}
	c[0] = info->dlpi_adds;
	c[1] = info->dlpi_subs;
	return 1;
}

/* Returns 0 if this thread holds the lock already (a signal handler calling dlopen while
 * it takes a snapshot): the caller skips its work rather than deadlock. */
static int mod_lock_take(void)
{
	int me = tt_gettid(), expect = 0;

	while (!atomic_compare_exchange_weak(&mod_lock, &expect, me)) {
		if (expect == me)
			return 0;
		expect = 0;
		tt_syscall6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
	}
	return 1;
}

/* Function tracing symbolises its addresses too: from its first call on, modules are kept. */
static _Atomic int mod_wanted;

void tt_modules_want(uint64_t tick)
{
	if (!atomic_exchange(&mod_wanted, 1))
		tt_modules_snapshot(tick);
}

void tt_modules_snapshot(uint64_t tick)
{
	unsigned long long c[2] = { 0, 0 };

	if ((!tt_stack_mask && !atomic_load(&mod_wanted)) || mod_full || !mod_lock_take())
		return;
	if (!modlog) {
		long p = tt_syscall6(SYS_mmap, 0, TT_MODLOG_MAX, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		modlog = p < 0 && p > -4096 ? NULL : (uint8_t *)p;
		long n = tt_syscall6(SYS_readlink, (long)"/proc/self/exe", (long)exe_path,
				     sizeof(exe_path) - 1, 0, 0, 0);

		exe_path[n > 0 ? n : 0] = 0;
	}
	dl_iterate_phdr(count_changes, c);
	if (modlog && (c[0] != last_adds || c[1] != last_subs || c[0] == ~0ull - 1)) {
		/* count is not known until the walk is done: leave room for its varint */
		struct snap s = { .p = modlog + mod_used + 2 * TT_VARINT_MAX,
				  .end = modlog + TT_MODLOG_MAX };

		dl_iterate_phdr(add_module, &s);
		if (s.overflow) {
			mod_full = 1;
			tt_log("TRACEIT_STACKS: too many module lists (more than %u MB); frames in "
			       "libraries loaded from now on may stay unresolved",
			       TT_MODLOG_MAX >> 20);
		} else {
			uint8_t hdr[2 * TT_VARINT_MAX];
			uint8_t *h = tt_put_varint(tt_put_varint(hdr, tick), s.count);
			size_t hl = (size_t)(h - hdr);
			uint8_t *body = modlog + mod_used + 2 * TT_VARINT_MAX;

			memmove(modlog + mod_used + hl, body, (size_t)(s.p - body));
			memcpy(modlog + mod_used, hdr, hl);
			mod_used += hl + (size_t)(s.p - body);
			last_adds = c[0];
			last_subs = c[1];
		}
	}
	atomic_store(&mod_lock, 0);
}

/* Bytes of the snapshot at p (well-formed: we wrote it). */
static size_t snapshot_len(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *q = p;
	uint64_t count, v;

	if (tt_get_varint(&q, end, &v) || tt_get_varint(&q, end, &count))
		return (size_t)(end - p);
	for (uint64_t i = 0; i < count; i++) {
		for (int k = 0; k < 3; k++)
			tt_get_varint(&q, end, &v);
		for (int k = 0; k < 2; k++) {
			tt_get_varint(&q, end, &v);
			q += v;
		}
	}
	return q > end ? (size_t)(end - p) : (size_t)(q - p);
}

int tt_modules_flush(int (*write)(unsigned kind, const uint8_t *raw, size_t len))
{
	size_t used;

	if (!modlog || !mod_lock_take())
		return 0;
	used = mod_used;
	atomic_store(&mod_lock, 0);
	if (used == mod_written)
		return 0;
	/* chunks end on snapshot boundaries, each within the writer's buffer */
	while (mod_written < used) {
		size_t end = mod_written;

		while (end < used && (end == mod_written || end - mod_written < TT_MODCHUNK))
			end += snapshot_len(modlog + end, modlog + used);
		int err = write(TT_CHUNK_MODULES, modlog + mod_written, end - mod_written);

		if (err)
			return err;
		mod_written = end;
	}
	return 0;
}

void tt_modules_after_fork_child(void)
{
	mod_written = 0;
	atomic_store(&mod_lock, 0);
}
