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
#include "folded.h"
#include "nest.h"
#include "sites.h"
#include "state.h"

struct tt_folded {
	struct tt_out *out;
	unsigned weight;
	bool lines;
	struct tt_fstacks fs;
};

static void *tt_folded_begin(struct tt_run *run)
{
	struct tt_folded *f = tt_xcalloc(1, sizeof(*f));

	f->out = run->out;
	f->weight = run->opt->weight;
	f->lines = run->opt->lines;
	tt_fstacks_init(&f->fs);
	return f;
}

static void tt_folded_event(void *self, const struct tt_event *ev)
{
	struct tt_folded *f = self;

	tt_sites_event(ev);
	tt_fstacks_event(&f->fs, ev);
}

static void tt_site_weights(const struct tt_site *s, uint64_t *w)
{
	w[TT_WEIGHT_CALLS] = s->calls;
	w[TT_WEIGHT_BYTES] = s->alloc_bytes + s->io_bytes;
	w[TT_WEIGHT_TIME] = s->time_ns;
	w[TT_WEIGHT_LEAKED] = s->live_bytes > 0 ? (uint64_t)s->live_bytes : 0;
}

/* A frame's text as a folded line can hold it: ';' would split it, a newline the line. */
static size_t tt_fold_frame(char *p, const char *text)
{
	size_t n = 0;

	for (const char *c = text; *c; c++)
		p[n++] = *c == ';' ? ':' : *c == '\n' ? ' ' : *c;
	return n;
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

/* Sorts lines by text and merges those of equal text; returns how many are left. */
static size_t tt_fold_merge(struct tt_fline *lines, size_t nl)
{
	size_t n = 0;

	tt_sort(lines, nl, sizeof(*lines), tt_fline_cmp);
	for (size_t i = 0; i < nl; i++) {
		if (n && !strcmp(lines[n - 1].text, lines[i].text)) {
			for (unsigned k = 0; k < TT_NWEIGHTS; k++)
				lines[n - 1].weight[k] += lines[i].weight[k];
			free(lines[i].text);
			continue;
		}
		lines[n++] = lines[i];
	}
	return n;
}

struct tt_fline *tt_fold_sites(bool lines_split, size_t *n)
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
		lines[nl++].text = tt_fold(cs, lines_split);
	}
	*n = tt_fold_merge(lines, nl);
	return lines;
}

void tt_fold_free(struct tt_fline *lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i].text);
	free(lines);
}

/*
 * The traced functions' stacks
 */
void tt_fstacks_init(struct tt_fstacks *fs)
{
	*fs = (struct tt_fstacks){ .texts.extra = sizeof(uint64_t) * TT_NWEIGHTS };
}

/* A call in or of traced functions: the functions open around it, then itself. */
void tt_fstacks_event(struct tt_fstacks *fs, const struct tt_event *ev)
{
	if (ev->stack || !(ev->depth || ev->type == TT_EV_FUNC) || tt_event_is_instant(ev->type))
		return;
	const char *own = ev->type == TT_EV_FUNC ? tt_func_name(ev) : tt_events[ev->type].name;
	size_t need = strlen(own) + 1, len = 0;
	uint64_t *w;
	bool fresh;

	for (uint32_t i = 0; i < ev->depth; i++)
		need += strlen(tt_callstack_func(ev->file, ev->start_tick, ev->frames[i])) + 1;
	tt_grow((void **)&fs->buf, &fs->cap, need, 1);
	for (uint32_t i = 0; i < ev->depth; i++) {
		len += tt_fold_frame(fs->buf + len,
				     tt_callstack_func(ev->file, ev->start_tick, ev->frames[i]));
		fs->buf[len++] = ';';
	}
	len += tt_fold_frame(fs->buf + len, own);
	fs->buf[len] = 0;
	const char *key = tt_intern(&fs->texts, fs->buf, &fresh);

	if (!key)
		tt_oom();
	w = tt_intern_extra(&fs->texts, key);
	w[TT_WEIGHT_CALLS]++;
	w[TT_WEIGHT_TIME] += ev->self_ns;
	if (!ev->failed) {
		switch (tt_events[ev->type].effect) {
		case TT_FX_ALLOC:
		case TT_FX_REALLOC:
			w[TT_WEIGHT_BYTES] += tt_alloc_size(ev);
			break;
		case TT_FX_READ:
		case TT_FX_WRITE:
			w[TT_WEIGHT_BYTES] += ev->result.s > 0 ? (uint64_t)ev->result.s : 0;
			break;
		default:
			break;
		}
	}
}

struct tt_fline *tt_fold_fstacks(const struct tt_fstacks *fs, size_t *n)
{
	size_t nl = 0, it = 0;
	struct tt_fline *lines = tt_xcalloc(tt_intern_count(&fs->texts) + 1, sizeof(*lines));
	const char *key;

	while ((key = tt_intern_next(&fs->texts, &it))) {
		lines[nl].text = tt_xstrdup(key);
		memcpy(lines[nl].weight, tt_intern_extra(&fs->texts, key),
		       sizeof(lines[nl].weight));
		nl++;
	}
	*n = tt_fold_merge(lines, nl);
	return lines;
}

void tt_fstacks_free(struct tt_fstacks *fs)
{
	tt_intern_free(&fs->texts);
	free(fs->buf);
	fs->buf = NULL;
	fs->cap = 0;
}

static void tt_folded_end(void *self, struct tt_run *run)
{
	struct tt_folded *f = self;
	size_t n;
	struct tt_fline *lines = tt_fold_sites(f->lines, &n);

	(void)run;
	/* no recorded stacks: those of the traced functions */
	if (!n) {
		tt_fold_free(lines, n);
		lines = tt_fold_fstacks(&f->fs, &n);
	}
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
	tt_fstacks_free(&f->fs);
	tt_sites_free();
	free(f);
}

const struct tt_sink tt_sink_folded = {
	.begin = tt_folded_begin,
	.event = tt_folded_event,
	.end = tt_folded_end,
	.track = TT_TRACK_HEAP | TT_TRACK_SITES,
};
