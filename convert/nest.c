/*
 * nest.c - the nesting of one thread's calls: open functions, self time, recursion (nest.h).
 */
#include <stdlib.h>
#include <string.h>

#include "nest.h"

/*
 * Ended calls are kept until a call around them ends; most never get one.  Past this many,
 * the older half is summed into one entry: a call that began inside that half and ends
 * later would count all of it as inside it.  That takes one call enclosing thousands, not
 * a function: those are open frames, and their calls all began after them.
 */
#define TT_NEST_DONE_MAX 1024

static void tt_nest_push(struct tt_nest *n, const struct tt_event *ev)
{
	bool rec = false;

	for (size_t i = n->n; i-- > 0;)
		if (n->f[i].fn == ev->args[0].u) {
			rec = true;
			break;
		}
	if (n->n == n->cap) {
		size_t cap = n->cap;

		tt_grow((void **)&n->f, &cap, n->n + 1, sizeof(*n->f));
		tt_grow((void **)&n->fn, &n->cap, n->n + 1, sizeof(*n->fn));
	}
	n->f[n->n] = (struct tt_nframe){ ev->args[0].u, ev->start_tick, ev->start_ns, rec };
	n->fn[n->n++] = ev->args[0].u;
}

/* The time of the calls that ended inside [start, ...): they are gone from the list. */
static uint64_t tt_nest_inside(struct tt_nest *n, uint64_t start_ns)
{
	uint64_t sum = 0;

	while (n->ndone > n->lo && n->done[n->ndone - 1].start_ns >= start_ns)
		sum += n->done[--n->ndone].dur;
	return sum;
}

static void tt_nest_done(struct tt_nest *n, uint64_t start_ns, uint64_t dur)
{
	if (n->ndone - n->lo == TT_NEST_DONE_MAX) {
		/* the older half summed into its newest slot, where the list then begins */
		size_t half = TT_NEST_DONE_MAX / 2, at = n->lo + half - 1;
		struct tt_ncall sum = { n->done[n->lo].start_ns, 0 };

		for (size_t i = n->lo; i <= at; i++)
			sum.dur += n->done[i].dur;
		n->done[at] = sum;
		n->lo = at;
	}
	if (n->ndone == n->done_cap) {
		if (n->lo && n->lo >= n->done_cap / 2) {
			/* moved back to the start once per many halvings, not at each one */
			memmove(n->done, n->done + n->lo, (n->ndone - n->lo) * sizeof(*n->done));
			n->ndone -= n->lo;
			n->lo = 0;
		} else {
			tt_grow((void **)&n->done, &n->done_cap,
				n->ndone < TT_NEST_DONE_MAX ? n->ndone + 1 : 8 * TT_NEST_DONE_MAX,
				sizeof(*n->done));
		}
	}
	n->done[n->ndone++] = (struct tt_ncall){ start_ns, dur };
}

void tt_nest_event(struct tt_nest *n, struct tt_event *ev)
{
	ev->recursive = false;
	ev->inner = false;
	if (ev->type == TT_EV_FUNC_ENTRY) {
		ev->depth = (uint32_t)n->n;
		ev->frames = n->fn;
		ev->self_ns = 0;
		tt_nest_push(n, ev);
		return;
	}
	if (ev->type == TT_EV_FUNC) {
		/* its own entry, if it had one: the frames above it lost their end */
		size_t i = n->n;

		while (i > 0 && !(n->f[i - 1].fn == ev->args[0].u &&
				  n->f[i - 1].start_tick == ev->start_tick))
			i--;
		if (i) {
			n->n = i - 1;
			ev->recursive = n->f[i - 1].recursive;
			ev->inner = true;
		} else {
			for (size_t k = 0; k < n->n && !ev->recursive; k++)
				ev->recursive = n->f[k].fn == ev->args[0].u;
		}
	}
	ev->depth = (uint32_t)n->n;
	ev->frames = n->fn;
	/*
	 * A call of no duration (a heap call timed once) encloses only calls of none, which add
	 * nothing to its time or to that of a call around it: it stays out of the list, as
	 * instants do.
	 */
	if (tt_event_is_instant(ev->type) || n->no_self || ev->end_ns == ev->start_ns) {
		ev->self_ns = 0;
		return;
	}
	uint64_t dur = ev->end_ns - ev->start_ns, inside = tt_nest_inside(n, ev->start_ns);

	ev->self_ns = inside < dur ? dur - inside : 0;
	tt_nest_done(n, ev->start_ns, dur);
}

bool tt_nest_take_open(struct tt_nest *n, struct tt_event *ev, uint64_t end_ns)
{
	if (!n->n)
		return false;
	const struct tt_nframe *o = &n->f[n->n - 1];

	ev->type = TT_EV_FUNC;
	ev->failed = false;
	ev->err = 0;
	ev->result.u = 0;
	memset(ev->args, 0, sizeof(ev->args));
	ev->args[0].u = o->fn;
	ev->args[1].u = TT_FUNC_OPEN;
	ev->start_tick = o->start_tick;
	ev->start_ns = o->start_ns;
	ev->end_ns = end_ns < o->start_ns ? o->start_ns : end_ns;
	ev->stack = 0;
	ev->fd_path = NULL;
	ev->held_ns = -1;
	tt_nest_event(n, ev);
	return true;
}

void tt_nest_free(struct tt_nest *n)
{
	free(n->f);
	free(n->fn);
	free(n->done);
	memset(n, 0, sizeof(*n));
}
