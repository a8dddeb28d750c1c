/*
 * decode.h - the events of one thread of one stream file, decoded one chunk at a time.
 *
 * A tt_tstream walks the EVENTS chunks of its thread in file order.  Only the chunk being
 * decoded is held inflated, so memory does not grow with the number of events.  The
 * stream also applies the exec convention of format.h: an exec recorded before the call
 * (dur 0) is held back until the next record of the thread shows whether the exec failed,
 * in which case the failed record replaces it.
 *
 * States: PENDING (next chunk not inflated yet; key = its first tick in ns, a lower bound of
 * its events), READY (ev holds the next event; key = its end in ns), DONE.
 */
#ifndef TT_DECODE_H
#define TT_DECODE_H

#include "model.h"
#include "nest.h"

enum tt_tstream_state { TT_TS_PENDING, TT_TS_READY, TT_TS_DONE };

struct tt_ahead;

struct tt_tstream {
	uint64_t key; /* absolute end ns of ev, or lower bound while PENDING */
	uint32_t id;  /* tie-break between equal keys: deterministic output */
	enum tt_tstream_state state;
	struct tt_event ev;

	struct tt_file *file;
	struct tt_thread *thread;
	const struct tt_chunk_ref *next; /* next chunk to load */
	const struct tt_chunk_ref *last; /* one past this thread's chunks */
	const struct tt_chunk_ref *cur;	 /* chunk being decoded, NULL if none */
	uint8_t *buf;			 /* inflated payload of cur, from the pool */
	size_t buf_cap;
	/* read position and end of each column; the interleaved layout uses column 0 only */
	const uint8_t *cp[TT_NCOLS];
	const uint8_t *cend[TT_NCOLS];
	bool columns;	     /* the chunk is in the column layout */
	const uint64_t *raw; /* a recovered chunk (TT_REF_RAW): its next record, else NULL */
	uint64_t *hist;	     /* column layout: the chunk's ADDR values so far */
	uint32_t nhist, hist_cap;
	uint32_t left; /* records left in cur */
	uint32_t hint; /* timemap segment */
	/*
	 * That segment's ends and slope, or an empty range: a copy in the stream, read for
	 * every timestamp without going through the file (tt_ns)
	 */
	uint64_t seg_tick, seg_len, seg_ns, seg_end_ns, seg_mult;
	uint64_t prev_end;
	uint64_t prev_addr;
	uint32_t prev_stack;
	bool stack_ids; /* the chunk's records end with a stack reference */
	uint64_t base_ns;
	struct tt_event look; /* record read after a pending exec */
	uint64_t look_key;
	bool have_look;
	/* the thread's open spans (SPAN_BEGIN records not ended yet), innermost last */
	struct tt_open_span *spans;
	size_t nspans, spans_cap;
	uint64_t last_key;   /* the latest key handed out: where open spans end */
	struct tt_nest nest; /* the thread's open functions, self times */
	uint64_t *loaded;    /* counts the bytes of the chunks loaded: tt_decode_bytes */
	/*
	 * A stream decoded beside others, only to count its events (fit.c): an undefined string
	 * id makes no placeholder, which would change the string table under the other threads
	 * and in another order than one thread would; it is noted instead.
	 */
	bool counting;
	bool unknown_string;	/* counting met a string id that is not defined */
	struct tt_ahead *ahead; /* where the next chunk is offered to inflate ahead, or NULL */
};

struct tt_open_span {
	const char *name, *cat;
	uint64_t start_tick, start_ns;
};

/* Where the run of f's chunks that starts at c ends: a thread's stream is such a run. */
static inline size_t tt_thread_run_end(const struct tt_file *f, size_t c)
{
	size_t e = c + 1;

	while (e < f->nchunks && f->chunks[e].tid == f->chunks[c].tid)
		e++;
	return e;
}

/* Sets up the stream of chunks [first, last) of thread t; ends PENDING or DONE. */
void tt_tstream_init(struct tt_tstream *s, struct tt_file *f, struct tt_thread *t,
		     const struct tt_chunk_ref *first, const struct tt_chunk_ref *last,
		     uint64_t base_ns, uint32_t id);
/* PENDING: inflates and reads the first event.  READY: moves past ev.  Updates key, state. */
void tt_tstream_advance(struct tt_tstream *s);
/* Frees what the stream holds (it may be in any state). */
void tt_tstream_release(struct tt_tstream *s);
/*
 * Frees the calling thread's buffer pool and inflate state: by each thread that decoded, once
 * it is done.  (The pool, the kept EVENTS_MULTI chunk and the inflate state are the thread's
 * own, so that streams can be decoded in several threads at once.)
 */
void tt_decode_cleanup(void);

/*
 * Inflating ahead.  When the outputs are faster than the decoding (a summary), the outputs'
 * thread waits for events while the decoding thread inflates chunks, a good part of its
 * time.  So a stream that loads a deflated chunk offers the next one of its thread; a thread
 * with nothing else to do inflates it (tt_ahead_work), and the stream takes it inflated when
 * it gets there, or inflates it itself if nobody started it.  Either way the same bytes, or
 * the same failure, come out of the same inflate.
 */
struct tt_ahead *tt_ahead_new(void (*offered)(void *arg), void *arg);
void tt_ahead_free(struct tt_ahead *a);
/* Inflates one chunk offered; false if none was. */
bool tt_ahead_work(void *a);

/* Bytes of EVENTS chunks loaded so far in the run: the progress of a conversion. */
extern uint64_t tt_decode_bytes;

#endif /* TT_DECODE_H */
