/*
 * meta.c - resolving the final names of processes and threads.
 */
#include <stdio.h>
#include <stdlib.h>

#include "meta.h"

struct tt_pent {
	uint32_t pid;
	size_t order; /* index in run->procs: start order */
	struct tt_file *f;
};

struct tt_tent {
	uint32_t pid;
	uint32_t tid;
	size_t order;
	struct tt_thread *t;
};

static int tt_pent_cmp(const void *a, const void *b)
{
	const struct tt_pent *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->order < y->order ? -1 : (x->order > y->order);
}

static int tt_tent_cmp(const void *a, const void *b)
{
	const struct tt_tent *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->order < y->order ? -1 : (x->order > y->order);
}

static int tt_thread_cmp(const void *a, const void *b)
{
	const struct tt_meta_thread *x = a, *y = b;

	if (x->proc_rank != y->proc_rank)
		return x->proc_rank < y->proc_rank ? -1 : 1;
	if (x->sort_index != y->sort_index)
		return x->sort_index < y->sort_index ? -1 : 1;
	return x->tid < y->tid ? -1 : (x->tid > y->tid);
}

/* Groups run->procs by pid; pents ends sorted by pid with each group's rank in .order. */
static void tt_meta_procs(struct tt_meta *m, struct tt_run *run, struct tt_pent *pe)
{
	size_t n = run->nprocs, i, g;

	for (i = 0; i < n; i++)
		pe[i] = (struct tt_pent){ .pid = run->procs[i]->pid,
					  .order = i,
					  .f = run->procs[i] };
	tt_sort(pe, n, sizeof(*pe), tt_pent_cmp);
	m->procs = tt_xcalloc(n, sizeof(*m->procs));
	/* Slots by first start: a group's first entry has its earliest start. */
	for (i = 0; i < n; i = g) {
		for (g = i + 1; g < n && pe[g].pid == pe[i].pid;)
			g++;
		m->procs[pe[i].order].pid = pe[i].pid;
		m->procs[pe[i].order].ppid = pe[i].f->ppid;
		m->procs[pe[i].order].name = pe[g - 1].f->program;
		/* Give every entry of the group the group's slot. */
		for (size_t k = i + 1; k < g; k++)
			pe[k].order = pe[i].order;
	}
	/* Compact the slots left empty by later images of the same pid, keeping start order. */
	size_t *rank = tt_xcalloc(n, sizeof(*rank));

	for (i = 0; i < n; i++)
		if (m->procs[i].name) {
			rank[i] = m->nprocs;
			m->procs[m->nprocs++] = m->procs[i];
		}
	for (i = 0; i < n; i++)
		pe[i].order = rank[pe[i].order];
	free(rank);
}

/* Sort indexes: the process tree depth first, roots and siblings in start order. */
static void tt_meta_tree(struct tt_meta *m, const struct tt_pent *pe, size_t npe)
{
	size_t n = m->nprocs, rank = 0, top = 0;
	size_t *parent = tt_xcalloc(n, sizeof(*parent)), *child = tt_xcalloc(n, sizeof(*child));
	size_t *next = tt_xcalloc(n, sizeof(*next)), *last = tt_xcalloc(n, sizeof(*last));
	size_t *stack = tt_xcalloc(n, sizeof(*stack));

	for (size_t i = 0; i < n; i++)
		parent[i] = child[i] = next[i] = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		size_t lo = 0, hi = npe, p;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (pe[mid].pid < m->procs[i].ppid)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == npe || pe[lo].pid != m->procs[i].ppid || (p = pe[lo].order) >= i)
			continue; /* no parent in the run, or one that started later */
		parent[i] = p;
		if (child[p] == SIZE_MAX)
			child[p] = i;
		else
			next[last[p]] = i;
		last[p] = i;
	}
	/* Pre-order walk with an explicit stack: a chain of forks can be deep. */
	for (size_t r = n; r-- > 0;)
		if (parent[r] == SIZE_MAX)
			stack[top++] = r;
	while (top) {
		size_t i = stack[--top], c, k = top;

		m->procs[i].sort_index = rank++;
		for (c = child[i]; c != SIZE_MAX; c = next[c]) {
			m->procs[c].depth = m->procs[i].depth + 1;
			stack[top++] = c;
		}
		/* children were pushed in start order: reverse them to pop the first first */
		for (size_t a = k, b = top - 1; a < b && top > k; a++, b--) {
			size_t t = stack[a];

			stack[a] = stack[b];
			stack[b] = t;
		}
	}
	free(parent);
	free(child);
	free(next);
	free(last);
	free(stack);
}

static size_t tt_rank_of(const struct tt_pent *pe, size_t n, uint32_t pid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pe[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n ? pe[lo].order : 0;
}

/* Relative time of the end of a process image: its END record, or its last event. */
static uint64_t tt_image_end(const struct tt_run *run, const struct tt_file *f)
{
	uint64_t end = f->has_end && f->end_ns ? tt_run_rel(run, f->end_ns) : f->last_end_ns;

	return end > f->last_end_ns ? end : f->last_end_ns;
}

static void tt_meta_threads(struct tt_meta *m, struct tt_run *run, const struct tt_pent *pe)
{
	size_t n = 0, i, g;
	struct tt_tent *te;

	for (i = 0; i < run->nprocs; i++)
		n += run->procs[i]->nthreads;
	te = tt_xcalloc(n, sizeof(*te));
	n = 0;
	for (i = 0; i < run->nprocs; i++) {
		struct tt_file *f = run->procs[i];

		for (size_t k = 0; k < f->nthreads; k++) {
			struct tt_thread *t = &f->threads[k];

			/* Named: every thread with an event, and every main thread. */
			if (t->first_seen || t->tid == f->pid)
				te[n++] = (struct tt_tent){ f->pid, t->tid, i, t };
		}
	}
	tt_sort(te, n, sizeof(*te), tt_tent_cmp);
	m->threads = tt_xcalloc(n, sizeof(*m->threads));
	for (i = 0; i < n; i = g) {
		struct tt_meta_thread *mt = &m->threads[m->nthreads++];
		const char *name = NULL;

		mt->pid = te[i].pid;
		mt->tid = te[i].tid;
		mt->sort_index = UINT64_MAX;
		mt->start_ns = UINT64_MAX;
		for (g = i; g < n && te[g].pid == te[i].pid && te[g].tid == te[i].tid; g++) {
			struct tt_thread *t = te[g].t;
			struct tt_file *f = t->file;
			uint64_t start = t->started	    ? t->start_ns
					 : t->tid == f->pid ? tt_run_rel(run, f->start_ns)
							    : t->first_ns;
			uint64_t end = t->ended ? t->end_ns : tt_image_end(run, f);

			if (t->first_seen || t->started || t->tid == f->pid) {
				if (start < mt->start_ns)
					mt->start_ns = start;
				if (end > mt->end_ns)
					mt->end_ns = end;
			}

			name = t->name; /* the last image's name wins, even if it has none */
			mt->events += t->events;
			mt->busy_ns += t->busy_ns;
			mt->started |= t->started;
			if (t->first_seen && t->first_seen < mt->sort_index)
				mt->sort_index = t->first_seen;
		}
		if (mt->start_ns > mt->end_ns)
			mt->start_ns = mt->end_ns;
		if (mt->tid == mt->pid)
			mt->sort_index = 0;
		if (!name || !*name) {
			char text[32];
			int len = snprintf(text, sizeof(text), "thread %u", mt->tid);

			name = tt_arena_strndup(&m->arena, text, (size_t)len);
		}
		mt->name = name;
		mt->proc_rank = tt_rank_of(pe, run->nprocs, mt->pid);
	}
	tt_sort(m->threads, m->nthreads, sizeof(*m->threads), tt_thread_cmp);
	free(te);
}

void tt_meta_build(struct tt_meta *m, struct tt_run *run)
{
	struct tt_pent *pe = tt_xcalloc(run->nprocs, sizeof(*pe));

	*m = (struct tt_meta){ 0 };
	tt_meta_procs(m, run, pe);
	tt_meta_tree(m, pe, run->nprocs);
	tt_meta_threads(m, run, pe);
	free(pe);
}

void tt_meta_free(struct tt_meta *m)
{
	free(m->procs);
	free(m->threads);
	tt_arena_free(&m->arena);
}
