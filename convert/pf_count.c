/*
 * pf_count.c - the Perfetto output's counters: per process the heap, allocations, descriptors
 * and threads; per thread the calls folded to fit the viewer (fit.h), and with stacks their
 * weighted callstack samples.  All on sequence 1 but the samples, which intern stacks on
 * their thread's sequence.
 */
#include <stdlib.h>

#include "perfetto.h"
#include "state.h"

/* At most two samples of a process counter per window (pf_ctr_check). */
#define TT_PF_CTR_WINDOW_NS 10000u

const struct pf_ctr_info pf_ctr_info[PF_NCTR] = {
	[PF_CTR_HEAP] = { "heap", 3, TT_CAT_MEMORY },
	[PF_CTR_BLOCKS] = { "allocations", 2, TT_CAT_MEMORY },
	[PF_CTR_FDS] = { "fds", 2, TT_CAT_IO },
	[PF_CTR_THREADS] = { "threads", 2, TT_CAT_THREAD },
};

/* CounterDescriptor.Unit of the folded calls' counters */
static const uint8_t pf_fold_unit[TT_NFOLD] = { 2, 3, 3 };

void pf_counter_track(struct pf *p, uint64_t uuid, uint64_t parent, const char *name, unsigned unit)
{
	size_t at = pf_meta_begin(p, 0), d, c;

	d = tt_pb_begin(&p->grp, PF_P_TRACK_DESCRIPTOR);
	tt_pb_uint(&p->grp, 1, uuid);
	tt_pb_uint(&p->grp, 5, parent);
	tt_pb_str(&p->grp, 2, name);
	c = tt_pb_begin(&p->grp, 8); /* counter */
	tt_pb_uint(&p->grp, 3, unit);
	tt_pb_end(&p->grp, c);
	tt_pb_end(&p->grp, d);
	pf_packet_end(p, at);
}

/* A counter sample on sequence 1: absolute time, explicit track. */
static void pf_counter(struct pf *p, uint64_t uuid, uint64_t rel, uint64_t v)
{
	size_t at = pf_meta_begin(p, pf_abs(p, rel)), e;

	e = tt_pb_begin(&p->grp, PF_P_TRACK_EVENT);
	tt_pb_uint(&p->grp, PF_TE_TYPE, PF_COUNTER);
	tt_pb_uint(&p->grp, PF_TE_TRACK_UUID, uuid);
	tt_pb_int(&p->grp, PF_TE_COUNTER_VALUE, (int64_t)v);
	tt_pb_end(&p->grp, e);
	pf_packet_end(p, at);
}

/*
 * Process counters: a sample when the value changes, at most two per counter per
 * TT_PF_CTR_WINDOW_NS: the highest value of the window when it is not its last (so that
 * the heap's peak is in the trace), and its last value.
 */
void pf_ctr_flush(struct pf *p, struct tt_file *f, unsigned k)
{
	struct pf_ctr *c = &p->files[f->index].ctr[k];
	uint64_t uuid = pf_uuid(PF_UUID_COUNTER, f->index, k);

	if (!c->pending)
		return;
	c->pending = false;
	if (c->max > c->pend && c->max_ts < c->pend_ts)
		pf_counter(p, uuid, c->max_ts, c->max);
	else if (c->have_emitted && c->pend == c->emitted)
		return;
	pf_counter(p, uuid, c->pend_ts, c->pend);
	c->emitted = c->pend;
	c->have_emitted = true;
}

/* A sample within the counter's open window: its latest value, and the window's peak */
static inline void pf_ctr_add(struct pf_ctr *c, uint64_t ts, uint64_t v)
{
	if (ts < c->pend_ts)
		ts = c->pend_ts;
	if (v > c->max) {
		c->max = v;
		c->max_ts = ts;
	}
	c->pend = v;
	c->pend_ts = ts;
}

/* The rest of pf_ctr_check(): a new window, or a time outside the filters. */
static void pf_ctr_open(struct pf *p, struct tt_file *f, unsigned k, uint64_t ts, uint64_t v)
{
	struct pf_ctr *c = &p->files[f->index].ctr[k];
	const struct tt_filter *flt = p->run->filter;

	if (!p->ctr_on[k] || ts > flt->to_ns)
		return;
	if (ts < flt->from_ns)
		ts = flt->from_ns; /* the value the window opens with */
	if (c->pending && ts < c->window_end) {
		pf_ctr_add(c, ts, v);
		return;
	}
	pf_ctr_flush(p, f, k);
	c->pending = true;
	c->pend = c->max = v;
	c->pend_ts = c->max_ts = ts;
	c->window_end = (ts / TT_PF_CTR_WINDOW_NS + 1) * TT_PF_CTR_WINDOW_NS;
}

/*
 * A counter's value at ts.  The heap's two counters change at nearly every event, mostly
 * within the window already open: that case inline.
 */
static inline void pf_ctr_check(struct pf *p, struct tt_file *f, unsigned k, uint64_t ts,
				uint64_t v)
{
	struct pf_ctr *c = &p->files[f->index].ctr[k];
	const struct tt_filter *flt = p->run->filter;

	if (v == c->seen && c->have_emitted)
		return;
	c->seen = v;
	if (c->pending && ts < c->window_end && ts >= flt->from_ns && ts <= flt->to_ns &&
	    p->ctr_on[k]) {
		pf_ctr_add(c, ts, v);
		return;
	}
	pf_ctr_open(p, f, k, ts, v);
}

void pf_counters(struct pf *p, const struct tt_event *ev)
{
	struct tt_file *f = ev->file;
	struct pf_file *pf = &p->files[f->index];

	if (!pf->counters_on) {
		/* At the start of the process: no heap, the inherited descriptors, one thread. */
		uint64_t start = tt_run_rel(p->run, f->start_ns), fds = 0;

		for (size_t i = 0; i < f->nfd_seeds; i++)
			fds += f->fd_seeds[i].fd >= 0;
		pf->counters_on = true;
		pf_ctr_check(p, f, PF_CTR_HEAP, start, 0);
		pf_ctr_check(p, f, PF_CTR_BLOCKS, start, 0);
		pf_ctr_check(p, f, PF_CTR_FDS, start, fds);
		pf_ctr_check(p, f, PF_CTR_THREADS, start, 1);
	}
	pf_ctr_check(p, f, PF_CTR_HEAP, ev->end_ns, f->mem.live_bytes);
	pf_ctr_check(p, f, PF_CTR_BLOCKS, ev->end_ns, f->mem.live_blocks);
	pf_ctr_check(p, f, PF_CTR_FDS, ev->end_ns, f->fds.open);
	pf_ctr_check(p, f, PF_CTR_THREADS, ev->end_ns, f->threads_live);
}

/*
 * Folded calls: per thread, calls, bytes allocated and bytes freed per interval
 */
void pf_fold_sample(void *ctx, void *who, unsigned k, uint64_t ts, uint64_t v)
{
	struct pf_seq *s = who;

	pf_counter(ctx, pf_uuid(PF_UUID_FOLD, s->uuid, k), ts, v);
}

/*
 * With stacks, the folded calls of an interval are weighted callstack samples: an instant
 * per (stack, function) at the interval's start on a track of the thread's, weighted by the
 * bytes allocated (allocations) or the calls, so that a flame graph of a time range still
 * covers every call.
 */
void pf_fold_stacks_flush(struct pf *p, struct pf_seq *s)
{
	uint64_t ts = pf_abs(p, (s->stk_at - 1) * p->fit.interval_ns), track;
	struct pf_at at;
	uint8_t *c;

	if (!s->nstk)
		return;
	track = pf_uuid(PF_UUID_FOLD_STACKS, s->uuid, 0);
	if (!s->stk_described) {
		size_t pk = pf_meta_begin(p, 0), d;

		d = tt_pb_begin(&p->grp, PF_P_TRACK_DESCRIPTOR);
		tt_pb_uint(&p->grp, 1, track);
		tt_pb_uint(&p->grp, 5, s->uuid);
		tt_pb_str(&p->grp, 2, "folded call stacks");
		tt_pb_end(&p->grp, d);
		pf_packet_end(p, pk);
		s->stk_described = true;
	}
	for (size_t i = 0; i < s->nstk; i++) {
		const struct pf_stk *k = &s->stk[i];
		uint64_t iid;

		pf_seq_touch(p, s, ts);
		iid = pf_stack_iid(p, s, k->stack);
		at = pf_open(p, s, ts, false);
		c = tt_pb_room(&p->grp, 128);
		c = tt_pbc_uint(c, PF_TE_TYPE, PF_INSTANT);
		c = tt_pbc_uint(c, PF_TE_TRACK_UUID, track);
		c = tt_pbc_uint(c, PF_TE_NAME_IID, pf_name_iid(p, s, k->type));
		c = pf_arg(p, s, c, PF_KEY_CALLS, TT_KIND_U, (union tt_value){ .u = k->calls });
		if (k->bytes)
			c = pf_arg(p, s, c, TT_ROLE_SIZE, TT_KIND_U,
				   (union tt_value){ .u = k->bytes });
		if (iid) {
			c = tt_pbc_uint(c, PF_TE_CALLSTACK_IID, iid);
			c = tt_pbc_double(c, PF_TE_CALLSTACK_WEIGHT,
					  (double)(k->bytes ? k->bytes : k->calls));
		}
		tt_pb_done(&p->grp, c);
		pf_close(p, at);
	}
	s->nstk = 0;
	tt_hmap_clear(&s->stk_map, pf_map_kind());
}

static void pf_fold_stack(struct pf *p, struct pf_seq *s, const struct tt_event *ev)
{
	uint64_t at = ev->end_ns / p->fit.interval_ns + 1, i;
	unsigned fx = tt_events[ev->type].effect;
	struct pf_map_ent *e;
	bool fresh;

	if (s->stk_at != at)
		pf_fold_stacks_flush(p, s);
	s->stk_at = at;
	e = pf_map_get(&s->stk_map, ((uint64_t)ev->type << 32 | ev->stack) + 1, &fresh);
	if (fresh) {
		if (s->nstk == s->stk_cap)
			tt_grow((void **)&s->stk, &s->stk_cap, s->nstk + 1, sizeof(*s->stk));
		s->stk[s->nstk] = (struct pf_stk){ .stack = ev->stack, .type = ev->type };
		e->val = ++s->nstk;
	}
	i = e->val - 1;
	s->stk[i].calls++;
	if (!ev->failed && (fx == TT_FX_ALLOC || fx == TT_FX_REALLOC))
		s->stk[i].bytes += tt_alloc_size(ev);
}

void pf_fold(struct pf *p, const struct tt_event *ev)
{
	struct pf_seq *s = pf_seq_of(p, ev->thread);
	struct pf_file *pf = &p->files[ev->file->index];

	if (!s->fold.at) {
		if (!s->described)
			pf_describe_thread(p, s);
		for (unsigned k = 0; k < TT_NFOLD; k++)
			pf_counter_track(p, pf_uuid(PF_UUID_FOLD, s->uuid, k), s->uuid,
					 tt_fold_names[k], pf_fold_unit[k]);
	}
	tt_fold_add(&p->fit, &s->fold, ev, (int64_t)(ev->file->mem.live_bytes - pf->live),
		    pf_fold_sample, p, s);
	if (ev->stack)
		pf_fold_stack(p, s, ev);
}
