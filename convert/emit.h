/*
 * emit.h - the run as the output formats see it, and the interface they implement.
 *
 * A format (JSON, CSV, summary) is a sink: begin() before the first event, event() for
 * every event in merged end-time order (after the state of state.h has been applied), end()
 * once all inputs are drained, when the final thread names and END records are known.
 */
#ifndef TT_EMIT_H
#define TT_EMIT_H

#include "filter.h"
#include "model.h"
#include "out.h"

/* How a conversion runs: the command line's choices (main.c). */
struct tt_options {
	struct tt_filter filter;
	uint64_t split_bytes;	/* JSON: parts of at most this many bytes; 0 = one file */
	const char *split_base; /* JSON parts are <split_base>.<n>.json */
	bool progress;		/* a progress bar on stderr */
	unsigned weight;	/* folded: enum tt_weight */
	uint64_t max_slices; /* json, perfetto: fold what does not fit this many slices (fit.h); 0:
				all */
	bool no_compress;    /* perfetto: packets not deflated */
	bool graph_interleave; /* graph: the threads' lines in time order, not one after another */
	bool lines;	       /* folded: frames split by source line, "function (file.c:12)" */
	bool follow;	       /* read the inputs as they grow (follow.c) */
	unsigned table;	       /* csv: enum tt_table (tables.h); 0: the events, without keys */
	void *sink_arg;	       /* what the caller hands its sink (the diff: the side to fill) */
};

/* What the folded output weighs each stack by (--weight). */
enum tt_weight {
	TT_WEIGHT_CALLS = 0,
	TT_WEIGHT_BYTES,
	TT_WEIGHT_TIME,
	TT_WEIGHT_LEAKED,
	TT_NWEIGHTS
};

struct tt_run {
	struct tt_file **files; /* every input file, usable or not, in command-line order */
	size_t nfiles;
	struct tt_file **procs; /* the usable ones of the selected processes, by start time */
	size_t nprocs;
	uint64_t base_ns; /* CLOCK_MONOTONIC ns that becomes time 0 */
	uint64_t events;  /* events decoded so far (those the filter leaves out included) */
	uint64_t written; /* events handed to the sink so far */
	struct tt_out *out;
	const struct tt_options *opt;
	const struct tt_filter *filter;
};

/*
 * event() sees only the events the filter keeps; all of them have gone through the state of
 * state.h first.  track says what state the format needs beyond descriptors and threads.
 */
struct tt_sink {
	void *(*begin)(struct tt_run *run);
	void (*event)(void *self, const struct tt_event *ev);
	/* optional: an event the filter leaves out */
	void (*skipped)(void *self, const struct tt_event *ev);
	void (*end)(void *self, struct tt_run *run);
	unsigned track; /* enum tt_track */
};

extern const struct tt_sink tt_sink_json;
extern const struct tt_sink tt_sink_csv;
extern const struct tt_sink tt_sink_summary;
extern const struct tt_sink tt_sink_folded;
extern const struct tt_sink tt_sink_perfetto;
extern const struct tt_sink tt_sink_graph;
extern const struct tt_sink tt_sink_html;

/* Relative time of an absolute CLOCK_MONOTONIC ns, clamped at 0. */
static inline uint64_t tt_run_rel(const struct tt_run *run, uint64_t ns)
{
	return ns > run->base_ns ? ns - run->base_ns : 0;
}

/* Decodes all events of run->procs in merged order into sink (merge.c). */
void tt_merge(struct tt_run *run, const struct tt_sink *sink, void *self);

#endif /* TT_EMIT_H */
