/*
 * fit.h - fitting a timeline into what a viewer can hold: which events stay slices and
 * which fast, frequent calls are folded into per-thread counters (the JSON and Perfetto
 * outputs; the summary, CSV and folded outputs never fold).
 *
 * Perfetto's trace processor keeps every slice in memory (about 180 bytes each, plus its
 * arguments), and the UI has about 2 GB.  When the selected events fit a budget of slices,
 * every event is a slice.  When they do not, the timeline keeps in full the process and
 * thread lifecycle, every contended lock wait, I/O, wait, process and signal event and
 * every lost-event marker; of the foldable calls (uncontended lock pairs, malloc and free,
 * stdio on an open stream) it keeps those that lasted at least a threshold, the lowest one
 * with which the result fits, and folds the rest.
 */
#ifndef TT_FIT_H
#define TT_FIT_H

#include <stdio.h>

#include "emit.h"

/* The default budget: the trace processor stays under about 1.5 GB. */
#define TT_FIT_DEFAULT_SLICES 5000000u

struct tt_fit {
	bool folding;	       /* some events are folded */
	uint64_t interval_ns;  /* of the folded calls' counters */
	uint64_t threshold_ns; /* foldable calls shorter than this are folded */
	uint64_t total;	       /* events the filters select */
	uint64_t kept;	       /* of them, written as slices */
	uint64_t folded;       /* of them, folded */
	uint64_t folded_type[TT_EV_COUNT];
};

/* Whether an event of this type may be folded, given its duration (a contended lock). */
static inline bool tt_fit_foldable(const struct tt_event *ev)
{
	extern uint8_t tt_fit_class[TT_EV_COUNT];
	unsigned c = tt_fit_class[ev->type];

	/* class 2: an acquisition, foldable when it did not wait */
	return c == 1 || (c == 2 && ev->end_ns == ev->start_ns);
}

/*
 * The time the run covers, from time 0 to the end of its last chunk or END record: known from
 * the scan, before any event is decoded.
 */
uint64_t tt_fit_span(const struct tt_run *run);

/*
 * Decides what is folded for run, with a budget of max_slices (0: no limit): counts the
 * selected events from the chunk headers and, when they may not fit, decodes them once to
 * find the threshold.
 */
void tt_fit_plan(struct tt_fit *fit, struct tt_run *run, uint64_t max_slices);

/* Whether ev (selected by the filters) is folded; counts it either way. */
static inline bool tt_fit_fold(struct tt_fit *fit, const struct tt_event *ev)
{
	if (fit->folding && ev->end_ns - ev->start_ns < fit->threshold_ns && tt_fit_foldable(ev)) {
		fit->folded++;
		fit->folded_type[ev->type]++;
		return true;
	}
	fit->kept++;
	return false;
}

/*
 * The folded calls of one thread, per interval: calls, bytes allocated, bytes freed.  A
 * sample is the interval's total at its start; after the last busy interval, a 0.
 */
enum { TT_FOLD_CALLS, TT_FOLD_ALLOC, TT_FOLD_FREED, TT_NFOLD };
extern const char *const tt_fold_names[TT_NFOLD];

struct tt_fold {
	uint64_t at; /* interval index + 1, 0: nothing folded yet */
	uint64_t v[TT_NFOLD];
	bool shown[TT_NFOLD]; /* the last sample written was not 0 */
};

/* Writes the sample of counter k of a thread (who) at relative time ts. */
typedef void tt_fold_fn(void *ctx, void *who, unsigned k, uint64_t ts, uint64_t v);

/*
 * Adds folded ev to the thread's counts, writing the samples of the interval it closes.
 * gain: what ev changed the heap in use by (state.h's live bytes after it, less before).
 */
void tt_fold_add(const struct tt_fit *fit, struct tt_fold *f, const struct tt_event *ev,
		 int64_t gain, tt_fold_fn *fn, void *ctx, void *who);

/* Writes the samples of the thread's last interval (at the end of the run). */
void tt_fold_flush(const struct tt_fit *fit, struct tt_fold *f, tt_fold_fn *fn, void *ctx,
		   void *who);

/*
 * "N folded: malloc 123, free 45, ..." into buf: what the trace says it folded, and the
 * line on stderr.
 */
void tt_fit_describe(const struct tt_fit *fit, char *buf, size_t size);

/* The line on stderr, when something was folded (-q hides it). */
void tt_fit_report(const struct tt_fit *fit, uint64_t max_slices);

#endif /* TT_FIT_H */
