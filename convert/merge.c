/*
 * merge.c - k-way merge of all threads of all processes by event end time.
 *
 * A binary min-heap of thread streams keyed by (end ns of the next event, stream id).  A
 * stream whose next chunk is not inflated yet sits in the heap keyed by that chunk's first
 * tick: it is inflated only when it reaches the top, so at any time only the chunks of
 * threads active around the current time are held in memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "decode.h"
#include "emit.h"
#include "state.h"
#include "annot.h"

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

static void tt_progress_draw(struct tt_progress *p, uint64_t events)
{
	char line[160], bar[41];
	int pct = p->total ? (int)(100 * (tt_decode_bytes < p->total ? tt_decode_bytes : p->total) /
				   p->total)
			   : 100;
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

void tt_merge(struct tt_run *run, const struct tt_sink *sink, void *self)
{
	size_t nstreams = tt_count_streams(run), n = 0;
	struct tt_tstream *streams = tt_xcalloc(nstreams, sizeof(*streams));
	struct tt_tstream **heap = tt_xcalloc(nstreams, sizeof(*heap));
	const struct tt_filter *filter = run->filter;
	struct tt_progress prog = { .shown = -1, .next_check = UINT64_MAX };

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
			size_t e = c + 1;
			struct tt_tstream *s = &streams[n];

			while (e < f->nchunks && f->chunks[e].tid == f->chunks[c].tid)
				e++;
			tt_tstream_init(s, f, tt_file_thread(f, f->chunks[c].tid), &f->chunks[c],
					&f->chunks[e], run->base_ns, (uint32_t)n);
			heap[n++] = s;
			c = e;
		}
	}
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
			if (s->state == TT_TS_READY && s->ev.type == TT_EV_FUNC_ENTRY &&
			    !(sink->track & TT_TRACK_ENTRIES)) {
				/* the start of a FUNC: most outputs need only the FUNC */
				run->events++;
			} else if (s->state == TT_TS_READY &&
				   tt_events[s->ev.type].effect == TT_FX_FORGET) {
				/* bookkeeping of a time tracing was off: no call to show */
				tt_state_event(&s->ev);
				run->events++;
				if (sink->skipped)
					sink->skipped(self, &s->ev);
			} else if (s->state == TT_TS_READY) {
				tt_state_event(&s->ev);
				run->events++;
				if (tt_filter_event(filter, &s->ev)) {
					run->written++;
					sink->event(self, &s->ev);
				} else if (sink->skipped) {
					sink->skipped(self, &s->ev);
				}
			}
			tt_tstream_advance(s);
		} while (s->state != TT_TS_DONE && (!rival || tt_before(s, rival)));
		if (run->events >= prog.next_check) {
			prog.next_check = run->events + (1u << 16);
			tt_progress_draw(&prog, run->events);
		}
		if (s->state == TT_TS_DONE)
			heap[0] = heap[--n];
		if (n)
			tt_sift_down(heap, n, 0);
	}

	tt_progress_done(&prog);
	for (size_t i = 0; i < nstreams; i++)
		tt_tstream_release(&streams[i]);
	free(heap);
	free(streams);
	tt_decode_cleanup();
}
