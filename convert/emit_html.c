/*
 * emit_html.c - the HTML report's sink: per event, the summary's statistics (its own code)
 * and the report's series over time, self time per call and the threads' strips.
 *
 * The bins are fixed before the first event: the scan already knows where the run ends (the
 * last chunk, the END records), so a bin is the run's span over TT_HTML_BINS, and a report
 * is the same size for a thousand events or a billion.
 */
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "fit.h"
#include "html.h"
#include "state.h"

static uint8_t tt_hstate_of[TT_EV_COUNT];

/*
 * Waiting: locks, the wait family, and the calls that wait for another thread or process to
 * end; I/O: files and sockets; everything else is busy in calls.
 */
static void tt_html_states(void)
{
	static const uint16_t waits[] = {
		TT_EV_PTHREAD_JOIN, TT_EV_PTHREAD_TRYJOIN, TT_EV_PTHREAD_TIMEDJOIN,
		TT_EV_WAIT,	    TT_EV_WAITPID,	   TT_EV_WAITID,
		TT_EV_WAIT3,	    TT_EV_WAIT4,	   TT_EV_SYSTEM,
		TT_EV_PCLOSE
	};

	for (unsigned t = 0; t < TT_EV_COUNT; t++) {
		switch (tt_events[t].category) {
		case TT_CAT_LOCK:
		case TT_CAT_WAIT:
			tt_hstate_of[t] = TT_HS_WAIT;
			break;
		case TT_CAT_IO:
		case TT_CAT_NET:
			tt_hstate_of[t] = TT_HS_IO;
			break;
		default:
			tt_hstate_of[t] = TT_HS_BUSY;
			break;
		}
	}
	for (size_t i = 0; i < TT_ARRAY_SIZE(waits); i++)
		tt_hstate_of[waits[i]] = TT_HS_WAIT;
}

static int tt_end_cmp(const void *a, const void *b)
{
	const struct tt_hend *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->file < y->file ? -1 : x->file > y->file;
}

static void *tt_html_begin(struct tt_run *run)
{
	struct tt_html *h = tt_xcalloc(1, sizeof(*h));
	const struct tt_filter *flt = run->filter;
	uint64_t span = tt_fit_span(run);

	h->sum = tt_summary_new(run);
	tt_fstacks_init(&h->fs);
	tt_html_states();
	h->run = run;
	/* the bins cover the run, or the part of it --from and --to keep */
	h->t0 = flt->from_ns < span ? flt->from_ns : 0;
	h->t1 = flt->to_ns < span ? flt->to_ns : span;
	if (h->t1 <= h->t0)
		h->t1 = h->t0 + 1;
	h->bin_ns = (h->t1 - h->t0 + TT_HTML_BINS - 1) / TT_HTML_BINS;
	h->tbin_ns = (h->t1 - h->t0 + TT_HTML_TBINS - 1) / TT_HTML_TBINS;
	h->bin_lo = h->t0;
	h->seen = tt_xcalloc(run->nfiles ? run->nfiles : 1, sizeof(*h->seen));
	h->ends = tt_xcalloc(run->nprocs ? run->nprocs : 1, sizeof(*h->ends));
	for (size_t i = 0; i < run->nprocs; i++) {
		struct tt_file *f = run->procs[i];

		if (f->has_end && f->end_ns)
			h->ends[h->nends++] =
				(struct tt_hend){ tt_run_rel(run, f->end_ns), f->index };
	}
	tt_sort(h->ends, h->nends, sizeof(*h->ends), tt_end_cmp);
	return h;
}

static size_t tt_html_bin_slow(struct tt_html *h, uint64_t ts)
{
	uint64_t b = ts > h->t0 ? (ts - h->t0) / h->bin_ns : 0;

	b = b < TT_HTML_BINS ? b : TT_HTML_BINS - 1;
	h->bin_at = b;
	h->bin_lo = h->t0 + b * h->bin_ns;
	return (size_t)b;
}

/*
 * The bin of ts.  Events come in end order: most fall in the bin of the one before, and a
 * compare is cheaper than the division.
 */
static inline size_t tt_html_bin(struct tt_html *h, uint64_t ts)
{
	return ts - h->bin_lo < h->bin_ns ? h->bin_at : tt_html_bin_slow(h, ts);
}

/* The heap series up to bin b: the bins no event reached keep the value they began with. */
static void tt_html_heap_to(struct tt_html *h, size_t b)
{
	while (h->heap_bin < b) {
		h->heap_bin++;
		h->heap[h->heap_bin] = h->heap_now;
		h->blocks[h->heap_bin] = h->blocks_now;
	}
}

static void tt_html_heap_set(struct tt_html *h, uint64_t ts, struct tt_hseen *s, uint64_t bytes,
			     uint64_t blocks)
{
	size_t b = tt_html_bin(h, ts);

	tt_html_heap_to(h, b);
	h->heap_now += bytes - s->bytes;
	h->blocks_now += blocks - s->blocks;
	s->bytes = bytes;
	s->blocks = blocks;
	b = h->heap_bin; /* never back: a bin once left is done */
	if (h->heap_now > h->heap[b])
		h->heap[b] = h->heap_now;
	if (h->blocks_now > h->blocks[b])
		h->blocks[b] = h->blocks_now;
	if (h->heap_now > h->heap_peak) {
		h->heap_peak = h->heap_now;
		h->heap_peak_at = ts;
	}
}

/*
 * The heap in use of all processes together: a process's blocks count until it ends, when
 * the system takes them back, leaked or not.
 */
static void tt_html_heap(struct tt_html *h, const struct tt_event *ev)
{
	struct tt_hseen *s = &h->seen[ev->file->index];
	const struct tt_memstat *m = &ev->file->mem;

	while (h->next_end < h->nends && h->ends[h->next_end].at < ev->end_ns) {
		struct tt_hseen *g = &h->seen[h->ends[h->next_end].file];

		tt_html_heap_set(h, h->ends[h->next_end++].at, g, 0, 0);
		g->gone = true;
	}
	if (!s->gone && (m->live_bytes != s->bytes || m->live_blocks != s->blocks))
		tt_html_heap_set(h, ev->end_ns, s, m->live_bytes, m->live_blocks);
}

static struct tt_hthread *tt_html_thread(struct tt_thread *t)
{
	if (!t->out)
		t->out = tt_xcalloc(1, sizeof(struct tt_hthread));
	return t->out;
}

/* Makes the strip of t hold bins [b0, b1]. */
static void tt_strip_cover(struct tt_hthread *t, uint32_t b0, uint32_t b1)
{
	uint32_t lo = t->nbins ? (b0 < t->bin0 ? b0 : t->bin0) : b0;
	uint32_t hi = t->nbins && t->bin0 + t->nbins - 1 > b1 ? t->bin0 + t->nbins - 1 : b1;
	uint32_t need = hi - lo + 1, shift = t->nbins ? t->bin0 - lo : 0;

	if (need > t->cap) {
		/* doubling, up to the whole strip: a short thread keeps a short strip */
		uint32_t cap = t->cap ? 2 * t->cap : 4;

		while (cap < need)
			cap *= 2;
		if (cap > TT_HTML_TBINS)
			cap = TT_HTML_TBINS;
		t->bins = tt_xrealloc(t->bins, cap * sizeof(*t->bins));
		t->cap = cap;
	}
	if (shift && t->nbins)
		memmove(t->bins + shift, t->bins, t->nbins * sizeof(*t->bins));
	memset(t->bins, 0, shift * sizeof(*t->bins));
	memset(t->bins + shift + t->nbins, 0, (need - shift - t->nbins) * sizeof(*t->bins));
	t->bin0 = lo;
	t->nbins = need;
}

/* The call's time, bin by bin, in its thread's strip. */
static void tt_html_strip(struct tt_html *h, struct tt_hthread *t, const struct tt_event *ev,
			  unsigned state)
{
	uint64_t s = ev->start_ns > h->t0 ? ev->start_ns : h->t0;
	uint64_t e = ev->end_ns < h->t1 ? ev->end_ns : h->t1;
	uint64_t b0, b1;

	if (e <= s)
		return;
	/* most calls are short and begin in the bin where the thread's previous call ended */
	if (t->nbins && s - t->last_lo < h->tbin_ns && e - t->last_lo <= h->tbin_ns) {
		t->bins[t->last - t->bin0][state] += (float)(e - s);
		return;
	}
	b0 = (s - h->t0) / h->tbin_ns;
	b1 = (e - 1 - h->t0) / h->tbin_ns;
	if (b1 >= TT_HTML_TBINS)
		b1 = TT_HTML_TBINS - 1;
	if (b0 > b1)
		b0 = b1;
	if (!t->nbins || b0 < t->bin0 || b1 >= t->bin0 + t->nbins)
		tt_strip_cover(t, (uint32_t)b0, (uint32_t)b1);
	for (uint64_t b = b0; b <= b1; b++) {
		uint64_t lo = h->t0 + b * h->tbin_ns, hi = lo + h->tbin_ns;

		lo = s > lo ? s : lo;
		hi = e < hi ? e : hi;
		if (hi > lo)
			t->bins[b - t->bin0][state] += (float)(hi - lo);
	}
	t->last = (uint32_t)b1;
	t->last_lo = h->t0 + b1 * h->tbin_ns;
}

/* Adds to each bin of series the part of [start, end) it covers. */
static void tt_html_spread(struct tt_html *h, uint64_t *series, uint64_t start, uint64_t end)
{
	size_t b0 = tt_html_bin(h, start), b1 = tt_html_bin(h, end ? end - 1 : 0);

	for (size_t b = b0; b <= b1; b++) {
		uint64_t lo = h->t0 + b * h->bin_ns, hi = lo + h->bin_ns;

		/* the last bin takes what comes after t1 */
		if (b == TT_HTML_BINS - 1 || end < hi)
			hi = end;
		if (start > lo)
			lo = start;
		if (hi > lo)
			series[b] += hi - lo;
	}
}

static unsigned tt_log2_bucket(uint64_t v)
{
	return v ? 64 - (unsigned)__builtin_clzll(v) : 0;
}

static void tt_html_event(void *self, const struct tt_event *ev)
{
	struct tt_html *h = self;
	const struct tt_event_info *info = &tt_events[ev->type];
	uint64_t dur = ev->end_ns - ev->start_ns;
	size_t b = tt_html_bin(h, ev->end_ns);
	struct tt_hthread *t;

	tt_summary_add(h->sum, ev);
	tt_fstacks_event(&h->fs, ev);
	tt_html_heap(h, ev);
	h->events[b][info->category]++;
	if (info->category == TT_CAT_USER)
		return; /* the program's own spans: not calls */
	if (info->category == TT_CAT_FUNC)
		return; /* the program's own functions: their rows and flame graph */
	t = tt_html_thread(ev->thread);
	if (dur)
		tt_html_strip(h, t, ev, tt_hstate_of[ev->type]);
	switch (info->effect) {
	case TT_FX_READ:
	case TT_FX_WRITE: {
		uint64_t n = !ev->failed && ev->result.s > 0 ? (uint64_t)ev->result.s : 0;

		if (ev->failed)
			break;
		if (info->effect == TT_FX_READ) {
			h->io_read[b] += n;
			h->read_sizes[tt_log2_bucket(n)]++;
		} else {
			h->io_write[b] += n;
			h->write_sizes[tt_log2_bucket(n)]++;
		}
		break;
	}
	case TT_FX_ACQUIRE: {
		/* as the summary counts them: an acquisition of a lock that took time waited */
		const union tt_value *lock = tt_arg(ev, TT_ROLE_LOCK);

		if (dur && lock && lock->u && !(ev->failed && ev->held_ns < 0)) {
			tt_html_spread(h, h->lock_wait_ns, ev->start_ns, ev->end_ns);
			h->lock_waits[b]++;
		}
		break;
	}
	default:
		break;
	}
}

/* Left out by a filter, its heap still changed: the heap is that of the whole process. */
static void tt_html_skipped(void *self, const struct tt_event *ev)
{
	tt_html_heap(self, ev);
}

struct tt_rt_row *tt_html_runtime(const struct tt_html *h, size_t *n)
{
	size_t nf;
	struct tt_rstat *fv = tt_summary_funcs(h->sum, &nf);
	struct tt_rt_row *v = tt_xcalloc(TT_EV_COUNT + nf, sizeof(*v));

	*n = 0;
	/* the traced functions (-finstrument-functions): a recursion's total counted once */
	for (size_t i = 0; i < nf; i++)
		v[(*n)++] = (struct tt_rt_row){ .name = fv[i].name,
						.kind = TT_RT_FUNCTION,
						.calls = fv[i].calls,
						.total_ns = fv[i].total_ns,
						.self_ns = fv[i].self_ns,
						.max_ns = fv[i].max_ns };
	free(fv);
	for (unsigned t = 1; t < TT_EV_COUNT; t++) {
		const struct tt_fstat *f = &h->sum->fn[t];

		if (!f->calls)
			continue;
		v[(*n)++] = (struct tt_rt_row){ .name = tt_events[t].name,
						.kind = TT_RT_CALL,
						.calls = f->calls,
						.errors = f->errors,
						.total_ns = f->total_ns,
						.self_ns = f->self_ns,
						.min_ns = f->min_ns,
						.max_ns = f->max_ns };
	}
	return v;
}

static void tt_html_end(void *self, struct tt_run *run)
{
	struct tt_html *h = self;

	/* the processes that ended after the last event, then the bins after it */
	while (h->next_end < h->nends) {
		struct tt_hseen *g = &h->seen[h->ends[h->next_end].file];

		tt_html_heap_set(h, h->ends[h->next_end++].at, g, 0, 0);
		g->gone = true;
	}
	tt_html_heap_to(h, TT_HTML_BINS - 1);
	tt_html_page(h, run);
	for (size_t i = 0; i < run->nprocs; i++) {
		struct tt_file *f = run->procs[i];

		for (size_t k = 0; k < f->nthreads; k++) {
			struct tt_hthread *t = f->threads[k].out;

			if (t)
				free(t->bins);
			free(t);
			f->threads[k].out = NULL;
		}
	}
	tt_summary_free(h->sum, run);
	tt_fstacks_free(&h->fs);
	free(h->seen);
	free(h->ends);
	free(h);
}

const struct tt_sink tt_sink_html = {
	.begin = tt_html_begin,
	.event = tt_html_event,
	.skipped = tt_html_skipped,
	.end = tt_html_end,
	.track = TT_TRACK_HEAP | TT_TRACK_LOCKS | TT_TRACK_SITES,
};
