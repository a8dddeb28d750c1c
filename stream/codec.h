/*
 * codec.h - varint and zigzag coding of the stream format, shared by writer and reader.
 *
 * Varints are LEB128: 7 bits per byte, least significant group first, high bit set on every
 * byte but the last.  A 64-bit value takes at most 10 bytes.
 */
#ifndef TT_CODEC_H
#define TT_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define TT_VARINT_MAX 10

static inline uint8_t *tt_put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

static inline uint64_t tt_zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t tt_unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/*
 * Reads one varint from [*pp, end).  Returns 0 and advances *pp on success, -1 when the
 * input ends inside the varint or the varint is longer than 10 bytes.
 */
static inline int tt_get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
	const uint8_t *p = *pp;
	uint64_t v = 0;
	unsigned shift = 0;

	while (p < end && shift < 64) {
		uint8_t b = *p++;

		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*pp = p;
			*out = v;
			return 0;
		}
		shift += 7;
	}
	return -1;
}

#endif /* TT_CODEC_H */
