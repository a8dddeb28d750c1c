/*
 * encode.c - ring records into EVENTS chunk payloads, column layout (format.h, 4b).
 *
 * Two things make the writer's time per event small, and it is the writer that bounds how
 * fast a busy program can go on two cores: fields stored by column (deflate then finds runs
 * where interleaved fields look like noise: igzip takes less time and writes fewer bytes),
 * and heap addresses coded as a distance into the chunk's address
 * history when they were named before (a free names a block a malloc returned; a malloc
 * mostly returns a block just freed), a byte or two instead of three or four.
 */
#include "config.h"
#include "tt.h"
#include "sys.h"
#include "codec.h"
#include "encode.h"

#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

/*
 * The instructions the encoder may use, chosen once (tt_enc_setup): the varints' lengths
 * come from counting leading zeros, one instruction with LZCNT, a slower BSR without (AMD's
 * optimisation guide lists BSR at several times LZCNT's latency); and their 7-bit groups are
 * spread apart by one PDEP where it is fast, instead of four masks and shifts.
 */
static unsigned best_isa; /* TT_ENC_PLAIN... (encode.h) */

/* Column buffers: each can hold a whole chunk, pages are touched as columns grow. */
static uint8_t *col_buf[TT_NCOLS];

/*
 * Address history lookup: the last position at which each recent address was seen, in a
 * direct-mapped table (a collision only costs a longer code).  Entries carry the chunk's
 * generation, so that starting a chunk does not clear the table.
 */
#define HIST_BITS 15
struct hist_slot {
	uint64_t addr;
	uint32_t gen;
	uint32_t pos;
};
static struct hist_slot *hist;
static uint32_t hist_gen;

static inline struct hist_slot *hist_slot(uint64_t addr)
{
	return &hist[(addr * 0x9e3779b97f4a7c15ull) >> (64 - HIST_BITS)];
}

/* Per event type, the kinds of its payload words in order (result first). */
static uint8_t payload_kinds[TT_EV_COUNT][TT_MAX_ARGS + 1];
static uint8_t payload_nkinds[TT_EV_COUNT];
static uint8_t first_addr_word[TT_EV_COUNT]; /* 1 + its first ADDR's place in the payload, or 0 */
static uint8_t has_str[TT_EV_COUNT];	     /* a STR field: the record carries bytes */

static unsigned pick_isa(void)
{
#if defined(__x86_64__)
	unsigned a, b, c, d, family;

	if (!__get_cpuid(0x80000001, &a, &b, &c, &d) || !(c & bit_LZCNT))
		return TT_ENC_PLAIN;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & bit_BMI2) ||
	    !__get_cpuid(0, &a, &b, &c, &d))
		return TT_ENC_LZCNT;
	/*
	 * AMD before Zen 3 (family 19h) and Hygon run PDEP in microcode, dozens of cycles and
	 * more with more mask bits (AMD's software optimisation guide for family 17h).
	 */
	int amd = b == 0x68747541u, hygon = b == 0x6f677948u; /* "Auth"enticAMD, "Hygo"nGenuine */

	__get_cpuid(1, &a, &b, &c, &d);
	family = (a >> 8) & 0xf;
	if (family == 0xf)
		family += (a >> 20) & 0xff;
	if (hygon || (amd && family < 0x19))
		return TT_ENC_LZCNT;
	return TT_ENC_PDEP;
#else
	return TT_ENC_PLAIN;
#endif
}

int tt_enc_setup(void)
{
	best_isa = pick_isa();
	tt_enc_use(best_isa);
	for (unsigned t = 1; t < TT_EV_COUNT; t++) {
		const struct tt_event_info *ev = &tt_events[t];
		unsigned n = 0;

		if (ev->result != TT_ROLE_NONE)
			payload_kinds[t][n++] = tt_roles[ev->result].kind;
		for (int i = 0; i < TT_MAX_ARGS; i++)
			if (ev->args[i] != TT_ROLE_NONE)
				payload_kinds[t][n++] = tt_roles[ev->args[i]].kind;
		payload_nkinds[t] = (uint8_t)n;
		for (unsigned i = 0; i < n; i++) {
			if (payload_kinds[t][i] == TT_KIND_ADDR && !first_addr_word[t])
				first_addr_word[t] = (uint8_t)(1 + i);
			has_str[t] |= payload_kinds[t][i] == TT_KIND_STR;
		}
	}
	for (int i = 0; i < TT_NCOLS; i++)
		if (!col_buf[i] && !(col_buf[i] = tt_mmap(TT_ENC_CAP + TT_ENC_SLACK)))
			return -1;
	if (!hist && !(hist = tt_mmap(sizeof(*hist) << HIST_BITS)))
		return -1;
	return 0;
}

void tt_enc_teardown(void)
{
	for (int i = 0; i < TT_NCOLS; i++) {
		if (col_buf[i])
			tt_munmap(col_buf[i], TT_ENC_CAP + TT_ENC_SLACK);
		col_buf[i] = NULL;
	}
	if (hist)
		tt_munmap(hist, sizeof(*hist) << HIST_BITS);
	hist = NULL;
}

void tt_enc_begin(struct tt_enc *c, struct tt_thread *t)
{
	*c = (struct tt_enc){ .t = t };
	for (int i = 0; i < TT_NCOLS; i++) {
		c->col[i] = col_buf[i];
		c->base_sum += (uintptr_t)col_buf[i];
	}
	if (++hist_gen == 0) {
		/* generations wrapped: old entries could pass for this chunk's */
		memset(hist, 0, sizeof(*hist) << HIST_BITS);
		hist_gen = 1;
	}
	c->gen = hist_gen;
}

/*
 * LEB128 without a branch per byte for values under 2^28 (tick deltas, durations, sizes,
 * address distances): their lengths vary from one value to the next, and the byte loop's
 * mispredictions were a third of the encoder's time.  Stores 4 bytes (the columns have
 * slack) and advances by the varint's length.
 */
static const uint8_t varint_len[64] = {
#define L(clz) (uint8_t)((64 - (clz) + 6) / 7)
	L(0),  L(1),  L(2),  L(3),  L(4),  L(5),  L(6),	 L(7),	L(8),  L(9),  L(10), L(11), L(12),
	L(13), L(14), L(15), L(16), L(17), L(18), L(19), L(20), L(21), L(22), L(23), L(24), L(25),
	L(26), L(27), L(28), L(29), L(30), L(31), L(32), L(33), L(34), L(35), L(36), L(37), L(38),
	L(39), L(40), L(41), L(42), L(43), L(44), L(45), L(46), L(47), L(48), L(49), L(50), L(51),
	L(52), L(53), L(54), L(55), L(56), L(57), L(58), L(59), L(60), L(61), L(62), L(63),
#undef L
};
static const uint32_t varint_cont[5] = { 0, 0, 0x80, 0x8080, 0x808080 };

static inline __attribute__((always_inline)) uint8_t *put_varint(uint8_t *p, uint64_t v,
								 const unsigned isa)
{
	if (tt_unlikely(v >> 28))
		return tt_put_varint(p, v);
	uint32_t x;

#if defined(__x86_64__)
	if (isa == TT_ENC_PDEP)
		__asm__("pdep %2, %1, %0" : "=r"(x) : "r"((uint32_t)v), "r"(0x7f7f7f7fu));
	else
#endif
		x = (uint32_t)((v & 0x7f) | (v & 0x3f80) << 1 | (v & 0x1fc000) << 2 |
			       (v & 0xfe00000) << 3);
	unsigned n = varint_len[__builtin_clzll(v | 1)];

	x |= varint_cont[n];
	memcpy(p, &x, 4);
	return p + n;
}

/* A value that is mostly under 128 (a header, a result): its byte, without the arithmetic */
static inline __attribute__((always_inline)) uint8_t *put_small(uint8_t *p, uint64_t v,
								const unsigned isa)
{
	if (tt_likely(v < 0x80)) {
		*p = (uint8_t)v;
		return p + 1;
	}
	return put_varint(p, v, isa);
}

static inline __attribute__((always_inline)) void put_addr(struct tt_enc *c, uint64_t v,
							   const unsigned isa)
{
	struct hist_slot *s = hist_slot(v);
	uint8_t *p = c->col[TT_COL_ADDR];

	if (s->addr == v && s->gen == c->gen) {
		p = put_varint(p, (uint64_t)(c->naddr - s->pos) << 1, isa);
	} else {
		uint64_t z = tt_zigzag((int64_t)(v - c->prev_addr));

		if (tt_likely(!(z >> 63))) {
			p = put_varint(p, z << 1 | 1, isa);
		} else {
			*p++ = 0;
			p = tt_put_varint(p, z);
		}
		s->addr = v;
		s->gen = c->gen;
	}
	s->pos = c->naddr++;
	c->prev_addr = v;
	c->col[TT_COL_ADDR] = p;
}

static inline __attribute__((always_inline)) void put_arg(struct tt_enc *c, unsigned kind,
							  uint64_t v, const uint8_t **str,
							  const unsigned isa)
{
	uint8_t **val = &c->col[TT_COL_VAL];

	switch (kind) {
	case TT_KIND_U:
		*val = put_varint(*val, v, isa);
		break;
	case TT_KIND_S: /* mostly a result: 0, a count */
		*val = put_small(*val, tt_zigzag((int64_t)v), isa);
		break;
	case TT_KIND_ADDR:
		put_addr(c, v, isa);
		break;
	case TT_KIND_STR:
		if (!v) {
			*(*val)++ = 0;
			break;
		}
		size_t len = (size_t)v - 1;

		*val = put_varint(*val, tt_writer_string((const char *)*str, len), isa);
		*str += (len + 7) & ~(size_t)7;
		break;
	}
}

/*
 * Whether the string bytes a record's STR fields announce lie within its first nw words (its
 * payload from p).
 */
static int strings_fit(const uint8_t *kinds, unsigned nargs, const uint64_t *r, unsigned p,
		       unsigned nw)
{
	uint64_t words = p + nargs;

	for (unsigned i = 0; i < nargs; i++) {
		uint64_t v = r[p + i];

		if (kinds[i] == TT_KIND_STR && v)
			words += ((v - 1) >> 3) + (((v - 1) & 7) != 0);
	}
	return words <= nw;
}

/*
 * What every record starts with: its header, the tick delta from the previous record, its
 * duration (a zero byte for a call of one timestamp), and its errno if it failed.
 */
static inline __attribute__((always_inline)) void put_head(struct tt_enc *c, unsigned type,
							   uint64_t w0, uint64_t start,
							   uint64_t end, const unsigned isa)
{
	unsigned failed = TT_W0_FAILED(w0);
	uint64_t dur = start < end ? end - start : 0;

	if (!c->n)
		c->first = c->prev_end = end;
	/*
	 * A CPU migration can step the TSC back a little, and a free noted while tracing was
	 * off carries the writer's last pass: the record moves to the previous one's end,
	 * keeping its duration.
	 */
	if (end < c->prev_end)
		end = c->prev_end;

	c->col[TT_COL_HDR] = put_small(c->col[TT_COL_HDR], (uint64_t)type << 1 | failed, isa);
	c->col[TT_COL_DELTA] = put_varint(c->col[TT_COL_DELTA], end - c->prev_end, isa);
	if (dur)
		c->col[TT_COL_DUR] = put_varint(c->col[TT_COL_DUR], dur, isa);
	else
		*c->col[TT_COL_DUR]++ = 0;
	if (failed)
		c->col[TT_COL_VAL] = put_varint(c->col[TT_COL_VAL], (uint64_t)TT_W0_ERRNO(w0), isa);
	c->prev_end = end;
	c->n++;
}

/* A record's stack id, or 0 for none, when the chunk has the stack column. */
static inline __attribute__((always_inline)) void put_stack(struct tt_enc *c, uint32_t sid,
							    const unsigned isa)
{
	uint8_t **sp = &c->col[TT_COL_STACK];

	if (sid) {
		*sp = put_varint(*sp, 1 + tt_zigzag((int64_t)sid - (int64_t)c->prev_stack), isa);
		c->prev_stack = sid;
	} else {
		*(*sp)++ = 0;
	}
}

/* Any record: checked against its type's payload, then field by field. */
static inline __attribute__((always_inline)) int enc_general(struct tt_enc *c, const uint64_t *r,
							     unsigned nw, const unsigned isa)
{
	unsigned type = TT_W0_TYPE(r[0]);

	if (type == TT_EV_INVALID || type >= TT_EV_COUNT || nw < TT_W0_PAYLOAD(r[0]))
		return -1;
	if (type == TT_EV_FREES_OFF) {
		/* a batch of the rings: a FREE_OFF each in the stream */
		for (unsigned i = 3; i < nw && i < 3 + TT_OFFLOG; i++) {
			uint64_t one[4] = { TT_W0(TT_EV_FREE_OFF, 4, 0, 0), r[1], r[2], r[i] };

			tt_enc_record(c, one, 4);
		}
		return 0;
	}
	unsigned nargs = payload_nkinds[type], p = TT_W0_PAYLOAD(r[0]);
	unsigned has_stack = (r[0] & TT_W0_HAS_STACK) != 0;

	const uint8_t *kinds = payload_kinds[type];

	/* checked before anything is written: the columns take no part of a bad record */
	if (p + nargs + has_stack > nw ||
	    (has_str[type] && !strings_fit(kinds, nargs, r, p, nw - has_stack)))
		return -1; /* the record was trampled */
	put_head(c, type, r[0], r[1], r[p - 1], isa);

	const uint8_t *str = (const uint8_t *)(r + p + nargs);

	for (unsigned i = 0; i < nargs; i++)
		put_arg(c, kinds[i], r[p + i], &str, isa);
	if (tt_cfg.stacks)
		put_stack(c, has_stack ? (uint32_t)r[nw - 1] : 0, isa);
	return 0;
}

/*
 * The bits of w0 that give a record's shape: its type, its length, whether it has a stack and
 * whether it has one tick
 */
#define W0_SHAPE (TT_W0(0xffff, 0xffff, 0, 0) | TT_W0_HAS_STACK | TT_W0_ONE_TICK)

/*
 * Each role's kind, and each event type's kinds (result first, 3 bits each) and whether one
 * is a string, as constants
 */
enum {
#define TT_ROLE(sym, name, kind) ROLE_KIND_##sym = kind, ROLE_STR_##sym = kind == TT_KIND_STR,
#include "events.def"
#undef TT_ROLE
};
enum {
#define TT_EVENT(sym, name, cat, fx, res, a0, a1, a2, a3, a4)                                      \
	KINDS_##sym = ROLE_KIND_##res | ROLE_KIND_##a0 << 3 | ROLE_KIND_##a1 << 6 |                \
		      ROLE_KIND_##a2 << 9 | ROLE_KIND_##a3 << 12 | ROLE_KIND_##a4 << 15,           \
	STRS_##sym = ROLE_STR_##res | ROLE_STR_##a0 | ROLE_STR_##a1 | ROLE_STR_##a2 |              \
		     ROLE_STR_##a3 | ROLE_STR_##a4,
#include "events.def"
#undef TT_EVENT
};
#define KINDS_FIELDS(k)                                                                            \
	(((k)&7) != 0) + (((k) >> 3 & 7) != 0) + (((k) >> 6 & 7) != 0) + (((k) >> 9 & 7) != 0) +   \
		(((k) >> 12 & 7) != 0) + (((k) >> 15 & 7) != 0)

/*
 * A record of one tick and no stack word, of a type whose kinds k are a constant without
 * strings: its shape tells all its fields, so enc_general's checks and its loop over the
 * payload's kinds fold away, and the same bytes are written.
 */
static inline __attribute__((always_inline)) void enc_fixed(struct tt_enc *c, const uint64_t *r,
							    unsigned type, unsigned k,
							    const unsigned isa)
{
	unsigned w = 2;

	put_head(c, type, r[0], r[1], r[1], isa);
#pragma GCC unroll 6
	for (unsigned i = 0; i < 6; i++, k >>= 3)
		if (k & 7)
			put_arg(c, k & 7, r[w++], NULL, isa);
	if (tt_cfg.stacks)
		put_stack(c, 0, isa);
}

/* The short way for type sym, where a busy program makes most of its records */
#define ENC_FIXED(sym)                                                                             \
	_Static_assert(!STRS_##sym, #sym "'s fields must have no string");                         \
	if (shape == (TT_W0(TT_EV_##sym, 2 + KINDS_FIELDS(KINDS_##sym), 0, 0) | TT_W0_ONE_TICK) && \
	    nw == 2 + KINDS_FIELDS(KINDS_##sym)) {                                                 \
		enc_fixed(c, r, TT_EV_##sym, KINDS_##sym, isa);                                    \
		return 0;                                                                          \
	}

/*
 * Any record, with a short way for those that make most of a busy program's records: heap
 * calls and mutexes taken and released without waiting.  enc_general runs out of line, so
 * that these need none of the registers it saves.
 */
static inline __attribute__((always_inline)) int enc_record(
	struct tt_enc *c, const uint64_t *r, unsigned nw, const unsigned isa,
	int (*general)(struct tt_enc *c, const uint64_t *r, unsigned nw))
{
	uint64_t shape = r[0] & W0_SHAPE;

	ENC_FIXED(FREE)
	ENC_FIXED(MALLOC)
	ENC_FIXED(MUTEX_LOCK)
	ENC_FIXED(MUTEX_UNLOCK)
	return general(c, r, nw);
}

/*
 * Starts loading what encoding the record at pos will touch: its history slot (the table is
 * too large for the cache, and its slots are random) and the ring a little further on.
 * Returns the position of the next record.
 */
#define PREFETCH_RECORDS 4 /* records ahead */
static inline __attribute__((always_inline)) uint64_t prefetch_record(const uint64_t *ring,
								      uint64_t mask, uint64_t pos,
								      uint64_t head)
{
	if (pos >= head)
		return pos;
	const uint64_t *r = &ring[pos & mask];
	unsigned nw = TT_W0_WORDS(r[0]), type = TT_W0_TYPE(r[0]), p = TT_W0_PAYLOAD(r[0]);
	unsigned w = type < TT_EV_COUNT ? first_addr_word[type] : 0;

	if (!nw || pos + nw > head)
		return head;
	if (w && p + w - 1 < nw)
		__builtin_prefetch(hist_slot(r[p + w - 1]));
	__builtin_prefetch(&ring[(pos + 64) & mask]);
	return pos + nw;
}

/* tt_enc_ring, the records encoded in the loop: no call per record */
static inline __attribute__((always_inline)) uint64_t enc_ring(
	struct tt_enc *c, const uint64_t *ring, uint64_t mask, uint64_t pos, uint64_t stop,
	uint64_t head, uint64_t *refused, const unsigned isa,
	int (*general)(struct tt_enc *c, const uint64_t *r, unsigned nw))
{
	uint64_t ahead = pos;

	for (int i = 0; i < PREFETCH_RECORDS; i++)
		ahead = prefetch_record(ring, mask, ahead, head);
	while (pos < stop) {
		const uint64_t *r = &ring[pos & mask];
		unsigned nw = TT_W0_WORDS(r[0]);

		ahead = prefetch_record(ring, mask, ahead, head);
		if (nw == 0 || pos + nw > head) {
			(*refused)++; /* cannot happen unless memory was trampled: stop here */
			return head;
		}
		/* the padding at the ring's end is refused as a record, and skipped */
		if (enc_record(c, r, nw, isa, general) < 0 && TT_W0_TYPE(r[0]) != TT_EV_INVALID)
			(*refused)++;
		pos += nw;
		if (tt_enc_full(c))
			break;
	}
	return pos;
}

/* The encoder for one choice of instructions (TT_ENC_...), compiled for it (attrs) */
struct enc_variant {
	int (*record)(struct tt_enc *c, const uint64_t *r, unsigned nw);
	uint64_t (*ring)(struct tt_enc *c, const uint64_t *ring, uint64_t mask, uint64_t pos,
			 uint64_t stop, uint64_t head, uint64_t *refused);
};
#define ENC_VARIANT(name, isa, attrs)                                                              \
	static __attribute__((noinline)) __attribute__((attrs)) int enc_general_##name(            \
		struct tt_enc *c, const uint64_t *r, unsigned nw)                                  \
	{                                                                                          \
		return enc_general(c, r, nw, isa);                                                 \
	}                                                                                          \
	static __attribute__((noinline)) __attribute__((attrs)) int enc_record_##name(             \
		struct tt_enc *c, const uint64_t *r, unsigned nw)                                  \
	{                                                                                          \
		return enc_record(c, r, nw, isa, enc_general_##name);                              \
	}                                                                                          \
	static __attribute__((noinline)) __attribute__((attrs))                                    \
	uint64_t enc_ring_##name(struct tt_enc *c, const uint64_t *ring, uint64_t mask,            \
				 uint64_t pos, uint64_t stop, uint64_t head, uint64_t *refused)    \
	{                                                                                          \
		return enc_ring(c, ring, mask, pos, stop, head, refused, isa, enc_general_##name); \
	}

ENC_VARIANT(plain, TT_ENC_PLAIN, )
#if defined(__x86_64__)
ENC_VARIANT(lzcnt, TT_ENC_LZCNT, target("lzcnt"))
ENC_VARIANT(pdep, TT_ENC_PDEP, target("lzcnt,bmi2"))
#endif

/* Indexed by TT_ENC_...: only the choices this architecture has (pick_isa never goes past) */
static const struct enc_variant variants[] = {
	[TT_ENC_PLAIN] = { enc_record_plain, enc_ring_plain },
#if defined(__x86_64__)
	[TT_ENC_LZCNT] = { enc_record_lzcnt, enc_ring_lzcnt },
	[TT_ENC_PDEP] = { enc_record_pdep, enc_ring_pdep },
#endif
};
static const struct enc_variant *enc = &variants[TT_ENC_PLAIN];

unsigned tt_enc_use(unsigned isa)
{
	if (isa > best_isa)
		isa = best_isa;
	enc = &variants[isa];
	return isa;
}

int tt_enc_record(struct tt_enc *c, const uint64_t *r, unsigned nw)
{
	return enc->record(c, r, nw);
}

uint64_t tt_enc_ring(struct tt_enc *c, const uint64_t *ring, uint64_t mask, uint64_t pos,
		     uint64_t stop, uint64_t head, uint64_t *refused)
{
	return enc->ring(c, ring, mask, pos, stop, head, refused);
}

const uint8_t *tt_enc_col(const struct tt_enc *c, int i, size_t *len)
{
	*len = (size_t)(c->col[i] - col_buf[i]);
	return col_buf[i];
}

size_t tt_enc_finish(const struct tt_enc *c, uint8_t *out, size_t *off)
{
	uint8_t *p = out;

	for (int i = 0; i < TT_NCOLS - 1; i++)
		p = tt_put_varint(p, (uint64_t)(c->col[i] - col_buf[i]));
	for (int i = 0; i < TT_NCOLS; i++) {
		size_t len = (size_t)(c->col[i] - col_buf[i]);

		if (off)
			off[i] = (size_t)(p - out);
		memcpy(p, col_buf[i], len);
		p += len;
	}
	if (off)
		off[TT_NCOLS] = (size_t)(p - out);
	return (size_t)(p - out);
}
