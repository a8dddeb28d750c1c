/*
 * annot.c - the program's annotations as the state sees them: async spans ended by id alone
 * (traceit_span_finish) take their begin's name and category, an end starts where its begin
 * did (its duration is the span's), and an end whose id never began is told.
 */
#include "annot.h"
#include "util.h"

#include <stdlib.h>

struct tt_async_ent {
	const struct tt_file *file; /* NULL: free slot */
	uint64_t id;
	const char *name, *cat;
	uint64_t start_tick, start_ns;
};

static struct tt_async_ent *tab;
static size_t cap, used; /* cap: a power of two, or 0 */

static size_t slot_of(const struct tt_file *f, uint64_t id)
{
	uint64_t h = (id ^ (uint64_t)(uintptr_t)f) * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 32) & (cap - 1);
}

static struct tt_async_ent *find(const struct tt_file *f, uint64_t id, bool add)
{
	if (add && (used + 1) * 2 > cap) {
		struct tt_async_ent *old = tab;
		size_t n = cap;

		cap = cap ? cap * 2 : 64;
		tab = tt_xcalloc(cap, sizeof(*tab));
		used = 0;
		for (size_t i = 0; i < n; i++)
			if (old[i].file)
				*find(old[i].file, old[i].id, true) = old[i];
		free(old);
	}
	if (!cap)
		return NULL;
	for (size_t i = slot_of(f, id);; i = (i + 1) & (cap - 1)) {
		if (tab[i].file == f && tab[i].id == id)
			return &tab[i];
		if (!tab[i].file) {
			if (!add)
				return NULL;
			tab[i].file = f;
			tab[i].id = id;
			used++;
			return &tab[i];
		}
	}
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
	free(tab);
	tab = NULL;
	cap = used = 0;
}
