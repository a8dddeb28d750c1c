/*
 * fit.c - the slice budget: which calls may fold, the threshold that makes a run fit, and
 * what is said about it.
 */
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

void tt_fit_plan(struct tt_fit *fit, struct tt_run *run, uint64_t max_slices)
{
	uint64_t *hist, keep = 0, fold = 0;
	struct tt_tstream s;

	memset(fit, 0, sizeof(*fit));
	if (!tt_fit_class[TT_EV_MALLOC])
		tt_fit_classes();
	/* 100 us, or coarser for a run so long that 20,000 intervals do not cover it */
	fit->interval_ns = 100000;
	while (tt_fit_span(run) / fit->interval_ns > 20000)
		fit->interval_ns *= 2;
	if (!max_slices || tt_fit_upper(run) <= max_slices)
		return;
	hist = tt_xcalloc(TT_FIT_BUCKETS, sizeof(*hist));
	for (size_t i = 0; i < run->nprocs; i++) {
		struct tt_file *f = run->procs[i];
		struct tt_problems saved = f->problems;
		size_t c = 0;

		while (c < f->nchunks) {
			size_t e = c + 1;

			while (e < f->nchunks && f->chunks[e].tid == f->chunks[c].tid)
				e++;
			tt_tstream_init(&s, f, tt_file_thread(f, f->chunks[c].tid), &f->chunks[c],
					&f->chunks[e], run->base_ns, 0);
			for (tt_tstream_advance(&s); s.state != TT_TS_DONE;
			     tt_tstream_advance(&s)) {
				if (s.state != TT_TS_READY || !tt_filter_event(run->filter, &s.ev))
					continue;
				if (tt_fit_foldable(&s.ev))
					hist[tt_fit_bucket(s.ev.end_ns - s.ev.start_ns)]++;
				else
					keep++;
			}
			tt_tstream_release(&s);
			c = e;
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
	free(hist);
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
