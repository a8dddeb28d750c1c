/*
 * pipe.h - merged events handed from the decoding thread to the outputs' thread in batches.
 *
 * The merge's decoding (inflate, records, the threads' nesting and the k-way merge) and what
 * the outputs do with the events take about as long as each other, so a conversion gives
 * each a core: one thread puts events in, in merged order, and another takes them out in
 * that order.  The queue is bounded, so memory does not follow the size of the trace.
 *
 * A problem the decoding thread finds is told at its place in the stream of events: the
 * taker records it between the events it came between, as a conversion in one thread would.
 */
#ifndef TT_PIPE_H
#define TT_PIPE_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "model.h"

#define TT_PIPE_BATCH 1024

/* A problem to record before event number at of its batch. */
struct tt_late_problem {
	uint32_t at;
	enum tt_problem_kind kind;
	struct tt_problems *p;
	char *text;
};

struct tt_batch {
	struct tt_event ev[TT_PIPE_BATCH]; /* frames point into the batch's own copy */
	uint32_t n;
	uint32_t frame_at[TT_PIPE_BATCH]; /* where each event's frames begin in frames */
	uint64_t *frames;
	size_t nframes, frames_cap;
	uint64_t uncounted; /* events decoded and passed over (entries): counted, not handed */
	uint64_t progress;  /* the putting thread's progress when the batch was handed over */
	struct tt_late_problem *pb;
	size_t npb, pb_cap;
};

struct tt_pipe;

/*
 * Starts fn(p, arg) in a thread of its own, which puts events in the pipe; each batch
 * carries the value of *progress (which that thread updates) when it was handed over.  NULL
 * if no thread could be made: the caller then does the work in line.
 */
struct tt_pipe *tt_pipe_start(void (*fn)(struct tt_pipe *p, void *arg), void *arg,
			      const uint64_t *progress);

/* The putting thread: one event (its frames copied), one more event passed over. */
void tt_pipe_put(struct tt_pipe *p, const struct tt_event *ev);
void tt_pipe_pass(struct tt_pipe *p);

/*
 * The taking thread: the next batch, NULL once the putting thread has returned and every
 * batch was taken (the thread is then joined).  The batch is the taker's until the next call.
 */
struct tt_batch *tt_pipe_take(struct tt_pipe *p);
/*
 * Work the taking thread does when it would wait for events: idle(arg) does a piece of it,
 * false when there was none.  Set by the taker; the putting thread tells it of new work
 * with tt_pipe_poke().
 */
void tt_pipe_idle(struct tt_pipe *p, bool (*idle)(void *arg), void *arg);
void tt_pipe_poke(void *p);
/* Frees the pipe, after tt_pipe_take() returned NULL. */
void tt_pipe_free(struct tt_pipe *p);

#endif /* TT_PIPE_H */
