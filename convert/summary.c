/*
 * summary.c - statistics of the text summary, updated per event.
 *
 * The per-event work is kept to array updates and, for I/O and heap calls, one hash lookup,
 * so the summary is the fastest output: it decodes everything but formats almost nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "summary.h"
#include "state.h"
#include "sites.h"
#include "nest.h"

struct tt_summary *tt_summary_new(struct tt_run *run)
{
	struct tt_summary *s = tt_xcalloc(1, sizeof(*s));

	s->out = run->out;
	s->io.extra = sizeof(struct tt_iostat);
	s->funcs.extra = sizeof(struct tt_rstat);
	for (unsigned t = 0; t < TT_EV_COUNT; t++)
		s->fn[t].min_ns = UINT64_MAX;
	return s;
}

static void *tt_summary_begin(struct tt_run *run)
{
	return tt_summary_new(run);
}

static struct tt_iostat *tt_io_get(struct tt_summary *s, const char *key, bool stable)
{
	size_t c = ((uintptr_t)key >> 3) % TT_ARRAY_SIZE(s->io_cache);
	struct tt_iostat *io;
	const char *str;
	bool fresh;

	if (stable && s->io_cache[c].key == key)
		return s->io_cache[c].io;
	str = tt_intern(&s->io, key, &fresh);
	if (!str)
		tt_oom();
	io = tt_intern_extra(&s->io, str);
	io->key = str;
	if (stable) {
		s->io_cache[c].key = key;
		s->io_cache[c].io = io;
	}
	return io;
}

struct tt_iostat *tt_summary_io(const struct tt_summary *s, size_t *n)
{
	struct tt_iostat *v = tt_xcalloc(tt_intern_count(&s->io), sizeof(*v));
	const char *str;
	size_t i = 0;

	*n = 0;
	while ((str = tt_intern_next(&s->io, &i)))
		v[(*n)++] = *(struct tt_iostat *)tt_intern_extra(&s->io, str);
	return v;
}

static void tt_io_event(struct tt_summary *s, const struct tt_event *ev, uint64_t dur)
{
	struct tt_iostat *io;
	char unknown[64];
	const char *key = ev->fd_path;

	unsigned fx = tt_events[ev->type].effect;

	if (!key) {
		const union tt_value *fd = tt_arg(ev, TT_ROLE_FD);
		int64_t n = fx == TT_FX_OPEN || !fd ? -1 : fd->s;
		uint32_t pid = ev->file->pid;
		size_t c = (size_t)((uint64_t)n + pid * 7u) % TT_ARRAY_SIZE(s->fd_cache);

		if (s->fd_cache[c].io && s->fd_cache[c].pid == pid && s->fd_cache[c].fd == n) {
			io = s->fd_cache[c].io;
		} else {
			snprintf(unknown, sizeof(unknown), "<fd %lld of pid %u>", (long long)n,
				 pid);
			io = tt_io_get(s, unknown, false);
			s->fd_cache[c].pid = pid;
			s->fd_cache[c].fd = n;
			s->fd_cache[c].io = io;
		}
	} else {
		io = tt_io_get(s, key, true);
	}
	io->time_ns += dur;
	io->errors += ev->failed;
	switch (fx) {
	case TT_FX_OPEN:
	case TT_FX_FOPEN:
		io->opens++;
		break;
	case TT_FX_READ:
		io->reads++;
		if (!ev->failed && ev->result.s > 0)
			io->bytes_read += (uint64_t)ev->result.s;
		break;
	case TT_FX_WRITE:
		io->writes++;
		if (!ev->failed && ev->result.s > 0)
			io->bytes_written += (uint64_t)ev->result.s;
		break;
	default:
		break;
	}
}

static size_t tt_lockstat_hash(const void *e)
{
	const struct tt_lockstat *l = e;

	return (size_t)tt_hash_mix(l->addr ^ l->file);
}

static bool tt_lockstat_eq(const void *e, const void *key)
{
	const struct tt_lockstat *l = e, *k = key;

	return l->addr == k->addr && l->file == k->file;
}

static bool tt_lockstat_used(const void *e)
{
	return ((const struct tt_lockstat *)e)->addr != 0;
}

static const struct tt_hkind tt_lockstat_kind = {
	.size = sizeof(struct tt_lockstat),
	.first = 64,
	.fill = 2,
	.hash = tt_lockstat_hash,
	.eq = tt_lockstat_eq,
	.used = tt_lockstat_used,
};

static struct tt_lockstat *tt_lock_get(struct tt_summary *s, uint32_t file, uint64_t addr)
{
	struct tt_lockstat key = { .addr = addr, .file = file }, *l;
	bool fresh;

	l = tt_hmap_get(&s->locks, &tt_lockstat_kind, tt_lockstat_hash(&key), &key, &fresh);
	if (fresh)
		*l = key;
	return l;
}

struct tt_lockstat *tt_summary_locks(const struct tt_summary *s, size_t *n)
{
	struct tt_lockstat *v = tt_xcalloc(s->locks.n, sizeof(*v)), *l;
	size_t i = 0;

	*n = 0;
	while ((l = tt_hmap_next(&s->locks, &tt_lockstat_kind, &i)))
		v[(*n)++] = *l;
	return v;
}

static size_t tt_lockuser_hash(const void *e)
{
	const struct tt_lockuser *u = e;

	return (size_t)tt_hash_mix(u->addr ^ u->file ^ ((uint64_t)u->tid << 32));
}

static bool tt_lockuser_eq(const void *e, const void *key)
{
	const struct tt_lockuser *u = e, *k = key;

	return u->addr == k->addr && u->file == k->file && u->tid == k->tid;
}

static bool tt_lockuser_used(const void *e)
{
	return ((const struct tt_lockuser *)e)->addr != 0;
}

static const struct tt_hkind tt_lockuser_kind = {
	.size = sizeof(struct tt_lockuser),
	.first = 64,
	.fill = 2,
	.hash = tt_lockuser_hash,
	.eq = tt_lockuser_eq,
	.used = tt_lockuser_used,
};

/* Adds (file, addr, tid) to the users; returns true if it is new. */
static bool tt_lock_user(struct tt_summary *s, uint32_t file, uint64_t addr, uint32_t tid)
{
	struct tt_lockuser key = { .addr = addr, .file = file, .tid = tid }, *u;
	bool fresh;

	u = tt_hmap_get(&s->users, &tt_lockuser_kind, tt_lockuser_hash(&key), &key, &fresh);
	if (fresh)
		*u = key;
	return fresh;
}

/* Locks, from the effect column: acquisitions (waits when they took time) and holds. */
static void tt_lock_event(struct tt_summary *s, const struct tt_event *ev, unsigned fx,
			  uint64_t dur)
{
	const union tt_value *lock = tt_arg(ev, TT_ROLE_LOCK);
	struct tt_lockstat *l;

	if (!lock || !lock->u || (ev->failed && ev->held_ns < 0))
		return;
	l = tt_lock_get(s, ev->file->index, lock->u);
	if (fx == TT_FX_ACQUIRE) {
		if (!l->stack)
			l->stack = ev->stack;
		l->acquired++;
		if (dur) {
			l->contended++;
			l->wait_ns += dur;
			if (dur > l->wait_max)
				l->wait_max = dur;
		}
		l->threads += tt_lock_user(s, ev->file->index, lock->u, ev->thread->tid);
	} else if (ev->held_ns >= 0) {
		uint64_t held = (uint64_t)ev->held_ns;

		l->holds++;
		l->hold_ns += held;
		if (held > l->hold_max)
			l->hold_max = held;
	}
}

/*
 * A lock the program named through ITT (__itt_sync_create or _rename): its name if it gave
 * one, else its kind ("tbb::spin_mutex"); the last one given stands.
 */
static void tt_lock_name(struct tt_summary *s, const struct tt_event *ev)
{
	const union tt_value *lock = tt_arg(ev, TT_ROLE_LOCK), *name = tt_arg(ev, TT_ROLE_NAME),
			     *kind = tt_arg(ev, TT_ROLE_OBJTYPE);
	const char *n = name && name->str && *name->str ? name->str : NULL;

	if (!n && kind && kind->str && *kind->str)
		n = kind->str;
	if (lock && lock->u && n)
		tt_lock_get(s, ev->file->index, lock->u)->name = n;
}

/* The statistics of the annotation name of kind; the same pointer is mostly the same name */
static struct tt_ustat *tt_user_get(struct tt_summary *s, const char *name, unsigned kind)
{
	size_t c = ((uintptr_t)name >> 3 ^ kind) % TT_ARRAY_SIZE(s->user_cache);

	if (!name)
		name = "(unnamed)";
	if (s->user_cache[c].name == name && s->user_cache[c].kind == kind)
		return &s->user[s->user_cache[c].at];
	for (size_t i = 0; i < s->user_n; i++) {
		if (s->user[i].kind == kind && !strcmp(s->user[i].name, name)) {
			s->user_cache[c].name = name;
			s->user_cache[c].kind = (uint8_t)kind;
			s->user_cache[c].at = i;
			return &s->user[i];
		}
	}
	tt_grow((void **)&s->user, &s->user_cap, s->user_n + 1, sizeof(*s->user));
	s->user[s->user_n] = (struct tt_ustat){ .name = name, .kind = (uint8_t)kind };
	return &s->user[s->user_n++];
}

static void tt_user_event(struct tt_summary *s, const struct tt_event *ev)
{
	uint64_t dur = ev->end_ns - ev->start_ns;
	struct tt_ustat *u;
	double v;

	switch (ev->type) {
	case TT_EV_SPAN:
	case TT_EV_ASYNC_END: /* its start is the begin's (annot.c) */
		u = tt_user_get(s, ev->args[0].str, TT_USTAT_SPAN);
		u->count++;
		u->total_ns += dur;
		if (dur > u->max_ns)
			u->max_ns = dur;
		u->unfinished += ev->type == TT_EV_SPAN && ev->args[2].u;
		/* an async span is not nested in its thread's calls */
		if (ev->type == TT_EV_SPAN)
			u->self_ns += ev->self_ns;
		break;
	case TT_EV_MARK:
	case TT_EV_ASYNC_INSTANT:
		tt_user_get(s, ev->args[0].str, TT_USTAT_INSTANT)->count++;
		break;
	case TT_EV_COUNTER:
	case TT_EV_COUNTER_F:
		if (ev->type == TT_EV_COUNTER)
			v = (double)ev->args[1].s;
		else
			memcpy(&v, &ev->args[1].u, sizeof(v));
		u = tt_user_get(s, ev->args[0].str, TT_USTAT_COUNTER);
		if (!u->count++ || v < u->min)
			u->min = v;
		if (u->count == 1 || v > u->max)
			u->max = v;
		u->last = v;
		break;
	default:
		break;
	}
}

static struct tt_rstat *tt_func_get(struct tt_summary *s, const char *name)
{
	size_t c = ((uintptr_t)name >> 3) % TT_ARRAY_SIZE(s->func_cache);
	struct tt_rstat *r;
	const char *str;
	bool fresh;

	/* names are kept per (process image, address): one pointer per function */
	if (s->func_cache[c].name == name)
		return s->func_cache[c].r;
	str = tt_intern(&s->funcs, name, &fresh);
	if (!str)
		tt_oom();
	r = tt_intern_extra(&s->funcs, str);
	r->name = str;
	s->func_cache[c].name = name;
	s->func_cache[c].r = r;
	return r;
}

struct tt_rstat *tt_summary_funcs(const struct tt_summary *s, size_t *n)
{
	struct tt_rstat *v = tt_xcalloc(tt_intern_count(&s->funcs) + 1, sizeof(*v));
	const char *str;
	size_t i = 0;

	*n = 0;
	while ((str = tt_intern_next(&s->funcs, &i)))
		v[(*n)++] = *(struct tt_rstat *)tt_intern_extra(&s->funcs, str);
	return v;
}

static void tt_func_event(struct tt_summary *s, const struct tt_event *ev, uint64_t dur)
{
	struct tt_rstat *r;

	if (ev->type == TT_EV_FUNC_STATS) {
		s->func_dropped += ev->args[0].u;
		s->func_unmatched += ev->args[1].u;
		s->func_deep += ev->args[2].u;
		return;
	}
	if (ev->type != TT_EV_FUNC)
		return;
	r = tt_func_get(s, tt_func_name(ev));
	r->calls++;
	if (!ev->recursive)
		r->total_ns += dur;
	r->self_ns += ev->self_ns;
	if (dur > r->max_ns)
		r->max_ns = dur;
	r->unwound += ev->args[1].u != TT_FUNC_RETURNED;
}

void tt_summary_add(void *self, const struct tt_event *ev)
{
	struct tt_summary *s = self;
	struct tt_fstat *f = &s->fn[ev->type];
	uint64_t dur = ev->end_ns - ev->start_ns;

	if (tt_events[ev->type].category == TT_CAT_USER) {
		/* the program's own units of work: their own table, not calls */
		ev->thread->events++;
		tt_user_event(s, ev);
		return;
	}
	if (tt_events[ev->type].category == TT_CAT_FUNC) {
		/* the program's own functions: the runtime breakdown, not the calls' table */
		ev->thread->events++;
		tt_func_event(s, ev, dur);
		return;
	}
	f->calls++;
	f->self_ns += ev->self_ns;
	f->errors += ev->failed;
	f->total_ns += dur;
	if (dur < f->min_ns)
		f->min_ns = dur;
	if (dur > f->max_ns)
		f->max_ns = dur;
	s->total_ns += dur;
	ev->thread->events++;
	ev->thread->busy_ns += dur;
	if (ev->stack)
		tt_sites_event(ev);
	switch (tt_events[ev->type].category) {
	case TT_CAT_IO:
	case TT_CAT_NET:
		tt_io_event(s, ev, dur);
		break;
	default:
		break;
	}
	switch (tt_events[ev->type].effect) {
	case TT_FX_ACQUIRE:
	case TT_FX_RELEASE:
		tt_lock_event(s, ev, tt_events[ev->type].effect, dur);
		break;
	case TT_FX_NONE:
	case TT_FX_CONDWAIT:
		if (ev->held_ns >= 0) /* a condition wait let its mutex go */
			tt_lock_event(s, ev, TT_FX_RELEASE, dur);
		if (ev->type == TT_EV_ITT_SYNC_CREATE || ev->type == TT_EV_ITT_SYNC_RENAME)
			tt_lock_name(s, ev);
		break;
	case TT_FX_INSTANT: {
		/* a moment with a signal: one delivered (kill and raise are calls, not moments) */
		const union tt_value *sig = tt_arg(ev, TT_ROLE_SIGNAL);

		if (sig)
			s->signals[sig->s > 0 && sig->s < TT_NSIG ? sig->s : 0]++;
		break;
	}
	default:
		break;
	}
}

void tt_summary_free(struct tt_summary *s, struct tt_run *run)
{
	tt_sites_free();
	tt_intern_free(&s->io);
	tt_intern_free(&s->funcs);
	tt_hmap_free(&s->locks);
	tt_hmap_free(&s->users);
	free(s->user);
	free(s);
}

static void tt_summary_end(void *self, struct tt_run *run)
{
	tt_summary_print(self, run);
	tt_summary_free(self, run);
}

const struct tt_sink tt_sink_summary = {
	.begin = tt_summary_begin,
	.event = tt_summary_add,
	.end = tt_summary_end,
	.track = TT_TRACK_HEAP | TT_TRACK_LOCKS | TT_TRACK_SITES,
};
