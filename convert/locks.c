/*
 * locks.c - held locks per (process image, thread, lock), in a hash table whose entries go
 * away with their last release.
 */
#include "args.h"
#include "locks.h"

struct tt_lockkey {
	uint64_t addr;
	uint32_t file;
	uint32_t tid;
};

static inline size_t tt_lock_hash(uint32_t file, uint32_t tid, uint64_t addr)
{
	return (size_t)tt_hash_mix(addr ^ ((uint64_t)file << 47) ^ ((uint64_t)tid << 17));
}

static size_t tt_lockent_hash(const void *e)
{
	const struct tt_lockent *l = e;

	return tt_lock_hash(l->file, l->tid, l->addr);
}

static bool tt_lockent_eq(const void *e, const void *key)
{
	const struct tt_lockent *l = e;
	const struct tt_lockkey *k = key;

	return l->addr == k->addr && l->file == k->file && l->tid == k->tid;
}

static bool tt_lockent_used(const void *e)
{
	return ((const struct tt_lockent *)e)->addr != 0;
}

static const struct tt_hkind tt_lock_kind = {
	.size = sizeof(struct tt_lockent),
	.first = 256,
	.fill = 3,
	.hash = tt_lockent_hash,
	.eq = tt_lockent_eq,
	.used = tt_lockent_used,
};

/* Ends the thread's latest hold of lock at time at: returns its length, or -1 if none. */
static int64_t tt_locks_drop(struct tt_locks *l, uint32_t file, uint32_t tid, uint64_t lock,
			     uint64_t at)
{
	struct tt_lockkey key = { lock, file, tid };
	struct tt_lockent *e =
		tt_hmap_find(&l->map, &tt_lock_kind, tt_lock_hash(file, tid, lock), &key);
	uint64_t end;

	if (!e)
		return -1; /* acquired before tracing, or by another thread (semaphores) */
	end = e->ends[--e->depth];
	if (!e->depth)
		tt_hmap_remove(&l->map, &tt_lock_kind, e);
	return at > end ? (int64_t)(at - end) : 0;
}

static void tt_locks_take(struct tt_locks *l, uint32_t file, uint32_t tid, uint64_t lock,
			  uint64_t at)
{
	struct tt_lockkey key = { lock, file, tid };
	bool fresh;
	struct tt_lockent *e =
		tt_hmap_get(&l->map, &tt_lock_kind, tt_lock_hash(file, tid, lock), &key, &fresh);

	if (fresh)
		*e = (struct tt_lockent){ .addr = lock, .file = file, .tid = tid };
	if (e->depth == TT_LOCK_DEPTH) {
		for (unsigned i = 1; i < TT_LOCK_DEPTH; i++)
			e->ends[i - 1] = e->ends[i];
		e->depth--;
	}
	e->ends[e->depth++] = at;
}

void tt_locks_event(struct tt_locks *l, struct tt_event *ev)
{
	unsigned fx = tt_events[ev->type].effect;
	const union tt_value *lock = tt_arg(ev, TT_ROLE_LOCK);
	uint32_t file = ev->file->index, tid = ev->thread->tid;

	if (!lock || !lock->u)
		return;
	if (fx == TT_FX_ACQUIRE) {
		if (!ev->failed)
			tt_locks_take(l, file, tid, lock->u, ev->end_ns);
	} else if (fx == TT_FX_RELEASE) {
		if (!ev->failed)
			ev->held_ns = tt_locks_drop(l, file, tid, lock->u, ev->start_ns);
	} else if (tt_arg(ev, TT_ROLE_COND)) {
		/*
		 * A condition wait releases its mutex while it waits and holds it again when it
		 * returns, timed out or not: a hold ends at its start and another begins at its
		 * end.  Only a wait that failed at once (EINVAL, EPERM) left the mutex alone.
		 */
		if (ev->failed && ev->err != 110 /* ETIMEDOUT */)
			return;
		ev->held_ns = tt_locks_drop(l, file, tid, lock->u, ev->start_ns);
		tt_locks_take(l, file, tid, lock->u, ev->end_ns);
	}
}

void tt_locks_free(struct tt_locks *l)
{
	tt_hmap_free(&l->map);
}
