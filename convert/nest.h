/*
 * nest.h - how the calls of one thread nest: the traced functions open around each event
 * (depth, their addresses for stacks), each call's self time (its duration less that of the
 * calls recorded inside it), and whether a function call is a recursion of an open one.
 *
 * Fed every event of the thread in its own order (end times), before the outputs see it.
 * A function call with recorded calls inside comes as FUNC_ENTRY, its inner calls, then
 * its FUNC (collector/funcs.c); one without is a FUNC alone.
 */
#ifndef TT_NEST_H
#define TT_NEST_H

#include "model.h"

struct tt_nframe {
	uint64_t fn;
	uint64_t start_tick;
	uint64_t start_ns;
	bool recursive; /* the same function is open further out */
};

struct tt_nest {
	struct tt_nframe *f; /* the open functions, outermost first */
	uint64_t *fn;	     /* their addresses, for tt_event.frames */
	size_t n, cap;
	/*
	 * calls that ended and may yet turn out to be inside a later one, (start, duration):
	 * done[lo] to done[ndone - 1]
	 */
	struct tt_ncall {
		uint64_t start_ns, dur;
	} * done;
	size_t lo, ndone, done_cap;
	bool no_self; /* no self times wanted (a pass that only counts): self_ns is left 0 */
};

/* Sets ev's depth, frames, self_ns and recursive, and follows ev into the thread's state. */
void tt_nest_event(struct tt_nest *n, struct tt_event *ev);

/*
 * The thread has no more events: a function it left open becomes a FUNC ending at end_ns,
 * ended OPEN, into *ev (whose file and thread are set).  False when none is left.
 */
bool tt_nest_take_open(struct tt_nest *n, struct tt_event *ev, uint64_t end_ns);

void tt_nest_free(struct tt_nest *n);

/* The name of a FUNC or FUNC_ENTRY's function. */
static inline const char *tt_func_name(const struct tt_event *ev)
{
	return tt_callstack_func(ev->file, ev->start_tick, ev->args[0].u);
}

#endif /* TT_NEST_H */
