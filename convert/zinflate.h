/*
 * zinflate.h - payload inflation (raw deflate, zlib windowBits -15).
 */
#ifndef TT_ZINFLATE_H
#define TT_ZINFLATE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Inflates in[0..in_len) into out, which must hold exactly raw_len bytes.  Returns NULL on
 * success, else a short reason ("bad deflate data", "size mismatch") for a warning.  The
 * stream state is reused between calls: one z_stream per decoding thread for the whole run.
 */
const char *tt_inflate(const uint8_t *in, size_t in_len, uint8_t *out, size_t raw_len);

/*
 * Whether deflate data of in_len bytes can inflate to raw_len: deflate expands at most 1032
 * times (a 258-byte match in about two bits).  Checked before the output buffer is sized, so
 * that a damaged length field never asks for gigabytes.
 */
static inline int tt_inflated_size_ok(uint64_t in_len, uint64_t raw_len)
{
	return raw_len <= in_len * 1032u + 64;
}
/* Frees the calling thread's inflate state. */
void tt_inflate_end(void);

/* zlib's crc32 of p[0..len) (the chunk CRCs of format.h), by libdeflate when it is there. */
uint32_t tt_crc32(const uint8_t *p, size_t len);

#endif /* TT_ZINFLATE_H */
