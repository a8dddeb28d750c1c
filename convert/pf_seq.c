/*
 * pf_seq.c - the Perfetto output's packets: sequences and their incremental state,
 * interning, and the compressed groups packets are written in.
 *
 * Every group of packets (at most TT_PF_GROUP bytes before compression), and every input
 * chunk of a thread, starts its sequence over: the first packet clears the incremental state
 * (SEQ_INCREMENTAL_STATE_CLEARED), gives the defaults again and snapshots the clock, and
 * strings are interned anew.  A group is then readable on its own: losing one loses only
 * its events.  trace_packet.proto: "trace_packet_defaults ... must be reemitted when
 * incremental state is cleared"; compressed_packets hold "proto encoded trace packets
 * compressed using deflate", each group under 512 KB.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <zlib.h>
#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#include "perfetto.h"
#include "state.h"

/* Raw bytes of packets per compressed group. */
#define TT_PF_GROUP (448u << 10)

enum { PF_MAP_STR = 1, PF_MAP_FRAME, PF_MAP_STACK, PF_MAP_MAPPING, PF_MAP_FNAME };

uint64_t pf_uuid(unsigned kind, uint64_t a, uint64_t b)
{
	/* splitmix64 of the three: uuids only have to differ */
	uint64_t z = (uint64_t)kind * 0x9e3779b97f4a7c15u ^ a * 0xbf58476d1ce4e5b9u ^
		     (b + 0x632be59bd9b4e019u) * 0x94d049bb133111ebu;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return (z ^ (z >> 31)) | 1;
}

/*
 * Compression runs in a thread of its own, one group behind the packets being made, and is
 * the only writer of the output: deflate is a fifth of the work, and a conversion has the
 * machine's other core.  Without the thread (it could not be made), the same work is done
 * in line.
 */
struct pf_zip {
	pthread_t thread;
	bool threaded;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct tt_pb in; /* the group handed over */
	bool full;	 /* in holds a group to compress */
	bool stop;
	struct tt_out *out;
	z_stream z;
	uint8_t *zbuf;
	size_t zcap;
	struct tt_pb pkt; /* the packet that wraps a compressed group */
};

#ifdef HAVE_ISAL
/*
 * igzip level 1 with the zlib header and trailer: much faster than zlib's level 1,
 * and a group is compressed whole in one call.  Returns the length, 0 if it did not fit.
 */
static size_t pf_igzip(struct pf_zip *zp)
{
	static struct isal_zstream s;
	static uint8_t *level_buf;

	if (!level_buf)
		level_buf = tt_xmalloc(ISAL_DEF_LVL1_DEFAULT);
	isal_deflate_stateless_init(&s);
	s.level = 1;
	s.level_buf = level_buf;
	s.level_buf_size = ISAL_DEF_LVL1_DEFAULT;
	s.next_in = zp->in.buf;
	s.avail_in = (uint32_t)zp->in.len;
	s.next_out = zp->zbuf;
	s.avail_out = (uint32_t)zp->zcap;
	s.end_of_stream = 1;
	s.flush = NO_FLUSH;
	s.gzip_flag = IGZIP_ZLIB;
	return isal_deflate_stateless(&s) == COMP_OK ? s.total_out : 0;
}
#endif

/* Compresses zp->in and writes it as one packet. */
static void pf_zip_group(struct pf_zip *zp)
{
	z_stream *z = &zp->z;
	size_t bound = deflateBound(z, zp->in.len) + 1024, n = 0, at;

	if (zp->zcap < bound) {
		zp->zcap = bound;
		zp->zbuf = tt_xrealloc(zp->zbuf, bound);
	}
#ifdef HAVE_ISAL
	n = pf_igzip(zp);
#endif
	if (!n) {
		z->next_in = zp->in.buf;
		z->avail_in = (uInt)zp->in.len;
		z->next_out = zp->zbuf;
		z->avail_out = (uInt)zp->zcap;
		if (deflate(z, Z_FINISH) != Z_STREAM_END) {
			fprintf(stderr, "traceit-convert: zlib compression failed\n");
			exit(2);
		}
		n = zp->zcap - z->avail_out;
		deflateReset(z);
	}
	zp->pkt.len = 0;
	at = tt_pb_begin(&zp->pkt, PF_TRACE_PACKET);
	tt_pb_bytes(&zp->pkt, PF_P_COMPRESSED, zp->zbuf, n);
	tt_pb_end(&zp->pkt, at);
	tt_out_write(zp->out, zp->pkt.buf, zp->pkt.len);
	zp->in.len = 0;
}

static void *pf_zip_main(void *arg)
{
	struct pf_zip *zp = arg;

	pthread_mutex_lock(&zp->lock);
	for (;;) {
		while (!zp->full && !zp->stop)
			pthread_cond_wait(&zp->cond, &zp->lock);
		if (!zp->full)
			break;
		pthread_mutex_unlock(&zp->lock);
		pf_zip_group(zp);
		pthread_mutex_lock(&zp->lock);
		zp->full = false;
		pthread_cond_broadcast(&zp->cond);
	}
	pthread_mutex_unlock(&zp->lock);
	return NULL;
}

void pf_init(struct pf *p)
{
	struct pf_zip *zp;

	if (!p->compress)
		return;
	zp = p->zip = tt_xcalloc(1, sizeof(*zp));
	zp->out = p->out;
	/* zlib's format: Perfetto inflates groups with inflateInit2(32 + MAX_WBITS) */
	if (deflateInit(&zp->z, 1) != Z_OK) {
		fprintf(stderr, "traceit-convert: cannot set up zlib compression\n");
		exit(2);
	}
	pthread_mutex_init(&zp->lock, NULL);
	pthread_cond_init(&zp->cond, NULL);
	zp->threaded = pthread_create(&zp->thread, NULL, pf_zip_main, zp) == 0;
}

static void pf_group_flush(struct pf *p)
{
	struct pf_zip *zp = p->zip;
	struct tt_pb t;

	if (!p->grp.len)
		return;
	p->gen++;
	if (!zp) {
		tt_out_write(p->out, p->grp.buf, p->grp.len);
		p->grp.len = 0;
		return;
	}
	if (!zp->threaded) {
		t = zp->in, zp->in = p->grp, p->grp = t;
		pf_zip_group(zp);
		return;
	}
	pthread_mutex_lock(&zp->lock);
	while (zp->full)
		pthread_cond_wait(&zp->cond, &zp->lock);
	t = zp->in, zp->in = p->grp, p->grp = t;
	p->grp.len = 0;
	zp->full = true;
	pthread_cond_broadcast(&zp->cond);
	pthread_mutex_unlock(&zp->lock);
}

void pf_finish(struct pf *p)
{
	struct pf_zip *zp = p->zip;

	pf_group_flush(p);
	if (zp) {
		if (zp->threaded) {
			pthread_mutex_lock(&zp->lock);
			zp->stop = true;
			pthread_cond_broadcast(&zp->cond);
			pthread_mutex_unlock(&zp->lock);
			pthread_join(zp->thread, NULL);
		}
		pthread_mutex_destroy(&zp->lock);
		pthread_cond_destroy(&zp->cond);
		deflateEnd(&zp->z);
		free(zp->zbuf);
		tt_pb_free(&zp->in);
		tt_pb_free(&zp->pkt);
		free(zp);
	}
	tt_pb_free(&p->grp);
	tt_pb_free(&p->intern);
}

size_t pf_meta_begin(struct pf *p, uint64_t ts)
{
	size_t at = tt_pb_begin(&p->grp, PF_TRACE_PACKET);

	tt_pb_uint(&p->grp, PF_P_SEQ_ID, 1);
	if (ts) {
		tt_pb_uint(&p->grp, PF_P_TIMESTAMP, ts);
		tt_pb_uint(&p->grp, PF_P_CLOCK_ID, PF_CLOCK_MONOTONIC);
	}
	return at;
}

void pf_packet_end(struct pf *p, size_t at)
{
	tt_pb_end(&p->grp, at);
	if (p->grp.len >= TT_PF_GROUP)
		pf_group_flush(p);
}

struct pf_seq *pf_seq_new(struct pf *p, struct tt_thread *t)
{
	struct pf_file *pf = &p->files[t->file->index];
	struct pf_seq *s = tt_xcalloc(1, sizeof(*s));

	t->out = s;
	s->file = t->file;
	s->thread = t;
	s->id = ++p->nseq + 1; /* 1 is the run's own */
	s->gen = UINT64_MAX;
	s->uuid = pf_uuid(PF_UUID_THREAD, (uint64_t)pf->chain, t->tid); /* one track across exec */
	if (p->nall == p->all_cap)
		tt_grow((void **)&p->all, &p->all_cap, p->nall + 1, sizeof(*p->all));
	s->index = (uint32_t)p->nall;
	p->all[p->nall++] = s;
	return s;
}

void pf_describe_thread(struct pf *p, struct pf_seq *s)
{
	struct tt_thread *t = s->thread;
	size_t at = pf_meta_begin(p, 0), d, th;

	d = tt_pb_begin(&p->grp, PF_P_TRACK_DESCRIPTOR);
	tt_pb_uint(&p->grp, 1, s->uuid);
	th = tt_pb_begin(&p->grp, 4);
	tt_pb_int(&p->grp, 1, t->file->pid);
	tt_pb_int(&p->grp, 2, t->tid);
	if (t->name)
		tt_pb_str(&p->grp, 5, t->name);
	tt_pb_end(&p->grp, th);
	tt_pb_end(&p->grp, d);
	pf_packet_end(p, at);
	s->named = t->name ? t->name : (const char *)1;
	s->described = true;
}

void pf_seq_touch(struct pf *p, struct pf_seq *s, uint64_t ts)
{
	size_t at, m, c;

	if (s->gen == p->gen && !s->stale)
		return;
	s->stale = false;
	if (!s->described)
		pf_describe_thread(p, s);
	at = tt_pb_begin(&p->grp, PF_TRACE_PACKET);
	tt_pb_uint(&p->grp, PF_P_SEQ_ID, s->id);
	tt_pb_uint(&p->grp, PF_P_TIMESTAMP, ts);
	tt_pb_uint(&p->grp, PF_P_CLOCK_ID, PF_CLOCK_MONOTONIC);
	tt_pb_uint(&p->grp, PF_P_SEQ_FLAGS, PF_SEQ_CLEARED);
	if (s->gen == UINT64_MAX)
		tt_pb_uint(&p->grp, PF_P_FIRST_ON_SEQ, 1);
	m = tt_pb_begin(&p->grp, PF_P_DEFAULTS);
	tt_pb_uint(&p->grp, 58, PF_CLOCK_SEQ); /* TracePacketDefaults.timestamp_clock_id */
	c = tt_pb_begin(&p->grp, 11);	       /* .track_event_defaults */
	tt_pb_uint(&p->grp, 11, s->uuid);      /* TrackEventDefaults.track_uuid */
	tt_pb_end(&p->grp, c);
	tt_pb_end(&p->grp, m);
	m = tt_pb_begin(&p->grp, PF_P_CLOCK_SNAPSHOT);
	c = tt_pb_begin(&p->grp, 1); /* Clock {clock_id, timestamp, is_incremental} */
	tt_pb_uint(&p->grp, 1, PF_CLOCK_SEQ);
	tt_pb_uint(&p->grp, 2, ts);
	tt_pb_uint(&p->grp, 3, 1);
	tt_pb_end(&p->grp, c);
	c = tt_pb_begin(&p->grp, 1);
	tt_pb_uint(&p->grp, 1, PF_CLOCK_MONOTONIC);
	tt_pb_uint(&p->grp, 2, ts);
	tt_pb_end(&p->grp, c);
	tt_pb_uint(&p->grp, 2, PF_CLOCK_MONOTONIC); /* primary_trace_clock */
	tt_pb_end(&p->grp, m);
	tt_pb_end(&p->grp, at);
	s->gen = p->gen;
	s->last_ts = ts;
	memset(s->names, 0, sizeof(s->names));
	memset(s->keys, 0, sizeof(s->keys));
	s->cats = 0;
	tt_hmap_clear(&s->map, pf_map_kind());
	s->next_iid = 1;
}

struct pf_at pf_open(struct pf *p, struct pf_seq *s, uint64_t ts, bool dropped)
{
	/* the packet's fields besides the track event: 40 bytes at most */
	uint8_t *c = tt_pb_room(&p->grp, 48), *pkt, *te;

	pkt = tt_pbc_begin1(c, PF_TRACE_PACKET);
	c = tt_pbc_uint(pkt, PF_P_SEQ_ID, s->id);
	if (ts >= s->last_ts) {
		c = tt_pbc_uint(c, PF_P_TIMESTAMP, ts - s->last_ts);
		s->last_ts = ts;
	} else {
		/* an enclosing call written after what it encloses: absolute time */
		c = tt_pbc_uint(c, PF_P_TIMESTAMP, ts);
		c = tt_pbc_uint(c, PF_P_CLOCK_ID, PF_CLOCK_MONOTONIC);
	}
	c = tt_pbc_uint(c, PF_P_SEQ_FLAGS, PF_SEQ_NEEDS);
	if (dropped)
		c = tt_pbc_uint(c, PF_P_PREV_DROPPED, 1);
	te = tt_pbc_begin1(c, PF_P_TRACK_EVENT);
	tt_pb_done(&p->grp, te);
	return (struct pf_at){ .pkt = (size_t)(pkt - p->grp.buf), .te = (size_t)(te - p->grp.buf) };
}

void pf_close(struct pf *p, struct pf_at at)
{
	tt_pb_end_fit(&p->grp, at.te);
	/* after the track event that uses it: a packet's fields are read in any order */
	if (p->intern.len) {
		tt_pb_bytes(&p->grp, PF_P_INTERNED_DATA, p->intern.buf, p->intern.len);
		p->intern.len = 0;
	}
	tt_pb_end_fit(&p->grp, at.pkt);
	if (p->grp.len >= TT_PF_GROUP)
		pf_group_flush(p);
}

uint8_t *pf_arg(struct pf *p, struct pf_seq *s, uint8_t *c, unsigned key, unsigned kind,
		union tt_value v)
{
	uint8_t *m = tt_pbc_begin1(c, PF_TE_DEBUG_ANNOTATIONS);

	c = tt_pbc_uint(m, PF_DA_NAME_IID, pf_key_iid(p, s, key));
	switch (kind) {
	case TT_KIND_U:
		c = tt_pbc_uint(c, PF_DA_UINT, v.u);
		break;
	case TT_KIND_S:
		c = tt_pbc_uint(c, PF_DA_INT, (uint64_t)v.s);
		break;
	case TT_KIND_ADDR:
		c = tt_pbc_uint(c, PF_DA_POINTER, v.u);
		break;
	case PF_KIND_DOUBLE:
		c = tt_pbc_fixed64(c, PF_DA_DOUBLE, v.u);
		break;
	default:
		c = tt_pbc_uint(c, PF_DA_STRING_IID, pf_str_iid(p, s, v.str ? v.str : ""));
		break;
	}
	tt_pbc_end1(m, c);
	return c;
}

/* {iid, name} into InternedData field kind */
static void pf_intern_entry(struct pf *p, uint32_t kind, uint64_t iid, const char *name)
{
	size_t at = tt_pb_begin(&p->intern, kind);

	tt_pb_uint(&p->intern, 1, iid);
	tt_pb_str(&p->intern, 2, name);
	tt_pb_end(&p->intern, at);
}

void pf_name_intern(struct pf *p, struct pf_seq *s, unsigned type)
{
	s->names[type / 64] |= 1ull << (type % 64);
	pf_intern_entry(p, PF_I_NAMES, type, tt_events[type].name);
}

void pf_cat_intern(struct pf *p, struct pf_seq *s, unsigned cat)
{
	s->cats |= 1u << cat;
	pf_intern_entry(p, PF_I_CATEGORIES, cat + 1, tt_category_names[cat]);
}

void pf_key_intern(struct pf *p, struct pf_seq *s, unsigned key)
{
	static const char *const extra[] = { [PF_KEY_RESULT - TT_ROLE_COUNT] = "result",
					     [PF_KEY_PATH - TT_ROLE_COUNT] = "path",
					     [PF_KEY_ERRNO - TT_ROLE_COUNT] = "errno",
					     [PF_KEY_HELD - TT_ROLE_COUNT] = "held_ns",
					     [PF_KEY_CALLS - TT_ROLE_COUNT] = "calls" };

	s->keys[key / 64] |= 1ull << (key % 64);
	pf_intern_entry(p, PF_I_ARG_NAMES, key,
			key < TT_ROLE_COUNT ? tt_roles[key].name : extra[key - TT_ROLE_COUNT]);
}

/* The iid of key in s's interning map; *fresh: a new one, whose definition is to be written. */
static uint64_t pf_map_iid(struct pf_seq *s, uint64_t key, bool *fresh)
{
	struct pf_map_ent *e = pf_map_get(&s->map, key, fresh);

	if (*fresh)
		e->val = s->next_iid++;
	return e->val;
}

uint64_t pf_str_iid(struct pf *p, struct pf_seq *s, const char *str)
{
	bool fresh;
	uint64_t iid = pf_map_iid(s, (uint64_t)(uintptr_t)str ^ (uint64_t)PF_MAP_STR << 56, &fresh);

	if (fresh)
		pf_intern_entry(p, PF_I_STRINGS, iid, str);
	return iid;
}

/* A traced function's name as an event name: above the event types' iids. */
uint64_t pf_fname_iid(struct pf *p, struct pf_seq *s, const char *name)
{
	bool fresh;
	uint64_t iid =
		TT_EV_COUNT +
		pf_map_iid(s, (uint64_t)(uintptr_t)name ^ (uint64_t)PF_MAP_FNAME << 56, &fresh);

	if (fresh)
		pf_intern_entry(p, PF_I_NAMES, iid, name);
	return iid;
}

/* A frame of a stack: its text is its function name (InternedString), and the frame. */
static uint64_t pf_frame_iid(struct pf *p, struct pf_seq *s, const char *text)
{
	bool fresh;
	uint64_t iid = pf_map_iid(s, (uint64_t)(uintptr_t)text ^ (uint64_t)PF_MAP_FRAME << 56,
				  &fresh),
		 mapping;
	size_t at;

	if (!fresh)
		return iid;
	pf_intern_entry(p, PF_I_FUNCTION_NAMES, iid, text);
	/*
	 * The trace processor wants every frame in a mapping; the frames are symbolised
	 * already, so one mapping without a range stands for all of them.
	 */
	mapping = pf_map_iid(s, (uint64_t)PF_MAP_MAPPING << 56, &fresh);
	if (fresh) {
		at = tt_pb_begin(&p->intern, PF_I_MAPPINGS);
		tt_pb_uint(&p->intern, 1, mapping);
		tt_pb_end(&p->intern, at);
	}
	at = tt_pb_begin(&p->intern, PF_I_FRAMES);
	tt_pb_uint(&p->intern, 1, iid);
	tt_pb_uint(&p->intern, 2, iid); /* function_name_id */
	tt_pb_uint(&p->intern, 3, mapping);
	tt_pb_end(&p->intern, at);
	return iid;
}

uint64_t pf_stack_iid(struct pf *p, struct pf_seq *s, uint32_t stack)
{
	const struct tt_cstack *cs = tt_callstack_get(s->file, stack);
	uint64_t iid, *frames;
	bool fresh;
	size_t at;

	if (!cs || !cs->nframe)
		return 0;
	iid = pf_map_iid(s, (uint64_t)stack ^ (uint64_t)PF_MAP_STACK << 56, &fresh);
	if (!fresh)
		return iid;
	frames = tt_xmalloc(cs->nframe * sizeof(*frames));
	for (uint32_t i = 0; i < cs->nframe; i++)
		frames[i] = pf_frame_iid(p, s, cs->frame[i]);
	at = tt_pb_begin(&p->intern, PF_I_CALLSTACKS);
	tt_pb_uint(&p->intern, 1, iid);
	/* frame_ids, outermost first; not packed: the reader iterates them one field each */
	for (uint32_t i = cs->nframe; i-- > 0;)
		tt_pb_uint(&p->intern, 2, frames[i]);
	tt_pb_end(&p->intern, at);
	free(frames);
	return iid;
}
