/*
 * emit_perfetto.c - Perfetto's own trace format (TrackEvent protobuf), for Perfetto UI: the
 * sink, its tracks, its events in time order and its arrows (counters: pf_count.c; packets,
 * sequences and interning: pf_seq.c).
 *
 * What goes where (traceit-convert(1) says the same to users):
 *	process		a process track (pid, name, command line) and the ProcessTree entry
 *			that gives its parent pid; counter tracks under it for the heap in use,
 *			live allocations, open descriptors and live threads
 *	thread		a thread track, named; each call a slice (BEGIN and END packets; one
 *			INSTANT packet for a call of no duration that encloses none) with
 *			its arguments as typed debug annotations; exits, thread start and end,
 *			signals and lost events as instants
 *	arrows		flows: fork, spawn and exec to the child's first event, pthread_create
 *			to the thread's start, the release that let a waiting acquisition through
 *			to it, a condition variable's signal to the wait it woke
 *	stacks		interned callstacks on the events that have one, weighted by the bytes
 *			of an allocation or an I/O, or by the time a lock acquisition waited
 *	folded calls	(fit.h) three counter tracks under the thread: calls, bytes allocated
 *			and bytes freed per interval
 *
 * Events come in end-time order, and a sequence's delta timestamps want time order: an
 * enclosing call (fopen) ends after the calls it makes (malloc) but begins before them.
 * Each thread therefore holds its events a little (TT_PF_HOLD_NS of trace time, at most
 * TT_PF_RING events) and writes each top-level call with what it encloses, in time order.
 * The hold also lets a lock hand-off or a condition variable's wake-up, whose two ends come
 * in either order, be written as a flow on both slices.
 */
#include <stdlib.h>
#include <string.h>

#include "errnames.h"
#include "perfetto.h"
#include "nest.h"
#include "state.h"

#define TT_PF_HOLD_NS 1000000u
#define TT_PF_RING 16384u
#define TT_PF_SWEEP 65536u

enum { PF_FLOW_PROCESS = 16, PF_FLOW_EXEC, PF_FLOW_THREAD, PF_FLOW_PAIR };

/*
 * Tracks and the process tree, on sequence 1
 */
/*
 * A command line as repeated strings.  The stream keeps argv joined by spaces, so the
 * words are split again at spaces; the first is the process's name, which the trace
 * processor takes as the process name from the ProcessTree.
 */
static void pf_cmdline(struct pf *p, uint32_t field, const struct tt_file *f)
{
	const char *a = f->argv ? f->argv : "", *sp = strchr(a, ' ');
	char word[4096];

	tt_pb_str(&p->grp, field, f->program ? f->program : a);
	while (sp && *sp) {
		size_t n;

		a = sp + 1;
		sp = strchr(a, ' ');
		n = sp ? (size_t)(sp - a) : strlen(a);
		if (n >= sizeof(word))
			n = sizeof(word) - 1;
		memcpy(word, a, n);
		word[n] = '\0';
		tt_pb_str(&p->grp, field, word);
	}
}

static uint64_t pf_process_uuid(const struct pf *p, const struct tt_file *f)
{
	return pf_uuid(PF_UUID_PROCESS, (uint64_t)p->files[f->index].chain, 0);
}

static const struct tt_file *pf_last_image(const struct pf *p, const struct tt_file *f)
{
	size_t hops = 0;

	while (p->files[f->index].next_image >= 0 && hops++ < p->run->nfiles)
		f = p->run->files[p->files[f->index].next_image];
	return f;
}

static void pf_describe_run(struct pf *p)
{
	struct tt_run *run = p->run;
	size_t at, m, c;

	/* Trace time is CLOCK_MONOTONIC; each process ties it to the wall clock. */
	for (size_t i = 0; i < run->nprocs || i == 0; i++) {
		struct tt_file *f = i < run->nprocs ? run->procs[i] : NULL;

		at = pf_meta_begin(p, 0);
		m = tt_pb_begin(&p->grp, PF_P_CLOCK_SNAPSHOT);
		c = tt_pb_begin(&p->grp, 1);
		tt_pb_uint(&p->grp, 1, PF_CLOCK_MONOTONIC);
		tt_pb_uint(&p->grp, 2, f ? f->start_ns : run->base_ns);
		tt_pb_end(&p->grp, c);
		if (f && f->start_realtime) {
			c = tt_pb_begin(&p->grp, 1);
			tt_pb_uint(&p->grp, 1, PF_CLOCK_REALTIME);
			tt_pb_uint(&p->grp, 2, f->start_realtime);
			tt_pb_end(&p->grp, c);
		}
		tt_pb_uint(&p->grp, 2, PF_CLOCK_MONOTONIC); /* primary_trace_clock */
		tt_pb_end(&p->grp, m);
		pf_packet_end(p, at);
	}
	if (!run->nprocs)
		return;
	/*
	 * A process is its chain of images (exec): one process track and one ProcessTree
	 * entry each, with the parent of the first image and the name of the last.
	 */
	for (size_t i = 0; i < run->nprocs; i++) {
		struct tt_file *f = run->procs[i];

		if (p->files[f->index].chain != (int)f->index)
			continue;
		/* a packet each: thousands of long command lines stay under a group's size */
		at = pf_meta_begin(p, run->base_ns);
		m = tt_pb_begin(&p->grp, PF_P_PROCESS_TREE);
		c = tt_pb_begin(&p->grp, 1); /* Process {pid, ppid, cmdline} */
		tt_pb_int(&p->grp, 1, f->pid);
		tt_pb_int(&p->grp, 2, f->ppid);
		pf_cmdline(p, 3, pf_last_image(p, f));
		tt_pb_end(&p->grp, c);
		tt_pb_end(&p->grp, m);
		pf_packet_end(p, at);
	}
	for (size_t i = 0; i < run->nprocs; i++) {
		struct tt_file *f = run->procs[i];
		uint64_t uuid = pf_process_uuid(p, f);

		if (p->files[f->index].chain == (int)f->index) {
			const struct tt_file *last = pf_last_image(p, f);

			at = pf_meta_begin(p, 0);
			m = tt_pb_begin(&p->grp, PF_P_TRACK_DESCRIPTOR);
			tt_pb_uint(&p->grp, 1, uuid);
			c = tt_pb_begin(&p->grp, 3); /* ProcessDescriptor */
			tt_pb_int(&p->grp, 1, f->pid);
			pf_cmdline(p, 2, last);
			if (last->program)
				tt_pb_str(&p->grp, 6, last->program);
			tt_pb_end(&p->grp, c);
			tt_pb_end(&p->grp, m);
			pf_packet_end(p, at);
		}
		for (unsigned k = 0; k < PF_NCTR; k++)
			if (p->ctr_on[k])
				pf_counter_track(p, pf_uuid(PF_UUID_COUNTER, f->index, k), uuid,
						 pf_ctr_info[k].name, pf_ctr_info[k].unit);
	}
}

/*
 * Writing a pending event
 */
/*
 * The most a track event's fields take: a type, a name and a category (24 bytes); an
 * annotation (25: tag, length, name and a value with a two-byte tag) for each argument,
 * the path, the result, errno and the time held; six flow ids (60); a stack and its
 * weight (22).
 */
#define PF_EV_ROOM (24 + 25 * (TT_MAX_ARGS + 4) + 60 + 22)

/* What a stack is weighed by in a flame graph: bytes allocated or moved, time waited. */
static bool pf_weight(const struct tt_event *ev, double *w)
{
	unsigned fx = tt_events[ev->type].effect;

	if (ev->failed)
		return false;
	switch (fx) {
	case TT_FX_ALLOC:
	case TT_FX_REALLOC:
		*w = (double)tt_alloc_size(ev);
		return true;
	case TT_FX_READ:
	case TT_FX_WRITE:
		*w = ev->result.s > 0 ? (double)ev->result.s : 0;
		return true;
	case TT_FX_ACQUIRE:
		*w = (double)(ev->end_ns - ev->start_ns);
		return ev->end_ns > ev->start_ns;
	default:
		return false;
	}
}

/*
 * An event's first packet; instant: its only one (an instant event, or a call of no
 * duration that encloses none: the trace processor makes the same slice of it as of a
 * BEGIN and END at one time, and heap calls timed once are half the packets otherwise).
 */
static void pf_write_begin(struct pf *p, struct pf_seq *s, const struct pf_pend *e, bool instant)
{
	const struct tt_event *ev = &e->ev;
	const struct tt_event_info *info = &tt_events[ev->type];
	uint64_t ts = pf_abs(p, ev->start_ns);
	struct pf_at at;
	uint8_t *c;
	double w;

	if (ev->chunk != s->chunk) {
		/* an input chunk begins: so does the sequence's state, as for a new group */
		s->chunk = ev->chunk;
		s->stale = true;
	}
	pf_seq_touch(p, s, ts);
	at = pf_open(p, s, ts, ev->type == TT_EV_LOST);
	if (info->category == TT_CAT_USER) {
		/* the program's annotations (traceit.h) are named by the program */
		const char *name = ev->type == TT_EV_TRACING
					   ? (ev->args[0].u ? "tracing on" : "tracing off")
				   : ev->args[0].str ? ev->args[0].str
						     : "(unnamed)";

		tt_pb_str(&p->grp, PF_TE_NAME, name);
	}
	c = tt_pb_room(&p->grp, PF_EV_ROOM);
	c = tt_pbc_uint(c, PF_TE_TYPE, instant ? PF_INSTANT : PF_BEGIN);
	if (ev->type == TT_EV_FUNC)
		c = tt_pbc_uint(c, PF_TE_NAME_IID, pf_fname_iid(p, s, tt_func_name(ev)));
	else if (info->category != TT_CAT_USER)
		c = tt_pbc_uint(c, PF_TE_NAME_IID, pf_name_iid(p, s, ev->type));
	c = tt_pbc_uint(c, PF_TE_CATEGORY_IIDS, pf_cat_iid(p, s, info->category));
	for (unsigned k = 0; k < p->nshown[ev->type]; k++) {
		unsigned i = p->shown[ev->type][k], role = info->args[i];

		if (tt_roles[role].kind == TT_KIND_STR && !ev->args[i].str)
			continue;
		/* how a function ended, only when it did not return */
		if (role == TT_ROLE_FENDED && ev->args[i].u == TT_FUNC_RETURNED)
			continue;
		c = pf_arg(p, s, c, role,
			   role == TT_ROLE_FVALUE ? PF_KIND_DOUBLE : tt_roles[role].kind,
			   ev->args[i]);
	}
	if (ev->fd_path && !tt_arg(ev, TT_ROLE_PATH))
		c = pf_arg(p, s, c, PF_KEY_PATH, TT_KIND_STR,
			   (union tt_value){ .str = ev->fd_path });
	if (info->result != TT_ROLE_NONE)
		c = pf_arg(p, s, c, info->result == TT_ROLE_ADDR ? PF_KEY_RESULT : info->result,
			   tt_roles[info->result].kind, ev->result);
	if (ev->failed) {
		const char *name = tt_errno_name(ev->err);

		c = name ? pf_arg(p, s, c, PF_KEY_ERRNO, TT_KIND_STR,
				  (union tt_value){ .str = name })
			 : pf_arg(p, s, c, PF_KEY_ERRNO, TT_KIND_S,
				  (union tt_value){ .s = ev->err });
	}
	if (ev->held_ns >= 0)
		c = pf_arg(p, s, c, PF_KEY_HELD, TT_KIND_S, (union tt_value){ .s = ev->held_ns });
	for (unsigned i = 0; i < e->nout; i++)
		c = tt_pbc_fixed64(c, PF_TE_FLOW_IDS, e->out[i]);
	if (instant)
		for (unsigned i = 0; i < e->nin; i++)
			c = tt_pbc_fixed64(c, PF_TE_TERMINATING_FLOW_IDS, e->in[i]);
	if (ev->stack) {
		uint64_t iid = pf_stack_iid(p, s, ev->stack);

		if (iid) {
			c = tt_pbc_uint(c, PF_TE_CALLSTACK_IID, iid);
			if (pf_weight(ev, &w))
				c = tt_pbc_double(c, PF_TE_CALLSTACK_WEIGHT, w);
		}
	}
	tt_pb_done(&p->grp, c);
	pf_close(p, at);
}

/* A flow ends on the END of its slice: an acquisition begins before the release it waits for. */
static void pf_write_end(struct pf *p, struct pf_seq *s, const struct pf_pend *e)
{
	uint64_t ts = pf_abs(p, e->ev.end_ns);
	struct pf_at at;
	uint8_t *c;

	pf_seq_touch(p, s, ts);
	at = pf_open(p, s, ts, false);
	c = tt_pb_room(&p->grp, 2 + 10 * TT_ARRAY_SIZE(e->in));
	c = tt_pbc_uint(c, PF_TE_TYPE, PF_END);
	for (unsigned i = 0; i < e->nin; i++)
		c = tt_pbc_fixed64(c, PF_TE_TERMINATING_FLOW_IDS, e->in[i]);
	tt_pb_done(&p->grp, c);
	pf_close(p, at);
}

/*
 * The pending events of a thread
 */
static inline struct pf_pend *pf_at(struct pf_seq *s, uint64_t serial)
{
	return &s->ring[serial & (s->cap - 1)];
}

/* The pending event a flow end refers to, NULL once written. */
static struct pf_pend *pf_ref(struct pf *p, uint64_t ref)
{
	size_t i = (size_t)(ref >> 40);
	uint64_t serial = ref & ((1ull << 40) - 1);
	struct pf_seq *s = i < p->nall ? p->all[i] : NULL;

	if (!s || serial < (s->head & ((1ull << 40) - 1)) || serial >= s->tail)
		return NULL;
	return pf_at(s, serial)->serial == serial ? pf_at(s, serial) : NULL;
}

/* Outer calls first; of two that start together, the longer; of equal ones, the later. */
static bool pf_before(const struct pf_pend *a, const struct pf_pend *b)
{
	if (a->ev.start_ns != b->ev.start_ns)
		return a->ev.start_ns < b->ev.start_ns;
	if (a->ev.end_ns != b->ev.end_ns)
		return a->ev.end_ns > b->ev.end_ns;
	return a->serial > b->serial;
}

/* A lock hand-off flows.c still weighs is drawn while both its ends are here. */
static void pf_settle(struct pf *p, const struct pf_pend *x)
{
	unsigned fx = tt_events[x->ev.type].effect;
	const union tt_value *lock;

	if (fx != TT_FX_ACQUIRE && fx != TT_FX_RELEASE)
		return;
	lock = tt_arg(&x->ev, TT_ROLE_LOCK);
	if (lock && lock->u)
		tt_flows_settle(&p->flows, x->ev.file->index, lock->u);
}

/* x as one packet: an instant, or a call of no duration with nothing inside it (leaf). */
static bool pf_one_packet(const struct pf_pend *x, bool leaf)
{
	return tt_event_is_instant(x->ev.type) || (leaf && x->ev.end_ns == x->ev.start_ns);
}

static void pf_write_one(struct pf *p, struct pf_seq *s, struct pf_pend *x)
{
	bool one = pf_one_packet(x, true);

	pf_settle(p, x);
	pf_write_begin(p, s, x, one);
	if (!one)
		pf_write_end(p, s, x);
}

/* Writes the oldest top-level call of s with what it encloses, in time order. */
static void pf_write_group(struct pf *p, struct pf_seq *s)
{
	uint64_t first = s->groups[s->ghead & (s->cap - 1)];
	uint64_t end = s->ghead + 1 < s->gtail ? s->groups[(s->ghead + 1) & (s->cap - 1)] : s->tail;
	size_t n = (size_t)(end - first), depth = 0;

	if (n == 1) {
		/* the common case: a call that encloses none */
		struct pf_pend *x = pf_at(s, first);

		pf_write_one(p, s, x);
		x->serial = UINT64_MAX;
		s->head = end;
		s->ghead++;
		return;
	}
	/* the events by start, then the stack of those open: 2n pointers */
	struct pf_pend *two[2], **v = n > 1 ? tt_xmalloc(2 * n * sizeof(*v)) : two, **open;

	for (size_t i = 0; i < n; i++) {
		struct pf_pend *x = pf_at(s, first + i);
		size_t j = i;

		pf_settle(p, x);

		while (j && pf_before(x, v[j - 1])) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
	open = v + n;
	for (size_t i = 0; i < n; i++) {
		struct pf_pend *x = v[i];
		/* the next event is inside x when it ends no later (it starts no earlier) */
		bool one = pf_one_packet(x, i + 1 == n || v[i + 1]->ev.end_ns > x->ev.end_ns);

		while (depth && !(x->ev.end_ns <= open[depth - 1]->ev.end_ns))
			pf_write_end(p, s, open[--depth]);
		pf_write_begin(p, s, x, one);
		if (!one)
			open[depth++] = x;
	}
	while (depth)
		pf_write_end(p, s, open[--depth]);
	for (size_t i = 0; i < n; i++)
		pf_at(s, first + i)->serial = UINT64_MAX;
	if (v != two)
		free(v);
	s->head = end;
	s->ghead++;
}

/* Writes what is old enough, or everything. */
static void pf_drain(struct pf *p, struct pf_seq *s, bool all)
{
	while (s->ghead < s->gtail) {
		uint64_t end = s->ghead + 1 < s->gtail ? s->groups[(s->ghead + 1) & (s->cap - 1)]
						       : s->tail;

		if (!all && pf_at(s, end - 1)->ev.end_ns + TT_PF_HOLD_NS > p->watermark)
			break;
		pf_write_group(p, s);
	}
	if (s->head == s->tail && s->cap > 256) {
		/* a burst is over: memory follows the threads still busy, not all there were */
		free(s->ring);
		free(s->groups);
		s->ring = NULL;
		s->groups = NULL;
		s->cap = 0;
	}
}

static void pf_ring_grow(struct pf_seq *s)
{
	size_t cap = s->cap ? 2 * s->cap : 16;
	struct pf_pend *ring = tt_xmalloc(cap * sizeof(*ring));
	uint64_t *groups = tt_xmalloc(cap * sizeof(*groups));

	for (uint64_t i = s->head; i < s->tail; i++)
		ring[i & (cap - 1)] = *pf_at(s, i);
	for (uint64_t i = s->ghead; i < s->gtail; i++)
		groups[i & (cap - 1)] = s->groups[i & (s->cap - 1)];
	free(s->ring);
	free(s->groups);
	s->ring = ring;
	s->groups = groups;
	s->cap = cap;
}

static struct pf_pend *pf_push(struct pf *p, struct pf_seq *s, const struct tt_event *ev)
{
	uint64_t serial, first;
	struct pf_pend *e;

	if (s->tail - s->head == s->cap) {
		if (s->cap < TT_PF_RING)
			pf_ring_grow(s);
		else
			pf_write_group(p, s);
	}
	serial = first = s->tail++;
	/*
	 * The calls that began since ev did are inside it: their groups join its group.  A
	 * group's outermost call is the last of it, just before the next group.
	 */
	while (s->gtail > s->ghead) {
		uint64_t g = s->groups[(s->gtail - 1) & (s->cap - 1)];

		if (pf_at(s, first - 1)->ev.start_ns < ev->start_ns)
			break;
		first = g;
		s->gtail--;
	}
	s->groups[s->gtail++ & (s->cap - 1)] = first;
	e = pf_at(s, serial);
	e->ev = *ev;
	e->serial = serial;
	e->first = first;
	e->nout = e->nin = 0;
	return e;
}

/*
 * Arrows
 */
static void pf_flow_out(struct pf *p, struct pf_pend *e, uint64_t id)
{
	if (e->nout < TT_ARRAY_SIZE(e->out))
		e->out[e->nout++] = id;
	else
		p->flows_lost++;
}

static void pf_flow_in(struct pf *p, struct pf_pend *e, uint64_t id)
{
	if (e->nin < TT_ARRAY_SIZE(e->in))
		e->in[e->nin++] = id;
	else
		p->flows_lost++;
}

/* A lock hand-off or a wake-up, paired by flows.c: both ends must still be pending. */
static void pf_flow_pair(void *ctx, enum tt_flow_kind kind, const struct tt_flow_end *from,
			 const struct tt_flow_end *to)
{
	struct pf *p = ctx;
	struct pf_pend *a = pf_ref(p, from->ref), *b = pf_ref(p, to->ref);
	uint64_t id;

	(void)kind;
	if (!a || !b || a->nout == TT_ARRAY_SIZE(a->out) || b->nin == TT_ARRAY_SIZE(b->in)) {
		p->flows_lost++;
		return;
	}
	id = pf_uuid(PF_FLOW_PAIR, from->ref, to->ref);
	pf_flow_out(p, a, id);
	pf_flow_in(p, b, id);
}

/* The arrows ev starts or ends.  Process, exec and thread arrows have ids both ends know. */
static void pf_relate(struct pf *p, struct pf_seq *s, struct pf_pend *e)
{
	const struct tt_event *ev = &e->ev;
	struct tt_file *f = ev->file;
	struct pf_file *pf = &p->files[f->index];
	unsigned fx = tt_events[ev->type].effect;
	struct tt_flow_end end;
	const union tt_value *v;

	if (!pf->first_done) {
		pf->first_done = true;
		if (pf->first_image && pf->target)
			pf_flow_in(p, e, pf_uuid(PF_FLOW_PROCESS, f->ppid, f->pid));
		else if (pf->target)
			pf_flow_in(p, e, pf_uuid(PF_FLOW_EXEC, f->pid, f->index));
	}
	if (ev->failed)
		return;
	if (ev->type == TT_EV_THREAD_START) {
		v = tt_arg(ev, TT_ROLE_THREAD);
		if (v)
			pf_flow_in(p, e, pf_uuid(PF_FLOW_THREAD, f->index, v->u));
		return;
	}
	switch (fx) {
	case TT_FX_FORK:
		if (ev->result.s > 0)
			pf_flow_out(p, e, pf_uuid(PF_FLOW_PROCESS, f->pid, (uint64_t)ev->result.s));
		return;
	case TT_FX_SPAWN:
		v = tt_arg(ev, TT_ROLE_PID);
		if (v && v->s > 0 && ev->result.s == 0)
			pf_flow_out(p, e, pf_uuid(PF_FLOW_PROCESS, f->pid, (uint64_t)v->s));
		return;
	case TT_FX_CREATE:
		v = tt_arg(ev, TT_ROLE_THREAD);
		if (v && ev->result.s == 0)
			pf_flow_out(p, e, pf_uuid(PF_FLOW_THREAD, f->index, v->u));
		return;
	case TT_FX_EXEC:
		if (pf->next_image >= 0)
			pf_flow_out(p, e, pf_uuid(PF_FLOW_EXEC, f->pid, (uint64_t)pf->next_image));
		return;
	case TT_FX_ACQUIRE:
	case TT_FX_RELEASE:
	case TT_FX_WAKE:
	case TT_FX_WAKE_ALL:
	case TT_FX_CONDWAIT:
		break;
	default:
		return;
	}
	end = (struct tt_flow_end){ .start = ev->start_ns,
				    .end = ev->end_ns,
				    .pid = f->pid,
				    .tid = ev->thread->tid,
				    .type = ev->type,
				    .ts = (double)ev->start_ns,
				    .ref = (uint64_t)s->index << 40 |
					   (e->serial & ((1ull << 40) - 1)) };
	if (fx == TT_FX_ACQUIRE || fx == TT_FX_RELEASE) {
		v = tt_arg(ev, TT_ROLE_LOCK);
		if (!v || !v->u)
			return;
		if (fx == TT_FX_RELEASE)
			tt_flows_release(&p->flows, f->index, v->u, &end);
		else
			tt_flows_acquire(&p->flows, f->index, v->u, ev->end_ns > ev->start_ns,
					 &end);
	} else {
		v = tt_arg(ev, TT_ROLE_COND);
		if (!v || !v->u)
			return;
		if (fx == TT_FX_CONDWAIT)
			tt_flows_wait(&p->flows, f->index, v->u, &end);
		else
			tt_flows_wake(&p->flows, f->index, v->u, fx == TT_FX_WAKE_ALL, &end);
	}
}

/*
 * The sink
 */
static void *pf_begin(struct tt_run *run)
{
	struct pf *p = tt_xcalloc(1, sizeof(*p));
	struct tt_image *img = tt_xcalloc(run->nfiles, sizeof(*img));

	p->run = run;
	p->out = run->out;
	p->compress = !run->opt->no_compress;
	p->max_slices = run->opt->max_slices;
	pf_init(p);
	p->files = tt_xcalloc(run->nfiles, sizeof(*p->files));
	tt_flows_images(run, img);
	for (size_t i = 0; i < run->nprocs; i++) {
		struct tt_file *f = run->procs[i];
		struct pf_file *pf = &p->files[f->index];

		pf->first_image = img[f->index].first_image;
		pf->target = img[f->index].target;
		pf->next_image = (int)img[f->index].next_image;
	}
	free(img);
	/* the chains of images: procs are in start order, so a chain's first comes first */
	for (size_t i = 0; i < run->nprocs; i++)
		p->files[run->procs[i]->index].chain = -1;
	for (size_t i = 0; i < run->nprocs; i++) {
		struct tt_file *f = run->procs[i];
		size_t hops = 0;

		if (p->files[f->index].chain >= 0)
			continue;
		for (int k = (int)f->index; k >= 0 && hops++ < run->nfiles;
		     k = p->files[k].next_image)
			p->files[k].chain = (int)f->index;
	}
	for (unsigned t = 0; t < TT_EV_COUNT; t++)
		for (unsigned i = 0; i < TT_MAX_ARGS; i++) {
			unsigned role = tt_events[t].args[i];

			if (role != TT_ROLE_NONE && role != TT_ROLE_UNAME &&
			    !(role == TT_ROLE_FUNC && t == TT_EV_FUNC))
				p->shown[t][p->nshown[t]++] = (uint8_t)i;
		}
	for (unsigned k = 0; k < PF_NCTR; k++)
		p->ctr_on[k] = tt_filter_category(run->filter, pf_ctr_info[k].cat) ||
			       (k == PF_CTR_FDS && tt_filter_category(run->filter, TT_CAT_NET));
	tt_flows_init(&p->flows, pf_flow_pair, p);
	tt_fit_plan(&p->fit, run, p->max_slices);
	pf_describe_run(p);
	return p;
}

static void pf_track_live(struct pf *p, const struct tt_event *ev)
{
	p->files[ev->file->index].live = ev->file->mem.live_bytes;
}

static void pf_event(void *self, const struct tt_event *ev)
{
	struct pf *p = self;
	struct pf_seq *s;
	struct pf_pend *e;

	pf_counters(p, ev);
	p->watermark = ev->end_ns;
	if (tt_events[ev->type].category == TT_CAT_USER &&
	    pf_user_event(p, ev, pf_process_uuid(p, ev->file)))
		return;
	if (tt_fit_fold(&p->fit, ev)) {
		pf_fold(p, ev);
		pf_track_live(p, ev);
		return;
	}
	pf_track_live(p, ev);
	s = pf_seq_of(p, ev->thread);
	e = pf_push(p, s, ev);
	pf_relate(p, s, e);
	pf_drain(p, s, false);
	if (++p->since_sweep >= TT_PF_SWEEP) {
		p->since_sweep = 0;
		for (size_t i = 0; i < p->nall; i++)
			pf_drain(p, p->all[i], false);
	}
}

static void pf_skipped(void *self, const struct tt_event *ev)
{
	struct pf *p = self;

	pf_counters(p, ev);
	pf_track_live(p, ev);
	p->watermark = ev->end_ns;
}

/* Lost events the END record counts (events a thread could not record): an instant. */
static void pf_lost(struct pf *p)
{
	struct tt_run *run = p->run;

	for (size_t i = 0; i < run->nprocs; i++) {
		struct tt_file *f = run->procs[i];
		uint64_t at = f->end_ns ? tt_run_rel(run, f->end_ns) : f->last_end_ns;
		size_t pk, e, a;

		if (!f->lost || !tt_filter_time(run->filter, at))
			continue;
		pk = pf_meta_begin(p, pf_abs(p, at));
		tt_pb_uint(&p->grp, PF_P_PREV_DROPPED, 1);
		e = tt_pb_begin(&p->grp, PF_P_TRACK_EVENT);
		tt_pb_uint(&p->grp, PF_TE_TYPE, PF_INSTANT);
		tt_pb_uint(&p->grp, PF_TE_TRACK_UUID, pf_process_uuid(p, f));
		tt_pb_str(&p->grp, PF_TE_NAME, "events lost");
		a = tt_pb_begin(&p->grp, PF_TE_DEBUG_ANNOTATIONS);
		tt_pb_str(&p->grp, 10, "count");
		tt_pb_uint(&p->grp, PF_DA_UINT, f->lost);
		tt_pb_end(&p->grp, a);
		tt_pb_end(&p->grp, e);
		pf_packet_end(p, pk);
	}
}

/* What was folded: an instant at time 0 on the first process, with the counts. */
static void pf_folded_note(struct pf *p)
{
	static const char *const keys[] = { "folded", "kept", "threshold_ns" };
	uint64_t vals[] = { p->fit.folded, p->fit.kept, p->fit.threshold_ns };
	char text[2048];
	size_t pk, e, a;

	if (!p->fit.folded || !p->run->nprocs)
		return;
	tt_fit_describe(&p->fit, text, sizeof(text));
	pk = pf_meta_begin(p, p->run->base_ns);
	e = tt_pb_begin(&p->grp, PF_P_TRACK_EVENT);
	tt_pb_uint(&p->grp, PF_TE_TYPE, PF_INSTANT);
	tt_pb_uint(&p->grp, PF_TE_TRACK_UUID, pf_process_uuid(p, p->run->procs[0]));
	tt_pb_str(&p->grp, PF_TE_NAME, "traceit: calls folded to fit the viewer");
	for (size_t i = 0; i < TT_ARRAY_SIZE(keys); i++) {
		a = tt_pb_begin(&p->grp, PF_TE_DEBUG_ANNOTATIONS);
		tt_pb_str(&p->grp, 10, keys[i]);
		tt_pb_uint(&p->grp, PF_DA_UINT, vals[i]);
		tt_pb_end(&p->grp, a);
	}
	a = tt_pb_begin(&p->grp, PF_TE_DEBUG_ANNOTATIONS);
	tt_pb_str(&p->grp, 10, "detail");
	tt_pb_str(&p->grp, PF_DA_STRING, text);
	tt_pb_end(&p->grp, a);
	tt_pb_end(&p->grp, e);
	pf_packet_end(p, pk);
}

static void pf_end(void *self, struct tt_run *run)
{
	struct pf *p = self;

	tt_flows_finish(&p->flows);
	for (size_t i = 0; i < p->nall; i++) {
		struct pf_seq *s = p->all[i];

		pf_drain(p, s, true);
		tt_fold_flush(&p->fit, &s->fold, pf_fold_sample, p, s);
		pf_fold_stacks_flush(p, s);
		/* the thread's final name */
		if (s->described &&
		    s->named != (s->thread->name ? s->thread->name : (const char *)1))
			pf_describe_thread(p, s);
	}
	for (size_t i = 0; i < run->nprocs; i++)
		for (unsigned k = 0; k < PF_NCTR; k++)
			pf_ctr_flush(p, run->procs[i], k);
	pf_lost(p);
	pf_folded_note(p);
	pf_finish(p);
	tt_fit_report(&p->fit, p->max_slices);
	for (size_t i = 0; i < p->nall; i++) {
		p->all[i]->thread->out = NULL;
		free(p->all[i]->ring);
		free(p->all[i]->groups);
		tt_hmap_free(&p->all[i]->map);
		tt_hmap_free(&p->all[i]->stk_map);
		free(p->all[i]->stk);
		free(p->all[i]);
	}
	free(p->all);
	tt_flows_free(&p->flows);
	for (size_t i = 0; i < p->run->nfiles; i++)
		pf_user_free(&p->files[i]);
	free(p->files);
	free(p);
}

const struct tt_sink tt_sink_perfetto = {
	.begin = pf_begin,
	.event = pf_event,
	.skipped = pf_skipped,
	.end = pf_end,
	.track = TT_TRACK_HEAP | TT_TRACK_LOCKS,
};
