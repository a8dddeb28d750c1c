/*
 * sites.c - per-stack costs, in one hash table keyed by (image, stack id).
 */
#include "args.h"
#include "hashmap.h"
#include "sites.h"

static struct tt_hmap tt_sites; /* struct tt_site */

struct tt_sitekey {
	const struct tt_file *file;
	uint32_t stack;
};

static inline size_t tt_site_hash(const struct tt_file *f, uint32_t stack)
{
	return (size_t)(tt_hash_fib((uint64_t)f->index << 32 | stack) >> 32);
}

static size_t tt_site_ehash(const void *e)
{
	const struct tt_site *s = e;

	return tt_site_hash(s->file, s->stack);
}

static bool tt_site_eq(const void *e, const void *key)
{
	const struct tt_site *s = e;
	const struct tt_sitekey *k = key;

	return s->file == k->file && s->stack == k->stack;
}

static bool tt_site_used(const void *e)
{
	return ((const struct tt_site *)e)->file != NULL;
}

static const struct tt_hkind tt_site_kind = {
	.size = sizeof(struct tt_site),
	.first = 1024,
	.fill = 2,
	.hash = tt_site_ehash,
	.eq = tt_site_eq,
	.used = tt_site_used,
};

static struct tt_site *tt_site_get(struct tt_file *f, uint32_t stack)
{
	struct tt_sitekey key = { f, stack };
	bool fresh;
	struct tt_site *s =
		tt_hmap_get(&tt_sites, &tt_site_kind, tt_site_hash(f, stack), &key, &fresh);

	if (fresh) {
		s->file = f;
		s->stack = stack;
	}
	return s;
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
	struct tt_site *v = (struct tt_site *)tt_sites.v, *s;
	size_t k = 0, i = 0;

	/* compact in place, in slot order: the table is not used as a table again after this */
	while ((s = tt_hmap_next(&tt_sites, &tt_site_kind, &i)))
		v[k++] = *s;
	tt_sites.cap = tt_sites.n = 0; /* a later tt_site_get would start a new table */
	*n = k;
	return v;
}

void tt_sites_free(void)
{
	tt_hmap_free(&tt_sites);
}
