/*
 * state.c - fd table, thread names and lifetimes, and (on demand) heap and lock tracking.
 */
#include "state.h"
#include "annot.h"

#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "hashmap.h"
#include "sites.h"
#include "locks.h"

/* RLIMIT_NOFILE cannot be raised above fs.nr_open, 2^20 by default: larger fds are garbage. */
#define TT_FD_MAX (1 << 20)

/* Order of first appearance over the whole run: thread_sort_index. */
static uint64_t tt_seen_seq;

/* What the run tracks beyond descriptors and threads (enum tt_track). */
static unsigned tt_tracking;
static struct tt_hmap tt_heap; /* struct tt_block: the live blocks, at most half the slots */
static struct tt_locks tt_locks;
static tt_block_fn tt_block_watcher; /* tt_state_watch_blocks */
static void *tt_block_watcher_arg;

/* The path of a descriptor known to be open without a known name. */
const char tt_fd_unnamed[] = "";

static void tt_fdtab_put(struct tt_fdtab *t, int64_t fd, const char *path, uint64_t at)
{
	size_t old = t->cap;

	if (fd < 0 || fd >= TT_FD_MAX)
		return;
	if ((uint64_t)fd >= t->cap) {
		if (!path)
			return;
		tt_grow((void **)&t->path, &t->cap, (size_t)fd + 1, sizeof(*t->path));
		t->since = tt_xrealloc(t->since, t->cap * sizeof(*t->since));
		t->prev = tt_xrealloc(t->prev, t->cap * sizeof(*t->prev));
		for (size_t i = old; i < t->cap; i++) {
			t->path[i] = t->prev[i] = NULL;
			t->since[i] = 0;
		}
	}
	t->open += !t->path[fd] - !path;
	t->prev[fd] = path ? t->path[fd] : NULL;
	t->path[fd] = path;
	t->since[fd] = at;
}

void tt_fdtab_open(struct tt_fdtab *t, int64_t fd, const char *path, uint64_t at)
{
	tt_fdtab_put(t, fd, path ? path : tt_fd_unnamed, at);
}

/* fd is in the table and open */
static bool tt_fdtab_is_open(const struct tt_fdtab *t, int64_t fd)
{
	return fd >= 0 && (uint64_t)fd < t->cap && t->path[fd];
}

void tt_fdtab_rename(struct tt_fdtab *t, int64_t fd, const char *path, uint64_t at)
{
	if (tt_fdtab_is_open(t, fd))
		t->path[fd] = path ? path : tt_fd_unnamed;
	else
		tt_fdtab_open(t, fd, path, at);
}

const char *tt_fdtab_close(struct tt_fdtab *t, int64_t fd, uint64_t start)
{
	const char *p = tt_fdtab_get(t, fd);

	/*
	 * Named after this close began: the kernel frees the number before close returns, and
	 * another thread's socket, open or accept took it meanwhile, its call ending first.
	 * This close is the previous descriptor's; the new one stays.
	 */
	if (tt_fdtab_is_open(t, fd) && t->since[fd] > start) {
		p = t->prev[fd] == tt_fd_unnamed ? NULL : t->prev[fd];
		t->prev[fd] = NULL;
		return p;
	}
	tt_fdtab_put(t, fd, NULL, 0);
	return p;
}

void tt_state_begin(unsigned track)
{
	tt_args_init();
	tt_tracking = track;
	tt_seen_seq = 0;
}

void tt_state_end(void)
{
	tt_block_watcher = NULL;
	tt_hmap_free(&tt_heap);
	tt_locks_free(&tt_locks);
	tt_tracking = 0;
}

void tt_state_init_file(struct tt_file *f)
{
	for (size_t i = 0; i < f->nfd_seeds; i++)
		tt_fdtab_open(&f->fds, f->fd_seeds[i].fd, f->fd_seeds[i].target, 0);
	f->threads_live = f->threads_peak = 1; /* the main thread */
	f->window = 1;			       /* a process starts in its first window */
}

static const char *tt_socket_name(int64_t domain)
{
	switch (domain) {
	case 1:
		return "socket:unix";
	case 2:
		return "socket:inet";
	case 10:
		return "socket:inet6";
	case 16:
		return "socket:netlink";
	default:
		return "socket";
	}
}

/*
 * "dir/name" for an openat relative to a directory descriptor whose path is known.  Joined
 * once per distinct (directory, name) pair, so memory follows the distinct paths of the
 * run, not its number of opens; both inputs are interned strings that live as long.
 */
struct tt_join {
	const char *dir, *name, *path; /* path NULL: a free slot */
};

static struct tt_hmap tt_joins; /* struct tt_join */
static struct tt_arena tt_join_arena;

static inline size_t tt_join_hash(const char *dir, const char *name)
{
	return ((uintptr_t)dir >> 3) ^ (uintptr_t)name;
}

static size_t tt_join_ehash(const void *e)
{
	const struct tt_join *j = e;

	return tt_join_hash(j->dir, j->name);
}

static bool tt_join_eq(const void *e, const void *key)
{
	const struct tt_join *j = e, *k = key;

	return j->dir == k->dir && j->name == k->name;
}

static bool tt_join_used(const void *e)
{
	return ((const struct tt_join *)e)->path != NULL;
}

static const struct tt_hkind tt_join_kind = {
	.size = sizeof(struct tt_join),
	.first = 1024,
	.fill = 2,
	.hash = tt_join_ehash,
	.eq = tt_join_eq,
	.used = tt_join_used,
};

static const char *tt_join_path(const char *dir, const char *name)
{
	struct tt_join key = { dir, name, NULL }, *j;
	bool fresh;

	j = tt_hmap_get(&tt_joins, &tt_join_kind, tt_join_hash(dir, name), &key, &fresh);
	if (!fresh)
		return j->path;
	size_t dl = strlen(dir), nl = strlen(name);
	char *p = tt_arena_alloc(&tt_join_arena, dl + nl + 2);

	memcpy(p, dir, dl);
	p[dl] = '/';
	memcpy(p + dl + 1, name, nl + 1);
	*j = (struct tt_join){ dir, name, p };
	return p;
}

/* The path an open names: PATH, made absolute against DIRFD when that is a known directory */
static const char *tt_open_path(struct tt_event *ev, const struct tt_fdtab *fds)
{
	const union tt_value *path = tt_arg(ev, TT_ROLE_PATH);
	const union tt_value *dirfd = tt_arg(ev, TT_ROLE_DIRFD);
	const char *dir;

	if (!path || !path->str)
		return NULL;
	if (!dirfd || dirfd->s == -100 /* AT_FDCWD */ || path->str[0] == '/')
		return path->str;
	dir = tt_fdtab_get(fds, dirfd->s);
	return dir ? tt_join_path(dir, path->str) : path->str;
}

/*
 * Keeps the table of what each descriptor is, from the effect column of events.def, and
 * names the file of every event that uses a descriptor.
 */
static void tt_track_fds(struct tt_event *ev)
{
	struct tt_fdtab *fds = &ev->file->fds;

	if (ev->type == TT_EV_FDS_RESET) {
		/* tracing was off: the FD_OPEN events that follow say what is open now */
		for (size_t i = 0; i < fds->cap; i++)
			fds->path[i] = fds->prev[i] = NULL;
		fds->open = 0;
		return;
	}
	const union tt_value *fd = tt_arg(ev, TT_ROLE_FD);
	const union tt_value *path = tt_arg(ev, TT_ROLE_PATH);
	int64_t res = ev->result.s;
	bool ok = !ev->failed;

	if (fd)
		ev->fd_path = tt_fdtab_get(fds, fd->s);
	switch (tt_events[ev->type].effect) {
	case TT_FX_OPEN:
		ev->fd_path = tt_open_path(ev, fds);
		if (ok && res >= 0)
			tt_fdtab_open(fds, res, ev->fd_path, ev->end_ns);
		break;
	case TT_FX_FOPEN: {
		const union tt_value *cmd = tt_arg(ev, TT_ROLE_COMMAND);
		const char *name = path ? path->str : cmd ? cmd->str : NULL;

		if (ok && fd && fd->s >= 0) {
			tt_fdtab_open(fds, fd->s, name, ev->end_ns);
			if (name)
				ev->fd_path = name;
		}
		break;
	}
	case TT_FX_CLOSE:
		if (ok && fd)
			ev->fd_path = tt_fdtab_close(fds, fd->s, ev->start_ns);
		break;
	case TT_FX_DUP:
	case TT_FX_FCNTL: {
		const union tt_value *newfd = tt_arg(ev, TT_ROLE_NEWFD);
		const union tt_value *cmd = tt_arg(ev, TT_ROLE_CMD);

		/* fcntl duplicates only for F_DUPFD (0) and F_DUPFD_CLOEXEC (1030) */
		if (cmd && cmd->s != 0 && cmd->s != 1030)
			break;
		if (ok && fd && res >= 0)
			tt_fdtab_open(fds, newfd ? newfd->s : res, ev->fd_path, ev->end_ns);
		break;
	}
	case TT_FX_PIPE: {
		const union tt_value *fd2 = tt_arg(ev, TT_ROLE_FD2);
		const char *name = tt_arg(ev, TT_ROLE_DOMAIN) ? "socketpair" : "pipe";

		if (ok && fd && fd2) {
			tt_fdtab_open(fds, fd->s, name, ev->end_ns);
			tt_fdtab_open(fds, fd2->s, name, ev->end_ns);
			ev->fd_path = name;
		}
		break;
	}
	case TT_FX_SOCKET: {
		const union tt_value *domain = tt_arg(ev, TT_ROLE_DOMAIN);

		if (ok && res >= 0) {
			ev->fd_path = tt_socket_name(domain ? domain->s : -1);
			tt_fdtab_open(fds, res, ev->fd_path, ev->end_ns);
		}
		break;
	}
	case TT_FX_CONNECT:
	case TT_FX_BIND: {
		const union tt_value *peer = tt_arg(ev, TT_ROLE_PEER);

		if (!peer)
			peer = tt_arg(ev, TT_ROLE_LOCAL);
		/* a non-blocking connect in progress (EINPROGRESS) still names its peer */
		if ((ok || ev->err == 115) && fd && peer && peer->str) {
			tt_fdtab_rename(fds, fd->s, peer->str, ev->end_ns);
			ev->fd_path = peer->str;
		}
		break;
	}
	case TT_FX_ACCEPT: {
		const union tt_value *peer = tt_arg(ev, TT_ROLE_PEER);

		if (ok && res >= 0)
			tt_fdtab_open(fds, res, peer && peer->str ? peer->str : ev->fd_path,
				      ev->end_ns);
		break;
	}
	default:
		break;
	}
}

void tt_state_watch_blocks(tt_block_fn fn, void *arg)
{
	tt_block_watcher = fn;
	tt_block_watcher_arg = arg;
}

static inline size_t tt_heap_hash(uint32_t file, uint64_t addr)
{
	/*
	 * Fibonacci hashing on the address without its alignment bits: one multiply, as this
	 * runs for every heap event and every entry a free moves back.  The product's high bits
	 * spread neighbouring blocks; byte-swapped into the low bits, they are the ones the
	 * table keeps.
	 */
	return (size_t)__builtin_bswap64(tt_hash_fib((addr >> 4) ^ ((uint64_t)file << 44)));
}

static size_t tt_heapent_hash(const void *e)
{
	const struct tt_block *h = e;

	return tt_heap_hash(h->file, h->addr);
}

static bool tt_heapent_eq(const void *e, const void *key)
{
	const struct tt_block *h = e, *k = key;

	return h->addr == k->addr && h->file == k->file;
}

static bool tt_heapent_used(const void *e)
{
	return ((const struct tt_block *)e)->addr != 0;
}

static const struct tt_hkind tt_heap_kind = {
	.size = sizeof(struct tt_block),
	.first = 1024,
	.fill = 2, /* linear probing stays short, and so do deletions' shifts */
	.hash = tt_heapent_hash,
	.eq = tt_heapent_eq,
	.used = tt_heapent_used,
};

void tt_state_live_blocks(void)
{
	const struct tt_block *b;
	size_t i = 0;

	if (!tt_block_watcher)
		return;
	while ((b = tt_hmap_next(&tt_heap, &tt_heap_kind, &i)))
		tt_block_watcher(tt_block_watcher_arg, b, NULL, TT_BLOCK_LEFT);
}

/* Records a live block; one already live at its address is replaced (returns true, *old). */
static bool tt_heap_put(const struct tt_block *e, struct tt_block *old)
{
	bool fresh;
	struct tt_block *h =
		tt_hmap_get(&tt_heap, &tt_heap_kind, tt_heap_hash(e->file, e->addr), e, &fresh);

	if (!fresh)
		*old = *h;
	*h = *e;
	return !fresh;
}

/* Removes a block.  Returns true and its entry if it was live. */
static bool tt_heap_take(uint32_t file, uint64_t addr, struct tt_block *out)
{
	struct tt_block key = { .addr = addr, .file = file }, *h;

	h = tt_hmap_find(&tt_heap, &tt_heap_kind, tt_heap_hash(file, addr), &key);
	if (!h)
		return false;
	*out = *h;
	tt_hmap_remove(&tt_heap, &tt_heap_kind, h);
	return true;
}

/*
 * The heap, from the effect column: which block each call creates or releases.  Counted per
 * process image, keyed by (image, address).
 */
static void tt_mem_add(const struct tt_event *ev, uint64_t addr, uint64_t size)
{
	struct tt_memstat *m = &ev->file->mem;
	struct tt_block e = { .addr = addr,
			      .size = size,
			      .at = ev->end_ns,
			      .file = ev->file->index,
			      .stack = ev->stack },
			old;

	if (!addr)
		return;
	m->allocs++;
	m->bytes += size;
	if (size > m->largest)
		m->largest = size;
	if (tt_tracking & TT_TRACK_SITES)
		tt_sites_live(ev->file, ev->stack, (int64_t)size);
	if (tt_heap_put(&e, &old)) {
		/* Handed out twice without a free we saw: the old block is gone. */
		if (tt_block_watcher)
			tt_block_watcher(tt_block_watcher_arg, &old, ev, TT_BLOCK_UNSEEN);
		m->live_bytes -= old.size;
		m->live_blocks--;
		if (tt_tracking & TT_TRACK_SITES)
			tt_sites_live(ev->file, old.stack, -(int64_t)old.size);
	}
	if (tt_block_watcher)
		tt_block_watcher(tt_block_watcher_arg, &e, ev, TT_BLOCK_NEW);
	m->live_blocks++;
	m->live_bytes += size;
	if (m->live_bytes > m->peak_bytes) {
		m->peak_bytes = m->live_bytes;
		m->peak_at = ev->end_ns;
	}
}

/* freed: a free (counted, and short-lived if young), not the old block of a realloc */
static void tt_mem_release(const struct tt_event *ev, uint64_t addr, bool freed)
{
	struct tt_memstat *m = &ev->file->mem;
	struct tt_block e;

	if (!addr)
		return;
	m->frees += freed;
	if (tt_heap_take(ev->file->index, addr, &e)) {
		if (tt_block_watcher)
			tt_block_watcher(tt_block_watcher_arg, &e, ev, TT_BLOCK_GONE);
		m->live_bytes -= e.size;
		m->live_blocks--;
		if (freed && ev->start_ns - e.at < TT_SHORT_LIVED_NS)
			m->short_lived++;
		if (tt_tracking & TT_TRACK_SITES)
			tt_sites_live(ev->file, e.stack, -(int64_t)e.size);
	} else {
		m->unknown_frees++;
	}
}

/*
 * A block freed while tracing was off: gone from the heap if a window allocated it; not a
 * free the program was seen to call, nor an unknown one if it was allocated while off.
 */
static void tt_mem_forget(const struct tt_event *ev)
{
	struct tt_memstat *m = &ev->file->mem;
	struct tt_block e;

	if (!tt_heap_take(ev->file->index, ev->args[0].u, &e))
		return;
	if (tt_block_watcher)
		tt_block_watcher(tt_block_watcher_arg, &e, ev, TT_BLOCK_GONE);
	m->live_bytes -= e.size;
	m->live_blocks--;
	if (tt_tracking & TT_TRACK_SITES)
		tt_sites_live(ev->file, e.stack, -(int64_t)e.size);
}

void tt_state_each_block(void (*fn)(void *ctx, uint32_t file, uint64_t size), void *ctx)
{
	const struct tt_block *h;
	size_t i = 0;

	while ((h = tt_hmap_next(&tt_heap, &tt_heap_kind, &i)))
		fn(ctx, h->file, h->size);
}

/* Whether addr is a live block of exactly size bytes of ev's image. */
static bool tt_mem_has(const struct tt_event *ev, uint64_t addr, uint64_t size)
{
	struct tt_block e, old;
	bool has;

	if (!tt_heap_take(ev->file->index, addr, &e))
		return false;
	has = e.size == size;
	tt_heap_put(&e, &old);
	return has;
}

static void tt_track_heap(const struct tt_event *ev, unsigned fx)
{
	const struct tt_event_info *info = &tt_events[ev->type];
	const union tt_value *addr = tt_arg(ev, TT_ROLE_ADDR);
	const union tt_value *old = tt_arg(ev, TT_ROLE_OLDADDR);
	uint64_t res = ev->result.u, size;

	switch (fx) {
	case TT_FX_ALLOC:
		if (info->result == TT_ROLE_ADDR)
			tt_mem_add(ev, res, tt_alloc_size(ev));
		else if (!ev->failed && ev->result.s == 0 && addr) /* posix_memalign */
			tt_mem_add(ev, addr->u, tt_alloc_size(ev));
		break;
	case TT_FX_REALLOC:
		size = tt_alloc_size(ev);
		if (res && ev->type == TT_EV_REALLOCARRAY && tt_mem_has(ev, res, size))
			break; /* the realloc nested in it made that block */
		if (res) {
			tt_mem_release(ev, old ? old->u : 0, false);
			tt_mem_add(ev, res, size);
		} else if (!size) {
			tt_mem_release(ev, old ? old->u : 0, true); /* realloc(p, 0) frees p */
		}
		break;
	case TT_FX_FREE:
		if (addr)
			tt_mem_release(ev, addr->u, true);
		break;
	default:
		break;
	}
}

/*
 * The slot where the lookup of addr begins.  (Prefetched by the caller: a function that only
 * prefetches has no effect for the compiler, and its calls are dropped.)
 */
static inline const void *tt_heap_slot(const struct tt_event *ev, uint64_t addr)
{
	size_t i = tt_heap_hash(ev->file->index, addr) & (tt_heap.cap - 1);

	return tt_heap.v + i * sizeof(struct tt_block);
}

void tt_state_prefetch(const struct tt_event *ev)
{
	const union tt_value *addr;

	if (!(tt_tracking & TT_TRACK_HEAP) || !tt_heap.cap)
		return;
	switch (tt_events[ev->type].effect) {
	case TT_FX_ALLOC:
		if (tt_events[ev->type].result == TT_ROLE_ADDR)
			__builtin_prefetch(tt_heap_slot(ev, ev->result.u));
		break;
	case TT_FX_REALLOC:
		addr = tt_arg(ev, TT_ROLE_OLDADDR);
		if (addr)
			__builtin_prefetch(tt_heap_slot(ev, addr->u));
		__builtin_prefetch(tt_heap_slot(ev, ev->result.u));
		break;
	case TT_FX_FREE:
		addr = tt_arg(ev, TT_ROLE_ADDR);
		if (addr)
			__builtin_prefetch(tt_heap_slot(ev, addr->u));
		break;
	case TT_FX_FORGET:
		__builtin_prefetch(tt_heap_slot(ev, ev->args[0].u));
		break;
	default:
		break;
	}
}

void tt_state_event(struct tt_event *ev)
{
	struct tt_file *f = ev->file;
	struct tt_thread *t = ev->thread;
	unsigned fx = tt_events[ev->type].effect;

	ev->held_ns = -1;
	if (!t->first_seen) {
		t->first_seen = ++tt_seen_seq;
		t->first_ns = ev->start_ns;
	}
	if (ev->end_ns > t->last_ns)
		t->last_ns = ev->end_ns;
	f->decoded++;
	if (ev->end_ns > f->last_end_ns)
		f->last_end_ns = ev->end_ns;

	if (fx >= TT_FX_ALLOC && fx <= TT_FX_REALLOC) {
		if (tt_tracking & TT_TRACK_HEAP)
			tt_track_heap(ev, fx);
		return; /* nothing else to do for the commonest events */
	}
	if (fx == TT_FX_FORGET) {
		if (tt_tracking & TT_TRACK_HEAP)
			tt_mem_forget(ev);
		return;
	}
	if (tt_events[ev->type].category == TT_CAT_USER) {
		tt_annot_event(ev);
		return;
	}
	if (tt_events[ev->type].category == TT_CAT_LOCK) {
		if (tt_tracking & TT_TRACK_LOCKS)
			tt_locks_event(&tt_locks, ev);
		return;
	}
	tt_track_fds(ev);
	const union tt_value *name = tt_arg(ev, TT_ROLE_NAME), *tid = tt_arg(ev, TT_ROLE_TID),
			     *option = tt_arg(ev, TT_ROLE_OPTION);

	switch (ev->type) {
	case TT_EV_THREADS_RESET:
		/* tracing came back on: threads may have come and gone meanwhile */
		f->threads_live =
			(uint32_t)(ev->args[0].u > UINT32_MAX ? UINT32_MAX : ev->args[0].u);
		if (f->threads_live > f->threads_peak)
			f->threads_peak = f->threads_live;
		break;
	case TT_EV_THREAD_START:
		t->started = true;
		t->start_ns = ev->start_ns;
		if (++f->threads_live > f->threads_peak)
			f->threads_peak = f->threads_live;
		f->threads_started++;
		if (name && name->str)
			t->name = name->str;
		break;
	case TT_EV_THREAD_END:
		if (!t->ended && f->threads_live)
			f->threads_live--;
		t->ended = true;
		t->end_ns = ev->end_ns;
		break;
	case TT_EV_SETNAME:
		if (!ev->failed && name && name->str && tid && tid->u <= UINT32_MAX) {
			struct tt_thread *target = tt_file_thread(f, (uint32_t)tid->u);

			/* A thread that recorded nothing has no track to name. */
			if (target)
				target->name = name->str;
		}
		break;
	case TT_EV_THREAD_NAME:
		if (name && name->str)
			t->name = name->str;
		break;
	case TT_EV_PRCTL:
		/* PR_SET_NAME names the calling thread. */
		if (!ev->failed && option && option->s == PR_SET_NAME && name && name->str)
			t->name = name->str;
		break;
	case TT_EV_PTHREAD_CREATE:
		if (!ev->failed && ev->result.s == 0)
			f->pthread_created++;
		break;
	default:
		break;
	}
}
