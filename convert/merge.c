/*
 * merge.c - k-way merge of all threads of all processes by event end time.
 *
 * A binary min-heap of thread streams keyed by (end ns of the next event, stream id).  A
 * stream whose next chunk is not inflated yet sits in the heap keyed by that chunk's first
 * tick: it is inflated only when it reaches the top, so at any time only the chunks of
 * threads active around the current time are held in memory.
 *
 * The merge runs in a thread of its own and hands the events over a pipe (pipe.h) to this
 * one, which keeps the state and feeds the output.  Nothing the output does changes the
 * order of the merge, which depends on the events' times alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "decode.h"
#include "emit.h"
#include "state.h"
#include "annot.h"
#include "pipe.h"

/*
 * The progress bar: on stderr, redrawn in place at most 5 times a second, from the bytes of
 * EVENTS chunks decoded against those of all inputs.  main.c decides whether there is one
 * (a terminal, a large input).
 */
struct tt_progress {
	uint64_t total;
	uint64_t next_check; /* run->events at which to look at the clock again */
	double last;
	int shown; /* percent shown, -1 none yet */
};

static double tt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void tt_progress_draw(struct tt_progress *p, uint64_t events, uint64_t bytes)
{
	char line[160], bar[41];
	int pct = p->total ? (int)(100 * (bytes < p->total ? bytes : p->total) / p->total) : 100;
	int fill = pct * 40 / 100, n;
	double now = tt_now();

	if (pct == p->shown && now - p->last < 1.0)
		return;
	if (now - p->last < 0.2 && p->shown >= 0)
		return;
	for (int i = 0; i < 40; i++)
		bar[i] = i < fill ? '=' : ' ';
	bar[40] = '\0';
	n = snprintf(line, sizeof(line), "\rtraceit-convert: [%s] %3d%%  %llu events", bar, pct,
		     (unsigned long long)events);
	if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0)
		p->total = 0;
	p->shown = pct;
	p->last = now;
}

static void tt_progress_done(struct tt_progress *p)
{
	static const char clear[] = "\r\033[K";

	if (p->shown >= 0 && write(STDERR_FILENO, clear, sizeof(clear) - 1) < 0)
		p->shown = -1;
}

static inline bool tt_before(const struct tt_tstream *a, const struct tt_tstream *b)
{
	return a->key < b->key || (a->key == b->key && a->id < b->id);
}

static void tt_sift_down(struct tt_tstream **h, size_t n, size_t i)
{
	struct tt_tstream *x = h[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && tt_before(h[c + 1], h[c]))
			c++;
		if (!tt_before(h[c], x))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = x;
}

static size_t tt_count_streams(struct tt_run *run)
{
	size_t n = 0;

	for (size_t i = 0; i < run->nprocs; i++) {
		struct tt_file *f = run->procs[i];

		for (size_t c = 0; c < f->nchunks; c++)
			n += !c || f->chunks[c].tid != f->chunks[c - 1].tid;
	}
	return n;
}

/* The merge proper: the threads' streams, and what their next events go to. */
struct tt_merger {
	struct tt_tstream *streams;
	struct tt_tstream **heap;
	size_t nstreams;
	bool entries; /* the output wants FUNC_ENTRY events */
	/* without a pipe: the output, fed in line */
	struct tt_run *run;
	const struct tt_sink *sink;
	void *self;
	struct tt_progress *prog;
	/* with a pipe: the chunks inflated ahead by the outputs' thread, and the pipe */
	struct tt_ahead *ahead;
	struct tt_pipe *pipe; /* the decoding thread's */
};

/* A chunk was offered to inflate ahead: the outputs' thread is told (decoding thread). */
static void tt_merge_offered(void *arg)
{
	struct tt_merger *m = arg;

	if (m->pipe)
		tt_pipe_poke(m->pipe);
}

/* One event of the merged order, to the state and the output. */
static void tt_merge_event(struct tt_run *run, const struct tt_sink *sink, void *self,
			   struct tt_event *ev)
{
	run->events++;
	if (tt_events[ev->type].effect == TT_FX_FORGET) {
		/* bookkeeping of a time tracing was off: no call to show */
		tt_state_event(ev);
		if (sink->skipped)
			sink->skipped(self, ev);
	} else {
		tt_state_event(ev);
		if (tt_filter_event(run->filter, ev)) {
			run->written++;
			sink->event(self, ev);
		} else if (sink->skipped) {
			sink->skipped(self, ev);
		}
	}
}

static void tt_merge_progress(struct tt_progress *prog, uint64_t events, uint64_t bytes)
{
	if (events >= prog->next_check) {
		prog->next_check = events + (1u << 16);
		tt_progress_draw(prog, events, bytes);
	}
}

/* Runs the merge, handing each event to the pipe p, or to the output if p is NULL. */
static void tt_merge_streams(struct tt_pipe *p, void *arg)
{
	struct tt_merger *m = arg;
	struct tt_tstream **heap = m->heap;
	size_t n = m->nstreams;

	m->pipe = p;
	for (size_t i = n / 2; i-- > 0;)
		tt_sift_down(heap, n, i);
	while (n) {
		struct tt_tstream *s = heap[0], *rival = NULL;

		/* The earliest other stream: s goes on without heap work while it is before it. */
		if (n == 2 || (n > 2 && tt_before(heap[1], heap[2])))
			rival = heap[1];
		else if (n > 2)
			rival = heap[2];

		do {
			if (s->state != TT_TS_READY) {
				/* a chunk to inflate first */
			} else if (s->ev.type == TT_EV_FUNC_ENTRY && !m->entries) {
				/* the start of a FUNC: most outputs need only the FUNC */
				if (p)
					tt_pipe_pass(p);
				else
					m->run->events++;
			} else if (p) {
				tt_pipe_put(p, &s->ev);
			} else {
				tt_merge_event(m->run, m->sink, m->self, &s->ev);
			}
			tt_tstream_advance(s);
		} while (s->state != TT_TS_DONE && (!rival || tt_before(s, rival)));
		if (!p)
			tt_merge_progress(m->prog, m->run->events, tt_decode_bytes);
		if (s->state == TT_TS_DONE)
			heap[0] = heap[--n];
		if (n)
			tt_sift_down(heap, n, 0);
	}
	if (p)
		tt_decode_cleanup(); /* the decoding thread's own buffers */
}

/* How many events ahead the state's tables are looked up, for their slots to be loaded. */
#define TT_MERGE_AHEAD 8

/* The outputs' side of the pipe: the events in merged order, problems in their places. */
static void tt_merge_take(struct tt_pipe *p, struct tt_run *run, const struct tt_sink *sink,
			  void *self, struct tt_progress *prog)
{
	struct tt_batch *b;

	while ((b = tt_pipe_take(p))) {
		size_t k = 0;

		run->events += b->uncounted;
		for (uint32_t i = 0; i < b->n; i++) {
			if (i + TT_MERGE_AHEAD < b->n)
				tt_state_prefetch(&b->ev[i + TT_MERGE_AHEAD]);
			for (; k < b->npb && b->pb[k].at == i; k++)
				tt_problem(b->pb[k].p, b->pb[k].kind, "%s", b->pb[k].text);
			tt_merge_event(run, sink, self, &b->ev[i]);
		}
		for (; k < b->npb; k++)
			tt_problem(b->pb[k].p, b->pb[k].kind, "%s", b->pb[k].text);
		tt_merge_progress(prog, run->events, b->progress);
	}
	tt_pipe_free(p);
}

void tt_merge(struct tt_run *run, const struct tt_sink *sink, void *self)
{
	size_t nstreams = tt_count_streams(run), n = 0;
	struct tt_tstream *streams = tt_xcalloc(nstreams, sizeof(*streams));
	struct tt_tstream **heap = tt_xcalloc(nstreams, sizeof(*heap));
	struct tt_progress prog = { .shown = -1, .next_check = UINT64_MAX };
	struct tt_merger m = { .streams = streams,
			       .heap = heap,
			       .nstreams = nstreams,
			       .entries = (sink->track & TT_TRACK_ENTRIES) != 0,
			       .run = run,
			       .sink = sink,
			       .self = self,
			       .prog = &prog };
	struct tt_pipe *p;

	tt_decode_bytes = 0;
	tt_annot_reset();
	if (run->opt->progress) {
		for (size_t i = 0; i < run->nprocs; i++)
			for (size_t c = 0; c < run->procs[i]->nchunks; c++)
				prog.total +=
					TT_CHUNK_HEADER_LEN + run->procs[i]->chunks[c].payload_len;
		prog.next_check = 1u << 16;
		prog.last = tt_now();
	}

	for (size_t i = 0; i < run->nprocs; i++) {
		struct tt_file *f = run->procs[i];
		size_t c = 0;

		tt_state_init_file(f);
		while (c < f->nchunks) {
			size_t e = tt_thread_run_end(f, c);
			struct tt_tstream *s = &streams[n];

			tt_tstream_init(s, f, tt_file_thread(f, f->chunks[c].tid), &f->chunks[c],
					&f->chunks[e], run->base_ns, (uint32_t)n);
			heap[n++] = s;
			c = e;
		}
	}

	/* Decoding in a thread of its own while this one runs the output; in line if none. */
	m.ahead = tt_ahead_new(tt_merge_offered, &m);
	for (size_t i = 0; i < nstreams; i++)
		streams[i].ahead = m.ahead;
	p = tt_pipe_start(tt_merge_streams, &m, &tt_decode_bytes);
	if (p) {
		tt_pipe_idle(p, tt_ahead_work, m.ahead);
		tt_merge_take(p, run, sink, self, &prog);
	} else {
		for (size_t i = 0; i < nstreams; i++)
			streams[i].ahead = NULL;
		tt_merge_streams(NULL, &m);
	}
	tt_ahead_free(m.ahead);

	tt_progress_done(&prog);
	for (size_t i = 0; i < nstreams; i++)
		tt_tstream_release(&streams[i]);
	free(heap);
	free(streams);
	tt_decode_cleanup();
}
