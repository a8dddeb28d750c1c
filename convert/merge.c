/*
 * merge.c - k-way merge of all threads of all processes by event end time.
 *
 * A binary min-heap of thread streams keyed by (end ns of the next event, stream id).  A
 * stream whose next chunk is not inflated yet sits in the heap keyed by that chunk's first
 * tick: it is inflated only when it reaches the top, so at any time only the chunks of
 * threads active around the current time are held in memory.
 */
#include <stdlib.h>

#include "decode.h"
#include "emit.h"
#include "state.h"

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
			if (s->state == TT_TS_READY) {
				tt_state_event(&s->ev);
				run->events++;
				sink->event(self, &s->ev);
			}
			tt_tstream_advance(s);
		} while (s->state != TT_TS_DONE && (!rival || tt_before(s, rival)));
		if (s->state == TT_TS_DONE)
			heap[0] = heap[--n];
		if (n)
			tt_sift_down(heap, n, 0);
	}

	for (size_t i = 0; i < nstreams; i++)
		tt_tstream_release(&streams[i]);
	free(heap);
	free(streams);
	tt_decode_cleanup();
}
