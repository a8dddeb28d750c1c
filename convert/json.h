/*
 * json.h - the state of the JSON output, shared by emit_json.c (events, counters, arrows)
 * and json_tail.c (output parts, and what closes each: names, lost events, metadata).
 */
#ifndef TT_JSON_H
#define TT_JSON_H

#include "emit.h"
#include "fit.h"
#include "flows.h"
#include "jsontime.h"

/* Per thread. */
struct tt_jthread {
	struct tt_jtime time;
	struct tt_fold fold; /* its folded calls (fit.h) */
	uint8_t idslen;
	char ids[56]; /* ,"pid":P,"tid":T,"args":{ */
};

/*
 * Fixed text made once: copied with a constant-size memcpy (a few vector moves) and the
 * write position advanced by the real length.
 */
/* The leading bytes of an event of each type: {"name":"read","cat":"io","ph":"X","ts": */
struct tt_json_prefix {
	char text[112];
	uint8_t len;
};

/* ,"key": of each role (the comma skipped for the first key) */
struct tt_json_key {
	char text[24];
	uint8_t len;
};

/* Counters per process: the series of one counter event name (see emit_json.c). */
enum tt_ctr_kind { TT_CTR_HEAP, TT_CTR_BLOCKS, TT_CTR_FDS, TT_CTR_THREADS, TT_NCTR };

struct tt_ctr {
	uint64_t seen;	  /* the value last looked at */
	uint64_t emitted; /* the value last written */
	uint64_t pend;	  /* the value to write at pend_ts, if pending */
	uint64_t pend_ts;
	uint64_t window_end; /* the end of pend_ts's window (and of the --to window) */
	uint64_t before;     /* the value before the --from window, if have_before */
	bool have_emitted, pending, have_before;
};

/* Per input file (process image), by tt_file.index. */
struct tt_jfile {
	struct tt_ctr ctr[TT_NCTR];
	int64_t next_image; /* index of the file of the next image of this pid, -1 none */
	uint32_t part_seen; /* 1 + the last part its process appeared in */
	bool counters_on;   /* its initial values were given */
	bool first_done;    /* its first written event went by */
	bool first_image;   /* the first image of its pid (else it began with an exec) */
	bool target;	    /* its first event may receive an arrow */
	uint64_t live;	    /* heap in use after its last event: what a folded free gave back */
};

/* One output part (one only, without --split-mb). */
struct tt_jpart {
	char *path;		    /* NULL without --split-mb */
	struct tt_thread **threads; /* threads that appear in it */
	size_t nthreads, cap;
	uint64_t events;
	bool empty; /* no event line yet: the next one needs no separator */
};

struct tt_json {
	struct tt_run *run;
	struct tt_out *out;
	const struct tt_filter *filter;
	struct tt_jfile *files;
	struct tt_json_prefix prefix[TT_EV_COUNT];
	struct tt_json_prefix prefix_x[TT_EV_COUNT]; /* instants written as zero-length slices */
	struct tt_json_key key[TT_ROLE_COUNT];
	struct tt_json_key result_key[TT_ROLE_COUNT];
	struct tt_json_key path_key;
	struct tt_json_key errno_key;
	struct tt_json_key held_key;
	struct tt_json_key stack_key;
	uint8_t rel[TT_EV_COUNT]; /* enum tt_jrel (emit_json.c) */
	bool ctr_on[TT_NCTR];	  /* the filter keeps its category */
	struct tt_flows flows;
	uint64_t flow_id;
	struct tt_fit fit;

	/* output parts (json_tail.c) */
	struct tt_jpart *parts;
	size_t nparts;	  /* parts[nparts - 1] is being written */
	uint64_t limit;	  /* --split-mb in bytes, 0 = one output */
	uint64_t reserve; /* bytes the current part must keep for its tail */
	uint64_t fixed_reserve;
	bool carry; /* a new part began: repeat the counters' values at its first event */
	/* emit_json.c's: what must be written before a part closes (its pending samples) */
	void (*before_close)(struct tt_json *j);
	bool closing; /* a part is being closed: write, don't check room */
};

/* The part being written, and its number. */
static inline struct tt_jpart *tt_json_part(struct tt_json *j)
{
	return &j->parts[j->nparts - 1];
}

/* json_tail.c */
/* Opens the first part (or takes run->out as the only one). */
void tt_json_parts_begin(struct tt_json *j);
/* With --split-mb: makes room for need more bytes, beginning a new part if they don't fit. */
void tt_json_room_slow(struct tt_json *j, uint64_t need);
static inline void tt_json_room(struct tt_json *j, uint64_t need)
{
	if (j->limit)
		tt_json_room_slow(j, need);
}
/* With --split-mb: thread t (of an event being written) appears in the current part. */
void tt_json_seen_slow(struct tt_json *j, struct tt_thread *t);
static inline void tt_json_seen(struct tt_json *j, struct tt_thread *t)
{
	if (j->limit && t->out_mark != j->nparts)
		tt_json_seen_slow(j, t);
}
/* Starts a line of the event array: the separator. */
static inline void tt_json_line(struct tt_json *j)
{
	struct tt_jpart *p = tt_json_part(j);

	if (!p->empty)
		tt_out_write(j->out, ",\n", 2);
	p->empty = false;
}
/* Closes every part: lost events, names, metadata. */
void tt_json_parts_end(struct tt_json *j);

/* json_user.c: an event of the USER category, whole (the separator written already) */
void tt_json_user(struct tt_json *j, const struct tt_event *ev, struct tt_jthread *jt);

/* The main thread of f, which counter events are attributed to. */
struct tt_thread *tt_json_main_thread(struct tt_file *f);

#endif /* TT_JSON_H */
