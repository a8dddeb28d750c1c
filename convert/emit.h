/*
 * emit.h - the run as the output formats see it, and the interface they implement.
 *
 * A format (JSON, CSV, summary) is a sink: begin() before the first event, event() for
 * every event in merged end-time order (after the state of state.h has been applied), end()
 * once all inputs are drained, when the final thread names and END records are known.
 */
#ifndef TT_EMIT_H
#define TT_EMIT_H

#include "model.h"
#include "out.h"

struct tt_run {
	struct tt_file **files; /* every input file, usable or not, in command-line order */
	size_t nfiles;
	struct tt_file **procs; /* the usable ones, by start time: the processes */
	size_t nprocs;
	uint64_t base_ns; /* CLOCK_MONOTONIC ns that becomes time 0 */
	uint64_t events;  /* events handed to the sink so far */
	struct tt_out *out;
};

struct tt_sink {
	void *(*begin)(struct tt_run *run);
	void (*event)(void *self, const struct tt_event *ev);
	void (*end)(void *self, struct tt_run *run);
};

extern const struct tt_sink tt_sink_json;
extern const struct tt_sink tt_sink_csv;
extern const struct tt_sink tt_sink_summary;

/* Relative time of an absolute CLOCK_MONOTONIC ns, clamped at 0. */
static inline uint64_t tt_run_rel(const struct tt_run *run, uint64_t ns)
{
	return ns > run->base_ns ? ns - run->base_ns : 0;
}

/* Decodes all events of run->procs in merged order into sink (merge.c). */
void tt_merge(struct tt_run *run, const struct tt_sink *sink, void *self);

#endif /* TT_EMIT_H */
