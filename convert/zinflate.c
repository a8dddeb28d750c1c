/*
 * zinflate.c - one reusable raw-inflate stream.
 *
 * inflateReset() keeps the 32 KiB window and tables allocated, so decoding thousands of
 * chunks costs no allocation per chunk.
 */
#include <string.h>
#include <zlib.h>

#include "zinflate.h"

static z_stream tt_z;
static int tt_z_ready;

const char *tt_inflate(const uint8_t *in, size_t in_len, uint8_t *out, size_t raw_len)
{
	int rc;

	if (!tt_z_ready) {
		memset(&tt_z, 0, sizeof(tt_z));
		if (inflateInit2(&tt_z, -15) != Z_OK)
			return "cannot initialise zlib";
		tt_z_ready = 1;
	} else if (inflateReset(&tt_z) != Z_OK) {
		return "cannot reset zlib";
	}
	/* Chunk sizes are bounded by TT_CHUNK_MAX, far below uInt's range. */
	tt_z.next_in = (Bytef *)in;
	tt_z.avail_in = (uInt)in_len;
	tt_z.next_out = out;
	tt_z.avail_out = (uInt)raw_len;
	rc = inflate(&tt_z, Z_FINISH);
	/*
	 * Having all raw_len bytes is what counts: a writer that ends its chunks with a sync
	 * flush instead of a final block is still read, and if the stream held more than
	 * recorded, the record count check of the decoder catches any real inconsistency.
	 */
	if (!tt_z.avail_out && (rc == Z_STREAM_END || rc == Z_OK || rc == Z_BUF_ERROR))
		return NULL;
	if (rc == Z_STREAM_END)
		return "inflated size smaller than recorded";
	if (rc == Z_BUF_ERROR || rc == Z_OK)
		return "deflate stream cut short";
	return "bad deflate data";
}

void tt_inflate_end(void)
{
	if (tt_z_ready)
		inflateEnd(&tt_z);
	tt_z_ready = 0;
}
