/*
 * emit_folded.c - call stacks in the collapsed ("folded") format that flamegraph.pl,
 * inferno and speedscope read: one line per distinct stack, frames outermost first joined
 * by ';', then a space and the weight.  Weights (--weight): calls (events with the stack),
 * bytes (bytes allocated, or read and written, by those calls), time (ns spent in the
 * calls), leaked (bytes allocated there and still live at the end of the trace).
 *
 * Frames are functions (inlined calls kept), so that a function called from three lines is
 * one box; --lines splits them by source line, "function (file.c:12)".  Sites of different
 * processes with the same frames add up into one line.
 *
 * Without recorded stacks, the stacks are those of the traced functions
 * (-finstrument-functions): each function call and each recorded call inside them, weighed
 * by calls, self time, or bytes; not by leaked bytes, which need recorded stacks.
 */
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "emit.h"
#include "intern.h"
#include "nest.h"
#include "sites.h"
#include "state.h"

struct tt_folded {
	struct tt_out *out;
	unsigned weight;
	bool lines;
	struct tt_intern fstacks; /* function stacks' texts, each with its uint64_t weight */
	char *buf;		  /* the text being built */
	size_t cap;
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
	f->lines = run->opt->lines;
	f->fstacks.extra = sizeof(uint64_t);
	return f;
}

/* A frame's text as a folded line can hold it: ';' would split it, a newline the line. */
static size_t tt_fold_frame(char *p, const char *text)
{
	size_t n = 0;

	for (const char *c = text; *c; c++)
		p[n++] = *c == ';' ? ':' : *c == '\n' ? ' ' : *c;
	return n;
}

static uint64_t tt_fstack_weight(const struct tt_folded *f, const struct tt_event *ev)
{
	switch (f->weight) {
	case TT_WEIGHT_TIME:
		return ev->self_ns;
	case TT_WEIGHT_BYTES:
		switch (tt_events[ev->type].effect) {
		case TT_FX_ALLOC:
		case TT_FX_REALLOC:
			return ev->failed ? 0 : tt_alloc_size(ev);
		case TT_FX_READ:
		case TT_FX_WRITE:
			return !ev->failed && ev->result.s > 0 ? (uint64_t)ev->result.s : 0;
		default:
			return 0;
		}
	case TT_WEIGHT_LEAKED:
		return 0;
	default:
		return 1;
	}
}

/* A call in or of traced functions: the functions open around it, then itself. */
static void tt_fstack_event(struct tt_folded *f, const struct tt_event *ev)
{
	uint64_t w = tt_fstack_weight(f, ev), *acc;
	const char *own = ev->type == TT_EV_FUNC ? tt_func_name(ev) : tt_events[ev->type].name;
	size_t need = strlen(own) + 1, len = 0;
	bool fresh;

	if (!w)
		return;
	for (uint32_t i = 0; i < ev->depth; i++)
		need += strlen(tt_callstack_func(ev->file, ev->start_tick, ev->frames[i])) + 1;
	tt_grow((void **)&f->buf, &f->cap, need, 1);
	for (uint32_t i = 0; i < ev->depth; i++) {
		len += tt_fold_frame(f->buf + len,
				     tt_callstack_func(ev->file, ev->start_tick, ev->frames[i]));
		f->buf[len++] = ';';
	}
	len += tt_fold_frame(f->buf + len, own);
	f->buf[len] = 0;
	const char *key = tt_intern(&f->fstacks, f->buf, &fresh);

	if (!key)
		tt_oom();
	acc = tt_intern_extra(&f->fstacks, key);
	*acc += w;
}

static void tt_folded_event(void *self, const struct tt_event *ev)
{
	struct tt_folded *f = self;

	tt_sites_event(ev);
	if (!ev->stack && (ev->depth || ev->type == TT_EV_FUNC) && !tt_event_is_instant(ev->type))
		tt_fstack_event(f, ev);
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

/* frames outermost first */
static char *tt_fold(const struct tt_cstack *cs, bool lines)
{
	const char **frame = lines ? cs->frame : cs->fname;
	size_t len = 1;

	for (uint32_t i = 0; i < cs->nframe; i++)
		len += strlen(frame[i]) + 1;
	char *text = tt_xmalloc(len), *p = text;

	for (uint32_t i = cs->nframe; i-- > 0;) {
		p += tt_fold_frame(p, frame[i]);
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
		lines[nl].text = tt_fold(cs, f->lines);
		lines[nl].weight = w;
		nl++;
	}
	/* no recorded stacks: those of the traced functions */
	if (!nl && tt_intern_count(&f->fstacks)) {
		const char *key;
		size_t it = 0;

		lines = tt_xrealloc(lines, tt_intern_count(&f->fstacks) * sizeof(*lines));
		while ((key = tt_intern_next(&f->fstacks, &it))) {
			lines[nl].text = tt_xstrdup(key);
			lines[nl].weight = *(uint64_t *)tt_intern_extra(&f->fstacks, key);
			nl++;
		}
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
	tt_intern_free(&f->fstacks);
	free(f->buf);
	free(f);
}

const struct tt_sink tt_sink_folded = {
	.begin = tt_folded_begin,
	.event = tt_folded_event,
	.end = tt_folded_end,
	.track = TT_TRACK_HEAP | TT_TRACK_SITES,
};
