/*
 * decode.c - EVENTS chunk decoding (format.h section 4) for one thread.
 *
 * A record that does not decode (bad varint, unknown event type, payload too short for the
 * record count) ends the chunk: what follows it cannot be trusted, since records have no
 * length prefix to resync on.  The events decoded before it are kept, and the next chunk of
 * the thread starts afresh (its ADDR and tick bases reset per chunk).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "decode.h"
#include "recover.h"
#include "multi.h"
#include "zinflate.h"

/* Inflate buffers of chunks no longer being decoded, for the next chunk to reuse. */
struct tt_pool_buf {
	uint8_t *p;
	size_t cap;
};

uint64_t tt_decode_bytes;

/* The EVENTS_MULTI chunk inflated last (tt_multi_payload), with its parts (version 4) */
static __thread struct {
	const struct tt_file *file;
	uint64_t offset;
	uint8_t *buf;
	const uint8_t *raw; /* buf, or the payload in the file when stored */
	size_t cap, len;
	struct tt_multi_part *parts;
	size_t nparts, parts_cap;
} tt_multi;

static __thread struct tt_pool_buf *tt_pool;
static __thread size_t tt_npool, tt_pool_cap;

/* Kinds of result and arguments per event type: one table lookup per field. */
static uint8_t tt_kinds[TT_EV_COUNT][1 + TT_MAX_ARGS];
static uint8_t tt_nkinds[TT_EV_COUNT]; /* fields up to the last one present */
static int tt_kinds_ready;

static void tt_init_kinds(void)
{
	for (unsigned t = 1; t < TT_EV_COUNT; t++) {
		tt_kinds[t][0] = tt_roles[tt_events[t].result].kind;
		for (int i = 0; i < TT_MAX_ARGS; i++)
			tt_kinds[t][1 + i] = tt_roles[tt_events[t].args[i]].kind;
		for (int i = 0; i <= TT_MAX_ARGS; i++)
			if (tt_kinds[t][i])
				tt_nkinds[t] = (uint8_t)(i + 1);
	}
	tt_kinds_ready = 1;
}

static void tt_take_buf(struct tt_tstream *s, size_t need)
{
	if (!s->buf && tt_npool) {
		tt_npool--;
		s->buf = tt_pool[tt_npool].p;
		s->buf_cap = tt_pool[tt_npool].cap;
	}
	if (s->buf_cap < need) {
		free(s->buf);
		s->buf_cap = need < 4096 ? 4096 : need;
		s->buf = tt_xmalloc(s->buf_cap);
	}
}

static void tt_give_buf(struct tt_tstream *s)
{
	if (!s->buf)
		return;
	tt_grow((void **)&tt_pool, &tt_pool_cap, tt_npool + 1, sizeof(*tt_pool));
	tt_pool[tt_npool].p = s->buf;
	tt_pool[tt_npool].cap = s->buf_cap;
	tt_npool++;
	s->buf = NULL;
	s->buf_cap = 0;
}

void tt_decode_cleanup(void)
{
	free(tt_multi.buf);
	free(tt_multi.parts);
	tt_multi.buf = NULL;
	tt_multi.parts = NULL;
	tt_multi.cap = tt_multi.parts_cap = tt_multi.nparts = 0;
	tt_multi.file = NULL;
	while (tt_npool)
		free(tt_pool[--tt_npool].p);
	free(tt_pool);
	tt_pool = NULL;
	tt_pool_cap = 0;
	tt_inflate_end();
}

/* Chunks offered: a few, as a stream offers only the chunk after the one it decodes. */
#define TT_AHEAD_SLOTS 4

enum tt_ahead_state { TT_AH_FREE, TT_AH_OFFERED, TT_AH_WORKING, TT_AH_DONE };

struct tt_ahead {
	pthread_mutex_t lock;
	pthread_cond_t done;
	struct tt_ahead_slot {
		enum tt_ahead_state state;
		const struct tt_file *f;
		const struct tt_chunk_ref *c;
		uint8_t *buf; /* the worker's while WORKING */
		size_t cap;
		const char *why; /* DONE: what tt_inflate() said */
	} slot[TT_AHEAD_SLOTS];
	void (*offered)(void *arg);
	void *arg;
};

struct tt_ahead *tt_ahead_new(void (*offered)(void *arg), void *arg)
{
	struct tt_ahead *a = tt_xcalloc(1, sizeof(*a));

	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->done, NULL);
	a->offered = offered;
	a->arg = arg;
	return a;
}

void tt_ahead_free(struct tt_ahead *a)
{
	if (!a)
		return;
	for (int i = 0; i < TT_AHEAD_SLOTS; i++)
		free(a->slot[i].buf);
	pthread_mutex_destroy(&a->lock);
	pthread_cond_destroy(&a->done);
	free(a);
}

/* A plain deflated chunk (not a part, not recovered) that can be inflated on its own. */
static bool tt_ahead_fits(const struct tt_chunk_ref *c)
{
	return (c->flags & (TT_CHUNK_DEFLATED | TT_REF_PART | TT_REF_RAW)) == TT_CHUNK_DEFLATED &&
	       tt_inflated_size_ok(c->payload_len, c->raw_len);
}

/* The slot holding chunk c of file f, offered or further on; NULL if none.  Lock held. */
static struct tt_ahead_slot *tt_ahead_find(struct tt_ahead *a, const struct tt_file *f,
					   const struct tt_chunk_ref *c)
{
	for (int i = 0; i < TT_AHEAD_SLOTS; i++)
		if (a->slot[i].state != TT_AH_FREE && a->slot[i].c == c && a->slot[i].f == f)
			return &a->slot[i];
	return NULL;
}

/* The stream has loaded a chunk: offers the next one. */
static void tt_ahead_offer(struct tt_tstream *s)
{
	struct tt_ahead *a = s->ahead;
	const struct tt_chunk_ref *c = s->next;
	struct tt_ahead_slot *free_slot = NULL;

	if (c == s->last || !tt_ahead_fits(c))
		return;
	pthread_mutex_lock(&a->lock);
	for (int i = 0; i < TT_AHEAD_SLOTS && !free_slot; i++)
		if (a->slot[i].state == TT_AH_FREE)
			free_slot = &a->slot[i];
	if (tt_ahead_find(a, s->file, c))
		free_slot = NULL; /* offered already */
	if (free_slot) {
		free_slot->state = TT_AH_OFFERED;
		free_slot->f = s->file;
		free_slot->c = c;
	}
	pthread_mutex_unlock(&a->lock);
	if (free_slot && a->offered)
		a->offered(a->arg);
}

/*
 * The chunk c, inflated ahead into s->buf: true with *why as tt_inflate() said; false if it
 * was not (an offer nobody took is withdrawn).  Waits for one being inflated.
 */
static bool tt_ahead_take(struct tt_tstream *s, const struct tt_chunk_ref *c, const char **why)
{
	struct tt_ahead *a = s->ahead;
	struct tt_ahead_slot *x;

	pthread_mutex_lock(&a->lock);
	x = tt_ahead_find(a, s->file, c);
	if (!x || x->state == TT_AH_OFFERED) {
		if (x)
			x->state = TT_AH_FREE;
		pthread_mutex_unlock(&a->lock);
		return false;
	}
	while (x->state == TT_AH_WORKING)
		pthread_cond_wait(&a->done, &a->lock);
	/* the slot gets a buffer of the pool in exchange, for the next chunk */
	tt_take_buf(s, 0);
	uint8_t *buf = s->buf;
	size_t cap = s->buf_cap;

	s->buf = x->buf;
	s->buf_cap = x->cap;
	x->buf = buf;
	x->cap = cap;
	*why = x->why;
	x->state = TT_AH_FREE;
	pthread_mutex_unlock(&a->lock);
	return true;
}

bool tt_ahead_work(void *arg)
{
	struct tt_ahead *a = arg;
	struct tt_ahead_slot *x = NULL;

	pthread_mutex_lock(&a->lock);
	for (int i = 0; i < TT_AHEAD_SLOTS && !x; i++)
		if (a->slot[i].state == TT_AH_OFFERED)
			x = &a->slot[i];
	if (!x) {
		pthread_mutex_unlock(&a->lock);
		return false;
	}
	x->state = TT_AH_WORKING;
	pthread_mutex_unlock(&a->lock);

	const struct tt_chunk_ref *c = x->c;
	const char *why;

	if (x->cap < c->raw_len) {
		free(x->buf);
		x->cap = c->raw_len < 4096 ? 4096 : c->raw_len;
		x->buf = tt_xmalloc(x->cap);
	}
	why = tt_inflate(x->f->data + c->offset, c->payload_len, x->buf, c->raw_len);
	pthread_mutex_lock(&a->lock);
	x->why = why;
	x->state = TT_AH_DONE;
	pthread_cond_broadcast(&a->done);
	pthread_mutex_unlock(&a->lock);
	return true;
}

static void tt_bad_chunk(struct tt_tstream *s, const char *why)
{
	tt_problem(&s->file->problems, TT_PB_BAD_EVENTS,
		   "corrupt events in chunk at offset %llu (%s); dropped the rest of that chunk",
		   (unsigned long long)(s->cur->offset - TT_CHUNK_HEADER_LEN), why);
}

/*
 * Column layout: the directory of column lengths, then the columns.  The address history
 * holds at most one value per byte of the ADDR column.
 */
static int tt_split_columns(struct tt_tstream *s)
{
	const uint8_t *p = s->cp[0], *end = s->cend[0];
	uint64_t len[TT_NCOLS];

	for (int i = 0; i < TT_NCOLS - 1; i++) {
		if (tt_get_varint(&p, end, &len[i]) || len[i] > (uint64_t)(end - p)) {
			tt_bad_chunk(s, "bad column directory");
			return -1;
		}
	}
	for (int i = 0; i < TT_NCOLS; i++) {
		s->cp[i] = p;
		p = i < TT_NCOLS - 1 ? p + len[i] : end;
		if (p > end) {
			tt_bad_chunk(s, "bad column directory");
			return -1;
		}
		s->cend[i] = p;
	}
	size_t naddr = (size_t)(s->cend[TT_COL_ADDR] - s->cp[TT_COL_ADDR]);

	if (naddr > s->hist_cap) {
		free(s->hist);
		s->hist_cap = (uint32_t)naddr;
		s->hist = tt_xmalloc(naddr * sizeof(*s->hist));
	}
	return 0;
}

/*
 * The inflated payload of the EVENTS_MULTI chunk a part lies in.  The last one is kept: the
 * parts of a chunk are decoded at about the same time (their threads ran then), so it is
 * mostly inflated once (tt_multi).  NULL with *why on failure.
 */
static const uint8_t *tt_multi_payload(const struct tt_tstream *s, const struct tt_chunk_ref *c,
				       const char **why)
{
	const uint8_t *payload = s->file->data + c->offset, *raw = payload;
	struct tt_multi_iter it;
	struct tt_multi_part m;
	int r;

	if (tt_multi.file == s->file && tt_multi.offset == c->offset)
		return tt_multi.raw;
	tt_multi.file = NULL;
	tt_multi.len = c->payload_len;
	if (c->flags & TT_CHUNK_DEFLATED) {
		if (!tt_inflated_size_ok(c->payload_len, c->raw_len)) {
			*why = "impossible inflated size";
			return NULL;
		}
		tt_grow((void **)&tt_multi.buf, &tt_multi.cap, (size_t)c->raw_len + 1, 1);
		*why = tt_inflate(payload, c->payload_len, tt_multi.buf, c->raw_len);
		if (*why)
			return NULL;
		raw = tt_multi.buf;
		tt_multi.len = c->raw_len;
	}
	/* the parts' columns, found once for all the parts (the scan checked the layout) */
	tt_multi.nparts = 0;
	if (s->file->version >= 4) {
		if (tt_multi_begin(&it, s->file->version, raw, tt_multi.len, c->first_tick)) {
			*why = "bad multi-thread chunk layout";
			return NULL;
		}
		while ((r = tt_multi_next(&it, &m)) > 0) {
			tt_grow((void **)&tt_multi.parts, &tt_multi.parts_cap, tt_multi.nparts + 1,
				sizeof(*tt_multi.parts));
			tt_multi.parts[tt_multi.nparts++] = m;
		}
	}
	tt_multi.file = s->file;
	tt_multi.offset = c->offset;
	tt_multi.raw = raw;
	return raw;
}

/*
 * A version 4 part, its columns gathered from the chunk behind a column directory: the same
 * layout as an EVENTS payload, which tt_split_columns then reads.
 */
static int tt_gather_part(struct tt_tstream *s, const uint8_t *raw, const struct tt_chunk_ref *c)
{
	if (c->part_off >= tt_multi.nparts) {
		tt_bad_chunk(s, "part past the end of its chunk");
		return -1;
	}
	const struct tt_multi_part *m = &tt_multi.parts[c->part_off];
	uint8_t *p;

	tt_take_buf(s, (size_t)m->len + TT_NCOLS * 10);
	p = s->buf;
	for (int i = 0; i < TT_NCOLS - 1; i++)
		p = tt_put_varint(p, m->col_len[i]);
	for (int i = 0; i < TT_NCOLS; i++) {
		memcpy(p, raw + m->col_off[i], m->col_len[i]);
		p += m->col_len[i];
	}
	s->cp[0] = s->buf;
	s->cend[0] = p;
	return 0;
}

/* Makes *next the current chunk.  Returns 0, or -1 if it must be skipped. */
static int tt_load(struct tt_tstream *s)
{
	const struct tt_chunk_ref *c = s->next++;
	const uint8_t *payload = s->file->data + c->offset;
	const char *why = NULL;

	s->cur = c;
	s->ev.chunk = s->look.chunk = (uint32_t)(c - s->file->chunks) + 1;
	s->left = c->nevents;
	*s->loaded += TT_CHUNK_HEADER_LEN + c->payload_len;
	s->prev_end = c->first_tick;
	s->prev_addr = 0;
	s->prev_stack = 0;
	s->stack_ids = (c->flags & TT_CHUNK_STACK_IDS) != 0;
	s->columns = (c->flags & TT_CHUNK_COLUMNS) != 0;
	s->nhist = 0;
	s->raw = NULL;
	if (c->flags & TT_REF_RAW) {
		s->raw = s->file->recovered_bufs[c->offset];
		return 0;
	}
	if (c->flags & TT_REF_PART) {
		const uint8_t *raw = tt_multi_payload(s, c, &why);

		if (!raw) {
			tt_bad_chunk(s, why);
			return -1;
		}
		/* a copy: the kept chunk may be replaced while this part is decoded */
		if (s->file->version >= 4) {
			if (tt_gather_part(s, raw, c))
				return -1;
			return s->columns ? tt_split_columns(s) : 0;
		}
		if ((uint64_t)c->part_off + c->part_len > tt_multi.len) {
			tt_bad_chunk(s, "part past the end of its chunk");
			return -1;
		}
		tt_take_buf(s, c->part_len);
		memcpy(s->buf, raw + c->part_off, c->part_len);
		s->cp[0] = s->buf;
		s->cend[0] = s->buf + c->part_len;
	} else if (!(c->flags & TT_CHUNK_DEFLATED)) {
		s->cp[0] = payload;
		s->cend[0] = payload + c->payload_len;
	} else {
		if (!tt_inflated_size_ok(c->payload_len, c->raw_len)) {
			tt_bad_chunk(s, "impossible inflated size");
			return -1;
		}
		if (!s->ahead || !tt_ahead_take(s, c, &why)) {
			tt_take_buf(s, c->raw_len);
			why = tt_inflate(payload, c->payload_len, s->buf, c->raw_len);
		}
		if (s->ahead)
			tt_ahead_offer(s);
		if (why) {
			tt_bad_chunk(s, why);
			return -1;
		}
		s->cp[0] = s->buf;
		s->cend[0] = s->buf + c->raw_len;
	}
	return s->columns ? tt_split_columns(s) : 0;
}

static void tt_unload(struct tt_tstream *s)
{
	s->cur = NULL;
	s->left = 0;
	tt_give_buf(s);
}

/* tt_timemap_ns() for the stream's ticks, whose segment is copied into the stream. */
static uint64_t tt_ns_slow(struct tt_tstream *s, uint64_t tick)
{
	const struct tt_timemap *m = &s->file->time;
	uint64_t ns = tt_timemap_ns(m, tick, &s->hint);
	uint32_t i = s->hint;

	/* the copy is of the hint's segment, so it gives what tt_timemap_ns() would */
	if (!m->identity && i + 1 < m->n && m->pt[i].tick <= tick && tick < m->pt[i + 1].tick) {
		s->seg_tick = m->pt[i].tick;
		s->seg_len = m->pt[i + 1].tick - m->pt[i].tick;
		s->seg_ns = m->pt[i].ns;
		s->seg_end_ns = m->pt[i + 1].ns;
		s->seg_mult = m->mult[i];
	}
	return ns;
}

static inline uint64_t tt_ns(struct tt_tstream *s, uint64_t tick)
{
	if (tick - s->seg_tick < s->seg_len) {
		uint64_t ns =
			s->seg_ns +
			(uint64_t)(((unsigned __int128)(tick - s->seg_tick) * s->seg_mult) >> 32);

		return ns < s->seg_end_ns ? ns : s->seg_end_ns;
	}
	return tt_ns_slow(s, tick);
}

static inline uint64_t tt_rel(uint64_t ns, uint64_t base)
{
	return ns > base ? ns - base : 0;
}

/*
 * Most fields fit in one or two bytes (tick deltas, sizes, address distances): those cases
 * inline, the general one in codec.h.  Which of the two a field takes varies from record to
 * record, beyond what branch prediction guesses, so it is worked out without a branch.
 */
static inline int tt_varint(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
	const uint8_t *p = *pp;

	if (end - p >= 2 && !(p[0] & p[1] & 0x80)) {
		uint64_t more = p[0] >> 7; /* 1 if a second byte follows */

		*out = (uint64_t)(p[0] & 0x7f) | ((uint64_t)p[1] << 7 & (0 - more));
		*pp = p + 1 + more;
		return 0;
	}
	return tt_get_varint(pp, end, out);
}

/* Column layout: an ADDR field, a reference into the address history or a difference. */
static inline int tt_addr_field(struct tt_tstream *s, const uint8_t **pp, const uint8_t *end,
				uint64_t raw, union tt_value *v)
{
	uint64_t a;

	if (raw & 1) {
		a = s->prev_addr + (uint64_t)tt_unzigzag(raw >> 1);
	} else if (raw) {
		if (raw >> 1 > s->nhist)
			return -1;
		a = s->hist[s->nhist - (raw >> 1)];
	} else {
		if (tt_get_varint(pp, end, &raw))
			return -1;
		a = s->prev_addr + (uint64_t)tt_unzigzag(raw);
	}
	if (s->nhist >= s->hist_cap)
		return -1; /* more values than the column has bytes: cannot be */
	s->hist[s->nhist++] = a;
	s->prev_addr = a;
	v->u = a;
	return 0;
}

/* The string of an id the table does not define. */
static __attribute__((noinline, cold)) const char *tt_unknown_string(struct tt_tstream *s,
								     uint64_t id)
{
	tt_problem(&s->file->problems, TT_PB_UNKNOWN_STRING,
		   "an event refers to string id %llu, which is not defined",
		   (unsigned long long)id);
	if (s->counting) {
		s->unknown_string = true;
		return "<unknown string>";
	}
	return tt_strtab_placeholder(&s->file->strings, id);
}

/* Decodes one field of the given kind into *v.  Returns 0, or -1 on a bad varint. */
static inline __attribute__((always_inline)) int tt_field(struct tt_tstream *s, const uint8_t **pp,
							  const uint8_t *end, unsigned kind,
							  union tt_value *v, const bool columns)
{
	uint64_t raw;

	if (tt_varint(pp, end, &raw))
		return -1;
	switch (kind) {
	case TT_KIND_U:
		v->u = raw;
		break;
	case TT_KIND_S:
		v->s = tt_unzigzag(raw);
		break;
	case TT_KIND_ADDR:
		if (columns)
			return tt_addr_field(s, pp, end, raw, v);
		/* Wrapping arithmetic: garbage gives garbage addresses, never UB. */
		s->prev_addr += (uint64_t)tt_unzigzag(raw);
		v->u = s->prev_addr;
		break;
	default: /* TT_KIND_STR */
		if (!raw) {
			v->str = NULL;
		} else {
			v->str = tt_strtab_get(&s->file->strings, raw);
			if (!v->str)
				v->str = tt_unknown_string(s, raw);
		}
		break;
	}
	return 0;
}

/*
 * Decodes the next record into *ev and its absolute end ns into *key.  Returns 0, or -1
 * with the chunk reported as corrupt.  Instantiated once per layout (columns is a constant):
 * in the interleaved layout every field comes from column 0.
 */
#define TT_C(k) (columns ? (k) : 0)
static inline __attribute__((always_inline)) int tt_decode_layout(struct tt_tstream *s,
								  struct tt_event *ev,
								  uint64_t *key, const bool columns)
{
	uint64_t hdr, delta, dur, err, end_tick;
	const uint8_t *kinds;
	unsigned type;
	char why[64];

	if (tt_varint(&s->cp[TT_C(TT_COL_HDR)], s->cend[TT_C(TT_COL_HDR)], &hdr) ||
	    tt_varint(&s->cp[TT_C(TT_COL_DELTA)], s->cend[TT_C(TT_COL_DELTA)], &delta) ||
	    tt_varint(&s->cp[TT_C(TT_COL_DUR)], s->cend[TT_C(TT_COL_DUR)], &dur))
		goto short_record;
	if (hdr >> 1 == 0 || hdr >> 1 >= TT_EV_COUNT) {
		snprintf(why, sizeof(why), "unknown event type %llu",
			 (unsigned long long)(hdr >> 1));
		tt_bad_chunk(s, why);
		return -1;
	}
	type = (unsigned)(hdr >> 1);
	ev->type = (uint16_t)type;
	ev->failed = hdr & 1;
	ev->err = 0;
	if (ev->failed) {
		if (tt_varint(&s->cp[TT_C(TT_COL_VAL)], s->cend[TT_C(TT_COL_VAL)], &err))
			goto short_record;
		ev->err = err > INT32_MAX ? INT32_MAX : (int32_t)err;
	}
	ev->result.u = 0;
	for (int i = 0; i < TT_MAX_ARGS; i++)
		ev->args[i].u = 0;
	if (columns && (hdr == TT_EV_FREE << 1 || hdr == TT_EV_MALLOC << 1)) {
		/*
		 * Most records of an allocating program: a free's address, or a malloc's address
		 * and size, read as the loop below reads them (events.def), without it.
		 */
		uint64_t raw;

		if (tt_varint(&s->cp[TT_COL_ADDR], s->cend[TT_COL_ADDR], &raw) ||
		    tt_addr_field(s, &s->cp[TT_COL_ADDR], s->cend[TT_COL_ADDR], raw,
				  type == TT_EV_FREE ? &ev->args[0] : &ev->result) ||
		    (type == TT_EV_MALLOC &&
		     tt_varint(&s->cp[TT_COL_VAL], s->cend[TT_COL_VAL], &ev->args[0].u)))
			goto short_record;
	} else {
		kinds = tt_kinds[type];
		for (unsigned i = 0, n = tt_nkinds[type]; i < n; i++) {
			union tt_value *v = i ? &ev->args[i - 1] : &ev->result;
			unsigned col =
				kinds[i] == TT_KIND_ADDR ? TT_C(TT_COL_ADDR) : TT_C(TT_COL_VAL);

			if (kinds[i] &&
			    tt_field(s, &s->cp[col], s->cend[col], kinds[i], v, columns))
				goto short_record;
		}
	}
	ev->stack = 0;
	if (s->stack_ids) {
		uint64_t v;

		if (tt_varint(&s->cp[TT_C(TT_COL_STACK)], s->cend[TT_C(TT_COL_STACK)], &v))
			goto short_record;
		if (v) {
			s->prev_stack += (uint32_t)tt_unzigzag(v - 1);
			ev->stack = s->prev_stack;
		}
	}
	end_tick = s->prev_end + delta;
	s->prev_end = end_tick;
	ev->start_tick = dur > end_tick ? 0 : end_tick - dur;
	*key = tt_ns(s, end_tick);
	ev->end_ns = tt_rel(*key, s->base_ns);
	ev->start_ns = !dur ? ev->end_ns : tt_rel(tt_ns(s, ev->start_tick), s->base_ns);
	ev->fd_path = NULL;
	return 0;

short_record:
	tt_bad_chunk(s, "record cut short, bad varint or bad address reference");
	return -1;
}
#undef TT_C

/* A recovered record: checked when it was read back (recover.c). */
static int tt_decode_raw(struct tt_tstream *s, struct tt_event *ev, uint64_t *key)
{
	uint64_t end_tick;

	s->raw += tt_recover_decode(s->raw, ev, &end_tick);
	if (end_tick < s->prev_end)
		end_tick = s->prev_end; /* as the recorder clamps a CPU migration's step back */
	s->prev_end = end_tick;
	if (ev->start_tick > end_tick)
		ev->start_tick = end_tick;
	*key = tt_ns(s, end_tick);
	ev->end_ns = tt_rel(*key, s->base_ns);
	ev->start_ns = ev->start_tick == end_tick ? ev->end_ns
						  : tt_rel(tt_ns(s, ev->start_tick), s->base_ns);
	ev->fd_path = NULL;
	return 0;
}

static int tt_decode_one(struct tt_tstream *s, struct tt_event *ev, uint64_t *key)
{
	if (s->raw)
		return tt_decode_raw(s, ev, key);
	return s->columns ? tt_decode_layout(s, ev, key, true)
			  : tt_decode_layout(s, ev, key, false);
}

/*
 * The next record of the thread into *ev.  Returns 1; 0 when the current chunk is used up
 * and load is false (the caller goes PENDING); -1 at the end of the thread's chunks.
 */
static int tt_raw_next(struct tt_tstream *s, struct tt_event *ev, uint64_t *key, bool load)
{
	for (;;) {
		if (s->cur && s->left) {
			if (!tt_decode_one(s, ev, key)) {
				s->left--;
				return 1;
			}
			s->left = 0;
		}
		if (s->cur)
			tt_unload(s);
		if (s->next == s->last)
			return -1;
		if (!load)
			return 0;
		if (tt_load(s))
			tt_unload(s);
	}
}

static void tt_pending(struct tt_tstream *s, int r)
{
	if (r < 0) {
		s->state = TT_TS_DONE;
		return;
	}
	s->state = TT_TS_PENDING;
	s->key = tt_ns(s, s->next->first_tick);
}

void tt_tstream_init(struct tt_tstream *s, struct tt_file *f, struct tt_thread *t,
		     const struct tt_chunk_ref *first, const struct tt_chunk_ref *last,
		     uint64_t base_ns, uint32_t id)
{
	if (!tt_kinds_ready)
		tt_init_kinds();
	*s = (struct tt_tstream){
		.id = id,
		.file = f,
		.thread = t,
		.next = first,
		.last = last,
		.base_ns = base_ns,
		.loaded = &tt_decode_bytes,
	};
	if (f->time.identity) {
		/* ticks are ns: one segment that scales by 1 */
		s->seg_len = s->seg_end_ns = UINT64_MAX;
		s->seg_mult = 1ull << 32;
	}
	/* Constant for the stream: set once, not per record. */
	s->ev.file = s->look.file = f;
	s->ev.thread = s->look.thread = t;
	tt_pending(s, first == last ? -1 : 0);
}

static void tt_tstream_step(struct tt_tstream *s)
{
	bool load = s->state == TT_TS_PENDING;
	int r;

	if (s->have_look) {
		s->ev = s->look;
		s->key = s->look_key;
		s->have_look = false;
		r = 1;
	} else {
		r = tt_raw_next(s, &s->ev, &s->key, load);
	}
	if (r <= 0) {
		tt_pending(s, r);
		return;
	}
	s->state = TT_TS_READY;
	/*
	 * An exec recorded ahead of the call (dur 0): whether it failed is told by the thread's
	 * next record.  (Equal ns may also come from a tiny dur: the match below is exact.)
	 */
	if (tt_event_is_exec(s->ev.type) && !s->ev.failed && s->ev.start_ns == s->ev.end_ns &&
	    tt_raw_next(s, &s->look, &s->look_key, true) > 0) {
		if (s->look.type == s->ev.type && s->look.failed &&
		    s->look.start_tick == s->ev.start_tick) {
			s->ev = s->look;
			s->key = s->look_key;
		} else {
			s->have_look = true;
		}
	}
}

/*
 * Spans (traceit.h): a SPAN_BEGIN is held until its SPAN_END, which becomes one SPAN from the
 * begin's start to the end's, named by the begin; a span still open when the thread's events
 * run out ends at its last one, marked unfinished.  Either record alone is not shown.
 */
static bool tt_span_take(struct tt_tstream *s)
{
	struct tt_event *ev = &s->ev;

	if (ev->type == TT_EV_SPAN_BEGIN) {
		tt_grow((void **)&s->spans, &s->spans_cap, s->nspans + 1, sizeof(*s->spans));
		s->spans[s->nspans++] = (struct tt_open_span){ ev->args[0].str, ev->args[1].str,
							       ev->start_tick, ev->start_ns };
		return false;
	}
	if (ev->type == TT_EV_SPAN_END) {
		if (!s->nspans) {
			tt_problem(&s->file->problems, TT_PB_ANNOTATIONS,
				   "thread %u ended a span it had not begun (traceit_span_end "
				   "once too often); left out",
				   s->thread->tid);
			return false;
		}
		const struct tt_open_span *o = &s->spans[--s->nspans];

		ev->type = TT_EV_SPAN;
		ev->args[0].str = o->name;
		ev->args[1].str = o->cat;
		ev->args[2].u = 0;
		ev->start_tick = o->start_tick;
		ev->start_ns = o->start_ns;
	}
	return true;
}

void tt_tstream_advance(struct tt_tstream *s)
{
	for (;;) {
		tt_tstream_step(s);
		if (s->state == TT_TS_READY) {
			if (!tt_span_take(s))
				continue;
			tt_nest_event(&s->nest, &s->ev);
			s->last_key = s->key;
			return;
		}
		if (s->state == TT_TS_PENDING)
			return;
		if (!s->nspans) {
			/* functions left open end with the thread's last event too */
			uint64_t end = s->last_key > s->base_ns ? s->last_key - s->base_ns : 0;

			if (tt_nest_take_open(&s->nest, &s->ev, end)) {
				s->key = s->last_key;
				s->state = TT_TS_READY;
			}
			return;
		}
		/* the thread is done: what it left open ends with its last event */
		const struct tt_open_span *o = &s->spans[--s->nspans];
		uint64_t end = s->last_key > s->base_ns ? s->last_key - s->base_ns : 0;

		if (!s->nspans)
			tt_problem(&s->file->problems, TT_PB_ANNOTATIONS,
				   "thread %u left a span open (no traceit_span_end): shown up to "
				   "its last event",
				   s->thread->tid);
		s->ev.type = TT_EV_SPAN;
		s->ev.failed = false;
		s->ev.err = 0;
		s->ev.result.u = 0;
		memset(s->ev.args, 0, sizeof(s->ev.args));
		s->ev.args[0].str = o->name;
		s->ev.args[1].str = o->cat;
		s->ev.args[2].u = 1;
		s->ev.start_tick = o->start_tick;
		s->ev.start_ns = o->start_ns;
		s->ev.end_ns = end < o->start_ns ? o->start_ns : end;
		s->ev.stack = 0;
		s->ev.fd_path = NULL;
		s->ev.depth = 0;
		s->ev.frames = NULL;
		s->ev.self_ns = s->ev.end_ns - s->ev.start_ns;
		s->key = s->last_key;
		s->state = TT_TS_READY;
		return;
	}
}

void tt_tstream_release(struct tt_tstream *s)
{
	free(s->spans);
	s->spans = NULL;
	s->nspans = s->spans_cap = 0;
	tt_nest_free(&s->nest);
	tt_unload(s);
	free(s->hist);
	s->hist = NULL;
	s->hist_cap = 0;
	s->state = TT_TS_DONE;
}
