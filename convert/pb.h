/*
 * pb.h - a protocol buffers writer: varints, fixed64, doubles, bytes and nested messages,
 * appended to a growable buffer in one pass.
 *
 * A nested message reserves a four-byte varint for its length and patches it when the
 * message ends (a redundant varint, 0x80 0x80 0x80 0x00 for zero, is valid wire format), so
 * nothing is sized ahead.  That bounds a nested message to 2^28 - 1 bytes, far above what
 * the Perfetto output puts in one packet.  Encoding rules: protobuf's "Encoding" page
 * (protobuf.dev/programming-guides/encoding).
 */
#ifndef TT_PB_H
#define TT_PB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define tt_unlikely_pb(x) __builtin_expect(!!(x), 0)

enum tt_wire { TT_WIRE_VARINT = 0, TT_WIRE_I64 = 1, TT_WIRE_LEN = 2, TT_WIRE_I32 = 5 };

/* The most any one scalar field takes: a 5-byte tag and a 10-byte varint. */
#define TT_PB_FIELD_MAX 16

struct tt_pb {
	uint8_t *buf;
	size_t len;
	size_t cap;
};

/* Makes room for n more bytes. */
void tt_pb_reserve_slow(struct tt_pb *pb, size_t n);

static inline void tt_pb_reserve(struct tt_pb *pb, size_t n)
{
	if (pb->cap - pb->len < n)
		tt_pb_reserve_slow(pb, n);
}

void tt_pb_free(struct tt_pb *pb);

static inline uint8_t *tt_pb_put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/*
 * Writing through a cursor: tt_pb_room() makes room for at most n bytes, the tt_pbc_*
 * writers advance a cursor through it with no bound check of their own, and tt_pb_done()
 * gives the buffer its new length.  A packet's fields go out in one pass this way, the
 * cursor in a register (stores of bytes through pb->buf would make the compiler reload
 * pb->len after each).
 */
static inline uint8_t *tt_pb_room(struct tt_pb *pb, size_t n)
{
	tt_pb_reserve(pb, n);
	return pb->buf + pb->len;
}

static inline void tt_pb_done(struct tt_pb *pb, const uint8_t *c)
{
	pb->len = (size_t)(c - pb->buf);
}

/* uint32/uint64/bool/enum fields, and int64 as the two's complement varint it is. */
static inline uint8_t *tt_pbc_uint(uint8_t *c, uint32_t field, uint64_t v)
{
	c = tt_pb_put_varint(c, (uint64_t)field << 3 | TT_WIRE_VARINT);
	return tt_pb_put_varint(c, v);
}

static inline uint8_t *tt_pbc_fixed64(uint8_t *c, uint32_t field, uint64_t v)
{
	c = tt_pb_put_varint(c, (uint64_t)field << 3 | TT_WIRE_I64);
	for (int i = 0; i < 8; i++)
		*c++ = (uint8_t)(v >> (8 * i));
	return c;
}

static inline uint8_t *tt_pbc_double(uint8_t *c, uint32_t field, double d)
{
	uint64_t v;

	memcpy(&v, &d, sizeof(v));
	return tt_pbc_fixed64(c, field, v);
}

/*
 * A nested message known to be under 128 bytes (a debug annotation of one scalar): a
 * one-byte length, filled in by tt_pbc_end1 with the message's start this returns.
 */
static inline uint8_t *tt_pbc_begin1(uint8_t *c, uint32_t field)
{
	c = tt_pb_put_varint(c, (uint64_t)field << 3 | TT_WIRE_LEN);
	return c + 1;
}

static inline void tt_pbc_end1(uint8_t *m, const uint8_t *c)
{
	m[-1] = (uint8_t)(c - m);
}

static inline void tt_pb_varint(struct tt_pb *pb, uint64_t v)
{
	tt_pb_done(pb, tt_pb_put_varint(tt_pb_room(pb, 10), v));
}

static inline void tt_pb_tag(struct tt_pb *pb, uint32_t field, enum tt_wire wire)
{
	tt_pb_varint(pb, (uint64_t)field << 3 | wire);
}

static inline void tt_pb_uint(struct tt_pb *pb, uint32_t field, uint64_t v)
{
	tt_pb_done(pb, tt_pbc_uint(tt_pb_room(pb, TT_PB_FIELD_MAX), field, v));
}

static inline void tt_pb_int(struct tt_pb *pb, uint32_t field, int64_t v)
{
	tt_pb_uint(pb, field, (uint64_t)v);
}

static inline void tt_pb_fixed64(struct tt_pb *pb, uint32_t field, uint64_t v)
{
	tt_pb_done(pb, tt_pbc_fixed64(tt_pb_room(pb, TT_PB_FIELD_MAX), field, v));
}

static inline void tt_pb_double(struct tt_pb *pb, uint32_t field, double d)
{
	tt_pb_done(pb, tt_pbc_double(tt_pb_room(pb, TT_PB_FIELD_MAX), field, d));
}

static inline void tt_pb_bytes(struct tt_pb *pb, uint32_t field, const void *s, size_t n)
{
	tt_pb_reserve(pb, TT_PB_FIELD_MAX + n);
	tt_pb_tag(pb, field, TT_WIRE_LEN);
	tt_pb_varint(pb, n);
	if (n)
		memcpy(pb->buf + pb->len, s, n);
	pb->len += n;
}

/*
 * A string field.  Protobuf strings must be UTF-8 and the program's strings are arbitrary
 * bytes, so invalid bytes become U+FFFD as in the other outputs (out.h).
 */
void tt_pb_str(struct tt_pb *pb, uint32_t field, const char *s);

/* Opens a nested message (or a packed field); returns what tt_pb_end needs. */
static inline size_t tt_pb_begin(struct tt_pb *pb, uint32_t field)
{
	tt_pb_reserve(pb, TT_PB_FIELD_MAX);
	tt_pb_tag(pb, field, TT_WIRE_LEN);
	pb->len += 4;
	return pb->len;
}

/* A message longer than its length prefix can say: the output would be corrupt. */
void tt_pb_too_long(size_t n) __attribute__((noreturn, cold));

static inline void tt_pb_end(struct tt_pb *pb, size_t at)
{
	size_t n = pb->len - at;
	uint8_t *p = pb->buf + at - 4;

	if (tt_unlikely_pb(n >> 28))
		tt_pb_too_long(n);

	p[0] = (uint8_t)(n | 0x80);
	p[1] = (uint8_t)(n >> 7 | 0x80);
	p[2] = (uint8_t)(n >> 14 | 0x80);
	p[3] = (uint8_t)(n >> 21 & 0x7f);
}

/*
 * The same with a length of n bytes (1, 2 or 4), for a message the caller knows is shorter
 * than 2^(7n) bytes: a packet or an annotation then costs no redundant length bytes.
 */
static inline size_t tt_pb_begin_n(struct tt_pb *pb, uint32_t field, unsigned n)
{
	tt_pb_reserve(pb, TT_PB_FIELD_MAX);
	tt_pb_tag(pb, field, TT_WIRE_LEN);
	pb->len += n;
	return pb->len;
}

static inline void tt_pb_end_n(struct tt_pb *pb, size_t at, unsigned n)
{
	size_t len = pb->len - at;
	uint8_t *p = pb->buf + at - n;

	if (tt_unlikely_pb(len >> (7 * n)))
		tt_pb_too_long(len);

	for (unsigned i = 0; i < n; i++, len >>= 7)
		p[i] = (uint8_t)((len & 0x7f) | (i + 1 < n ? 0x80 : 0));
}

/* The length bytes a message of at most max bytes needs with tt_pb_begin_n. */
static inline unsigned tt_pb_len_bytes(size_t max)
{
	return max < 128 ? 1 : max < 16384 ? 2 : 4;
}

/*
 * Ends a message opened with tt_pb_begin_n(pb, field, 1) whose size was not bounded ahead:
 * one of 128 bytes or more is moved up to make room for its longer length.  Messages
 * nested in it must have been ended first.
 */
void tt_pb_end_fit_slow(struct tt_pb *pb, size_t at);

static inline void tt_pb_end_fit(struct tt_pb *pb, size_t at)
{
	size_t n = pb->len - at;

	if (n < 128)
		pb->buf[at - 1] = (uint8_t)n;
	else
		tt_pb_end_fit_slow(pb, at);
}

#endif /* TT_PB_H */
