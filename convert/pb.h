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

static inline void tt_pb_varint(struct tt_pb *pb, uint64_t v)
{
	tt_pb_reserve(pb, 10);
	pb->len = (size_t)(tt_pb_put_varint(pb->buf + pb->len, v) - pb->buf);
}

static inline void tt_pb_tag(struct tt_pb *pb, uint32_t field, enum tt_wire wire)
{
	tt_pb_varint(pb, (uint64_t)field << 3 | wire);
}

/* uint32/uint64/bool/enum fields, and int64 as the two's complement varint it is. */
static inline void tt_pb_uint(struct tt_pb *pb, uint32_t field, uint64_t v)
{
	uint8_t *p;

	tt_pb_reserve(pb, TT_PB_FIELD_MAX);
	p = tt_pb_put_varint(pb->buf + pb->len, (uint64_t)field << 3 | TT_WIRE_VARINT);
	pb->len = (size_t)(tt_pb_put_varint(p, v) - pb->buf);
}

static inline void tt_pb_int(struct tt_pb *pb, uint32_t field, int64_t v)
{
	tt_pb_uint(pb, field, (uint64_t)v);
}

static inline void tt_pb_fixed64(struct tt_pb *pb, uint32_t field, uint64_t v)
{
	uint8_t *p;

	tt_pb_reserve(pb, TT_PB_FIELD_MAX);
	p = tt_pb_put_varint(pb->buf + pb->len, (uint64_t)field << 3 | TT_WIRE_I64);
	for (int i = 0; i < 8; i++)
		*p++ = (uint8_t)(v >> (8 * i));
	pb->len = (size_t)(p - pb->buf);
}

static inline void tt_pb_double(struct tt_pb *pb, uint32_t field, double d)
{
	uint64_t v;

	memcpy(&v, &d, sizeof(v));
	tt_pb_fixed64(pb, field, v);
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

#endif /* TT_PB_H */
