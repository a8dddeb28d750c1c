/*
 * emit_json.c - Chrome Trace Event JSON (object form), for Perfetto, chrome://tracing,
 * DevTools and speedscope.
 *
 * Arguments are named by their role in events.def ("fd", "path", "size"), and so is the
 * result; values of address kinds are hex strings, flags hex, modes octal.
 *
 * Calls are complete ("X") events and calls that do not return are thread-scoped instants,
 * so the viewers never have to pair begin/end events.  ts and dur are microseconds written
 * with three decimals from integer nanoseconds, so nesting is exact (jsontime.c covers the
 * viewers that add them up as doubles).  Names of processes and threads are metadata ("M")
 * events at the end of the array, because a thread can be renamed at any time during the
 * run: only at the end is its final name known (json_tail.c).  The rules are those of the
 * "Trace Event Format" document and of the viewers' importers (Perfetto's
 * src/trace_processor/importers/json, chrome://tracing's trace-viewer).
 *
 * Arrows (flows.h) are flow events: an "s" inside the cause's slice and an "f" with
 * "bp":"e" inside the effect's slice, written when the second of the two is known.  Viewers
 * attach arrows to slices only, so an instant that can receive one (thread_start, the first
 * event of a child process) is written as a zero-length slice instead.
 *
 * Counters ("C" events, one series per name, no category: they are not calls) follow each
 * process's live heap bytes, live allocations, open descriptors and live threads: a sample
 * when the value changes, but at most one per counter per TT_CTR_WINDOW_NS of trace time,
 * the last value of the window, so that allocation churn does not double the size of the
 * file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errnames.h"
#include "json.h"
#include "nest.h"
#include "jsontime.h"
#include "state.h"

#define TT_CTR_WINDOW_NS 10000u

/* What an event can be one end of (flows.h). */
enum tt_jrel {
	TT_REL_NONE,
	TT_REL_FORK,	 /* the result is a child pid */
	TT_REL_SPAWN,	 /* the PID argument is a child pid (if the result is 0) */
	TT_REL_EXEC,	 /* replaces the image */
	TT_REL_CREATE,	 /* creates the thread of its THREAD argument */
	TT_REL_START,	 /* a thread begins: its THREAD argument */
	TT_REL_ACQUIRE,	 /* takes its LOCK */
	TT_REL_RELEASE,	 /* gives its LOCK back */
	TT_REL_WAKE,	 /* wakes a waiter of its COND */
	TT_REL_WAKE_ALL, /* wakes every waiter of its COND */
	TT_REL_WAIT,	 /* waits on its COND */
};

/* What each effect of events.def makes an event the end of (the start of a thread: its type) */
static const uint8_t tt_jrel_of_effect[] = {
	[TT_FX_EXEC] = TT_REL_EXEC,	  [TT_FX_ACQUIRE] = TT_REL_ACQUIRE,
	[TT_FX_RELEASE] = TT_REL_RELEASE, [TT_FX_FORK] = TT_REL_FORK,
	[TT_FX_SPAWN] = TT_REL_SPAWN,	  [TT_FX_CREATE] = TT_REL_CREATE,
	[TT_FX_WAKE] = TT_REL_WAKE,	  [TT_FX_WAKE_ALL] = TT_REL_WAKE_ALL,
	[TT_FX_CONDWAIT] = TT_REL_WAIT,
};

/* The counters: event name, series name, category (the --category that keeps them). */
static const struct {
	const char *name;
	const char *series;
	uint8_t cat;
} tt_ctr_info[TT_NCTR] = {
	[TT_CTR_HEAP] = { "heap", "bytes", TT_CAT_MEMORY },
	[TT_CTR_BLOCKS] = { "allocations", "live", TT_CAT_MEMORY },
	[TT_CTR_FDS] = { "fds", "open", TT_CAT_IO },
	[TT_CTR_THREADS] = { "threads", "live", TT_CAT_THREAD },
};

static void tt_json_make_key(struct tt_json_key *k, const char *name)
{
	k->len = (uint8_t)snprintf(k->text, sizeof(k->text), ",\"%s\":", name);
}

static void tt_json_init_tables(struct tt_json *j)
{
	for (unsigned t = 1; t < TT_EV_COUNT; t++) {
		const char *name = tt_events[t].name,
			   *cat = tt_category_names[tt_events[t].category];
		unsigned fx = tt_events[t].effect;

		j->prefix[t].len = (uint8_t)snprintf(
			j->prefix[t].text, sizeof(j->prefix[t].text),
			"{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"%s\",\"ts\":", name, cat,
			tt_event_is_instant(t) ? "i\",\"s\":\"t" : "X");
		j->prefix_x[t].len = (uint8_t)snprintf(
			j->prefix_x[t].text, sizeof(j->prefix_x[t].text),
			"{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"X\",\"ts\":", name, cat);
		j->rel[t] =
			fx < TT_ARRAY_SIZE(tt_jrel_of_effect) ? tt_jrel_of_effect[fx] : TT_REL_NONE;
	}
	j->rel[TT_EV_THREAD_START] = TT_REL_START;
	for (unsigned r = 1; r < TT_ROLE_COUNT; r++) {
		tt_json_make_key(&j->key[r], tt_roles[r].name);
		/*
		 * The result is named by its role like the arguments ("bytes" of a read, "pid" of
		 * a fork), except an address, "result": "addr" names the block free() releases.
		 */
		tt_json_make_key(&j->result_key[r],
				 r == TT_ROLE_ADDR ? "result" : tt_roles[r].name);
	}
	tt_json_make_key(&j->path_key, "path");
	tt_json_make_key(&j->errno_key, "errno");
	tt_json_make_key(&j->held_key, "held_ns");
	tt_json_make_key(&j->stack_key, "stack");
}

static void tt_json_images(struct tt_json *j, struct tt_run *run)
{
	struct tt_image *img = tt_xcalloc(run->nfiles, sizeof(*img));

	tt_flows_images(run, img);
	for (size_t i = 0; i < run->nfiles; i++) {
		j->files[i].next_image = img[i].next_image;
		j->files[i].first_image = img[i].first_image;
		j->files[i].target = img[i].target;
	}
	free(img);
}

static void tt_json_flow(void *ctx, enum tt_flow_kind kind, const struct tt_flow_end *from,
			 const struct tt_flow_end *to);
static void tt_json_counters_flush(struct tt_json *j);

static void *tt_json_begin(struct tt_run *run)
{
	struct tt_json *j = tt_xcalloc(1, sizeof(*j));

	j->run = run;
	j->out = run->out;
	j->filter = run->filter;
	j->files = tt_xcalloc(run->nfiles, sizeof(*j->files));
	tt_json_init_tables(j);
	for (unsigned k = 0; k < TT_NCTR; k++)
		j->ctr_on[k] = tt_filter_category(j->filter, tt_ctr_info[k].cat) ||
			       (k == TT_CTR_FDS && tt_filter_category(j->filter, TT_CAT_NET));
	tt_json_images(j, run);
	tt_flows_init(&j->flows, tt_json_flow, j);
	tt_fit_plan(&j->fit, run, run->opt->max_slices);
	j->before_close = tt_json_counters_flush;
	tt_json_parts_begin(j);
	return j;
}

/* Writes ,"key": (without the comma for the first key), returns the end. */
static inline char *tt_key(char *p, bool *first, const struct tt_json_key *k)
{
	memcpy(p, k->text + *first, sizeof(k->text) - 1);
	p += k->len - *first;
	*first = false;
	return p;
}

static inline char *tt_hex_str(char *p, uint64_t v)
{
	*p++ = '"';
	p = tt_fmt_hex(p, v);
	*p++ = '"';
	return p;
}

/* Returns where to go on writing: a string value may have moved the buffer. */
static char *tt_json_value(struct tt_out *o, char *p, unsigned role, union tt_value v)
{
	switch (tt_roles[role].kind) {
	case TT_KIND_U:
		if (role == TT_ROLE_FLAGS)
			return tt_hex_str(p, v.u);
		if (role == TT_ROLE_MODE) {
			*p++ = '"';
			p = tt_fmt_oct(p, v.u);
			*p++ = '"';
			return p;
		}
		return tt_fmt_u64(p, v.u);
	case TT_KIND_S:
		return tt_fmt_i64(p, v.s);
	case TT_KIND_ADDR:
		return tt_hex_str(p, v.u);
	default:
		tt_out_commit(o, p);
		tt_out_json_str(o, v.str);
		return tt_out_reserve(o, 1024);
	}
}

/* The JSON state of thread t, made on first use. */
static struct tt_jthread *tt_json_thread(struct tt_thread *t)
{
	struct tt_jthread *jt = tt_xcalloc(1, sizeof(*jt));
	char *p = jt->ids;

	p = TT_LIT(p, ",\"pid\":");
	p = tt_fmt_u64(p, t->file->pid);
	p = TT_LIT(p, ",\"tid\":");
	p = tt_fmt_u64(p, t->tid);
	p = TT_LIT(p, ",\"args\":{");
	jt->idslen = (uint8_t)(p - jt->ids);
	t->out = jt;
	return jt;
}

/* With --split-mb: an upper bound of the bytes an event takes. */
static uint64_t tt_json_event_size(const struct tt_event *ev)
{
	const struct tt_event_info *info = &tt_events[ev->type];
	uint64_t n = 1024;

	for (int i = 0; i < TT_MAX_ARGS; i++)
		if (tt_roles[info->args[i]].kind == TT_KIND_STR && ev->args[i].str)
			n += 32 + 6 * strlen(ev->args[i].str);
	if (ev->fd_path)
		n += 32 + 6 * strlen(ev->fd_path);
	if (ev->stack) {
		const struct tt_cstack *cs = tt_callstack_get(ev->file, ev->stack);

		n += cs ? cs->json_len + 16 : 0;
	}
	return n;
}

/*
 * Counters
 */
static void tt_ctr_write(struct tt_json *j, struct tt_file *f, unsigned k, uint64_t ts, uint64_t v)
{
	char *p;

	if (!j->closing) {
		tt_json_room(j, 256);
		tt_json_seen(j, tt_json_main_thread(f));
	}
	tt_json_line(j);
	p = tt_out_reserve(j->out, 256);
	p = TT_LIT(p, "{\"name\":\"");
	p = tt_fmt_lit(p, tt_ctr_info[k].name, strlen(tt_ctr_info[k].name));
	p = TT_LIT(p, "\",\"ph\":\"C\",\"ts\":");
	p = tt_fmt_us(p, ts);
	p = TT_LIT(p, ",\"pid\":");
	p = tt_fmt_u64(p, f->pid);
	p = TT_LIT(p, ",\"tid\":");
	p = tt_fmt_u64(p, f->pid);
	p = TT_LIT(p, ",\"args\":{\"");
	p = tt_fmt_lit(p, tt_ctr_info[k].series, strlen(tt_ctr_info[k].series));
	p = TT_LIT(p, "\":");
	p = tt_fmt_u64(p, v);
	p = TT_LIT(p, "}}");
	tt_out_commit(j->out, p);
}

static void tt_ctr_flush(struct tt_json *j, struct tt_file *f, unsigned k)
{
	struct tt_ctr *c = &j->files[f->index].ctr[k];

	if (!c->pending)
		return;
	c->pending = false;
	if (c->have_emitted && c->pend == c->emitted)
		return;
	tt_ctr_write(j, f, k, c->pend_ts, c->pend);
	c->emitted = c->pend;
	c->have_emitted = true;
}

/* The end of the window of a sample at ts: a sample per counter per window at most. */
static inline uint64_t tt_ctr_window_end(const struct tt_json *j, uint64_t ts)
{
	uint64_t end = (ts / TT_CTR_WINDOW_NS + 1) * TT_CTR_WINDOW_NS;

	return end <= j->filter->to_ns ? end : j->filter->to_ns + 1;
}

/* Counter k of f has value v from time ts on. */
static void tt_ctr_update(struct tt_json *j, struct tt_file *f, unsigned k, uint64_t ts, uint64_t v)
{
	struct tt_ctr *c = &j->files[f->index].ctr[k];

	c->seen = v;
	if (!j->ctr_on[k] || j->closing)
		return;
	if (ts < j->filter->from_ns) {
		c->before = v;
		c->have_before = true;
		return;
	}
	if (ts > j->filter->to_ns)
		return;
	if (c->have_before) {
		/* The value the window opens with. */
		c->have_before = false;
		if (c->before && !c->have_emitted) {
			c->pending = true;
			c->pend = c->before;
			c->pend_ts = j->filter->from_ns;
			c->window_end = tt_ctr_window_end(j, c->pend_ts);
		}
	}
	if (c->pending && ts < c->window_end) {
		c->pend = v;
		c->pend_ts = ts;
		return;
	}
	tt_ctr_flush(j, f, k);
	if (c->have_emitted && v == c->emitted)
		return;
	if (j->limit) {
		/* It will be written in this part: the part names its process. */
		tt_json_room(j, 256);
		tt_json_seen(j, tt_json_main_thread(f));
	}
	c->pending = true;
	c->pend = v;
	c->pend_ts = ts;
	c->window_end = tt_ctr_window_end(j, ts);
}

/* The common case inline: no change, or another change in the same window. */
static inline void tt_ctr_check(struct tt_json *j, struct tt_file *f, unsigned k, uint64_t ts,
				uint64_t v)
{
	struct tt_ctr *c = &j->files[f->index].ctr[k];

	if (v == c->seen)
		return;
	if (c->pending && ts < c->window_end && !j->closing) {
		c->seen = c->pend = v;
		c->pend_ts = ts;
		return;
	}
	tt_ctr_update(j, f, k, ts, v);
}

static void tt_json_counters_start(struct tt_json *j, struct tt_file *f)
{
	/* At the start of the process: no heap, the inherited descriptors, one thread. */
	uint64_t start = tt_run_rel(j->run, f->start_ns), fds = 0;

	for (size_t i = 0; i < f->nfd_seeds; i++)
		fds += f->fd_seeds[i].fd >= 0;
	j->files[f->index].counters_on = true;
	tt_ctr_update(j, f, TT_CTR_HEAP, start, 0);
	tt_ctr_update(j, f, TT_CTR_BLOCKS, start, 0);
	tt_ctr_update(j, f, TT_CTR_FDS, start, fds);
	tt_ctr_update(j, f, TT_CTR_THREADS, start, 1);
}

static inline void tt_json_counters(struct tt_json *j, const struct tt_event *ev)
{
	struct tt_file *f = ev->file;

	if (!j->files[f->index].counters_on)
		tt_json_counters_start(j, f);
	tt_ctr_check(j, f, TT_CTR_HEAP, ev->end_ns, f->mem.live_bytes);
	tt_ctr_check(j, f, TT_CTR_BLOCKS, ev->end_ns, f->mem.live_blocks);
	tt_ctr_check(j, f, TT_CTR_FDS, ev->end_ns, f->fds.open);
	tt_ctr_check(j, f, TT_CTR_THREADS, ev->end_ns, f->threads_live);
}

static void tt_json_counters_flush(struct tt_json *j)
{
	for (size_t i = 0; i < j->run->nprocs; i++)
		for (unsigned k = 0; k < TT_NCTR; k++)
			tt_ctr_flush(j, j->run->procs[i], k);
}

/* Whether process f ended before ts. */
static bool tt_json_over(struct tt_json *j, const struct tt_file *f, uint64_t ts)
{
	return f->has_end && f->end_ns && tt_run_rel(j->run, f->end_ns) < ts;
}

/*
 * A new part began: its first event gets the counters' current values again, unless they
 * would take a good share of the part (thousands of processes alive, a small limit).
 */
static void tt_json_carry(struct tt_json *j, uint64_t ts)
{
	uint64_t need = 0;

	j->carry = false;
	for (size_t i = 0; i < j->run->nprocs; i++)
		if (!tt_json_over(j, j->run->procs[i], ts))
			need += TT_NCTR * 128 + 1024;
	if (need > j->limit / 4)
		return;
	for (size_t i = 0; i < j->run->nprocs; i++) {
		struct tt_file *f = j->run->procs[i];

		if (tt_json_over(j, f, ts))
			continue; /* over before this part */
		for (unsigned k = 0; k < TT_NCTR; k++)
			if (j->files[f->index].ctr[k].have_emitted)
				tt_ctr_write(j, f, k, ts, j->files[f->index].ctr[k].emitted);
	}
}

/*
 * Arrows
 */
/*
 * An arrow's events are named after what they link ("fork -> child", "sem_post -> sem_wait")
 * and have the category "flow": not the name or category of any call, so that a query for
 * calls never counts them.
 */
static char *tt_flow_event(char *p, const char *ph, uint64_t id, const struct tt_flow_end *at,
			   const char *ts, size_t tslen, const char *name, size_t namelen)
{
	p = TT_LIT(p, "{\"name\":\"");
	p = tt_fmt_lit(p, name, namelen);
	p = TT_LIT(p, "\",\"cat\":\"flow\",\"ph\":\"");
	p = tt_fmt_lit(p, ph, strlen(ph));
	p = TT_LIT(p, ",\"id\":");
	p = tt_fmt_u64(p, id);
	p = TT_LIT(p, ",\"ts\":");
	p = tt_fmt_lit(p, ts, tslen);
	p = TT_LIT(p, ",\"pid\":");
	p = tt_fmt_u64(p, at->pid);
	p = TT_LIT(p, ",\"tid\":");
	p = tt_fmt_u64(p, at->tid);
	return TT_LIT(p, "}");
}

/*
 * The "s" goes at the start of the cause; the "f" at the start of the effect, or if that is
 * earlier (an acquisition waits before the release that ends its wait), at the cause's start
 * inside the effect.  Viewers need the "s" no later than the "f", as they read the numbers.
 */
static void tt_json_flow(void *ctx, enum tt_flow_kind kind, const struct tt_flow_end *from,
			 const struct tt_flow_end *to)
{
	static const char *const what[] = { [TT_FLOW_PROCESS] = "child",
					    [TT_FLOW_EXEC] = "new image",
					    [TT_FLOW_THREAD] = "new thread" };
	struct tt_json *j = ctx;
	const struct tt_flow_end *fts;
	char name[128];
	int n;
	char *p;

	if (to->ts >= from->ts)
		fts = to;
	else if (from->start >= to->start && from->start < to->end)
		fts = from;
	else
		return; /* the clocks of two processes disagree: no arrow rather than a wrong one */
	if (from->part != j->nparts || to->part != j->nparts)
		return; /* its ends are in different output parts */
	tt_json_room(j, 1024);
	if (from->part != j->nparts)
		return;
	n = snprintf(name, sizeof(name), "%s -> %s", tt_events[from->type].name,
		     kind == TT_FLOW_LOCK || kind == TT_FLOW_COND ? tt_events[to->type].name
								  : what[kind]);
	j->flow_id++;
	tt_json_line(j);
	p = tt_out_reserve(j->out, 1024);
	p = tt_flow_event(p, "s\"", j->flow_id, from, from->tstext, from->tslen, name, (size_t)n);
	p = TT_LIT(p, ",\n");
	p = tt_flow_event(p, "f\",\"bp\":\"e\"", j->flow_id, to, fts->tstext, fts->tslen, name,
			  (size_t)n);
	tt_out_commit(j->out, p);
}

/* Registers the event just written, end e, with the arrows it can be an end of. */
static void tt_json_relate(struct tt_json *j, const struct tt_event *ev, unsigned rel,
			   const struct tt_flow_end *e)
{
	struct tt_file *f = ev->file;
	struct tt_jfile *jf = &j->files[f->index];
	const union tt_value *v;

	if (!jf->first_done) {
		jf->first_done = true;
		if (jf->first_image && jf->target)
			tt_flows_target(&j->flows, TT_FLOW_PROCESS, f->ppid, f->pid, e);
		else if (jf->target)
			tt_flows_target(&j->flows, TT_FLOW_EXEC, f->pid, f->index, e);
	}
	if (ev->failed)
		return;
	switch (rel) {
	case TT_REL_FORK:
		if (ev->result.s > 0)
			tt_flows_source(&j->flows, TT_FLOW_PROCESS, f->pid, (uint64_t)ev->result.s,
					e);
		break;
	case TT_REL_SPAWN:
		v = tt_arg(ev, TT_ROLE_PID);
		if (v && v->s > 0 && ev->result.s == 0)
			tt_flows_source(&j->flows, TT_FLOW_PROCESS, f->pid, (uint64_t)v->s, e);
		break;
	case TT_REL_EXEC:
		if (jf->next_image >= 0)
			tt_flows_source(&j->flows, TT_FLOW_EXEC, f->pid, (uint64_t)jf->next_image,
					e);
		break;
	case TT_REL_CREATE:
		v = tt_arg(ev, TT_ROLE_THREAD);
		if (v && ev->result.s == 0)
			tt_flows_source(&j->flows, TT_FLOW_THREAD, f->index, v->u, e);
		break;
	case TT_REL_START:
		v = tt_arg(ev, TT_ROLE_THREAD);
		if (v)
			tt_flows_target(&j->flows, TT_FLOW_THREAD, f->index, v->u, e);
		break;
	case TT_REL_ACQUIRE:
	case TT_REL_RELEASE:
		v = tt_arg(ev, TT_ROLE_LOCK);
		if (!v || !v->u)
			break;
		if (rel == TT_REL_RELEASE)
			tt_flows_release(&j->flows, f->index, v->u, e);
		else
			tt_flows_acquire(&j->flows, f->index, v->u, ev->end_ns > ev->start_ns, e);
		break;
	case TT_REL_WAKE:
	case TT_REL_WAKE_ALL:
	case TT_REL_WAIT:
		v = tt_arg(ev, TT_ROLE_COND);
		if (!v || !v->u)
			break;
		if (rel == TT_REL_WAIT)
			tt_flows_wait(&j->flows, f->index, v->u, e);
		else
			tt_flows_wake(&j->flows, f->index, v->u, rel == TT_REL_WAKE_ALL, e);
		break;
	default:
		break;
	}
}

/*
 * Folded calls (fit.h): a counter per thread, "folded calls" and the like, series "tid N"
 */
static void tt_json_fold_sample(void *ctx, void *who, unsigned k, uint64_t ts, uint64_t v)
{
	struct tt_json *j = ctx;
	struct tt_thread *t = who;
	const char *name = tt_fold_names[k];
	char *p;

	if (!j->closing) {
		tt_json_room(j, 256);
		tt_json_seen(j, t);
	}
	tt_json_line(j);
	p = tt_out_reserve(j->out, 256);
	p = TT_LIT(p, "{\"name\":\"");
	p = tt_fmt_lit(p, name, strlen(name));
	p = TT_LIT(p, "\",\"ph\":\"C\",\"ts\":");
	p = tt_fmt_us(p, ts);
	p = TT_LIT(p, ",\"pid\":");
	p = tt_fmt_u64(p, t->file->pid);
	p = TT_LIT(p, ",\"tid\":");
	p = tt_fmt_u64(p, t->tid);
	p = TT_LIT(p, ",\"args\":{\"tid ");
	p = tt_fmt_u64(p, t->tid);
	p = TT_LIT(p, "\":");
	p = tt_fmt_u64(p, v);
	p = TT_LIT(p, "}}");
	tt_out_commit(j->out, p);
}

static void tt_json_fold(struct tt_json *j, const struct tt_event *ev)
{
	struct tt_jfile *jf = &j->files[ev->file->index];

	if (!ev->thread->out)
		tt_json_thread(ev->thread);
	tt_fold_add(&j->fit, &((struct tt_jthread *)ev->thread->out)->fold, ev,
		    (int64_t)(ev->file->mem.live_bytes - jf->live), tt_json_fold_sample, j,
		    ev->thread);
}

/* What was folded: an instant at time 0 in the first process. */
static void tt_json_folded_note(struct tt_json *j)
{
	struct tt_thread *t;
	char text[2048];

	if (!j->fit.folded || !j->run->nprocs)
		return;
	t = tt_json_main_thread(j->run->procs[0]);
	tt_fit_describe(&j->fit, text, sizeof(text));
	tt_json_room(j, 4096);
	tt_json_seen(j, t);
	tt_json_line(j);
	tt_out_printf(j->out,
		      "{\"name\":\"traceit: calls folded to fit the viewer\",\"cat\":\"traceit\","
		      "\"ph\":\"i\",\"s\":\"p\",\"ts\":0,\"pid\":%u,\"tid\":%u,\"args\":{"
		      "\"folded\":%llu,\"kept\":%llu,\"threshold_ns\":%llu,\"detail\":",
		      t->file->pid, t->tid, (unsigned long long)j->fit.folded,
		      (unsigned long long)j->fit.kept, (unsigned long long)j->fit.threshold_ns);
	tt_out_json_str(j->out, text);
	tt_out_puts(j->out, "}}");
}

/*
 * Events
 */
static void tt_json_event(void *self, const struct tt_event *ev)
{
	struct tt_json *j = self;
	struct tt_out *o = j->out;
	const struct tt_event_info *info = &tt_events[ev->type];
	struct tt_jfile *jf = &j->files[ev->file->index];
	struct tt_jthread *jt = ev->thread->out;
	unsigned rel = j->rel[ev->type];

	if (info->category == TT_CAT_USER) {
		tt_json_room(j, 1024);
		tt_json_seen(j, ev->thread);
		tt_json_part(j)->events++;
		tt_json_line(j);
		tt_json_user(j, ev, jt ? jt : tt_json_thread(ev->thread));
		return;
	}
	bool related = rel != TT_REL_NONE || !jf->first_done;
	bool slice = !tt_event_is_instant(ev->type) || rel == TT_REL_START ||
		     (!jf->first_done && jf->target);
	struct tt_flow_end end;
	bool first = true;
	char *p, *ts;

	if (tt_fit_fold(&j->fit, ev)) {
		tt_json_counters(j, ev);
		tt_json_fold(j, ev);
		jf->live = ev->file->mem.live_bytes;
		return;
	}
	jf->live = ev->file->mem.live_bytes;
	if (j->limit) {
		tt_json_room(j, tt_json_event_size(ev));
		tt_json_seen(j, ev->thread);
		if (j->carry)
			tt_json_carry(j, ev->start_ns);
	}
	tt_json_counters(j, ev);
	tt_json_part(j)->events++;
	p = tt_out_reserve(o, 1024);
	if (!tt_json_part(j)->empty)
		p = TT_LIT(p, ",\n");
	tt_json_part(j)->empty = false;
	if (!jt)
		jt = tt_json_thread(ev->thread);
	if (ev->type == TT_EV_FUNC) {
		/* a traced function is named by itself */
		p = TT_LIT(p, "{\"name\":");
		tt_out_commit(o, p);
		tt_out_json_str(o, tt_func_name(ev));
		p = tt_out_reserve(o, 1024);
		p = TT_LIT(p, ",\"cat\":\"function\",\"ph\":\"X\",\"ts\":");
		ts = p;
		p = tt_jtime_slice(p, &jt->time, ev->start_ns, ev->end_ns);
	} else if (slice) {
		const struct tt_json_prefix *pre = tt_event_is_instant(ev->type)
							   ? &j->prefix_x[ev->type]
							   : &j->prefix[ev->type];

		memcpy(p, pre->text, sizeof(pre->text));
		p += pre->len;
		ts = p;
		p = tt_jtime_slice(p, &jt->time, ev->start_ns, ev->end_ns);
	} else {
		memcpy(p, j->prefix[ev->type].text, sizeof(j->prefix[ev->type].text));
		p += j->prefix[ev->type].len;
		ts = p;
		p = tt_fmt_us(p, ev->start_ns);
	}
	if (related) {
		/* a slice's ts ends at the comma before its dur */
		size_t n = slice ? (size_t)((char *)memchr(ts, ',', (size_t)(p - ts)) - ts)
				 : (size_t)(p - ts);

		end.start = ev->start_ns;
		end.end = ev->end_ns;
		end.pid = ev->file->pid;
		end.tid = ev->thread->tid;
		end.part = (uint32_t)j->nparts;
		end.type = ev->type;
		if (n > sizeof(end.tstext) - 1)
			n = sizeof(end.tstext) - 1;
		memcpy(end.tstext, ts, n);
		end.tstext[n] = '\0';
		end.tslen = (uint8_t)n;
		/*
		 * What a reader parses: three decimals are start / 1000.0 exactly (jsontime.h),
		 * the rare "%.17g" of a slice that touches another is read back.
		 */
		end.ts = n > 4 && ts[n - 4] == '.' ? (double)ev->start_ns / 1000.0
						   : strtod(end.tstext, NULL);
	}
	memcpy(p, jt->ids, sizeof(jt->ids));
	p += jt->idslen;
	for (int i = 0; i < TT_MAX_ARGS; i++) {
		unsigned role = info->args[i];

		if (role == TT_ROLE_NONE ||
		    (tt_roles[role].kind == TT_KIND_STR && !ev->args[i].str))
			continue;
		/* a function is named already; how it ended, only when it did not return */
		if ((role == TT_ROLE_FUNC && ev->type == TT_EV_FUNC) ||
		    (role == TT_ROLE_FENDED && ev->args[i].u == TT_FUNC_RETURNED))
			continue;
		p = tt_key(p, &first, &j->key[role]);
		p = tt_json_value(o, p, role, ev->args[i]);
	}
	/* the file of a descriptor-based call, unless the call names its path itself */
	if (ev->fd_path && !tt_arg(ev, TT_ROLE_PATH)) {
		p = tt_key(p, &first, &j->path_key);
		p = tt_json_value(o, p, TT_ROLE_PATH, (union tt_value){ .str = ev->fd_path });
	}
	if (info->result != TT_ROLE_NONE) {
		p = tt_key(p, &first, &j->result_key[info->result]);
		p = tt_json_value(o, p, info->result, ev->result);
	}
	if (ev->failed) {
		const char *name = tt_errno_name(ev->err);

		p = tt_key(p, &first, &j->errno_key);
		*p++ = '"';
		if (name)
			p = tt_fmt_lit(p, name, strlen(name));
		else
			p = tt_fmt_i64(p, ev->err);
		*p++ = '"';
	}
	if (ev->held_ns >= 0) {
		p = tt_key(p, &first, &j->held_key);
		p = tt_fmt_i64(p, ev->held_ns);
	}
	/* innermost frame first: what Perfetto lists first when the slice is selected */
	const struct tt_cstack *cs = ev->stack ? tt_callstack_get(ev->file, ev->stack) : NULL;

	if (cs) {
		p = tt_key(p, &first, &j->stack_key);
		tt_out_commit(o, p);
		tt_out_write(o, cs->json, cs->json_len);
		p = tt_out_reserve(o, 16);
	}
	p = TT_LIT(p, "}}");
	tt_out_commit(o, p);
	if (related)
		tt_json_relate(j, ev, rel, &end);
}

/* An event the filters leave out still moves the counters. */
static void tt_json_skipped(void *self, const struct tt_event *ev)
{
	struct tt_json *j = self;

	tt_json_counters(j, ev);
	j->files[ev->file->index].live = ev->file->mem.live_bytes;
}

static void tt_json_end(void *self, struct tt_run *run)
{
	struct tt_json *j = self;

	tt_flows_finish(&j->flows);
	tt_json_counters_flush(j);
	for (size_t i = 0; i < run->nprocs; i++)
		for (size_t k = 0; k < run->procs[i]->nthreads; k++) {
			struct tt_thread *t = &run->procs[i]->threads[k];

			if (t->out)
				tt_fold_flush(&j->fit, &((struct tt_jthread *)t->out)->fold,
					      tt_json_fold_sample, j, t);
		}
	tt_json_folded_note(j);
	tt_fit_report(&j->fit, run->opt->max_slices);
	for (size_t i = 0; i < run->nprocs; i++)
		for (size_t k = 0; k < run->procs[i]->nthreads; k++) {
			free(run->procs[i]->threads[k].out);
			run->procs[i]->threads[k].out = NULL;
		}
	tt_json_parts_end(j);
	tt_flows_free(&j->flows);
	free(j->files);
	free(j);
}

const struct tt_sink tt_sink_json = {
	.begin = tt_json_begin,
	.event = tt_json_event,
	.skipped = tt_json_skipped,
	.end = tt_json_end,
	.track = TT_TRACK_HEAP | TT_TRACK_LOCKS,
};
