/*
 * locks.c - held locks per (process image, thread, lock): open addressing with
 * backward-shift deletion, like heapmap.c, so that an entry goes away with its last release.
 */
#include <stdlib.h>

#include "args.h"
#include "locks.h"

static inline size_t tt_lslot(const struct tt_locks *l, uint32_t file, uint32_t tid, uint64_t addr)
{
	uint64_t x = addr ^ ((uint64_t)file << 47) ^ ((uint64_t)tid << 17);

	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return (size_t)x & (l->cap - 1);
}

static void tt_locks_grow(struct tt_locks *l)
{
	struct tt_lockent *old = l->v;
	size_t oldcap = l->cap;

	l->cap = oldcap ? oldcap * 2 : 256;
	l->v = tt_xcalloc(l->cap, sizeof(*l->v));
	for (size_t i = 0; i < oldcap; i++) {
		size_t j;

		if (!old[i].addr)
			continue;
		for (j = tt_lslot(l, old[i].file, old[i].tid, old[i].addr); l->v[j].addr;
		     j = (j + 1) & (l->cap - 1))
			;
		l->v[j] = old[i];
	}
	free(old);
}

/* The entry of (file, tid, addr), NULL if none; with create, a new empty one. */
static struct tt_lockent *tt_locks_find(struct tt_locks *l, uint32_t file, uint32_t tid,
					uint64_t addr, bool create)
{
	size_t j;

	if (create && (l->n + 1) * 4 > l->cap * 3)
		tt_locks_grow(l);
	if (!l->cap)
		return NULL;
	for (j = tt_lslot(l, file, tid, addr); l->v[j].addr; j = (j + 1) & (l->cap - 1))
		if (l->v[j].addr == addr && l->v[j].file == file && l->v[j].tid == tid)
			return &l->v[j];
	if (!create)
		return NULL;
	l->n++;
	l->v[j] = (struct tt_lockent){ .addr = addr, .file = file, .tid = tid };
	return &l->v[j];
}

static void tt_locks_remove(struct tt_locks *l, struct tt_lockent *e)
{
	size_t mask = l->cap - 1, i = (size_t)(e - l->v), j;

	l->n--;
	for (j = (i + 1) & mask; l->v[j].addr; j = (j + 1) & mask) {
		size_t home = tt_lslot(l, l->v[j].file, l->v[j].tid, l->v[j].addr);

		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		l->v[i] = l->v[j];
		i = j;
	}
	l->v[i].addr = 0;
}

/* Ends the thread's latest hold of lock at time at: returns its length, or -1 if none. */
static int64_t tt_locks_drop(struct tt_locks *l, uint32_t file, uint32_t tid, uint64_t lock,
			     uint64_t at)
{
	struct tt_lockent *e = tt_locks_find(l, file, tid, lock, false);
	uint64_t end;

	if (!e)
		return -1; /* acquired before tracing, or by another thread (semaphores) */
	end = e->ends[--e->depth];
	if (!e->depth)
		tt_locks_remove(l, e);
	return at > end ? (int64_t)(at - end) : 0;
}

static void tt_locks_take(struct tt_locks *l, uint32_t file, uint32_t tid, uint64_t lock,
			  uint64_t at)
{
	struct tt_lockent *e = tt_locks_find(l, file, tid, lock, true);

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
	free(l->v);
	*l = (struct tt_locks){ 0 };
}
