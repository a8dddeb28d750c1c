/*
 * selftime.c - self time from the events alone: a thread's calls end in order, so the calls
 * inside one have all ended, and are still waiting to be claimed, when it ends.
 *
 * Each thread keeps the intervals that ended and were not yet claimed by a containing call,
 * by start (a containing call claims a suffix: those that started at or after it did).  A
 * thread's calls at the top level are never claimed; past TT_SELF_KEEP of them the older half
 * is folded into one interval that a containing call claims whole or not at all, which keeps
 * memory bounded and is exact for the calls that contain all of them (main, a long span).
 */
#include <stdlib.h>
#include <string.h>

#include "selftime.h"

#define TT_SELF_KEEP 256

struct tt_self_iv {
	uint64_t start;
	uint64_t dur;
};

struct tt_self_stack {
	size_t n;
	struct tt_self_iv v[TT_SELF_KEEP];
};

uint64_t tt_self_time(const struct tt_event *ev)
{
	struct tt_self_stack *st = ev->thread->out;
	uint64_t dur = ev->end_ns - ev->start_ns, inner = 0;

	if (!dur)
		return 0; /* a moment holds nothing and is nothing to claim */
	if (!st)
		st = ev->thread->out = tt_xcalloc(1, sizeof(*st));
	while (st->n && st->v[st->n - 1].start >= ev->start_ns)
		inner += st->v[--st->n].dur;
	if (st->n == TT_SELF_KEEP) {
		size_t half = TT_SELF_KEEP / 2;

		for (size_t i = 1; i < half; i++)
			st->v[0].dur += st->v[i].dur;
		memmove(&st->v[1], &st->v[half], (TT_SELF_KEEP - half) * sizeof(st->v[0]));
		st->n = TT_SELF_KEEP - half + 1;
	}
	st->v[st->n++] = (struct tt_self_iv){ ev->start_ns, dur };
	return dur > inner ? dur - inner : 0;
}

void tt_self_free(struct tt_file **files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < files[i]->nthreads; k++) {
			free(files[i]->threads[k].out);
			files[i]->threads[k].out = NULL;
		}
}
