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

static void *tt_summary_begin(struct tt_run *run)
{
	struct tt_summary *s = tt_xcalloc(1, sizeof(*s));

	s->out = run->out;
	for (unsigned t = 0; t < TT_EV_COUNT; t++)
		s->fn[t].min_ns = UINT64_MAX;
	return s;
}

static uint64_t tt_hash_str(const char *p)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	while (*p)
		h = (h ^ (unsigned char)*p++) * 0x100000001b3ull;
	return h;
}

static void tt_io_grow(struct tt_summary *s)
{
	memset(s->io_cache, 0, sizeof(s->io_cache)); /* slots move */
	struct tt_iostat *old = s->io;
	size_t oldcap = s->io_cap;

	s->io_cap = oldcap ? oldcap * 2 : 256;
	s->io = tt_xcalloc(s->io_cap, sizeof(*s->io));
	for (size_t i = 0; i < oldcap; i++) {
		size_t j;

		if (!old[i].key)
			continue;
		for (j = old[i].hash & (s->io_cap - 1); s->io[j].key; j = (j + 1) & (s->io_cap - 1))
			;
		s->io[j] = old[i];
	}
	free(old);
}

static struct tt_iostat *tt_io_get(struct tt_summary *s, const char *key, bool stable)
{
	size_t c = ((uintptr_t)key >> 3) % TT_ARRAY_SIZE(s->io_cache);
	uint64_t h;
	size_t j;

	if (stable && s->io_cache[c].key == key)
		return &s->io[s->io_cache[c].slot];
	if ((s->io_n + 1) * 2 > s->io_cap)
		tt_io_grow(s);
	h = tt_hash_str(key);
	for (j = h & (s->io_cap - 1); s->io[j].key; j = (j + 1) & (s->io_cap - 1))
		if (s->io[j].hash == h && !strcmp(s->io[j].key, key))
			break;
	if (!s->io[j].key) {
		s->io_n++;
		s->io[j].key = tt_arena_strndup(&s->arena, key, strlen(key));
		s->io[j].hash = h;
	}
	if (stable) {
		s->io_cache[c].key = key;
		s->io_cache[c].slot = j;
	}
	return &s->io[j];
}

static void tt_io_event(struct tt_summary *s, const struct tt_event *ev, uint64_t dur)
{
	struct tt_iostat *io;
	char unknown[64];
	const char *key = ev->fd_path;

	unsigned fx = tt_events[ev->type].effect;

	if (!key) {
		const union tt_value *fd = tt_arg(ev, TT_ROLE_FD);

		snprintf(unknown, sizeof(unknown), "<fd %lld of pid %u>",
			 (long long)(fx == TT_FX_OPEN || !fd ? -1 : fd->s), ev->file->pid);
		key = unknown;
	}
	io = tt_io_get(s, key, key != unknown);
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

static inline size_t tt_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return (size_t)(x ^ (x >> 31));
}

static void tt_lock_grow(struct tt_summary *s)
{
	struct tt_lockstat *old = s->locks;
	size_t oldcap = s->locks_cap;

	s->locks_cap = oldcap ? oldcap * 2 : 64;
	s->locks = tt_xcalloc(s->locks_cap, sizeof(*s->locks));
	for (size_t i = 0; i < oldcap; i++) {
		size_t j;

		if (!old[i].addr)
			continue;
		for (j = tt_mix(old[i].addr ^ old[i].file) & (s->locks_cap - 1); s->locks[j].addr;
		     j = (j + 1) & (s->locks_cap - 1))
			;
		s->locks[j] = old[i];
	}
	free(old);
}

static struct tt_lockstat *tt_lock_get(struct tt_summary *s, uint32_t file, uint64_t addr)
{
	size_t j;

	if ((s->locks_n + 1) * 2 > s->locks_cap)
		tt_lock_grow(s);
	for (j = tt_mix(addr ^ file) & (s->locks_cap - 1); s->locks[j].addr;
	     j = (j + 1) & (s->locks_cap - 1))
		if (s->locks[j].addr == addr && s->locks[j].file == file)
			return &s->locks[j];
	s->locks_n++;
	s->locks[j] = (struct tt_lockstat){ .addr = addr, .file = file };
	return &s->locks[j];
}

/* Adds (file, addr, tid) to the users; returns true if it is new. */
static bool tt_lock_user(struct tt_summary *s, uint32_t file, uint64_t addr, uint32_t tid)
{
	size_t j;

	if ((s->users_n + 1) * 2 > s->users_cap) {
		struct tt_lockuser *old = s->users;
		size_t oldcap = s->users_cap;

		s->users_cap = oldcap ? oldcap * 2 : 64;
		s->users = tt_xcalloc(s->users_cap, sizeof(*s->users));
		for (size_t i = 0; i < oldcap; i++) {
			if (!old[i].addr)
				continue;
			for (j = tt_mix(old[i].addr ^ old[i].file ^ ((uint64_t)old[i].tid << 32)) &
				 (s->users_cap - 1);
			     s->users[j].addr; j = (j + 1) & (s->users_cap - 1))
				;
			s->users[j] = old[i];
		}
		free(old);
	}
	for (j = tt_mix(addr ^ file ^ ((uint64_t)tid << 32)) & (s->users_cap - 1); s->users[j].addr;
	     j = (j + 1) & (s->users_cap - 1))
		if (s->users[j].addr == addr && s->users[j].file == file && s->users[j].tid == tid)
			return false;
	s->users_n++;
	s->users[j] = (struct tt_lockuser){ .addr = addr, .file = file, .tid = tid };
	return true;
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
		u = tt_user_get(s, ev->args[0].str, 0);
		u->count++;
		u->total_ns += dur;
		if (dur > u->max_ns)
			u->max_ns = dur;
		u->unfinished += ev->type == TT_EV_SPAN && ev->args[2].u;
		break;
	case TT_EV_MARK:
	case TT_EV_ASYNC_INSTANT:
		tt_user_get(s, ev->args[0].str, 1)->count++;
		break;
	case TT_EV_COUNTER:
	case TT_EV_COUNTER_F:
		if (ev->type == TT_EV_COUNTER)
			v = (double)ev->args[1].s;
		else
			memcpy(&v, &ev->args[1].u, sizeof(v));
		u = tt_user_get(s, ev->args[0].str, 2);
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

static void tt_summary_event(void *self, const struct tt_event *ev)
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
	f->calls++;
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

static void tt_summary_end(void *self, struct tt_run *run)
{
	struct tt_summary *s = self;

	tt_summary_print(s, run);
	tt_sites_free();
	tt_arena_free(&s->arena);
	free(s->io);
	free(s->locks);
	free(s->users);
	free(s->user);
	free(s);
}

const struct tt_sink tt_sink_summary = {
	.begin = tt_summary_begin,
	.event = tt_summary_event,
	.end = tt_summary_end,
	.track = TT_TRACK_HEAP | TT_TRACK_LOCKS | TT_TRACK_SITES,
};
