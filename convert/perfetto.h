/*
 * perfetto.h - the state of the Perfetto output, shared by emit_perfetto.c (events, their
 * order, arrows, counters) and pf_seq.c (packets, sequences, interning, compression).
 *
 * The output is a Trace: repeated TracePacket, grouped into compressed_packets.  Each
 * traced thread is a packet sequence of its own, with its interning tables, its defaults
 * (its thread track, the sequence's incremental clock) and delta timestamps.  Sequence 1
 * carries what belongs to no thread: the clock snapshots, the process tree and the track
 * descriptors.  Field numbers are those of Perfetto's published schema
 * (protos/perfetto/trace/trace_packet.proto and the files it imports).
 */
#ifndef TT_PERFETTO_H
#define TT_PERFETTO_H

#include "emit.h"
#include "fit.h"
#include "flows.h"
#include "hashmap.h"
#include "pb.h"

/* Field numbers: TracePacket */
enum {
	PF_TRACE_PACKET = 1, /* Trace.packet */
	PF_P_PROCESS_TREE = 2,
	PF_P_CLOCK_SNAPSHOT = 6,
	PF_P_TIMESTAMP = 8,
	PF_P_SEQ_ID = 10,
	PF_P_TRACK_EVENT = 11,
	PF_P_INTERNED_DATA = 12,
	PF_P_SEQ_FLAGS = 13,
	PF_P_PREV_DROPPED = 42,
	PF_P_COMPRESSED = 50,
	PF_P_CLOCK_ID = 58,
	PF_P_DEFAULTS = 59,
	PF_P_TRACK_DESCRIPTOR = 60,
	PF_P_FIRST_ON_SEQ = 87,
};

/* TracePacket.sequence_flags */
enum { PF_SEQ_CLEARED = 1, PF_SEQ_NEEDS = 2 };

/* Clock ids: builtin_clock.proto; 64 is the first of the sequence-scoped ones */
enum { PF_CLOCK_REALTIME = 1, PF_CLOCK_MONOTONIC = 3, PF_CLOCK_SEQ = 64 };

/* TrackEvent and TrackEvent.Type */
enum {
	PF_TE_CATEGORY_IIDS = 3,
	PF_TE_DEBUG_ANNOTATIONS = 4,
	PF_TE_TYPE = 9,
	PF_TE_NAME_IID = 10,
	PF_TE_TRACK_UUID = 11,
	PF_TE_NAME = 23,
	PF_TE_COUNTER_VALUE = 30,
	PF_TE_DOUBLE_COUNTER_VALUE = 44,
	PF_TE_CATEGORIES = 22,
	PF_TE_FLOW_IDS = 47,
	PF_TE_TERMINATING_FLOW_IDS = 48,
	PF_TE_CALLSTACK_IID = 56,
	PF_TE_CALLSTACK_WEIGHT = 57,
};
enum { PF_BEGIN = 1, PF_END = 2, PF_INSTANT = 3, PF_COUNTER = 4 };

/* DebugAnnotation */
enum {
	PF_DA_NAME_IID = 1,
	PF_DA_UINT = 3,
	PF_DA_INT = 4,
	PF_DA_DOUBLE = 5,
	PF_DA_STRING = 6,
	PF_DA_POINTER = 7,
	PF_DA_STRING_IID = 17,
};

/* InternedData; each entry is {iid = 1, name or str = 2} */
enum {
	PF_I_CATEGORIES = 1,
	PF_I_NAMES = 2,
	PF_I_ARG_NAMES = 3,
	PF_I_FUNCTION_NAMES = 5,
	PF_I_FRAMES = 6,
	PF_I_CALLSTACKS = 7,
	PF_I_MAPPINGS = 19,
	PF_I_STRINGS = 29,
};

/* The annotation names beyond the roles' own (role names are keys 1..TT_ROLE_COUNT-1) */
enum {
	PF_KEY_RESULT = TT_ROLE_COUNT,
	PF_KEY_PATH,
	PF_KEY_ERRNO,
	PF_KEY_HELD,
	PF_KEY_CALLS,
	PF_KEY_COUNT
};

/* One event waiting to be written: its thread's packets go out in time order. */
struct pf_pend {
	struct tt_event ev;
	uint64_t serial; /* in its thread */
	uint64_t first;	 /* serial of its first descendant, or its own */
	uint64_t out[4]; /* flow ids it starts */
	uint64_t in[2];	 /* flow ids it ends */
	uint8_t nout, nin;
};

/* The folded calls of one (stack, function) in an interval. */
struct pf_stk {
	uint32_t stack;
	uint16_t type;
	uint64_t calls;
	uint64_t bytes;
};

/* A map of non-zero 64-bit keys to values: pf_map_get() below. */
struct pf_map_ent {
	uint64_t key; /* 0: a free slot */
	uint64_t val;
};

/* One packet sequence: a traced thread. */
struct pf_seq {
	struct tt_file *file;
	struct tt_thread *thread;
	uint32_t id;
	uint32_t index;	   /* in pf.all */
	uint64_t gen;	   /* output group its incremental state was last cleared in */
	uint32_t chunk;	   /* input chunk of its last event */
	bool stale;	   /* a new input chunk: its state starts over */
	uint64_t last_ts;  /* of the sequence's incremental clock */
	uint64_t uuid;	   /* thread track */
	const char *named; /* the name its track descriptor gave, (const char *)1 if none */
	bool described;
	bool dropped; /* the next packet says the previous ones were lost */
	/* interned this generation: iid = index + 1 */
	uint64_t names[(TT_EV_COUNT + 63) / 64];
	uint64_t keys[(PF_KEY_COUNT + 63) / 64];
	uint32_t cats;
	struct tt_hmap map; /* strings, frames, stacks: (kind, key) -> iid */
	uint64_t next_iid;
	/* the pending events: a ring of cap (a power of two) from serial head to tail */
	struct pf_pend *ring;
	size_t cap;
	uint64_t head, tail;
	uint64_t *groups; /* serials of the first event of each top-level group, a ring too */
	uint64_t ghead, gtail;
	struct tt_fold fold; /* its folded calls */
	/* with stacks, its folded calls of the current interval by (stack, type) */
	struct tt_hmap stk_map; /* (type, stack) + 1 -> index + 1 in stk */
	struct pf_stk *stk;
	size_t stk_cap, nstk;
	uint64_t stk_at;
	bool stk_described;
};

/* A process counter (heap, allocations, descriptors, threads), sampled as in JSON. */
struct pf_ctr {
	uint64_t seen, pend, pend_ts, window_end, emitted;
	uint64_t max, max_ts; /* the highest value of the window */
	bool pending, have_emitted;
};
enum { PF_CTR_HEAP, PF_CTR_BLOCKS, PF_CTR_FDS, PF_CTR_THREADS, PF_NCTR };

struct pf_file {
	struct pf_ctr ctr[PF_NCTR];
	bool counters_on;
	bool first_done;  /* its first event was written */
	bool first_image; /* the first image of its pid in the run */
	bool target;	  /* its first event receives an arrow (fork, spawn, exec) */
	int next_image;	  /* index of the file that continues its pid after exec, -1 none */
	int chain;	  /* index of the first image of its chain of execs */
	uint64_t live;	  /* heap in use after the last event: what a free gave back */
	struct pf_utrack *utracks; /* the program's counter and async tracks (pf_user.c) */
	size_t nutracks, utracks_cap;
};

struct pf {
	struct tt_run *run;
	struct tt_out *out;
	bool compress;
	uint64_t gen;	     /* output groups written so far */
	struct tt_pb grp;    /* packets of the group being filled */
	struct tt_pb intern; /* what the packet being written interns */
	struct pf_zip *zip;  /* the compressed groups (pf_seq.c), NULL: --no-compress */
	struct pf_file *files;
	uint32_t nseq;
	struct tt_flows flows;
	struct tt_fit fit;
	uint64_t max_slices;
	uint64_t watermark; /* end of the latest event: nothing earlier is still to come */
	uint64_t since_sweep;
	uint64_t flows_lost; /* arrows whose ends were written before they paired */
	bool ctr_on[PF_NCTR];
	/* per event type, the argument slots it shows: roles other than none, a thread's
	 * name (the track's), and a function (a FUNC's name) */
	uint8_t shown[TT_EV_COUNT][TT_MAX_ARGS];
	uint8_t nshown[TT_EV_COUNT];
	struct pf_seq **all; /* every sequence, for the final flush */
	size_t nall, all_cap;
};

/* The process counters: name, CounterDescriptor.Unit (2 count, 3 bytes), category. */
struct pf_ctr_info {
	const char *name;
	uint8_t unit;
	uint8_t cat;
};
extern const struct pf_ctr_info pf_ctr_info[PF_NCTR];

/* Absolute MONOTONIC ns of a time relative to the run's time 0. */
static inline uint64_t pf_abs(const struct pf *p, uint64_t rel)
{
	return p->run->base_ns + rel;
}

/* pf_count.c */
/* The track descriptor of a counter, under parent. */
void pf_counter_track(struct pf *p, uint64_t uuid, uint64_t parent, const char *name,
		      unsigned unit);
/* The process counters after ev; the pending sample of counter k of f. */
void pf_counters(struct pf *p, const struct tt_event *ev);
void pf_ctr_flush(struct pf *p, struct tt_file *f, unsigned k);
/* A call folded to fit the viewer; the samples of a thread's last interval. */
void pf_fold(struct pf *p, const struct tt_event *ev);
void pf_fold_sample(void *ctx, void *who, unsigned k, uint64_t ts, uint64_t v);
void pf_fold_stacks_flush(struct pf *p, struct pf_seq *s);

/* pf_seq.c */
void pf_init(struct pf *p);
void pf_finish(struct pf *p);
/* A packet of sequence 1 (no interning, absolute time when ts != 0); pf_packet_end closes. */
size_t pf_meta_begin(struct pf *p, uint64_t ts);
/*
 * A packet of s at absolute MONOTONIC time ts holding a track event: pf_open writes the
 * packet's own fields and opens the event, whose fields the caller then writes into p->grp;
 * pf_close ends it and adds the definitions it interned (p->intern).
 */
struct pf_at {
	size_t pkt, te;
};
struct pf_at pf_open(struct pf *p, struct pf_seq *s, uint64_t ts, bool dropped);
void pf_close(struct pf *p, struct pf_at at);
void pf_packet_end(struct pf *p, size_t at);
/* The sequence of thread t, made on first use. */
struct pf_seq *pf_seq_new(struct pf *p, struct tt_thread *t);

static inline struct pf_seq *pf_seq_of(struct pf *p, struct tt_thread *t)
{
	return t->out ? (struct pf_seq *)t->out : pf_seq_new(p, t);
}
/* Starts the sequence's interning tables over when the group changed. */
void pf_seq_touch(struct pf *p, struct pf_seq *s, uint64_t ts);

static inline size_t pf_map_hash(const void *e)
{
	return (size_t)(tt_hash_fib(*(const uint64_t *)e) >> 20);
}

static inline bool pf_map_eq(const void *e, const void *key)
{
	return *(const uint64_t *)e == *(const uint64_t *)key;
}

static inline bool pf_map_used(const void *e)
{
	return *(const uint64_t *)e != 0;
}

static inline const struct tt_hkind *pf_map_kind(void)
{
	static const struct tt_hkind kind = {
		.size = sizeof(struct pf_map_ent),
		.first = 64,
		.fill = 2,
		.hash = pf_map_hash,
		.eq = pf_map_eq,
		.used = pf_map_used,
	};

	return &kind;
}

/*
 * The entry of key in m; a new one has value 0 (*fresh).  Inline: the interning of a
 * sequence's strings and stacks looks up every event's.
 */
static inline struct pf_map_ent *pf_map_get(struct tt_hmap *m, uint64_t key, bool *fresh)
{
	struct pf_map_ent *e = tt_hmap_get(m, pf_map_kind(), pf_map_hash(&key), &key, fresh);

	e->key = key;
	return e;
}

/*
 * Interned ids, adding the definition to p->intern when new this generation.  The event
 * names, categories and annotation names are bits of the sequence (inline: every event
 * looks up a few); the *_intern functions define them.
 */
void pf_name_intern(struct pf *p, struct pf_seq *s, unsigned type);
void pf_cat_intern(struct pf *p, struct pf_seq *s, unsigned cat);
void pf_key_intern(struct pf *p, struct pf_seq *s, unsigned key);

static inline uint64_t pf_name_iid(struct pf *p, struct pf_seq *s, unsigned type)
{
	if (!(s->names[type / 64] >> (type % 64) & 1))
		pf_name_intern(p, s, type);
	return type;
}

static inline uint64_t pf_cat_iid(struct pf *p, struct pf_seq *s, unsigned cat)
{
	if (!(s->cats >> cat & 1))
		pf_cat_intern(p, s, cat);
	return cat + 1;
}

static inline uint64_t pf_key_iid(struct pf *p, struct pf_seq *s, unsigned key)
{
	if (!(s->keys[key / 64] >> (key % 64) & 1))
		pf_key_intern(p, s, key);
	return key;
}

uint64_t pf_fname_iid(struct pf *p, struct pf_seq *s, const char *name);

/*
 * A debug annotation named key (an iid of pf_key_iid) with one value of the given kind (enum
 * tt_kind, or PF_KIND_DOUBLE: v.u holds a double's bits), at c in room reserved in p->grp:
 * 25 bytes at most.  Returns the cursor after it.
 */
enum { PF_KIND_DOUBLE = TT_KIND_STR + 1 };
uint8_t *pf_arg(struct pf *p, struct pf_seq *s, uint8_t *c, unsigned key, unsigned kind,
		union tt_value v);
uint64_t pf_str_iid(struct pf *p, struct pf_seq *s, const char *str);
uint64_t pf_stack_iid(struct pf *p, struct pf_seq *s, uint32_t stack);
/* Track uuids */
uint64_t pf_uuid(unsigned kind, uint64_t a, uint64_t b);
enum {
	PF_UUID_PROCESS = 1,
	PF_UUID_THREAD,
	PF_UUID_COUNTER,
	PF_UUID_FOLD,
	PF_UUID_FOLD_STACKS,
	PF_UUID_USER
};

/*
 * pf_user.c: a counter sample or an async span's step of the program's, on its own track
 * under the process track parent; false if ev is none of those (or an async step whose id
 * never began), which its thread then shows as an instant.
 */
bool pf_user_event(struct pf *p, const struct tt_event *ev, uint64_t parent);
void pf_user_free(struct pf_file *pf);
/* The track descriptor of a thread (again when its name changed). */
void pf_describe_thread(struct pf *p, struct pf_seq *s);

#endif /* TT_PERFETTO_H */
