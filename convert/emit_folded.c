/*
 * emit_folded.c - call stacks in the collapsed ("folded") format that flamegraph.pl,
 * inferno and speedscope read: one line per distinct stack, frames outermost first joined
 * by ';', then a space and the weight.  Weights (--weight): calls (events with the stack),
 * bytes (bytes allocated, or read and written, by those calls), time (ns spent in the
 * calls), leaked (bytes allocated there and still live at the end of the trace).
 *
 * Sites of different processes with the same frames add up into one line.
 */
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "folded.h"
#include "sites.h"
#include "state.h"

struct tt_folded {
	struct tt_out *out;
	unsigned weight;
};

static void *tt_folded_begin(struct tt_run *run)
{
	struct tt_folded *f = tt_xcalloc(1, sizeof(*f));

	f->out = run->out;
	f->weight = run->opt->weight;
	return f;
}

static void tt_folded_event(void *self, const struct tt_event *ev)
{
	(void)self;
	tt_sites_event(ev);
}

static void tt_site_weights(const struct tt_site *s, uint64_t *w)
{
	w[TT_WEIGHT_CALLS] = s->calls;
	w[TT_WEIGHT_BYTES] = s->alloc_bytes + s->io_bytes;
	w[TT_WEIGHT_TIME] = s->time_ns;
	w[TT_WEIGHT_LEAKED] = s->live_bytes > 0 ? (uint64_t)s->live_bytes : 0;
}

/* frames outermost first; ';' would split a frame, a newline the line */
static char *tt_fold(const struct tt_cstack *cs)
{
	size_t len = 1;

	for (uint32_t i = 0; i < cs->nframe; i++)
		len += strlen(cs->frame[i]) + 1;
	char *text = tt_xmalloc(len), *p = text;

	for (uint32_t i = cs->nframe; i-- > 0;) {
		for (const char *c = cs->frame[i]; *c; c++)
			*p++ = *c == ';' ? ':' : *c == '\n' ? ' ' : *c;
		if (i)
			*p++ = ';';
	}
	*p = 0;
	return text;
}

static int tt_fline_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tt_fline *)a)->text, ((const struct tt_fline *)b)->text);
}

struct tt_fline *tt_fold_sites(size_t *n)
{
	size_t ns, nl = 0;
	struct tt_site *sites = tt_sites_all(&ns);
	struct tt_fline *lines = tt_xcalloc(ns ? ns : 1, sizeof(*lines));

	for (size_t i = 0; i < ns; i++) {
		const struct tt_cstack *cs = tt_callstack_get(sites[i].file, sites[i].stack);
		bool any = false;

		tt_site_weights(&sites[i], lines[nl].weight);
		for (unsigned k = 0; k < TT_NWEIGHTS; k++)
			any |= lines[nl].weight[k] != 0;
		if (!any || !cs || !cs->nframe)
			continue;
		lines[nl++].text = tt_fold(cs);
	}
	tt_sort(lines, nl, sizeof(*lines), tt_fline_cmp);
	*n = 0;
	for (size_t i = 0; i < nl; i++) {
		if (*n && !strcmp(lines[*n - 1].text, lines[i].text)) {
			for (unsigned k = 0; k < TT_NWEIGHTS; k++)
				lines[*n - 1].weight[k] += lines[i].weight[k];
			free(lines[i].text);
			continue;
		}
		lines[(*n)++] = lines[i];
	}
	return lines;
}

void tt_fold_free(struct tt_fline *lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i].text);
	free(lines);
}

static void tt_folded_end(void *self, struct tt_run *run)
{
	struct tt_folded *f = self;
	size_t n;
	struct tt_fline *lines = tt_fold_sites(&n);

	(void)run;
	for (size_t i = 0; i < n; i++) {
		uint64_t w = lines[i].weight[f->weight];

		if (!w)
			continue;
		tt_out_puts(f->out, lines[i].text);
		char *p = tt_out_reserve(f->out, 32);

		*p++ = ' ';
		p = tt_fmt_u64(p, w);
		*p++ = '\n';
		tt_out_commit(f->out, p);
	}
	tt_fold_free(lines, n);
	tt_sites_free();
	free(f);
}

const struct tt_sink tt_sink_folded = {
	.begin = tt_folded_begin,
	.event = tt_folded_event,
	.end = tt_folded_end,
	.track = TT_TRACK_HEAP | TT_TRACK_SITES,
};
