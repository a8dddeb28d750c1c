/*
 * flows.c - pairing causes and effects (see flows.h).  Three hash tables whose entries start
 * with their key; entries are never removed, only emptied.
 */
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "flows.h"
#include "hashmap.h"
#include "util.h"

#define TT_FLOW_PENDING 8 /* ends kept waiting per key (or per condition variable) */

struct tt_fkey {
	uint64_t a, b;
	uint32_t c;
	uint32_t used;
};

struct tt_flow_item {
	struct tt_flow_end e;
	bool source;
};

struct tt_flow_pend {
	struct tt_fkey key;
	struct tt_flow_item items[TT_FLOW_PENDING]; /* in arrival order */
	unsigned n;
};

struct tt_flow_lock {
	struct tt_fkey key;
	struct tt_flow_end rel;	 /* the last release, while no acquisition consumed it */
	struct tt_flow_end acq;	 /* a contended acquisition that may yet find a later release */
	struct tt_flow_end cand; /* the best release found for acq so far */
	bool rel_valid, acq_pending, cand_valid;
};

struct tt_flow_cond {
	struct tt_fkey key;
	struct tt_flow_end wake; /* the last signal or broadcast not used up */
	struct tt_flow_end waits[TT_FLOW_PENDING];
	unsigned nwaits;
	bool wake_valid, wake_all;
};

static inline size_t tt_fhash(const struct tt_fkey *k)
{
	return (size_t)tt_hash_mix(tt_hash_fib(k->a) ^ k->b ^ ((uint64_t)k->c << 56));
}

static size_t tt_fkey_hash(const void *e)
{
	return tt_fhash(e);
}

static bool tt_fkey_eq(const void *e, const void *key)
{
	const struct tt_fkey *x = e, *y = key;

	return x->a == y->a && x->b == y->b && x->c == y->c;
}

static bool tt_fkey_used(const void *e)
{
	return ((const struct tt_fkey *)e)->used != 0;
}

/* At most half full: the three differ only in their entries' size. */
#define TT_FKIND(type)                                                                             \
	{                                                                                          \
		sizeof(type), 64, 2, tt_fkey_hash, tt_fkey_eq, tt_fkey_used                        \
	}

static const struct tt_hkind tt_pend_kind = TT_FKIND(struct tt_flow_pend);
static const struct tt_hkind tt_lock_kind = TT_FKIND(struct tt_flow_lock);
static const struct tt_hkind tt_cond_kind = TT_FKIND(struct tt_flow_cond);

/* The entry of key in a table of entries that start with their key; made if new. */
static inline void *tt_fmap_get(struct tt_hmap *m, const struct tt_hkind *kind, struct tt_fkey key)
{
	bool fresh;
	struct tt_fkey *k = tt_hmap_get(m, kind, tt_fhash(&key), &key, &fresh);

	if (fresh) {
		*k = key;
		k->used = 1;
	}
	return k;
}

void tt_flows_init(struct tt_flows *fl, tt_flow_fn *draw, void *ctx)
{
	*fl = (struct tt_flows){ .draw = draw, .ctx = ctx };
}

static struct tt_flow_pend *tt_pend(struct tt_flows *fl, enum tt_flow_kind kind, uint64_t k1,
				    uint64_t k2)
{
	return tt_fmap_get(&fl->pend, &tt_pend_kind, (struct tt_fkey){ k1, k2, kind, 0 });
}

static void tt_pend_remove(struct tt_flow_pend *p, unsigned i)
{
	memmove(&p->items[i], &p->items[i + 1], (p->n - i - 1) * sizeof(p->items[0]));
	p->n--;
}

static void tt_pend_add(struct tt_flow_pend *p, const struct tt_flow_end *e, bool source)
{
	if (p->n == TT_FLOW_PENDING)
		tt_pend_remove(p, 0); /* the oldest: its other end was lost or filtered out */
	p->items[p->n].e = *e;
	p->items[p->n].source = source;
	p->n++;
}

void tt_flows_source(struct tt_flows *fl, enum tt_flow_kind kind, uint64_t k1, uint64_t k2,
		     const struct tt_flow_end *e)
{
	struct tt_flow_pend *p = tt_pend(fl, kind, k1, k2);
	unsigned best = p->n;

	for (unsigned i = 0; i < p->n; i++)
		if (!p->items[i].source && p->items[i].e.start >= e->start &&
		    (best == p->n || p->items[i].e.start < p->items[best].e.start))
			best = i;
	if (best == p->n) {
		tt_pend_add(p, e, true);
		return;
	}
	fl->draw(fl->ctx, kind, e, &p->items[best].e);
	tt_pend_remove(p, best);
}

void tt_flows_target(struct tt_flows *fl, enum tt_flow_kind kind, uint64_t k1, uint64_t k2,
		     const struct tt_flow_end *e)
{
	struct tt_flow_pend *p = tt_pend(fl, kind, k1, k2);
	unsigned best = p->n;

	for (unsigned i = 0; i < p->n; i++)
		if (p->items[i].source && p->items[i].e.start <= e->start &&
		    (best == p->n || p->items[i].e.start >= p->items[best].e.start))
			best = i;
	if (best == p->n) {
		tt_pend_add(p, e, false);
		return;
	}
	fl->draw(fl->ctx, kind, &p->items[best].e, e);
	tt_pend_remove(p, best);
}

static struct tt_flow_lock *tt_lock(struct tt_flows *fl, uint32_t file, uint64_t lock)
{
	return tt_fmap_get(&fl->locks, &tt_lock_kind, (struct tt_fkey){ lock, file, 0, 0 });
}

/* Draws the arrow of the pending acquisition, if it found a release. */
static void tt_lock_settle(struct tt_flows *fl, struct tt_flow_lock *l)
{
	if (l->acq_pending && l->cand_valid)
		fl->draw(fl->ctx, TT_FLOW_LOCK, &l->cand, &l->acq);
	l->acq_pending = l->cand_valid = false;
}

/* Whether release r can be what acquisition a waited for. */
static bool tt_lock_fits(const struct tt_flow_end *r, const struct tt_flow_end *a)
{
	return r->tid != a->tid && r->start < a->end && r->end > a->start;
}

void tt_flows_release(struct tt_flows *fl, uint32_t file, uint64_t lock,
		      const struct tt_flow_end *e)
{
	struct tt_flow_lock *l = tt_lock(fl, file, lock);

	/*
	 * A release that ends after a waiter returned: it woke that waiter if it started
	 * later than the candidate found so far (the lock changes hands one release at a time).
	 * The waiter's own release, which often ends first, says nothing about that.
	 */
	if (l->acq_pending && e->tid != l->acq.tid) {
		if (tt_lock_fits(e, &l->acq) && (!l->cand_valid || e->start > l->cand.start)) {
			l->cand = *e;
			l->cand_valid = true;
		}
		tt_lock_settle(fl, l);
	}
	/* The last release is the one that started last, not the one that ended last. */
	if (!l->rel_valid || e->start >= l->rel.start) {
		l->rel = *e;
		l->rel_valid = true;
	}
}

void tt_flows_acquire(struct tt_flows *fl, uint32_t file, uint64_t lock, bool contended,
		      const struct tt_flow_end *e)
{
	struct tt_flow_lock *l = tt_lock(fl, file, lock);

	tt_lock_settle(fl, l);
	if (contended) {
		l->acq = *e;
		l->acq_pending = true;
		if (l->rel_valid && tt_lock_fits(&l->rel, e)) {
			l->cand = l->rel;
			l->cand_valid = true;
		}
	}
	/* Whoever acquires next, this release has been used. */
	l->rel_valid = false;
}

void tt_flows_settle(struct tt_flows *fl, uint32_t file, uint64_t lock)
{
	tt_lock_settle(fl, tt_lock(fl, file, lock));
}

static struct tt_flow_cond *tt_cond(struct tt_flows *fl, uint32_t file, uint64_t cond)
{
	return tt_fmap_get(&fl->conds, &tt_cond_kind, (struct tt_fkey){ cond, file, 1, 0 });
}

/* Whether wake w can have woken wait x: x was waiting when w started, and returned after. */
static bool tt_cond_fits(const struct tt_flow_end *w, const struct tt_flow_end *x)
{
	return w->tid != x->tid && x->start <= w->start && w->start < x->end;
}

void tt_flows_wake(struct tt_flows *fl, uint32_t file, uint64_t cond, bool all,
		   const struct tt_flow_end *e)
{
	struct tt_flow_cond *c = tt_cond(fl, file, cond);
	bool used = false;
	unsigned k = 0;

	/* Waits that returned before this wake ended: those it woke, in the order they returned. */
	for (unsigned i = 0; i < c->nwaits; i++) {
		if (!used && tt_cond_fits(e, &c->waits[i])) {
			fl->draw(fl->ctx, TT_FLOW_COND, e, &c->waits[i]);
			used = !all;
			continue;
		}
		/* Kept for a later wake only if it was still waiting when this one started. */
		if (c->waits[i].end > e->start)
			c->waits[k++] = c->waits[i];
	}
	c->nwaits = k;
	c->wake_valid = !used;
	c->wake = *e;
	c->wake_all = all;
}

void tt_flows_wait(struct tt_flows *fl, uint32_t file, uint64_t cond, const struct tt_flow_end *e)
{
	struct tt_flow_cond *c = tt_cond(fl, file, cond);

	if (c->wake_valid && tt_cond_fits(&c->wake, e)) {
		fl->draw(fl->ctx, TT_FLOW_COND, &c->wake, e);
		c->wake_valid = c->wake_all;
		return;
	}
	if (c->nwaits == TT_FLOW_PENDING) {
		memmove(&c->waits[0], &c->waits[1], (TT_FLOW_PENDING - 1) * sizeof(c->waits[0]));
		c->nwaits--;
	}
	c->waits[c->nwaits++] = *e;
}

void tt_flows_finish(struct tt_flows *fl)
{
	struct tt_flow_lock *l;
	size_t i = 0;

	while ((l = tt_hmap_next(&fl->locks, &tt_lock_kind, &i)))
		tt_lock_settle(fl, l);
}

void tt_flows_free(struct tt_flows *fl)
{
	tt_hmap_free(&fl->pend);
	tt_hmap_free(&fl->locks);
	tt_hmap_free(&fl->conds);
	*fl = (struct tt_flows){ 0 };
}

struct tt_pidkey {
	uint32_t pid;
	size_t at; /* index in run->procs (start order) */
};

static int tt_pidkey_cmp(const void *a, const void *b)
{
	const struct tt_pidkey *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->at < y->at ? -1 : (x->at > y->at);
}

void tt_flows_images(struct tt_run *run, struct tt_image *img)
{
	size_t n = run->nprocs;
	struct tt_pidkey *k = tt_xcalloc(n, sizeof(*k));

	for (size_t i = 0; i < run->nfiles; i++)
		img[i].next_image = -1;
	for (size_t i = 0; i < n; i++)
		k[i] = (struct tt_pidkey){ run->procs[i]->pid, i };
	tt_sort(k, n, sizeof(*k), tt_pidkey_cmp);
	for (size_t i = 0; i < n; i++) {
		struct tt_file *f = run->procs[k[i].at];
		struct tt_image *im = &img[f->index];

		im->first_image = !i || k[i - 1].pid != k[i].pid;
		if (!im->first_image) {
			struct tt_file *prev = run->procs[k[i - 1].at];

			/* an image that ended otherwise than by exec is another process's */
			if (!prev->has_end || prev->exit_kind == TT_EXIT_EXEC) {
				img[prev->index].next_image = f->index;
				im->target = true;
			}
			continue;
		}
		size_t lo = 0, hi = n;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (k[mid].pid < f->ppid)
				lo = mid + 1;
			else
				hi = mid;
		}
		im->target = lo < n && k[lo].pid == f->ppid && k[lo].at < k[i].at;
	}
	free(k);
}
