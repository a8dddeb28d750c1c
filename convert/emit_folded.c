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
#include "sites.h"
#include "state.h"

struct tt_folded {
	struct tt_out *out;
	unsigned weight;
};

struct tt_fline {
	char *text;
	uint64_t weight;
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

static uint64_t tt_site_weight(const struct tt_site *s, unsigned weight)
{
	switch (weight) {
	case TT_WEIGHT_BYTES:
		return s->alloc_bytes + s->io_bytes;
	case TT_WEIGHT_TIME:
		return s->time_ns;
	case TT_WEIGHT_LEAKED:
		return s->live_bytes > 0 ? (uint64_t)s->live_bytes : 0;
	default:
		return s->calls;
	}
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

static void tt_folded_end(void *self, struct tt_run *run)
{
	struct tt_folded *f = self;
	size_t n, nl = 0;
	struct tt_site *sites = tt_sites_all(&n);
	struct tt_fline *lines = tt_xcalloc(n ? n : 1, sizeof(*lines));

	(void)run;
	for (size_t i = 0; i < n; i++) {
		uint64_t w = tt_site_weight(&sites[i], f->weight);
		const struct tt_cstack *cs;

		if (!w || !(cs = tt_callstack_get(sites[i].file, sites[i].stack)) || !cs->nframe)
			continue;
		lines[nl].text = tt_fold(cs);
		lines[nl].weight = w;
		nl++;
	}
	tt_sort(lines, nl, sizeof(*lines), tt_fline_cmp);
	for (size_t i = 0; i < nl; i++) {
		uint64_t w = lines[i].weight;

		while (i + 1 < nl && !strcmp(lines[i].text, lines[i + 1].text)) {
			free(lines[i].text);
			i++;
			w += lines[i].weight;
		}
		tt_out_puts(f->out, lines[i].text);
		char *p = tt_out_reserve(f->out, 32);

		*p++ = ' ';
		p = tt_fmt_u64(p, w);
		*p++ = '\n';
		tt_out_commit(f->out, p);
		free(lines[i].text);
	}
	free(lines);
	tt_sites_free();
	free(f);
}

const struct tt_sink tt_sink_folded = {
	.begin = tt_folded_begin,
	.event = tt_folded_event,
	.end = tt_folded_end,
	.track = TT_TRACK_HEAP | TT_TRACK_SITES,
};
