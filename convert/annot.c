/*
 * annot.c - the program's annotations as the state sees them: async spans ended by id alone
 * (traceit_span_finish) take their begin's name and category, an end starts where its begin
 * did (its duration is the span's), and an end whose id never began is told.
 */
#include "annot.h"
#include "hashmap.h"
#include "util.h"

#include <stdlib.h>

struct tt_async_ent {
	const struct tt_file *file; /* NULL: free slot */
	uint64_t id;
	const char *name, *cat;
	uint64_t start_tick, start_ns;
};

struct tt_async_key {
	const struct tt_file *file;
	uint64_t id;
};

static size_t async_hash_key(const struct tt_async_key *k)
{
	return tt_hash_mix(k->id ^ (uint64_t)(uintptr_t)k->file);
}

static size_t async_hash(const void *ent)
{
	const struct tt_async_ent *e = ent;

	return async_hash_key(&(struct tt_async_key){ e->file, e->id });
}

static bool async_eq(const void *ent, const void *key)
{
	const struct tt_async_ent *e = ent;
	const struct tt_async_key *k = key;

	return e->file == k->file && e->id == k->id;
}

static bool async_used(const void *ent)
{
	return ((const struct tt_async_ent *)ent)->file != NULL;
}

static const struct tt_hkind async_kind = {
	.size = sizeof(struct tt_async_ent),
	.first = 64,
	.fill = 2,
	.hash = async_hash,
	.eq = async_eq,
	.used = async_used,
};

static struct tt_hmap tab;

static struct tt_async_ent *find(const struct tt_file *f, uint64_t id, bool add)
{
	struct tt_async_key k = { f, id };
	size_t h = async_hash_key(&k);
	struct tt_async_ent *e = tt_hmap_find(&tab, &async_kind, h, &k);

	if (e || !add)
		return e;
	if (!tt_hmap_reserve(&tab, &async_kind))
		tt_oom();
	e = tt_hmap_add(&tab, &async_kind, h);
	e->file = f;
	e->id = id;
	return e;
}

void tt_annot_event(struct tt_event *ev)
{
	struct tt_async_ent *e;

	switch (ev->type) {
	case TT_EV_TRACING:
		/* an "off" belongs to the window it ends, an "on" to the one it begins */
		ev->file->window = (uint32_t)ev->args[1].u;
		break;
	case TT_EV_ASYNC_BEGIN:
		e = find(ev->file, ev->args[2].u, true);
		e->name = ev->args[0].str;
		e->cat = ev->args[1].str;
		e->start_tick = ev->start_tick;
		e->start_ns = ev->start_ns;
		break;
	case TT_EV_ASYNC_INSTANT:
	case TT_EV_ASYNC_END:
		e = find(ev->file, ev->args[2].u, false);
		if (!e) {
			tt_problem(&ev->file->problems, TT_PB_ANNOTATIONS,
				   "an async span of id %llu ended or was marked without a begin",
				   (unsigned long long)ev->args[2].u);
			break;
		}
		if (!ev->args[0].str)
			ev->args[0].str = e->name;
		if (!ev->args[1].str)
			ev->args[1].str = e->cat;
		/* an end spans from its begin: its duration is the async span's */
		if (ev->type == TT_EV_ASYNC_END && e->start_ns <= ev->end_ns) {
			ev->start_tick = e->start_tick;
			ev->start_ns = e->start_ns;
		}
		break;
	default:
		break;
	}
}

void tt_annot_reset(void)
{
	tt_hmap_free(&tab);
}
