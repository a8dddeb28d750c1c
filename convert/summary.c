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

static void *tt_summary_begin(struct tt_run *run)
{
	struct tt_summary *s = tt_xcalloc(1, sizeof(*s));

	s->out = run->out;
	s->nfiles = run->nfiles;
	s->mem = tt_xcalloc(run->nfiles, sizeof(*s->mem));
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

static void tt_mem_add(struct tt_summary *s, const struct tt_event *ev, uint64_t addr,
		       uint64_t size)
{
	struct tt_memstat *m = &s->mem[ev->file->index];
	uint64_t old;

	if (!addr)
		return;
	m->allocs++;
	m->bytes += size;
	if (size > m->largest)
		m->largest = size;
	if (tt_heap_put(&s->heap, ev->file->index, addr, size, &old)) {
		/* Handed out twice without a free we saw: the old block is gone. */
		m->live_bytes -= old;
		m->live_blocks--;
	}
	m->live_blocks++;
	m->live_bytes += size;
	if (m->live_bytes > m->peak_bytes) {
		m->peak_bytes = m->live_bytes;
		m->peak_at = ev->end_ns;
	}
}

static void tt_mem_release(struct tt_summary *s, const struct tt_event *ev, uint64_t addr,
			   bool count)
{
	struct tt_memstat *m = &s->mem[ev->file->index];
	uint64_t size;

	if (!addr)
		return;
	m->frees += count;
	if (tt_heap_take(&s->heap, ev->file->index, addr, &size)) {
		m->live_bytes -= size;
		m->live_blocks--;
	} else {
		m->unknown_frees++;
	}
}

/* Bytes requested by an allocation: SIZE, times NMEMB when there is one (saturating) */
static uint64_t tt_alloc_size(const struct tt_event *ev)
{
	const union tt_value *size = tt_arg(ev, TT_ROLE_SIZE), *nmemb = tt_arg(ev, TT_ROLE_NMEMB);
	uint64_t bytes = size ? size->u : 0;

	if (nmemb && __builtin_mul_overflow(bytes, nmemb->u, &bytes))
		bytes = UINT64_MAX;
	return bytes;
}

/* The heap, from the effect column: which block each call creates or releases. */
static void tt_mem_event(struct tt_summary *s, const struct tt_event *ev)
{
	const struct tt_event_info *info = &tt_events[ev->type];
	const union tt_value *addr = tt_arg(ev, TT_ROLE_ADDR);
	const union tt_value *old = tt_arg(ev, TT_ROLE_OLDADDR);
	uint64_t res = ev->result.u, size;

	switch (info->effect) {
	case TT_FX_ALLOC:
		if (info->result == TT_ROLE_ADDR)
			tt_mem_add(s, ev, res, tt_alloc_size(ev));
		else if (!ev->failed && ev->result.s == 0 && addr) /* posix_memalign */
			tt_mem_add(s, ev, addr->u, tt_alloc_size(ev));
		break;
	case TT_FX_REALLOC:
		size = tt_alloc_size(ev);
		if (res) {
			tt_mem_release(s, ev, old ? old->u : 0, false);
			tt_mem_add(s, ev, res, size);
		} else if (!size) {
			tt_mem_release(s, ev, old ? old->u : 0, true); /* realloc(p, 0) frees p */
		}
		break;
	case TT_FX_FREE:
		if (addr)
			tt_mem_release(s, ev, addr->u, true);
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
	switch (tt_events[ev->type].category) {
	case TT_CAT_IO:
	case TT_CAT_NET:
		tt_io_event(s, ev, dur);
		break;
	case TT_CAT_MEMORY:
		tt_mem_event(s, ev);
		break;
	default:
		break;
	}
}

static void tt_summary_end(void *self, struct tt_run *run)
{
	struct tt_summary *s = self;

	tt_summary_print(s, run);
	tt_heap_free(&s->heap);
	tt_arena_free(&s->arena);
	free(s->io);
	free(s->mem);
	free(s);
}

const struct tt_sink tt_sink_summary = {
	.begin = tt_summary_begin,
	.event = tt_summary_event,
	.end = tt_summary_end,
};
