/*
 * chunks.c - writing chunks to the stream: compression (igzip when built with it, which also
 * stores the columns it would barely shrink; else zlib), the strings that events name, EVENTS
 * chunks, the EVENTS_MULTI chunk that threads with little to write share, and the side chunks
 * (stacks, modules).  The writer lock is held for all of it: it guards the compressor, these
 * buffers, the string table and the file.
 */
#include "config.h"
#include "tt.h"
#include "sys.h"
#include "codec.h"
#include "strtab.h"
#include "encode.h"
#include "chunks.h"

#include <string.h>
#include <zlib.h>
#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#define RAW_CAP TT_ENC_CAP     /* raw bytes per chunk */
#define RAW_SLACK TT_ENC_SLACK /* room for one more record past RAW_CAP */
#define EBUF_CAP (RAW_CAP + RAW_SLACK + TT_ENC_DIR_MAX)

static z_stream zs;
int tt_chunks_ok;		    /* buffers and compressor set up */
static uint8_t *ebuf, *sbuf, *obuf; /* events, strings, compressed output */
/*
 * The EVENTS_MULTI chunk being staged (tt_chunk_stage): each part's columns one after the
 * other in mbuf, its header fields in mparts; laid out by column when written.
 */
#define MULTI_PARTS 2048
static uint8_t *mbuf;
static size_t mbuf_len;
struct multi_part {
	uint32_t tid, n, flags;
	uint64_t first, last;
	uint32_t len[TT_NCOLS];
	struct tt_thread *t; /* its ring, released up to pos once the chunk is written */
	uint64_t pos;
};
static struct multi_part *mparts;
static unsigned nmparts;
static size_t mhdr_len; /* bytes the part headers take */
static uint32_t mbuf_events;
static uint64_t mbuf_last;    /* the latest last tick of the parts */
static uint64_t mheld_since;  /* sync tick of the pass that staged the first part */
static uint32_t multi_id = 1; /* of the chunk being staged (tt_thread.multi_id) */
static size_t sbuf_len, obuf_cap;
uint64_t tt_events_written, tt_events_lost, tt_chunks_written;
uint64_t tt_sync_tick, tt_sync_ns;

/* zlib allocates once, at deflateInit: give it mmap'd memory, never the traced heap. */
static void *z_alloc(void *opaque, unsigned items, unsigned size)
{
	size_t len = (size_t)items * size + 16;
	uint64_t *p = tt_mmap(len);

	if (!p)
		return NULL;
	p[0] = len;
	return p + 2;
}

static void z_free(void *opaque, void *ptr)
{
	uint64_t *p = (uint64_t *)ptr - 2;

	tt_munmap(p, p[0]);
}

static void unmap(void **p, size_t len)
{
	if (*p)
		tt_munmap(*p, len);
	*p = NULL;
}

int tt_chunks_setup(void)
{
	if (tt_chunks_ok)
		return 0;
	obuf_cap = EBUF_CAP + (EBUF_CAP >> 4) + 1024;
	ebuf = tt_mmap(EBUF_CAP);
	mbuf = tt_mmap(EBUF_CAP);
	mparts = tt_mmap(MULTI_PARTS * sizeof(*mparts));
	sbuf = tt_mmap(RAW_CAP + RAW_SLACK);
	obuf = tt_mmap(obuf_cap);
	zs.zalloc = z_alloc;
	zs.zfree = z_free;
	if (!ebuf || !mbuf || !mparts || !sbuf || !obuf || tt_enc_setup() ||
	    deflateInit2(&zs, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		/* short of memory: what was had goes back to the program, which runs on */
		unmap((void **)&ebuf, EBUF_CAP);
		unmap((void **)&mbuf, EBUF_CAP);
		unmap((void **)&mparts, MULTI_PARTS * sizeof(*mparts));
		unmap((void **)&sbuf, RAW_CAP + RAW_SLACK);
		unmap((void **)&obuf, obuf_cap);
		tt_enc_teardown();
		return -1;
	}
	tt_chunks_ok = 1;
	return 0;
}

#ifdef HAVE_ISAL
/*
 * igzip level 1, stateless (one call per chunk, all memory ours): raw deflate like zlib's,
 * much faster than zlib's level 1 on trace data and a little smaller.  Returns
 * the compressed length, or 0 if it does not fit (then zlib has a go).
 */
static uint8_t *isal_buf;

/*
 * Deflates raw into out; unless last, the blocks end byte-aligned and none is final, so that
 * more blocks may follow in the same stream.
 */
static size_t isal_part(const uint8_t *raw, size_t len, uint8_t *out, size_t cap, int last)
{
	/*
	 * Not on the stack: it is 80 KB, and a drain may run in a program's signal handler on
	 * a small alternate stack (CPython installs its handlers with SA_ONSTACK and its
	 * faulthandler sets up such a stack).  One compression at a time: the writer lock.
	 */
	static struct isal_zstream s;

	if (!isal_buf && !(isal_buf = tt_mmap(ISAL_DEF_LVL1_DEFAULT)))
		return 0;
	isal_deflate_stateless_init(&s);
	s.level = 1;
	s.level_buf = isal_buf;
	s.level_buf_size = ISAL_DEF_LVL1_DEFAULT;
	s.next_in = (uint8_t *)raw;
	s.avail_in = (uint32_t)len;
	s.next_out = out;
	s.avail_out = (uint32_t)cap;
	s.end_of_stream = last;
	s.flush = last ? NO_FLUSH : FULL_FLUSH;
	s.gzip_flag = IGZIP_DEFLATE;
	if (isal_deflate_stateless(&s) != COMP_OK)
		return 0;
	return s.total_out;
}

static size_t isal_compress(const uint8_t *raw, size_t len)
{
	return isal_part(raw, len, obuf, obuf_cap, 1);
}

/* Stored blocks (RFC 1951, 3.2.4) holding p, at a byte boundary of the stream; the last one
 * final if last. */
static size_t put_stored(uint8_t *out, const uint8_t *p, size_t len, int last)
{
	uint8_t *o = out;

	do {
		size_t n = len > 65535 ? 65535 : len;

		*o++ = last && n == len; /* BFINAL, BTYPE 00, and the bits to the byte's end */
		o[0] = (uint8_t)n;
		o[1] = (uint8_t)(n >> 8);
		o[2] = (uint8_t)~n;
		o[3] = (uint8_t)(~n >> 8);
		memcpy(o + 4, p, n);
		o += 4 + n;
		p += n;
		len -= n;
	} while (len);
	return (size_t)(o - out);
}

/* log2(x) for x >= 1, to a hundredth of a bit: enough to compare sizes */
static double approx_log2(uint32_t x)
{
	int k = 31 - __builtin_clz(x);
	double m = (double)x / (double)(1u << k) - 1; /* [0, 1) */

	return k + m * (1.3465 - 0.3465 * m);
}

#define STORE_FROM TT_COL_VAL /* the columns that may be stored: values and addresses */
#define STORE_TO TT_COL_ADDR
#define STORE_MIN 4096	   /* shorter columns are not worth looking at */
#define STORE_SAMPLE 16384 /* bytes of a column whose statistics decide */

/*
 * Whether deflate would leave more than 70 % of a column's bytes, spending on them as much
 * time as on the rest of the chunk: judged by the column's order-0 entropy, which deflate
 * barely beats on such columns (the values and addresses of a program that allocates a lot,
 * whose repeats are already references to the address history, encode.c), while the columns
 * of most programs have repeats that take them far under it.
 */
static int barely_compressible(const uint8_t *p, size_t len)
{
	uint32_t h[256] = { 0 };
	size_t n = len < STORE_SAMPLE ? len : STORE_SAMPLE;
	double bits = 0;

	for (size_t i = 0; i < n; i++)
		h[p[i]]++;
	for (int i = 0; i < 256; i++)
		if (h[i])
			bits += h[i] * (approx_log2((uint32_t)n) - approx_log2(h[i]));
	return bits > 0.7 * 8 * (double)n;
}

/*
 * An EVENTS chunk as tt_enc_finish laid it out (off: where each column starts, then the
 * end): the columns that deflate would barely shrink go as stored blocks of the same
 * deflate stream, the rest deflated around them, so that a reader inflates it as any other
 * chunk.  Returns the length in obuf, 0 on failure.
 */
static size_t isal_events(const uint8_t *raw, size_t len, const size_t *off)
{
	int from = -1, to = -1;

	for (int i = STORE_FROM; i <= STORE_TO; i++) {
		size_t n = off[i + 1] - off[i];

		if (n >= STORE_MIN && barely_compressible(raw + off[i], n)) {
			from = from < 0 ? i : from;
			to = i;
		}
	}
	if (from < 0)
		return isal_compress(raw, len);
	/* the directory comes first: what is deflated before the stored part is never empty */
	size_t a = off[from], b = off[to + 1], n = isal_part(raw, a, obuf, obuf_cap, 0);

	if (!n || obuf_cap - n < b - a + 5 * ((b - a) / 65535 + 1))
		return 0;
	n += put_stored(obuf + n, raw + a, b - a, b == len);
	if (b < len) {
		size_t m = isal_part(raw + b, len - b, obuf + n, obuf_cap - n, 1);

		n = m ? n + m : 0;
	}
	return n;
}
#endif

/*
 * Deflates raw into obuf: at level 1 igzip if it can, else zlib (at the level asked).  Returns
 * the length, 0 on failure.
 */
static size_t compress_chunk(const uint8_t *raw, size_t len, int level)
{
#ifdef HAVE_ISAL
	size_t n = level == 1 ? isal_compress(raw, len) : 0;

	if (n)
		return n;
#endif
	deflateReset(&zs);
	if (level != 1)
		deflateParams(&zs, level, Z_DEFAULT_STRATEGY);
	zs.next_in = (Bytef *)raw;
	zs.avail_in = (uInt)len;
	zs.next_out = obuf;
	zs.avail_out = (uInt)obuf_cap;
	int done = deflate(&zs, Z_FINISH) == Z_STREAM_END;

	if (level != 1) {
		deflateReset(&zs);
		deflateParams(&zs, 1, Z_DEFAULT_STRATEGY);
	}
	return done ? obuf_cap - zs.avail_out : 0;
}

/* Deflated (n bytes in obuf; 0: it failed), with its header filled in and written. */
static int write_deflated(struct tt_chunk_header *h, size_t len, size_t n)
{
	if (!n)
		return -12;
	h->flags |= TT_CHUNK_DEFLATED;
	h->raw_len = (uint32_t)len;
	h->payload_len = (uint32_t)n;
	h->sync_tick = tt_sync_tick;
	h->sync_ns = tt_sync_ns;
	return tt_stream_write_chunk(h, obuf);
}

static int write_compressed(struct tt_chunk_header *h, const uint8_t *raw, size_t len, int level)
{
	return write_deflated(h, len, compress_chunk(raw, len, level));
}

static int flush_strings(void)
{
	if (!sbuf_len)
		return 0;
	struct tt_chunk_header h = { .kind = TT_CHUNK_STRINGS };
	int err = write_compressed(&h, sbuf, sbuf_len, 1);

	sbuf_len = 0;
	return err;
}

int tt_chunk_events(struct tt_enc *c)
{
	int err;

	if (!c->n)
		return 0;
	/* the thread's earlier events, in the shared chunk, must come first in the file */
	if (nmparts && c->t->multi_id == multi_id)
		tt_chunk_multi();
	err = flush_strings();
	if (!err) {
		struct tt_chunk_header h = {
			.kind = TT_CHUNK_EVENTS,
			.tid = c->t->tid,
			.nevents = c->n,
			.first_tick = c->first,
			.last_tick = c->prev_end,
			.flags = TT_CHUNK_COLUMNS | (tt_cfg.stacks ? TT_CHUNK_STACK_IDS : 0),
		};

		size_t off[TT_NCOLS + 1], len = tt_enc_finish(c, ebuf, off), n = 0;
#ifdef HAVE_ISAL
		n = isal_events(ebuf, len, off);
#endif
		err = write_deflated(&h, len, n ? n : compress_chunk(ebuf, len, 1));
	}
	if (err) {
		tt_events_lost += c->n;
		tt_fail("cannot write the trace file", err);
	} else {
		tt_events_written += c->n;
		tt_chunks_written++;
	}
	tt_enc_begin(c, c->t);
	return err;
}

/*
 * Threads with little to write in a pass (short-lived threads, mostly idle ones) share one
 * chunk (tt_chunk_multi_due says when it is written): alone, each would cost a 64-byte chunk
 * header for a few events, most of a thread-churning program's trace.  It is laid out by
 * column across the parts (format.h, EVENTS_MULTI): the parts' timestamps next to each
 * other, their addresses next to each other, compress smaller than the parts one after the
 * other.
 */
#define PART_FIELDS (4 + TT_NCOLS)

/* Field f of a part's header, in the order they are laid out (format.h, version 7) */
static uint64_t part_field(const struct multi_part *m, const struct multi_part *prev, int f)
{
	switch (f) {
	case 0:
		return tt_zigzag((int64_t)m->tid - (int64_t)(prev ? prev->tid : 0));
	case 1:
		return m->n;
	case 2:
		return tt_zigzag((int64_t)(m->first - (prev ? prev->first : m->first)));
	case 3:
		return m->flags;
	default:
		return m->len[f - 4];
	}
}

/*
 * By field, as the columns are: a part's tid, count and first tick side by side with the
 * next part's compress far better than the fields one after the other.
 */
static size_t multi_layout(uint8_t *out)
{
	uint8_t *p = tt_put_varint(out, nmparts);

	for (int f = 0; f < PART_FIELDS; f++)
		for (unsigned k = 0; k < nmparts; k++)
			p = tt_put_varint(p, part_field(&mparts[k], k ? &mparts[k - 1] : NULL, f));
	for (int i = 0; i < TT_NCOLS; i++) {
		const uint8_t *src = mbuf;

		for (unsigned k = 0; k < nmparts; k++) {
			for (int j = 0; j < i; j++)
				src += mparts[k].len[j];
			memcpy(p, src, mparts[k].len[i]);
			for (int j = i; j < TT_NCOLS; j++)
				src += mparts[k].len[j];
			p += mparts[k].len[i];
		}
	}
	return (size_t)(p - out);
}

/* ebuf is free: a staged part no longer needs it (its columns were copied to mbuf) */
int tt_chunk_multi(void)
{
	int err;

	if (!nmparts)
		return 0;
	err = flush_strings();
	if (!err) {
		struct tt_chunk_header h = {
			.kind = TT_CHUNK_EVENTS_MULTI,
			.nevents = mbuf_events,
			.first_tick = mparts[0].first,
			.last_tick = mbuf_last,
		};

		/* zlib's level 3: a tenth smaller than level 1, a few ms per MB of small threads */
		err = write_compressed(&h, ebuf, multi_layout(ebuf), 3);
	}
	if (err) {
		tt_events_lost += mbuf_events;
		tt_fail("cannot write the trace file", err);
	} else {
		tt_events_written += mbuf_events;
		tt_chunks_written++;
	}
	for (unsigned k = 0; k < nmparts; k++)
		tt_ring_release(mparts[k].t, mparts[k].pos, 0);
	mbuf_len = 0;
	mhdr_len = 0;
	nmparts = 0;
	mbuf_events = 0;
	multi_id++;
	return err;
}

/*
 * The shared chunk is kept across passes, up to half the flush interval or until it is full:
 * a thread-churning program ends a hundred threads between two passes (thread.c wakes the
 * writer every 128 thread ends), and a chunk of a hundred compresses a tenth worse than one
 * of a few thousand.  A process killed meanwhile loses them, as it loses what its threads
 * have not handed over yet.
 */
int tt_chunk_multi_due(int final)
{
	if (!nmparts)
		return 0;
	if (final || tt_sync_tick - mheld_since >= tt_clock_ms_to_ticks(tt_cfg.flush_ms / 2))
		return tt_chunk_multi();
	return 0;
}

void tt_chunk_stage(struct tt_enc *c, uint64_t pos)
{
	struct multi_part m = {
		.t = c->t,
		.pos = pos,
		.tid = c->t->tid,
		.n = c->n,
		.flags = TT_CHUNK_COLUMNS | (tt_cfg.stacks ? TT_CHUNK_STACK_IDS : 0),
		.first = c->first,
		.last = c->prev_end,
	};
	uint8_t hdr[PART_FIELDS * TT_VARINT_MAX], *h = hdr;

	if (nmparts == MULTI_PARTS ||
	    mbuf_len + tt_enc_size(c) + mhdr_len + sizeof(hdr) + TT_VARINT_MAX > RAW_CAP)
		tt_chunk_multi();
	for (int i = 0; i < TT_NCOLS; i++) {
		size_t n;
		const uint8_t *col = tt_enc_col(c, i, &n);

		memcpy(mbuf + mbuf_len, col, n);
		mbuf_len += n;
		m.len[i] = (uint32_t)n;
	}
	for (int f = 0; f < PART_FIELDS; f++)
		h = tt_put_varint(h, part_field(&m, nmparts ? &mparts[nmparts - 1] : NULL, f));
	mhdr_len += (size_t)(h - hdr);
	if (!nmparts)
		mheld_since = tt_sync_tick;
	mparts[nmparts++] = m;
	c->t->multi_id = multi_id;
	if (nmparts == 1 || m.last > mbuf_last)
		mbuf_last = m.last;
	mbuf_events += m.n;
	tt_enc_begin(c, c->t);
}

uint32_t tt_writer_string(const char *str, size_t len)
{
	int is_new;
	uint32_t id = tt_strtab_intern(str, len, &is_new);

	if (is_new) {
		if (sbuf_len + len + 2 * TT_VARINT_MAX > RAW_CAP + RAW_SLACK)
			flush_strings();
		uint8_t *s = tt_put_varint(sbuf + sbuf_len, id);

		s = tt_put_varint(s, len);
		memcpy(s, str, len);
		sbuf_len = (size_t)(s + len - sbuf);
	}
	return id;
}

/* STACKS and MODULES chunks (stacks.c, modules.c): whole payloads, deflated here. */
int tt_chunk_side(unsigned kind, const uint8_t *raw, size_t len)
{
	struct tt_chunk_header h = { .kind = (uint16_t)kind };

	if (len > RAW_CAP + RAW_SLACK)
		return 0; /* cannot happen with the callers' chunk sizes; never overrun obuf */
	int err = write_compressed(&h, raw, len, 1);

	if (err)
		tt_fail("cannot write the trace file", err);
	return err;
}

/* Fork child: what the parent had buffered is the parent's to write. */
void tt_chunks_after_fork(void)
{
	sbuf_len = 0;
	mbuf_len = 0;
	mhdr_len = 0;
	nmparts = 0;
	mbuf_events = 0;
	tt_events_written = tt_events_lost = tt_chunks_written = 0;
}
