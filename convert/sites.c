/*
 * sites.c - per-stack costs, in one open-addressing table keyed by (image, stack id).
 */
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "sites.h"

static struct tt_site *tt_site_v;
static size_t tt_site_cap, tt_site_n;

static inline size_t tt_site_slot(const struct tt_file *f, uint32_t stack, size_t cap)
{
	uint64_t h = ((uint64_t)f->index << 32 | stack) * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 32) & (cap - 1);
}

static void tt_site_grow(void)
{
	struct tt_site *old = tt_site_v;
	size_t oldcap = tt_site_cap;

	tt_site_cap = oldcap ? oldcap * 2 : 1024;
	tt_site_v = tt_xcalloc(tt_site_cap, sizeof(*tt_site_v));
	for (size_t i = 0; i < oldcap; i++) {
		if (!old[i].file)
			continue;
		size_t j = tt_site_slot(old[i].file, old[i].stack, tt_site_cap);

		while (tt_site_v[j].file)
			j = (j + 1) & (tt_site_cap - 1);
		tt_site_v[j] = old[i];
	}
	free(old);
}

static struct tt_site *tt_site_get(struct tt_file *f, uint32_t stack)
{
	if ((tt_site_n + 1) * 2 > tt_site_cap)
		tt_site_grow();
	size_t j = tt_site_slot(f, stack, tt_site_cap);

	for (; tt_site_v[j].file; j = (j + 1) & (tt_site_cap - 1))
		if (tt_site_v[j].file == f && tt_site_v[j].stack == stack)
			return &tt_site_v[j];
	tt_site_n++;
	tt_site_v[j].file = f;
	tt_site_v[j].stack = stack;
	return &tt_site_v[j];
}

void tt_sites_live(struct tt_file *f, uint32_t stack, int64_t bytes)
{
	if (!stack)
		return;
	struct tt_site *s = tt_site_get(f, stack);

	s->live_bytes += bytes;
	s->live_blocks += bytes < 0 ? -1 : 1;
}

void tt_sites_event(const struct tt_event *ev)
{
	if (!ev->stack)
		return;
	const struct tt_event_info *info = &tt_events[ev->type];
	struct tt_site *s = tt_site_get(ev->file, ev->stack);
	uint64_t dur = ev->end_ns - ev->start_ns;

	s->calls++;
	s->time_ns += dur;
	switch (info->effect) {
	case TT_FX_ALLOC:
	case TT_FX_REALLOC:
		if (!ev->failed) {
			s->allocs++;
			s->alloc_bytes += tt_alloc_size(ev);
		}
		break;
	case TT_FX_ACQUIRE:
		s->waits++;
		s->wait_ns += dur;
		break;
	case TT_FX_READ:
	case TT_FX_WRITE:
		s->ios++;
		s->io_ns += dur;
		if (!ev->failed && ev->result.s > 0)
			s->io_bytes += (uint64_t)ev->result.s;
		break;
	default:
		break;
	}
}

struct tt_site *tt_sites_all(size_t *n)
{
	size_t k = 0;

	/* compact in place: the table is not used as a table again after this */
	for (size_t i = 0; i < tt_site_cap; i++)
		if (tt_site_v[i].file)
			tt_site_v[k++] = tt_site_v[i];
	tt_site_cap = 0; /* a later tt_site_get would start a new table */
	tt_site_n = 0;
	*n = k;
	return tt_site_v;
}

void tt_sites_free(void)
{
	free(tt_site_v);
	tt_site_v = NULL;
	tt_site_cap = tt_site_n = 0;
}
