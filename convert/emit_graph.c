/*
 * emit_graph.c - the call tree as ftrace's function_graph tracer prints it (the kernel's
 * Documentation/trace/ftrace.rst, kernel/trace/trace_functions_graph.c), one thread after
 * another, or interleaved in time (--graph-interleave).
 *
 *	# tracer: function_graph
 *	#
 *	# TID  DURATION                  FUNCTION CALLS
 *	# |     |   |                     |   |   |   |
 *	 812)               |  main() {
 *	 812)   0.180 us    |    malloc();
 *	 812) + 12.330 us   |  }
 *
 * The first column is the thread where ftrace has the CPU.  A call with nothing recorded
 * inside it is a leaf, "name();" with its duration; another opens "name() {" and closes "}"
 * with its duration.  The calls the wrappers record (malloc, read...) are leaves at the depth
 * of the function that made them.  Moments (a signal, a thread's start) are comments.  A call
 * left by longjmp or an exception, or that never returned (its thread or process ended
 * inside it), says so in a comment.  A C++ name keeps its demangled parameter list instead
 * of ftrace's "()".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "hashmap.h"
#include "nest.h"
#include "state.h"

struct tt_gthread {
	FILE *tmp; /* its lines, when threads come one after another */
	/* an entry not printed yet: a leaf if its own end comes next */
	bool pending;
	uint64_t pend_fn, pend_tick;
	uint32_t pend_depth;
	const char *pend_name;
	char *pend_copy; /* --follow: the name outlives the round's files */
};

/* --follow: the threads by (pid, tid), since each round reads the files anew */
struct tt_gslot {
	uint64_t key; /* pid << 32 | tid; 0: free */
	struct tt_gthread t;
};

static size_t tt_gslot_hash(const void *e)
{
	return (size_t)tt_hash_mix(((const struct tt_gslot *)e)->key);
}

static bool tt_gslot_eq(const void *e, const void *key)
{
	return ((const struct tt_gslot *)e)->key == *(const uint64_t *)key;
}

static bool tt_gslot_used(const void *e)
{
	return ((const struct tt_gslot *)e)->key != 0;
}

static const struct tt_hkind tt_gslot_kind = {
	sizeof(struct tt_gslot), 64, 3, tt_gslot_hash, tt_gslot_eq, tt_gslot_used,
};

struct tt_graph {
	struct tt_run *run;
	bool interleave;
	int width; /* of the thread column */
	struct tt_gthread *threads;
	size_t nthreads;
	bool follow;
	struct tt_hmap byid; /* --follow */
};

static struct tt_gthread *tt_graph_thread(struct tt_graph *g, const struct tt_event *ev)
{
	if (!g->follow)
		return ev->thread->out;
	uint64_t key = (uint64_t)ev->file->pid << 32 | ev->thread->tid;
	size_t h = tt_gslot_hash(&(struct tt_gslot){ .key = key });
	struct tt_gslot *e = tt_hmap_find(&g->byid, &tt_gslot_kind, h, &key);

	if (e)
		return &e->t;
	if (!tt_hmap_reserve(&g->byid, &tt_gslot_kind))
		tt_oom();
	e = tt_hmap_add(&g->byid, &tt_gslot_kind, h);
	e->key = key;
	return &e->t;
}

static void *tt_graph_begin(struct tt_run *run)
{
	struct tt_graph *g = tt_xcalloc(1, sizeof(*g));

	g->run = run;
	g->interleave = run->opt->graph_interleave;
	g->follow = run->opt->follow;
	for (size_t i = 0; i < run->nprocs && !g->follow; i++) {
		g->nthreads += run->procs[i]->nthreads;
	}
	/* the width of any tid (pid_max is at most 2^22): the same with --follow, which cannot
	 * know the tids to come */
	g->width = 7;
	g->threads = tt_xcalloc(g->nthreads ? g->nthreads : 1, sizeof(*g->threads));
	for (size_t i = 0, n = 0; i < run->nprocs && !g->follow; i++)
		for (size_t k = 0; k < run->procs[i]->nthreads; k++)
			run->procs[i]->threads[k].out = &g->threads[n++];
	tt_out_puts(run->out, "# tracer: function_graph\n#\n");
	tt_out_printf(run->out, "# %-*s  DURATION                  FUNCTION CALLS\n", g->width + 2,
		      "TID");
	tt_out_printf(run->out, "# %-*s   |   |                     |   |   |   |\n\n",
		      g->width + 2, "|");
	return g;
}

/* ftrace's overhead mark (kernel/trace/trace_output.c trace_find_mark): strictly above */
static char tt_graph_mark(uint64_t ns)
{
	static const struct {
		uint64_t ns;
		char sym;
	} marks[] = {
		{ 1000000000, '$' }, { 100000000, '@' }, { 10000000, '*' },
		{ 1000000, '#' },    { 100000, '!' },	 { 10000, '+' },
	};

	for (size_t i = 0; i < TT_ARRAY_SIZE(marks); i++)
		if (ns > marks[i].ns)
			return marks[i].sym;
	return ' ';
}

/*
 * The duration column (trace_print_graph_duration): whole µs, then a dot and as many of the
 * three ns digits as keep it within 7 digits (cut, not rounded), " us ", padded to 8.
 */
static int tt_graph_duration(char *buf, uint64_t ns)
{
	char us[24];
	int len = snprintf(us, sizeof(us), "%llu", (unsigned long long)(ns / 1000));
	int n = snprintf(buf, 32, "%c %s", tt_graph_mark(ns), us);

	if (len < 7) {
		char frac[4];

		snprintf(frac, sizeof(frac), "%03u", (unsigned)(ns % 1000));
		frac[8 - len - 1 < 3 ? 8 - len - 1 : 3] = 0;
		n += snprintf(buf + n, 8, ".%s", frac);
		len += (int)strlen(frac) + 1;
	}
	n += snprintf(buf + n, 8, " us ");
	while (len++ < 8)
		buf[n++] = ' ';
	buf[n] = 0;
	return n;
}

/* One line: the thread column, the duration (none: blank), the indent, then the text. */
static void tt_graph_line(struct tt_graph *g, const struct tt_event *ev, bool has_dur, uint64_t dur,
			  uint32_t depth, const char *text)
{
	struct tt_gthread *gt = ev->thread->out;
	char col[48];

	if (has_dur)
		tt_graph_duration(col, dur);
	else
		snprintf(col, sizeof(col), "%14s", "");
	if (g->interleave) {
		tt_out_printf(g->run->out, " %*u) %s|  %*s%s\n", g->width, ev->thread->tid, col,
			      (int)depth * 2, "", text);
		return;
	}
	if (!gt->tmp && !(gt->tmp = tmpfile())) {
		tt_error("cannot create a temporary file: %s", strerror(errno));
		exit(2);
	}
	fprintf(gt->tmp, " %*u) %s|  %*s%s\n", g->width, ev->thread->tid, col, (int)depth * 2, "",
		text);
}

/* "()" after a name, unless it has its parameter list already (C++) */
static const char *tt_graph_parens(const char *name)
{
	return strchr(name, '(') ? "" : "()";
}

static void tt_graph_flush_pending(struct tt_graph *g, const struct tt_event *ev)
{
	struct tt_gthread *gt = tt_graph_thread(g, ev);

	if (!gt->pending)
		return;
	char text[4096];

	gt->pending = false;
	snprintf(text, sizeof(text), "%s%s {", gt->pend_name, tt_graph_parens(gt->pend_name));
	tt_graph_line(g, ev, false, 0, gt->pend_depth, text);
}

static const char *tt_graph_how(uint64_t ended)
{
	return ended == TT_FUNC_UNWOUND ? " /* unwound */"
	       : ended == TT_FUNC_OPEN	? " /* never returned */"
					: "";
}

static void tt_graph_event(void *self, const struct tt_event *ev)
{
	struct tt_graph *g = self;
	struct tt_gthread *gt = tt_graph_thread(g, ev);
	uint64_t dur = ev->end_ns - ev->start_ns;
	char text[4096];

	if (!gt)
		return;
	if (ev->type == TT_EV_FUNC_ENTRY) {
		tt_graph_flush_pending(g, ev);
		gt->pending = true;
		gt->pend_fn = ev->args[0].u;
		gt->pend_tick = ev->start_tick;
		gt->pend_depth = ev->depth;
		gt->pend_name = tt_func_name(ev);
		if (g->follow) {
			free(gt->pend_copy);
			gt->pend_name = gt->pend_copy = tt_xstrdup(gt->pend_name);
		}
		return;
	}
	if (ev->type == TT_EV_FUNC) {
		const char *how = tt_graph_how(ev->args[1].u);

		if (gt->pending && gt->pend_fn == ev->args[0].u &&
		    gt->pend_tick == ev->start_tick) {
			/* its entry came, but what was inside it is filtered out: a leaf */
			gt->pending = false;
			snprintf(text, sizeof(text), "%s%s;%s", gt->pend_name,
				 tt_graph_parens(gt->pend_name), how);
			tt_graph_line(g, ev, true, dur, ev->depth, text);
			return;
		}
		tt_graph_flush_pending(g, ev);
		if (ev->inner)
			snprintf(text, sizeof(text), "}%s", how);
		else
			snprintf(text, sizeof(text), "%s%s;%s", tt_func_name(ev),
				 tt_graph_parens(tt_func_name(ev)), how);
		tt_graph_line(g, ev, true, dur, ev->depth, text);
		return;
	}
	tt_graph_flush_pending(g, ev);
	if (tt_event_is_instant(ev->type)) {
		snprintf(text, sizeof(text), "/* %s */", tt_events[ev->type].name);
		tt_graph_line(g, ev, false, 0, ev->depth, text);
		return;
	}
	snprintf(text, sizeof(text), "%s();%s", tt_events[ev->type].name,
		 ev->failed ? " /* failed */" : "");
	tt_graph_line(g, ev, true, dur, ev->depth, text);
}

static void tt_graph_end(void *self, struct tt_run *run)
{
	struct tt_graph *g = self;
	char buf[1 << 16];

	if (g->follow) {
		/* the entries whose end never came, in the order of the table */
		for (size_t i = 0; i < g->byid.cap; i++) {
			struct tt_gslot *e = tt_hmap_at(&g->byid, &tt_gslot_kind, i);

			if (!e->key)
				continue;
			if (e->t.pending) {
				char text[4096];

				snprintf(text, sizeof(text), "%s%s {", e->t.pend_name,
					 tt_graph_parens(e->t.pend_name));
				tt_out_printf(run->out, " %*u)               |  %*s%s\n", g->width,
					      (unsigned)(e->key & 0xffffffffu),
					      (int)e->t.pend_depth * 2, "", text);
			}
			free(e->t.pend_copy);
		}
		tt_hmap_free(&g->byid);
		free(g->threads);
		free(g);
		return;
	}

	for (size_t i = 0, n = 0; i < run->nprocs; i++) {
		struct tt_file *f = run->procs[i];

		for (size_t k = 0; k < f->nthreads; k++, n++) {
			struct tt_gthread *gt = &g->threads[n];
			struct tt_thread *t = &f->threads[k];

			if (gt->pending) {
				/* an entry whose end never came (the trace lost it) */
				struct tt_event ev = { .file = f, .thread = t };

				tt_graph_flush_pending(g, &ev);
			}
			if (!gt->tmp)
				continue;
			tt_out_printf(run->out,
				      " ------------------------------------------\n"
				      " %*u)  %s-%u (pid %u)\n"
				      " ------------------------------------------\n\n",
				      g->width, t->tid, t->name ? t->name : f->program, t->tid,
				      f->pid);
			rewind(gt->tmp);
			for (size_t r; (r = fread(buf, 1, sizeof(buf), gt->tmp)) > 0;)
				tt_out_write(run->out, buf, r);
			if (ferror(gt->tmp)) {
				tt_error("cannot read back a temporary file: %s", strerror(errno));
				exit(2);
			}
			fclose(gt->tmp);
			tt_out_puts(run->out, "\n");
		}
	}
	for (size_t i = 0; i < run->nprocs; i++)
		for (size_t k = 0; k < run->procs[i]->nthreads; k++)
			run->procs[i]->threads[k].out = NULL;
	free(g->threads);
	free(g);
}

const struct tt_sink tt_sink_graph = {
	.begin = tt_graph_begin,
	.event = tt_graph_event,
	.end = tt_graph_end,
	.track = TT_TRACK_ENTRIES,
};
