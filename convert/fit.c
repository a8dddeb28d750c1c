/*
 * fit.c - the slice budget: which calls may fold, the threshold that makes a run fit, and
 * what is said about it.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "fit.h"
#include "state.h"

/* 0: always a slice; 1: foldable; 2: foldable when it did not wait (a lock acquisition) */
uint8_t tt_fit_class[TT_EV_COUNT];

static void tt_fit_classes(void)
{
	for (unsigned t = 1; t < TT_EV_COUNT; t++) {
		const struct tt_event_info *e = &tt_events[t];
		bool stream = false;

		for (int i = 0; i < TT_MAX_ARGS; i++)
			stream |= e->args[i] == TT_ROLE_STREAM;
		if (e->category == TT_CAT_MEMORY)
			tt_fit_class[t] = e->effect == TT_FX_ALLOC || e->effect == TT_FX_FREE ||
					  e->effect == TT_FX_REALLOC;
		else if (e->category == TT_CAT_LOCK)
			tt_fit_class[t] = e->effect == TT_FX_RELEASE   ? 1
					  : e->effect == TT_FX_ACQUIRE ? 2
								       : 0;
		else if (e->category == TT_CAT_IO)
			/* stdio on an open stream; opening and closing one stay */
			tt_fit_class[t] =
				stream && e->effect != TT_FX_FOPEN && e->effect != TT_FX_CLOSE;
	}
}

/*
 * Durations in buckets: exact below 64 ns, then 16 per power of two.  A threshold is a
 * bucket's lower bound, so the events kept with it are counted exactly.
 */
#define TT_FIT_BUCKETS (64 + 16 * 58)

static unsigned tt_fit_bucket(uint64_t d)
{
	unsigned lg;

	if (d < 64)
		return (unsigned)d;
	lg = 63u - (unsigned)__builtin_clzll(d); /* >= 6 */
	return 64 + 16 * (lg - 6) + (unsigned)((d >> (lg - 4)) & 15);
}

static uint64_t tt_fit_bucket_low(unsigned b)
{
	unsigned lg;

	if (b < 64)
		return b;
	lg = (b - 64) / 16 + 6;
	return ((uint64_t)16 + (b - 64) % 16) << (lg - 4);
}

/* Events in the chunks of the selected processes: at least as many as the filters keep. */
static uint64_t tt_fit_upper(const struct tt_run *run)
{
	uint64_t n = 0;

	for (size_t i = 0; i < run->nprocs; i++)
		for (size_t c = 0; c < run->procs[i]->nchunks; c++)
			n += run->procs[i]->chunks[c].nevents;
	return n;
}

uint64_t tt_fit_span(const struct tt_run *run)
{
	uint64_t span = 0;

	for (size_t i = 0; i < run->nprocs; i++) {
		struct tt_file *f = run->procs[i];
		uint32_t hint = 0;

		for (size_t c = 0; c < f->nchunks; c++) {
			uint64_t last = tt_timemap_ns(&f->time, f->chunks[c].last_tick, &hint);

			if (last > run->base_ns && last - run->base_ns > span)
				span = last - run->base_ns;
		}
		if (f->end_ns > run->base_ns && f->end_ns - run->base_ns > span)
			span = f->end_ns - run->base_ns;
	}
	return span;
}

/*
 * The plan's pass over the events, before the merge: the threads' streams are independent, so
 * they are shared between this thread and one more, each taking the largest stream left.  On
 * a run whose events are in two or more threads, the pass takes about half the time.
 */
struct tt_fit_pass {
	const struct tt_filter *filter;
	struct tt_tstream *s; /* the streams, largest first */
	size_t n;
	size_t next; /* the next stream to take (atomic) */
	uint64_t *hist[2];
	uint64_t keep[2];
};

/* Counts the events of a stream the filters select: foldable ones by duration. */
static void tt_fit_count(struct tt_tstream *s, const struct tt_filter *filter, uint64_t *hist,
			 uint64_t *keep)
{
	for (tt_tstream_advance(s); s->state != TT_TS_DONE; tt_tstream_advance(s)) {
		if (s->state != TT_TS_READY || !tt_filter_event(filter, &s->ev))
			continue;
		if (tt_fit_foldable(&s->ev))
			hist[tt_fit_bucket(s->ev.end_ns - s->ev.start_ns)]++;
		else
			(*keep)++;
	}
	tt_tstream_release(s);
}

/* The merge decodes the same chunks again and tells their problems: none are told here. */
static void tt_fit_unsaid(void *arg, struct tt_problems *p, enum tt_problem_kind kind,
			  const char *text)
{
	(void)arg;
	(void)p;
	(void)kind;
	(void)text;
}

static void tt_fit_work(struct tt_fit_pass *w, unsigned who)
{
	uint64_t loaded = 0; /* the progress bar is the merge's */
	size_t i;

	tt_problems_divert(tt_fit_unsaid, NULL);
	while ((i = __atomic_fetch_add(&w->next, 1, __ATOMIC_RELAXED)) < w->n) {
		w->s[i].loaded = &loaded;
		tt_fit_count(&w->s[i], w->filter, w->hist[who], &w->keep[who]);
	}
	tt_problems_divert(NULL, NULL);
	tt_decode_cleanup();
}

static void *tt_fit_helper(void *arg)
{
	tt_fit_work(arg, 1);
	return NULL;
}

struct tt_fit_stream {
	uint64_t events;
	struct tt_file *f;
	size_t first, end; /* its chunks in f */
	size_t order;	   /* among the run's streams, in the order of the merge's set-up */
	bool redo;	   /* the pass met undefined string ids in it */
};

static int tt_fit_larger(const void *a, const void *b)
{
	const struct tt_fit_stream *x = a, *y = b;

	if (x->events != y->events)
		return x->events > y->events ? -1 : 1;
	return 0;
}

/* The streams of the run's threads, largest first; their number in *n. */
static struct tt_fit_stream *tt_fit_streams(const struct tt_run *run, size_t *n)
{
	struct tt_fit_stream *v = NULL;
	size_t cap = 0;

	*n = 0;
	for (size_t i = 0; i < run->nprocs; i++) {
		struct tt_file *f = run->procs[i];
		size_t c = 0;

		while (c < f->nchunks) {
			struct tt_fit_stream t = {
				.f = f, .first = c, .end = tt_thread_run_end(f, c), .order = *n
			};

			for (size_t k = c; k < t.end; k++)
				t.events += f->chunks[k].nevents;
			tt_grow((void **)&v, &cap, *n + 1, sizeof(*v));
			v[(*n)++] = t;
			c = t.end;
		}
	}
	if (*n > 1)
		qsort(v, *n, sizeof(*v), tt_fit_larger);
	return v;
}

static void tt_fit_init(struct tt_tstream *s, const struct tt_fit_stream *t, uint64_t base_ns)
{
	struct tt_file *f = t->f;

	tt_tstream_init(s, f, tt_file_thread(f, f->chunks[t->first].tid), &f->chunks[t->first],
			f->chunks + t->end, base_ns, 0);
}

void tt_fit_plan(struct tt_fit *fit, struct tt_run *run, uint64_t max_slices)
{
	uint64_t *hist, keep, fold = 0;
	struct tt_fit_pass w = { .filter = run->filter };
	struct tt_fit_stream *v;
	struct tt_fit_stream **by_order;
	pthread_t helper;
	bool helped;
	size_t o = 0;

	memset(fit, 0, sizeof(*fit));
	if (!tt_fit_class[TT_EV_MALLOC])
		tt_fit_classes();
	/* 100 us, or coarser for a run so long that 20,000 intervals do not cover it */
	fit->interval_ns = 100000;
	while (tt_fit_span(run) / fit->interval_ns > 20000)
		fit->interval_ns *= 2;
	if (!max_slices || tt_fit_upper(run) <= max_slices)
		return;
	v = tt_fit_streams(run, &w.n);
	w.s = tt_xcalloc(w.n ? w.n : 1, sizeof(*w.s));
	for (size_t i = 0; i < w.n; i++) {
		tt_fit_init(&w.s[i], &v[i], run->base_ns);
		w.s[i].counting = true;
		w.s[i].nest.no_self = true;
	}
	w.hist[0] = tt_xcalloc(TT_FIT_BUCKETS, sizeof(uint64_t));
	w.hist[1] = tt_xcalloc(TT_FIT_BUCKETS, sizeof(uint64_t));
	helped = w.n > 1 && !pthread_create(&helper, NULL, tt_fit_helper, &w);
	tt_fit_work(&w, 0);
	if (helped)
		pthread_join(helper, NULL);
	hist = w.hist[0];
	keep = w.keep[0] + w.keep[1];
	for (unsigned b = 0; b < TT_FIT_BUCKETS; b++)
		hist[b] += w.hist[1][b];
	by_order = tt_xcalloc(w.n ? w.n : 1, sizeof(*by_order));
	for (size_t k = 0; k < w.n; k++) {
		v[k].redo = w.s[k].unknown_string;
		by_order[v[k].order] = &v[k];
	}

	/*
	 * A stream that met undefined string ids is decoded again, in the order one thread
	 * would have: its placeholders are made as they would have been (the merge's output
	 * names them), and the counts are those already made.
	 */
	for (size_t i = 0; i < run->nprocs; i++) {
		struct tt_file *f = run->procs[i];
		struct tt_problems saved = f->problems;
		uint64_t unused = 0;

		/* its streams, one after the other in the merge's order (tt_fit_streams) */
		for (; o < w.n && by_order[o]->f == f; o++) {
			struct tt_tstream s;

			if (!by_order[o]->redo)
				continue;
			/* the counts of the first pass stand: w.hist[1] is spare by now */
			tt_fit_init(&s, by_order[o], run->base_ns);
			tt_fit_count(&s, run->filter, w.hist[1], &unused);
		}
		/* the merge decodes the same chunks again: count their problems once */
		for (int k = 0; k < TT_PB_COUNT; k++) {
			if (saved.first[k] != f->problems.first[k] && saved.first[k] == NULL) {
				free(f->problems.first[k]);
				f->problems.first[k] = NULL;
			}
			f->problems.count[k] = saved.count[k];
		}
	}
	for (unsigned b = 0; b < TT_FIT_BUCKETS; b++)
		fold += hist[b];
	/* the lowest threshold with which what stays fits (all foldable calls go if need be) */
	for (unsigned b = 0; b < TT_FIT_BUCKETS; b++) {
		if (keep + fold <= max_slices) {
			fit->threshold_ns = tt_fit_bucket_low(b);
			break;
		}
		fold -= hist[b];
		fit->threshold_ns = UINT64_MAX;
	}
	fit->folding = fit->threshold_ns > 0;
	free(w.hist[0]);
	free(w.hist[1]);
	free(w.s);
	free(v);
	free(by_order);
	tt_decode_cleanup();
}

const char *const tt_fold_names[TT_NFOLD] = {
	[TT_FOLD_CALLS] = "folded calls",
	[TT_FOLD_ALLOC] = "folded bytes allocated",
	[TT_FOLD_FREED] = "folded bytes freed",
};

static void tt_fold_close(const struct tt_fit *fit, struct tt_fold *f, uint64_t next,
			  tt_fold_fn *fn, void *ctx, void *who)
{
	uint64_t start = (f->at - 1) * fit->interval_ns;

	for (unsigned k = 0; k < TT_NFOLD; k++) {
		if (!f->v[k] && !f->shown[k])
			continue;
		fn(ctx, who, k, start, f->v[k]);
		f->shown[k] = f->v[k] != 0;
		if (f->shown[k] && next != f->at + 1) {
			/* nothing folded in the interval that follows */
			fn(ctx, who, k, start + fit->interval_ns, 0);
			f->shown[k] = false;
		}
		f->v[k] = 0;
	}
}

void tt_fold_add(const struct tt_fit *fit, struct tt_fold *f, const struct tt_event *ev,
		 int64_t gain, tt_fold_fn *fn, void *ctx, void *who)
{
	uint64_t at = ev->end_ns / fit->interval_ns + 1;
	unsigned fx = tt_events[ev->type].effect;

	if (f->at && at != f->at)
		tt_fold_close(fit, f, at, fn, ctx, who);
	f->at = at;
	f->v[TT_FOLD_CALLS]++;
	if (!ev->failed && (fx == TT_FX_ALLOC || fx == TT_FX_REALLOC || fx == TT_FX_FREE)) {
		/* what the heap gained is what was allocated less what was freed */
		uint64_t alloc = fx == TT_FX_FREE ? 0 : tt_alloc_size(ev);

		f->v[TT_FOLD_ALLOC] += alloc;
		if ((int64_t)alloc > gain)
			f->v[TT_FOLD_FREED] += (uint64_t)((int64_t)alloc - gain);
	}
}

void tt_fold_flush(const struct tt_fit *fit, struct tt_fold *f, tt_fold_fn *fn, void *ctx,
		   void *who)
{
	if (f->at)
		tt_fold_close(fit, f, 0, fn, ctx, who);
}

void tt_fit_describe(const struct tt_fit *fit, char *buf, size_t size)
{
	const char *sep = ": ";
	size_t n;
	int w;

	w = snprintf(buf, size, "%llu of %llu events folded into per-thread counters",
		     (unsigned long long)fit->folded,
		     (unsigned long long)(fit->kept + fit->folded));
	n = w > 0 ? (size_t)w : 0;
	for (unsigned t = 1; t < TT_EV_COUNT && n + 64 < size; t++) {
		if (!fit->folded_type[t])
			continue;
		w = snprintf(buf + n, size - n, "%s%s %llu", sep, tt_events[t].name,
			     (unsigned long long)fit->folded_type[t]);
		n += w > 0 ? (size_t)w : 0;
		sep = ", ";
	}
}

void tt_fit_report(const struct tt_fit *fit, uint64_t max_slices)
{
	char text[2048], kept[96];

	if (!fit->folded || tt_diag_quiet)
		return;
	tt_fit_describe(fit, text, sizeof(text));
	if (fit->threshold_ns == UINT64_MAX)
		snprintf(kept, sizeof(kept), "no foldable call kept");
	else
		snprintf(kept, sizeof(kept), "foldable calls of %llu ns or longer kept",
			 (unsigned long long)fit->threshold_ns);
	fprintf(stderr,
		"traceit-convert: the events do not fit the budget of %llu slices: %s; %s "
		"(--max-slices=N changes the budget, --full keeps every event)\n",
		(unsigned long long)max_slices, text, kept);
}
