/*
 * filter.h - which events an output keeps: --from, --to, --pid, --tid, --category and
 * --min-duration.
 *
 * Filters select what is written, never what is tracked: the state of state.h (descriptor
 * paths, thread names, live heap, held locks) follows every event of the selected processes,
 * so that a call inside the window still names the file opened before it.  Processes left
 * out by --pid are not decoded at all.
 */
#ifndef TT_FILTER_H
#define TT_FILTER_H

#include "model.h"

struct tt_filter {
	bool active;	     /* some option other than --pid was given: test every event */
	uint64_t from_ns;    /* the window, relative to time 0 */
	uint64_t to_ns;	     /* UINT64_MAX: no end */
	uint64_t min_dur_ns; /* 0: no minimum */
	uint32_t *pids;	     /* sorted; npids == 0: every process */
	size_t npids;
	uint32_t *tids; /* sorted; ntids == 0: every thread */
	size_t ntids;
	uint32_t categories; /* mask of 1 << enum tt_category */
	uint32_t window;     /* 0: every window of tracing */
};

/* Everything passes. */
void tt_filter_init(struct tt_filter *f);
void tt_filter_free(struct tt_filter *f);

/*
 * Parsers of the option values.  Each returns 0, or -1 with *why set to a message (without
 * the option's name) that says what is accepted.
 */
/* "1.5s", "200ms", "10us", "10µs", "250ns", "0": exact to the nanosecond */
int tt_parse_time(const char *s, uint64_t *ns, const char **why);
/* "12,345": positive ids, appended to *v, sorted and deduplicated */
int tt_parse_ids(const char *s, uint32_t **v, size_t *n, const char **why);
/* "io,lock": category names of format.h, or'ed into *mask */
int tt_parse_categories(const char *s, uint32_t *mask, const char **why);
/* A positive whole number, at most max */
int tt_parse_count(const char *s, uint64_t max, uint64_t *v, const char **why);

bool tt_filter_has_id(const uint32_t *v, size_t n, uint32_t id);

/* Whether the process pid is selected. */
static inline bool tt_filter_pid(const struct tt_filter *f, uint32_t pid)
{
	return !f->npids || tt_filter_has_id(f->pids, f->npids, pid);
}

/* Whether the category cat is selected. */
static inline bool tt_filter_category(const struct tt_filter *f, unsigned cat)
{
	return f->categories & (1u << cat);
}

/* Whether a moment (a counter sample) lies in the window. */
static inline bool tt_filter_time(const struct tt_filter *f, uint64_t ns)
{
	return ns >= f->from_ns && ns <= f->to_ns;
}

/*
 * Whether an event of a selected process is written: its category and thread are selected,
 * it lasted at least the minimum, and it overlaps the window (ends at or after its start,
 * starts at or before its end).
 */
static inline bool tt_filter_event(const struct tt_filter *f, const struct tt_event *ev)
{
	if (!f->active)
		return true;
	return tt_filter_category(f, tt_events[ev->type].category) &&
	       ev->end_ns - ev->start_ns >= f->min_dur_ns && ev->end_ns >= f->from_ns &&
	       ev->start_ns <= f->to_ns &&
	       (!f->ntids || tt_filter_has_id(f->tids, f->ntids, ev->thread->tid)) &&
	       (!f->window || ev->file->window == f->window);
}

#endif /* TT_FILTER_H */
