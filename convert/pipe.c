/*
 * pipe.c - the bounded queue of event batches between the decoding and the outputs' threads.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pipe.h"

/*
 * Batches in the ring: either thread can run ahead of the other over a chunk that is
 * slower to decode or events slower to write.  A thread that has to wait for the other
 * sleeps until it can go on for TT_PIPE_WAKE batches, not one: the faster of the two waits
 * all the time, and a sleep and a wake-up per batch would cost more than the batch.
 */
#define TT_PIPE_DEPTH 8
#define TT_PIPE_WAKE 4

struct tt_pipe {
	struct tt_batch b[TT_PIPE_DEPTH];
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* batches handed over and taken back, since the start: put - taken are in flight */
	uint64_t put, taken;
	bool done;		    /* the putting thread has handed over its last batch */
	bool put_waits, take_waits; /* a thread sleeps on cond */
	struct tt_batch *filling;   /* the putting thread's, b[put % TT_PIPE_DEPTH] */
	bool taking;		    /* the taker holds b[taken % TT_PIPE_DEPTH] */
	void (*fn)(struct tt_pipe *p, void *arg);
	void *arg;
	const uint64_t *progress;
	bool (*idle)(void *arg); /* the taker's */
	void *idle_arg;
	bool poked; /* the putting thread has work for the taker's idle time */
};

static void tt_pipe_problem(void *arg, struct tt_problems *pb, enum tt_problem_kind kind,
			    const char *text)
{
	struct tt_batch *b = ((struct tt_pipe *)arg)->filling;

	tt_grow((void **)&b->pb, &b->pb_cap, b->npb + 1, sizeof(*b->pb));
	b->pb[b->npb++] = (struct tt_late_problem){ b->n, kind, pb, tt_xstrdup(text) };
}

/* Hands the batch being filled over, and waits for a free one to fill next. */
static void tt_pipe_hand(struct tt_pipe *p, bool last)
{
	p->filling->progress = *p->progress;
	pthread_mutex_lock(&p->lock);
	p->put++;
	p->done = last;
	if (p->take_waits && (last || p->put - p->taken >= TT_PIPE_WAKE))
		pthread_cond_signal(&p->cond);
	if (!last && p->put - p->taken == TT_PIPE_DEPTH) {
		p->put_waits = true;
		while (p->put - p->taken > TT_PIPE_DEPTH - TT_PIPE_WAKE)
			pthread_cond_wait(&p->cond, &p->lock);
		p->put_waits = false;
	}
	pthread_mutex_unlock(&p->lock);
	if (last)
		return; /* the next batch may be the taker's */
	p->filling = &p->b[p->put % TT_PIPE_DEPTH];
	p->filling->n = 0;
	p->filling->nframes = 0;
	p->filling->uncounted = 0;
}

void tt_pipe_put(struct tt_pipe *p, const struct tt_event *ev)
{
	struct tt_batch *b = p->filling;
	uint32_t i = b->n;

	b->ev[i] = *ev;
	b->frame_at[i] = (uint32_t)b->nframes;
	if (ev->depth) {
		tt_grow((void **)&b->frames, &b->frames_cap, b->nframes + ev->depth,
			sizeof(*b->frames));
		memcpy(b->frames + b->nframes, ev->frames, ev->depth * sizeof(*b->frames));
		b->nframes += ev->depth;
	}
	if (++b->n == TT_PIPE_BATCH)
		tt_pipe_hand(p, false);
}

void tt_pipe_pass(struct tt_pipe *p)
{
	p->filling->uncounted++;
}

static void *tt_pipe_main(void *arg)
{
	struct tt_pipe *p = arg;

	tt_problems_divert(tt_pipe_problem, p);
	p->fn(p, p->arg);
	tt_problems_divert(NULL, NULL);
	tt_pipe_hand(p, true);
	return NULL;
}

struct tt_pipe *tt_pipe_start(void (*fn)(struct tt_pipe *p, void *arg), void *arg,
			      const uint64_t *progress)
{
	struct tt_pipe *p = tt_xcalloc(1, sizeof(*p));

	p->fn = fn;
	p->arg = arg;
	p->progress = progress;
	p->filling = &p->b[0];
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	if (pthread_create(&p->thread, NULL, tt_pipe_main, p)) {
		tt_pipe_free(p);
		return NULL;
	}
	return p;
}

struct tt_batch *tt_pipe_take(struct tt_pipe *p)
{
	struct tt_batch *b;

	pthread_mutex_lock(&p->lock);
	if (p->taking) {
		b = &p->b[p->taken % TT_PIPE_DEPTH];
		for (size_t i = 0; i < b->npb; i++)
			free(b->pb[i].text);
		b->npb = 0;
		p->taken++;
		p->taking = false;
		if (p->put_waits && p->put - p->taken <= TT_PIPE_DEPTH - TT_PIPE_WAKE)
			pthread_cond_signal(&p->cond);
	}
	if (p->put == p->taken && !p->done) {
		p->take_waits = true;
		while (p->put - p->taken < TT_PIPE_WAKE && !p->done) {
			if (p->poked && p->idle) {
				bool more;

				/* a piece at a time: events enough to go on with go first */
				p->poked = false;
				pthread_mutex_unlock(&p->lock);
				more = p->idle(p->idle_arg);
				pthread_mutex_lock(&p->lock);
				p->poked |= more;
				continue;
			}
			pthread_cond_wait(&p->cond, &p->lock);
		}
		p->take_waits = false;
	}
	if (p->put == p->taken) {
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thread, NULL);
		return NULL;
	}
	p->taking = true;
	pthread_mutex_unlock(&p->lock);
	b = &p->b[p->taken % TT_PIPE_DEPTH];
	for (uint32_t i = 0; i < b->n; i++)
		b->ev[i].frames = b->ev[i].depth ? b->frames + b->frame_at[i] : NULL;
	return b;
}

void tt_pipe_idle(struct tt_pipe *p, bool (*idle)(void *arg), void *arg)
{
	p->idle = idle;
	p->idle_arg = arg;
}

void tt_pipe_poke(void *arg)
{
	struct tt_pipe *p = arg;

	pthread_mutex_lock(&p->lock);
	p->poked = true;
	/* the putting thread calls this: the one thread that can wait on cond is the taker */
	if (p->take_waits)
		pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

void tt_pipe_free(struct tt_pipe *p)
{
	for (int i = 0; i < TT_PIPE_DEPTH; i++) {
		free(p->b[i].frames);
		free(p->b[i].pb);
	}
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
}
