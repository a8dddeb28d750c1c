/*
 * roundtrip.c - every event type of events.def through the recorder's encoder and back
 * through the converter's scan and decoder, field by field (TAP output).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "codec.h"
#include "format.h"
#include "rings.h"
#include "decode.h"
#include "scan.h"
#include "roundtrip.h"

#include "tap.h"

#define TID 4242		  /* the one thread, the main one: tid == pid */
#define START_NS 1000000000000ull /* TT_P_START_NS, the time base of the decoded ns */
#define NREC 6			  /* records of each type in each of the two chunks */
#define SLOTS (1 + TT_MAX_ARGS)	  /* the result, then the arguments */
#define WHY 256			  /* a field's difference */
#define MSG 512			  /* a test's message */

/* A call as a wrapper hands it to the ring. */
struct rec {
	unsigned type;
	bool failed;
	int err; /* put in w0 whether failed or not */
	uint64_t start, end;
	uint64_t v[SLOTS];    /* U, S and ADDR slots */
	const char *s[SLOTS]; /* STR slots, NULL for a NULL pointer */
	bool has_stack;
	uint32_t stack;
};

/* What the decoder must give back for a record, worked out from format.h. */
struct want {
	unsigned type;
	bool failed;
	int32_t err;
	uint64_t start_tick, start_ns, end_ns;
	uint64_t v[SLOTS];
	const char *s[SLOTS];
	uint32_t stack;
	unsigned chunk, k; /* where it was encoded, for messages */
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

static unsigned slot_role(unsigned type, int slot)
{
	return slot ? tt_events[type].args[slot - 1] : tt_events[type].result;
}

static unsigned slot_kind(unsigned type, int slot)
{
	return tt_roles[slot_role(type, slot)].kind;
}

/*
 * Lays r out as the recorder's wrappers do (rings.h, tt.h's tt_record_head) in w; returns its
 * words.  A call of one tick takes the recorder's form (no end tick word) every other time,
 * or always with one_tick set, and keeps its end tick the other times, as the recorder did
 * before (a shared-buffer file of version 1): the encoder reads both.
 */
static bool one_tick;
static unsigned ring_record(const struct rec *r, uint64_t *w)
{
	static unsigned calls;
	bool one = r->start == r->end && (one_tick || calls++ % 2 == 0);
	unsigned n = 3 - one;
	size_t bytes = 0;

	w[1] = r->start;
	if (!one)
		w[2] = r->end;
	for (int i = 0; i < SLOTS; i++) {
		unsigned kind = slot_kind(r->type, i);

		if (kind == TT_KIND_STR)
			w[n++] = r->s[i] ? strlen(r->s[i]) + 1 : 0;
		else if (kind != TT_KIND_NONE)
			w[n++] = r->v[i];
	}
	for (int i = 0; i < SLOTS; i++) {
		if (slot_kind(r->type, i) != TT_KIND_STR || !r->s[i])
			continue;
		size_t len = strlen(r->s[i]), padded = (len + 7) & ~(size_t)7;
		uint8_t *p = (uint8_t *)&w[n] + bytes;

		memcpy(p, r->s[i], len);
		/* the padding holds whatever the ring held before: the encoder must not read it */
		memset(p + len, 0xa5, padded - len);
		bytes += padded;
	}
	n += (unsigned)(bytes / 8);
	if (r->has_stack)
		w[n++] = r->stack;
	w[0] = TT_W0(r->type, n, r->failed, r->err) | (r->has_stack ? TT_W0_HAS_STACK : 0) |
	       (one ? TT_W0_ONE_TICK : 0);
	return n;
}

/* A stream file being built in memory, and what its events must decode to. */
struct file {
	uint8_t *p;
	size_t len, cap;
	struct want *want;
	size_t nwant, want_cap;
	unsigned nchunks;	       /* EVENTS chunks so far */
	size_t events_at;	       /* offset of the first EVENTS chunk's payload */
	uint32_t stacks;	       /* tt_cfg.stacks of the chunk being encoded */
	bool any;		       /* the chunk has a record: prev_end holds */
	uint64_t prev_end;	       /* the encoder's, as format.h says it goes */
	unsigned refs, escapes, diffs; /* the ADDR codes of the file's chunks (format.h 4b) */
};

static void put(struct file *f, const void *p, size_t n)
{
	if (f->len + n > f->cap) {
		f->cap = (f->len + n) * 2;
		f->p = xrealloc(f->p, f->cap);
	}
	memcpy(f->p + f->len, p, n);
	f->len += n;
}

/*
 * Appends a chunk as stream.c writes one: the header's magic and CRCs filled in, the payload
 * deflated raw as chunks.c does if squeeze.  Returns the payload's offset in the file.
 */
static size_t put_chunk(struct file *f, struct tt_chunk_header h, const uint8_t *payload,
			size_t len, bool squeeze)
{
	uint8_t *z = NULL;
	size_t at;

	if (squeeze) {
		z_stream zs = { 0 };

		if (deflateInit2(&zs, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			abort();
		uLong bound = deflateBound(&zs, (uLong)len);

		z = xrealloc(NULL, bound);
		zs.next_in = (Bytef *)payload;
		zs.avail_in = (uInt)len;
		zs.next_out = z;
		zs.avail_out = (uInt)bound;
		if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
			abort();
		h.flags |= TT_CHUNK_DEFLATED;
		h.raw_len = (uint32_t)len;
		h.payload_len = (uint32_t)zs.total_out;
		deflateEnd(&zs);
		payload = z;
	} else {
		h.raw_len = h.payload_len = (uint32_t)len;
	}
	h.magic = TT_CHUNK_MAGIC;
	h.payload_crc = (uint32_t)crc32(0, payload, h.payload_len);
	h.header_crc =
		(uint32_t)crc32(0, (const Bytef *)&h, offsetof(struct tt_chunk_header, header_crc));
	put(f, &h, sizeof(h));
	at = f->len;
	put(f, payload, h.payload_len);
	free(z);
	return at;
}

/* A numeric field of a PROCESS or END chunk (format.h, 3). */
static uint8_t *put_num(uint8_t *p, unsigned key, uint64_t v)
{
	uint8_t num[TT_VARINT_MAX];
	size_t n = (size_t)(tt_put_varint(num, v) - num);

	p = tt_put_varint(p, key);
	p = tt_put_varint(p, n);
	memcpy(p, num, n);
	return p + n;
}

/* The preamble and the PROCESS chunk: a monotonic clock, so ticks are ns. */
static void file_begin(struct file *f)
{
	uint8_t pre[TT_PREAMBLE_LEN] = { 0 }, fields[64], *p = fields;
	uint16_t version = TT_FORMAT_VERSION, min_reader = TT_FORMAT_MIN_READER;

	*f = (struct file){ 0 };
	rt_rec_new_stream();
	memcpy(pre, TT_MAGIC, TT_MAGIC_LEN);
	memcpy(pre + 8, &version, 2);
	memcpy(pre + 10, &min_reader, 2);
	put(f, pre, sizeof(pre));
	p = put_num(p, TT_P_PID, TID);
	p = put_num(p, TT_P_CLOCK, TT_CLOCK_MONOTONIC);
	p = put_num(p, TT_P_START_NS, START_NS);
	put_chunk(f, (struct tt_chunk_header){ .kind = TT_CHUNK_PROCESS }, fields,
		  (size_t)(p - fields), false);
}

static void file_end(struct file *f)
{
	uint8_t fields[32], *p = fields;

	p = put_num(p, TT_E_EVENTS, f->nwant);
	p = put_num(p, TT_E_CHUNKS, f->nchunks);
	put_chunk(f, (struct tt_chunk_header){ .kind = TT_CHUNK_END }, fields, (size_t)(p - fields),
		  false);
}

static void file_free(struct file *f)
{
	free(f->p);
	free(f->want);
	*f = (struct file){ 0 };
}

static void chunk_begin(struct file *f, uint32_t stacks)
{
	rt_rec_begin(stacks);
	f->stacks = stacks;
	f->any = false;
}

/* Encodes r into the chunk and notes what it must decode to.  Returns 0, or -1 if refused. */
static int chunk_add(struct file *f, const struct rec *r, unsigned k)
{
	static uint64_t w[TT_RECORD_MAX];
	unsigned nw = ring_record(r, w);
	uint64_t end = r->end, dur, refused = 0;

	/* the writer's way: a ring that holds just the record, its mask all ones */
	if (rt_rec_ring_span(w, UINT64_MAX, 0, nw, nw, &refused) != nw || refused)
		return -1;
	if (f->nwant == f->want_cap) {
		f->want_cap = f->want_cap ? 2 * f->want_cap : 256;
		f->want = xrealloc(f->want, f->want_cap * sizeof(*f->want));
	}
	struct want *e = &f->want[f->nwant++];

	/* end deltas count from the first record's end; one stepping back is clamped */
	if (!f->any)
		f->prev_end = end;
	f->any = true;
	/* a record moved to the previous one's end keeps its duration */
	dur = r->start < end ? end - r->start : 0;
	if (end < f->prev_end)
		end = f->prev_end;
	f->prev_end = end;
	*e = (struct want){
		.type = r->type,
		.failed = r->failed,
		.err = r->failed ? r->err : 0,
		.start_tick = end - dur,
		.start_ns = end - dur - START_NS,
		.end_ns = end - START_NS,
		.stack = f->stacks && r->has_stack ? r->stack : 0,
		.chunk = f->nchunks,
		.k = k,
	};
	for (int i = 0; i < SLOTS; i++) {
		unsigned kind = slot_kind(r->type, i);

		if (kind == TT_KIND_STR)
			e->s[i] = r->s[i];
		else if (kind != TT_KIND_NONE)
			e->v[i] = r->v[i];
	}
	return 0;
}

/* Counts the chunk's ADDR codes: history references, 64-bit escapes, plain differences. */
static void count_addr_codes(struct file *f)
{
	size_t len;
	const uint8_t *p = rt_rec_col(TT_COL_ADDR, &len), *end = p + len;
	uint64_t v;

	while (p < end && !tt_get_varint(&p, end, &v)) {
		if (!v) {
			f->escapes++;
			tt_get_varint(&p, end, &v);
		} else if (v & 1) {
			f->diffs++;
		} else {
			f->refs++;
		}
	}
}

/* Writes the strings the chunk defined, then the chunk, as chunks.c does. */
static void chunk_end(struct file *f, bool squeeze)
{
	uint32_t n = rt_rec_count();
	size_t slen, len, at;
	const uint8_t *defs = rt_rec_strings(&slen);
	uint64_t first, last;

	count_addr_codes(f);
	if (slen)
		put_chunk(f, (struct tt_chunk_header){ .kind = TT_CHUNK_STRINGS }, defs, slen,
			  squeeze);
	uint8_t *payload = rt_rec_finish(&len, &first, &last);
	struct tt_chunk_header h = {
		.kind = TT_CHUNK_EVENTS,
		.flags = TT_CHUNK_COLUMNS | (f->stacks ? TT_CHUNK_STACK_IDS : 0),
		.tid = TID,
		.nevents = n,
		.first_tick = first,
		.last_tick = last,
		.sync_tick = last, /* a monotonic clock: ticks are ns */
		.sync_ns = last,
	};

	at = put_chunk(f, h, payload, len, squeeze);
	if (!f->nchunks)
		f->events_at = at;
	f->nchunks++;
	free(payload);
}

/*
 * Scans the file into tf and decodes its events thread by thread, as run.c and merge.c do.
 * Returns them (*n of them), or NULL if the scan refused the file.  Their strings live in
 * tf: release it after the comparison.
 */
static struct tt_event *decode(const struct file *f, struct tt_file *tf, size_t *n)
{
	struct tt_event *ev = NULL;
	size_t cap = 0;

	*n = 0;
	*tf = (struct tt_file){ .name = "roundtrip", .data = f->p, .size = f->len };
	if (tt_scan(tf))
		return NULL;
	for (size_t c = 0, e; c < tf->nchunks; c = e) {
		struct tt_tstream s;

		for (e = c + 1; e < tf->nchunks && tf->chunks[e].tid == tf->chunks[c].tid; e++)
			;
		tt_tstream_init(&s, tf, tt_file_thread(tf, tf->chunks[c].tid), &tf->chunks[c],
				&tf->chunks[e], tf->start_ns, 0);
		while (s.state != TT_TS_DONE) {
			if (s.state == TT_TS_READY) {
				if (*n == cap) {
					cap = cap ? 2 * cap : 256;
					ev = xrealloc(ev, cap * sizeof(*ev));
				}
				ev[(*n)++] = s.ev;
			}
			tt_tstream_advance(&s);
		}
		tt_tstream_release(&s);
	}
	tt_decode_cleanup();
	return ev ? ev : xrealloc(NULL, 1);
}

static bool differ(char *why, const char *field, uint64_t got, uint64_t want)
{
	if (got == want)
		return false;
	snprintf(why, WHY, "%s: got %#" PRIx64 ", want %#" PRIx64, field, got, want);
	return true;
}

/* Whether ev is what w says; if not, why names the first field that differs. */
static bool same(const struct tt_event *ev, const struct want *w, char *why)
{
	if (differ(why, "type", ev->type, w->type) ||
	    differ(why, "failed", ev->failed, w->failed) ||
	    differ(why, "errno", (uint64_t)(int64_t)ev->err, (uint64_t)(int64_t)w->err) ||
	    differ(why, "end_ns", ev->end_ns, w->end_ns) ||
	    differ(why, "start_ns", ev->start_ns, w->start_ns) ||
	    differ(why, "start_tick", ev->start_tick, w->start_tick) ||
	    differ(why, "stack", ev->stack, w->stack) ||
	    differ(why, "thread", ev->thread ? ev->thread->tid : 0, TID))
		return false;
	for (int i = 0; i < SLOTS; i++) {
		const union tt_value *v = i ? &ev->args[i - 1] : &ev->result;
		const char *role = tt_roles[slot_role(w->type, i)].name;
		char field[64];

		if (i)
			snprintf(field, sizeof(field), "arg %d (%s)", i - 1, role);
		else
			snprintf(field, sizeof(field), "result (%s)", role);
		if (slot_kind(w->type, i) != TT_KIND_STR) {
			if (differ(why, field, v->u, w->v[i]))
				return false;
			continue;
		}
		if (!v->str != !w->s[i] || (v->str && strcmp(v->str, w->s[i]))) {
			snprintf(why, WHY,
				 "%s: got %s%.40s%s (%zu bytes), want %s%.40s%s (%zu bytes)", field,
				 v->str ? "\"" : "", v->str ? v->str : "NULL", v->str ? "\"" : "",
				 v->str ? strlen(v->str) : 0, w->s[i] ? "\"" : "",
				 w->s[i] ? w->s[i] : "NULL", w->s[i] ? "\"" : "",
				 w->s[i] ? strlen(w->s[i]) : 0);
			return false;
		}
	}
	return true;
}

/* Decodes f and compares every event with what went in, in order: a small file's one test. */
static bool roundtrip(const struct file *f, char *msg)
{
	struct tt_file tf;
	size_t n;
	struct tt_event *ev = decode(f, &tf, &n);
	bool good = ev != NULL && n == f->nwant;
	char why[WHY];

	if (!ev)
		snprintf(msg, MSG, "the scan refused the file");
	else if (n != f->nwant)
		snprintf(msg, MSG, "%zu events decoded, %zu encoded", n, f->nwant);
	for (size_t i = 0; good && i < n; i++)
		if (!same(&ev[i], &f->want[i], why)) {
			snprintf(msg, MSG, "event %zu (%s): %s", i, tt_events[f->want[i].type].name,
				 why);
			good = false;
		}
	free(ev);
	tt_file_release(&tf);
	return good;
}

/*
 * The values each kind of field takes.  U: across the varint lengths, past 2^32 and up to
 * 2^64 - 1; S: negative ones down to INT64_MIN; ADDR: a few values that come back often (the
 * address history), with differences past 63 bits between some (the escape); STR: a path,
 * empty, NULL, TT_STR_MAX bytes (the longest a record keeps), one that fills its words
 * exactly and one that does not.
 */
static const uint64_t u_vals[] = { 0,
				   1,
				   127,
				   128,
				   16384,
				   (1ull << 28) - 1,
				   1ull << 28,
				   UINT32_MAX,
				   (1ull << 32) + 5,
				   0x123456789abcdef0ull,
				   UINT64_MAX };
static const int64_t s_vals[] = { -1,	     0,		1,	     -64,	64,
				  -65,	     -8192,	INT32_MIN,   INT32_MAX, -5000000000ll,
				  INT64_MIN, INT64_MAX, -(1ll << 28) };
static const uint64_t addr_vals[] = { 0x7f3a12345000ull,
				      0x7f3a12345040ull,
				      0x55d0c0de1010ull,
				      0,
				      UINT64_MAX,
				      0x8000000000000000ull,
				      0x10,
				      0x7ffc8badf00dull,
				      0xffffffff80001000ull,
				      0x4000000000000000ull };
static char big[TT_STR_MAX + 1];
static const char *str_vals[NREC] = { "/etc/hosts", "", NULL, big, "exactly8", "nine byte" };
static const int errs[] = { 2, 4, 4095, 0xffffff /* the most w0 holds */ };
/* end deltas and durations across varint lengths, 0 included */
static const uint64_t deltas[] = { 1, 0, 127, 128, 1000, (1ull << 28) + 3, 16384, 1ull << 35 };
static const uint64_t durs[] = { 1, 0, 999, (1ull << 28) + 1, 123456789012ull, 16383, 2 };
static const uint32_t stack_ids[] = { 1, UINT32_MAX, 7, 0x80000000u, 2 };

#define N(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Record k of type in chunk c (0: encoded without stacks, 1: with); *tick the end of the
 * last one.  Failed records for types with a result (errno in w0 of some others too, which
 * must not come back); in chunk 0 a stack word that must not come back either.
 */
static void make(struct rec *r, unsigned type, unsigned k, unsigned c, uint64_t *tick)
{
	unsigned mix = k * 5 + type + c * 7;
	uint64_t dur = durs[(type * 3 + k) % N(durs)];

	*tick += deltas[(type + k) % N(deltas)];
	*r = (struct rec){ .type = type, .end = *tick, .start = *tick - dur };
	if (tt_events[type].result != TT_ROLE_NONE && k % 3 == 1) {
		r->failed = true;
		r->err = errs[(k + type) % N(errs)];
	} else if (k % 3 == 2) {
		r->err = 13;
	}
	for (int i = 0; i < SLOTS; i++) {
		unsigned at = mix + (unsigned)i * 3;

		switch (slot_kind(type, i)) {
		case TT_KIND_U:
			r->v[i] = u_vals[at % N(u_vals)];
			break;
		case TT_KIND_S:
			r->v[i] = (uint64_t)s_vals[at % N(s_vals)];
			break;
		case TT_KIND_ADDR:
			r->v[i] = addr_vals[at % N(addr_vals)];
			break;
		case TT_KIND_STR:
			r->s[i] = str_vals[(k + (unsigned)i) % NREC];
			break;
		}
	}
	if (c == 0) {
		r->has_stack = k % 4 == 3;
		r->stack = 99;
	} else if (k % 3) {
		r->has_stack = true;
		r->stack = k == 5 ? 0 : stack_ids[(k + type) % N(stack_ids)];
	}
}

/*
 * What the records of type in f failed to exercise that its fields call for, NULL if
 * nothing: make() is meant to cover it all, this says so if a table changes.
 */
static const char *uncovered(const struct file *f, unsigned type)
{
	bool big_u = false, neg_s = false, failed = false, stack = false;
	bool str_some = false, str_empty = false, str_null = false, str_max = false;

	for (size_t i = 0; i < f->nwant; i++) {
		const struct want *w = &f->want[i];

		if (w->type != type)
			continue;
		failed |= w->failed;
		stack |= w->stack != 0;
		for (int j = 0; j < SLOTS; j++)
			switch (slot_kind(type, j)) {
			case TT_KIND_U:
				big_u |= w->v[j] > UINT32_MAX;
				break;
			case TT_KIND_S:
				neg_s |= (int64_t)w->v[j] < 0;
				break;
			case TT_KIND_STR:
				str_null |= !w->s[j];
				str_empty |= w->s[j] && !*w->s[j];
				str_max |= w->s[j] && strlen(w->s[j]) == TT_STR_MAX;
				str_some |= w->s[j] && *w->s[j] && strlen(w->s[j]) < TT_STR_MAX;
				break;
			}
	}
	for (int j = 0; j < SLOTS; j++)
		switch (slot_kind(type, j)) {
		case TT_KIND_U:
			if (!big_u)
				return "a U field past 2^32";
			break;
		case TT_KIND_S:
			if (!neg_s)
				return "a negative S field";
			break;
		case TT_KIND_STR:
			if (!str_some || !str_empty || !str_null || !str_max)
				return "a STR field normal, empty, NULL and TT_STR_MAX long";
			break;
		}
	if (tt_events[type].result != TT_ROLE_NONE && !failed)
		return "a failed call";
	return stack ? NULL : "a stack id";
}

/*
 * The span records the decoder pairs (a thread's SPAN_BEGIN and SPAN_END become one SPAN,
 * which no stream holds): test_spans, not the record-for-record round trip.
 */
static bool paired(unsigned type)
{
	return type == TT_EV_SPAN_BEGIN || type == TT_EV_SPAN_END || type == TT_EV_SPAN ||
	       type == TT_EV_FREES_OFF; /* a batch of the rings: test_frees */
}

/* Every type, NREC records each, interleaved, in two chunks of one thread. */
static void test_all_types(void)
{
	static char msg[TT_EV_COUNT][MSG];
	static unsigned count[TT_EV_COUNT];
	struct file f;
	struct tt_file tf;
	uint64_t tick = 1ull << 50;
	size_t n, refused = 0, problems = 0;
	struct rec r;
	char why[WHY];

	memset(msg, 0, sizeof(msg)); /* static for their size: run once per encoder */
	memset(count, 0, sizeof(count));
	file_begin(&f);
	for (unsigned c = 0; c < 2; c++) {
		chunk_begin(&f, c ? 1u << TT_CAT_MEMORY : 0);
		for (unsigned k = 0; k < NREC; k++)
			for (unsigned type = 1; type < TT_EV_COUNT; type++) {
				if (paired(type))
					continue;
				make(&r, type, k, c, &tick);
				if (chunk_add(&f, &r, c * NREC + k)) {
					refused++;
					if (!*msg[type])
						snprintf(msg[type], MSG,
							 "record %u of chunk %u: refused by "
							 "the encoder",
							 k, c);
				}
			}
		/* the first deflated, as the recorder writes them; the second stored */
		chunk_end(&f, c == 0);
		tick += 1000000;
	}
	file_end(&f);

	struct tt_event *ev = decode(&f, &tf, &n);

	for (int i = 0; ev && i < TT_PB_COUNT; i++)
		problems += tf.problems.count[i];
	ok(ev && tf.has_process && tf.has_end && tf.pid == TID && tf.start_ns == START_NS &&
		   tf.nchunks == 2 && !problems,
	   "scan: the file is read whole, without problems (%zu problems)", problems);
	for (int i = 0; ev && i < TT_PB_COUNT; i++)
		if (tf.problems.first[i])
			printf("# problem: %s\n", tf.problems.first[i]);
	/* a function entry whose call never ends is closed at the thread's end (nest.c) */
	size_t open = 0;

	for (size_t i = 0; i < f.nwant; i++)
		open += f.want[i].type == TT_EV_FUNC_ENTRY;
	for (size_t i = f.nwant; ev && i < n; i++)
		open -= ev[i].type == TT_EV_FUNC && ev[i].args[1].u == TT_FUNC_OPEN;
	ok(!refused && ev && n >= f.nwant && !open,
	   "decode: %zu events back of %zu encoded, %zu refused by the encoder", ev ? n : 0,
	   f.nwant, refused);
	ok(f.refs && f.escapes && f.diffs,
	   "addr: %u history references, %u 64-bit escapes, %u differences encoded", f.refs,
	   f.escapes, f.diffs);
	for (size_t i = 0; i < f.nwant; i++) {
		const struct want *w = &f.want[i];

		count[w->type]++;
		if (*msg[w->type])
			continue;
		if (!ev || i >= n)
			snprintf(msg[w->type], MSG, "record %u of chunk %u: not decoded", w->k,
				 w->chunk);
		else if (!same(&ev[i], w, why))
			snprintf(msg[w->type], MSG, "record %u of chunk %u: %s", w->k, w->chunk,
				 why);
	}
	for (unsigned type = 1; type < TT_EV_COUNT; type++) {
		if (paired(type))
			continue;
		const char *missing = uncovered(&f, type);

		if (!*msg[type] && count[type] != 2 * NREC)
			snprintf(msg[type], MSG, "%u records encoded, %u meant", count[type],
				 2 * NREC);
		if (!*msg[type] && missing)
			snprintf(msg[type], MSG, "the records did not exercise %s", missing);
		if (*msg[type])
			ok(0, "%s: %s", tt_events[type].name, msg[type]);
		else
			ok(1, "%s: %u records round-trip", tt_events[type].name, count[type]);
	}
	free(ev);
	tt_file_release(&tf);
	file_free(&f);
}

/* A ring record filled in for type with the first value of each kind, at end tick end. */
static struct rec plain(unsigned type, uint64_t start, uint64_t end)
{
	struct rec r = { .type = type, .start = start, .end = end };

	for (int i = 0; i < SLOTS; i++)
		if (slot_kind(type, i) == TT_KIND_STR)
			r.s[i] = "/tmp/x";
		else
			r.v[i] = 0x1000u + (unsigned)i;
	return r;
}

/*
 * Spans: a begin and its end come back as one SPAN from the begin's start to the end's end,
 * named by the begin, nested ones innermost first; an end with nothing open is left out.
 */
static void test_spans(void)
{
	struct file f;
	struct tt_file tf;
	uint64_t t = 7000000000000ull;
	struct rec r[] = {
		plain(TT_EV_SPAN_BEGIN, t, t),	       plain(TT_EV_SPAN_BEGIN, t + 10, t + 10),
		plain(TT_EV_MALLOC, t + 20, t + 30),   plain(TT_EV_SPAN_END, t + 40, t + 40),
		plain(TT_EV_SPAN_END, t + 50, t + 50), plain(TT_EV_SPAN_END, t + 60, t + 60),
	};
	size_t n = 0;
	int good = 1;

	r[0].s[1] = "outer"; /* slot 0 is the result */
	r[1].s[1] = "inner";
	file_begin(&f);
	chunk_begin(&f, 0);
	for (size_t i = 0; i < N(r); i++)
		good &= !chunk_add(&f, &r[i], (unsigned)i);
	chunk_end(&f, true);
	file_end(&f);

	struct tt_event *ev = decode(&f, &tf, &n);

	good &= ev && n == 3;
	good &= good && ev[0].type == TT_EV_MALLOC;
	good &= good && ev[1].type == TT_EV_SPAN && !strcmp(ev[1].args[0].str, "inner") &&
		ev[1].start_tick == t + 10 && ev[1].end_ns == t + 40 - START_NS;
	good &= good && ev[2].type == TT_EV_SPAN && !strcmp(ev[2].args[0].str, "outer") &&
		ev[2].start_tick == t && ev[2].end_ns == t + 50 - START_NS;
	good &= good && tf.problems.count[TT_PB_ANNOTATIONS] == 1;
	ok(good, "spans: paired into SPAN events, innermost first; an extra end left out");
	free(ev);
	tt_file_release(&tf);
	file_free(&f);
}

/*
 * Frees noted while tracing was off: a batch record of the rings comes back as one
 * FREE_OFF per address, at the batch's time.
 */
static void test_frees(void)
{
	struct file f;
	struct tt_file tf;
	uint64_t t = 8000000000000ull;
	uint64_t w[3 + 3] = { TT_W0(TT_EV_FREES_OFF, 6, 0, 0), t, t, 0x5000, 0x7010, 0x5020 };
	struct rec m = plain(TT_EV_MALLOC, t - 20, t - 10);
	size_t n = 0;
	int good = 1;

	file_begin(&f);
	chunk_begin(&f, 0);
	good &= !chunk_add(&f, &m, 0);
	good &= !rt_rec_record(w, 6);
	chunk_end(&f, true);
	file_end(&f);

	struct tt_event *ev = decode(&f, &tf, &n);

	good &= ev && n == 4 && ev[0].type == TT_EV_MALLOC;
	for (size_t i = 1; good && i < 4; i++)
		good &= ev[i].type == TT_EV_FREE_OFF && ev[i].args[0].u == w[2 + i] &&
			ev[i].end_ns == t - START_NS && ev[i].start_ns == ev[i].end_ns;
	ok(good, "frees noted while off: a batch comes back as one FREE_OFF per address");
	free(ev);
	tt_file_release(&tf);
	file_free(&f);
}

/* An end tick before the previous one (a CPU migration) and a start after the end. */
static void test_ticks(void)
{
	struct file f;
	char msg[MSG] = "";
	uint64_t t = 5000000000000ull;
	struct rec r[] = {
		plain(TT_EV_MALLOC, t - 10, t),
		plain(TT_EV_FREE, t - 300, t - 100), /* end before the last: clamped to t */
		plain(TT_EV_READ, t + 50, t + 20),   /* start after end: duration 0 */
		plain(TT_EV_WRITE, t + 20, t + 20),  /* duration 0 */
		plain(TT_EV_CLOSE, t - 5000, t + (1ull << 40)),
	};
	int good = 1;

	file_begin(&f);
	chunk_begin(&f, 0);
	for (size_t i = 0; i < N(r); i++)
		good &= !chunk_add(&f, &r[i], (unsigned)i);
	chunk_end(&f, true);
	file_end(&f);
	good &= f.want[1].end_ns == t - START_NS && f.want[2].start_ns == f.want[2].end_ns;
	good &= roundtrip(&f, msg);
	ok(good, "ticks: an end stepping back is clamped, a start after the end is duration 0%s%s",
	   *msg ? ": " : "", msg);
	file_free(&f);
}

/*
 * The encoder's short ways (encode.c: heap calls and mutexes of one tick without a stack
 * word) write what its general way does: each of their types, failed or not, over the
 * values make() covers, in a chunk without and one with the stack column.
 */
static void test_short_ways(void)
{
	static const unsigned types[] = { TT_EV_FREE, TT_EV_MALLOC, TT_EV_MUTEX_LOCK,
					  TT_EV_MUTEX_UNLOCK };
	struct file f;
	char msg[MSG] = "";
	uint64_t tick = 1ull << 51;
	struct rec r;
	int good = 1;

	file_begin(&f);
	one_tick = true;
	for (unsigned c = 0; c < 2; c++) {
		chunk_begin(&f, c ? 1u << TT_CAT_MEMORY : 0);
		for (unsigned k = 0; k < 3 * NREC; k++)
			for (size_t i = 0; i < N(types); i++) {
				make(&r, types[i], k, c, &tick);
				r.start = r.end;
				r.has_stack = false;
				good &= !chunk_add(&f, &r, c * 3 * NREC + k);
			}
		chunk_end(&f, c == 0);
	}
	one_tick = false;
	file_end(&f);
	good &= roundtrip(&f, msg);
	ok(good, "short ways: heap and mutex records of one tick decode as written%s%s",
	   *msg ? ": " : "", msg);
	file_free(&f);
}

/*
 * The exec convention (format.h): an exec recorded ahead of the call (duration 0) that
 * fails is followed by the same type failed with the same start: the decoder gives the
 * failure alone, also when it is in the next chunk.  One that is not followed so stays.
 */
static void test_exec(void)
{
	struct file f;
	char msg[MSG] = "";
	uint64_t t = 6000000000000ull;
	struct rec pend = plain(TT_EV_EXECVE, t, t), fail = plain(TT_EV_EXECVE, t, t + 700);
	struct rec other = plain(TT_EV_CLOSE, t + 800, t + 900);
	struct rec pend2 = plain(TT_EV_EXECVP, t + 1000, t + 1000);
	struct rec fail2 = plain(TT_EV_EXECVP, t + 1000, t + 5000);
	struct rec pend3 = plain(TT_EV_EXECV, t + 6000, t + 6000);
	int good = 1;

	fail.failed = fail2.failed = true;
	fail.err = 2;
	fail2.err = 13;
	file_begin(&f);
	chunk_begin(&f, 0);
	good &= !chunk_add(&f, &pend, 0) && !chunk_add(&f, &fail, 1);
	good &= !chunk_add(&f, &other, 2) && !chunk_add(&f, &pend2, 3);
	chunk_end(&f, true);
	chunk_begin(&f, 0);
	good &= !chunk_add(&f, &fail2, 4) && !chunk_add(&f, &pend3, 5) && !chunk_add(&f, &other, 6);
	chunk_end(&f, false);
	file_end(&f);
	/* the pending records replaced by their failures: wants 0 and 3 go */
	memmove(&f.want[3], &f.want[4], 3 * sizeof(*f.want));
	memmove(&f.want[0], &f.want[1], 5 * sizeof(*f.want));
	f.nwant = 5;
	good &= roundtrip(&f, msg);
	ok(good, "exec: a failed exec replaces its pending record, across chunks too%s%s",
	   *msg ? ": " : "", msg);
	file_free(&f);
}

/* Records the encoder must refuse whole, the columns untouched (drain.c then drops them). */
static void test_refused(void)
{
	struct file f;
	char msg[MSG] = "";
	uint64_t t = 7000000000000ull, w[64];
	struct rec a = plain(TT_EV_MALLOC, t, t + 10), b = plain(TT_EV_OPEN, t + 20, t + 30);
	int good = 1;

	file_begin(&f);
	chunk_begin(&f, 1);
	a.has_stack = true;
	a.stack = 5;
	good &= !chunk_add(&f, &a, 0);
	size_t size = rt_rec_size();
	uint32_t n = rt_rec_count();

	memset(w, 0, sizeof(w));
	w[1] = w[2] = t + 15;
	w[0] = TT_W0(TT_EV_INVALID, 3, 0, 0);
	good &= rt_rec_record(w, 3) == -1;
	w[0] = TT_W0(TT_EV_COUNT, 3, 0, 0);
	good &= rt_rec_record(w, 3) == -1;
	w[0] = TT_W0(TT_EV_FREE, 2, 0, 0);
	good &= rt_rec_record(w, 2) == -1; /* shorter than the header words */
	w[0] = TT_W0(TT_EV_MALLOC, 4, 0, 0);
	good &= rt_rec_record(w, 4) == -1; /* malloc has two payload words */
	w[0] = TT_W0(TT_EV_MALLOC, 5, 0, 0) | TT_W0_HAS_STACK;
	good &= rt_rec_record(w, 5) == -1; /* no room for the stack word */
	w[0] = TT_W0(TT_EV_FREE, 1, 0, 0) | TT_W0_ONE_TICK;
	good &= rt_rec_record(w, 1) == -1; /* shorter than its one tick */
	w[0] = TT_W0(TT_EV_MALLOC, 3, 0, 0) | TT_W0_ONE_TICK;
	good &= rt_rec_record(w, 3) == -1; /* one tick, and still two payload words */
	w[0] = TT_W0(TT_EV_MALLOC, 4, 0, 0) | TT_W0_ONE_TICK | TT_W0_HAS_STACK;
	good &= rt_rec_record(w, 4) == -1;
	w[0] = TT_W0(TT_EV_OPEN, 8, 0, 0);
	w[4] = 100 + 1; /* a 100-byte path in 1 word */
	good &= rt_rec_record(w, 8) == -1;
	w[0] = TT_W0(TT_EV_OPEN, 20, 0, 0) | TT_W0_HAS_STACK;
	w[4] = 100 + 1; /* 13 words of path, 1 of stack: 21 words, not 20 */
	good &= rt_rec_record(w, 20) == -1;
	good &= rt_rec_size() == size && rt_rec_count() == n;
	good &= !chunk_add(&f, &b, 1);
	chunk_end(&f, true);
	file_end(&f);
	good &= roundtrip(&f, msg);
	ok(good, "encoder: malformed ring records are refused and leave the chunk intact%s%s",
	   *msg ? ": " : "", msg);
	file_free(&f);
}

/*
 * The writer's loop over a ring (tt_enc_ring): it wraps, skips the padding at the ring's
 * end, stops at stop on a record's end, and stops at a record whose length was trampled.
 */
static void test_ring(void)
{
	struct file f;
	uint64_t ring[16], t = 9000000000000ull, refused = 0, p1, p2, p3;
	int good = 1;

	file_begin(&f);
	chunk_begin(&f, 0);
	/* from word 9: a malloc (9-13), padding (14-15), then of one tick a free (0-2), a malloc */
	const uint64_t malloc1[5] = { TT_W0(TT_EV_MALLOC, 5, 0, 0), t, t, 0x5000, 64 };
	const uint64_t free1[3] = { TT_W0(TT_EV_FREE, 3, 0, 0) | TT_W0_ONE_TICK, t + 1, 0x5000 };
	const uint64_t malloc2[4] = { TT_W0(TT_EV_MALLOC, 4, 0, 0) | TT_W0_ONE_TICK, t + 2, 0x5000,
				      32 };

	memcpy(ring + 9, malloc1, sizeof(malloc1));
	ring[14] = TT_W0(TT_EV_INVALID, 2, 0, 0);
	memcpy(ring, free1, sizeof(free1));
	memcpy(ring + 3, malloc2, sizeof(malloc2));
	p1 = rt_rec_ring_span(ring, 15, 9, 10, 16 + 7, &refused); /* stop inside the malloc */
	p2 = rt_rec_ring_span(ring, 15, p1, 16 + 7, 16 + 7, &refused);
	good &= p1 == 14 && p2 == 16 + 7 && !refused && rt_rec_count() == 3;
	ring[0] = 0; /* a record of no words: trampled */
	p3 = rt_rec_ring_span(ring, 15, 16, 16 + 7, 16 + 7, &refused);
	good &= p3 == 16 + 7 && refused == 1 && rt_rec_count() == 3;
	chunk_end(&f, true);
	file_end(&f);
	file_free(&f);
	ok(good,
	   "encoder: the ring loop wraps, skips padding, stops at stop and at a trampled "
	   "record (positions %llu %llu %llu, %llu refused)",
	   (unsigned long long)p1, (unsigned long long)p2, (unsigned long long)p3,
	   (unsigned long long)refused);
}

/* A flipped byte in an EVENTS payload: its CRC drops the chunk, the others are read. */
static void test_crc(void)
{
	struct file f;
	struct tt_file tf;
	uint64_t t = 8000000000000ull;
	struct rec a = plain(TT_EV_MALLOC, t, t + 10), b = plain(TT_EV_FREE, t + 20, t + 30);
	size_t n;

	file_begin(&f);
	chunk_begin(&f, 0);
	chunk_add(&f, &a, 0);
	chunk_end(&f, true);
	chunk_begin(&f, 0);
	chunk_add(&f, &b, 1);
	chunk_end(&f, true);
	file_end(&f);
	f.p[f.events_at + 2] ^= 0x10;
	struct tt_event *ev = decode(&f, &tf, &n);

	ok(ev && tf.problems.count[TT_PB_DAMAGED] == 1 && tf.nchunks == 1 && n == 1 &&
		   ev[0].type == TT_EV_FREE,
	   "crc: a flipped payload byte drops its chunk only (%zu events left)", ev ? n : 0);
	free(ev);
	tt_file_release(&tf);
	file_free(&f);
}

int main(void)
{
	/* printable, and not one repeated byte: a shift in the string shows */
	for (size_t i = 0; i < TT_STR_MAX; i++)
		big[i] = (char)('a' + i % 23);
	if (rt_rec_setup()) {
		printf("Bail out! tt_enc_setup failed\n");
		return 1;
	}
	test_all_types();
	test_ticks();
	test_short_ways();
	/* the encoder's other choices of instructions, each on the CPU it was made for */
	static const char *const names[] = { "plain encoder: ", "LZCNT encoder: ",
					     "PDEP encoder: " };
	unsigned best = rt_rec_use(RT_ENC_PDEP);

	for (unsigned isa = RT_ENC_PLAIN; isa < best; isa++) {
		tap_prefix = names[rt_rec_use(isa)];
		test_all_types();
		test_ticks();
		test_short_ways();
	}
	tap_prefix = "";
	rt_rec_use(best);
	test_spans();
	test_frees();
	test_exec();
	test_refused();
	test_ring();
	test_crc();
	printf("1..%d\n", ntest);
	return nfail != 0;
}
