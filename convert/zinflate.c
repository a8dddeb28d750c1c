/*
 * zinflate.c - raw inflate of one chunk payload whose inflated size is known.
 *
 * zlib does the work, through one reusable stream a thread: inflateReset() keeps the 32 KiB window
 * and tables allocated, so decoding thousands of chunks costs no allocation per chunk.
 *
 * Inflating is about half of the time of a conversion.  When the system has libdeflate
 * (libdeflate.so.0, Debian's libdeflate0), whose whole-buffer decompressor is about twice as
 * fast as zlib's inflate on these chunks (and its CRC-32 several times as fast as zlib's),
 * it is loaded at run time and tried first; any
 * chunk it does not decode exactly (a writer that ended its chunk with a sync flush, damage)
 * goes to zlib, which has the last word, so the output never depends on which one is there.
 * Not linked: the converter needs no more than zlib to build and run.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>
#include <zlib.h>

#include "zinflate.h"

/* libdeflate's API, as far as it is used here (libdeflate.h, stable since 1.0) */
struct libdeflate_decompressor;

/* Each decoding thread inflates with its own stream and decompressor. */
static __thread z_stream tt_z;
static __thread int tt_z_ready;
static __thread struct libdeflate_decompressor *tt_ld_d;

static struct {
	void *lib;
	struct libdeflate_decompressor *(*alloc)(void);
	int (*decompress)(struct libdeflate_decompressor *d, const void *in, size_t in_len,
			  void *out, size_t out_len, size_t *actual);
	void (*free_decompressor)(struct libdeflate_decompressor *d);
	uint32_t (*crc32)(uint32_t crc, const void *p, size_t len);
} tt_ld;
static pthread_once_t tt_ld_once = PTHREAD_ONCE_INIT;

/* Loaded once for the process and kept: threads may inflate at the same time. */
static void tt_ld_load(void)
{
	tt_ld.lib = dlopen("libdeflate.so.0", RTLD_NOW | RTLD_LOCAL);
	if (!tt_ld.lib)
		return;
	*(void **)&tt_ld.alloc = dlsym(tt_ld.lib, "libdeflate_alloc_decompressor");
	*(void **)&tt_ld.decompress = dlsym(tt_ld.lib, "libdeflate_deflate_decompress");
	*(void **)&tt_ld.free_decompressor = dlsym(tt_ld.lib, "libdeflate_free_decompressor");
	*(void **)&tt_ld.crc32 = dlsym(tt_ld.lib, "libdeflate_crc32");
	if (!tt_ld.alloc || !tt_ld.decompress || !tt_ld.free_decompressor || !tt_ld.crc32) {
		dlclose(tt_ld.lib);
		memset(&tt_ld, 0, sizeof(tt_ld));
	}
}

/* The calling thread's decompressor, NULL without libdeflate. */
static struct libdeflate_decompressor *tt_ld_get(void)
{
	pthread_once(&tt_ld_once, tt_ld_load);
	if (!tt_ld_d && tt_ld.lib)
		tt_ld_d = tt_ld.alloc();
	return tt_ld_d;
}

uint32_t tt_crc32(const uint8_t *p, size_t len)
{
	uLong crc = crc32(0L, Z_NULL, 0);

	pthread_once(&tt_ld_once, tt_ld_load);
	if (tt_ld.lib)
		return tt_ld.crc32(0, p, len); /* the same CRC-32 as zlib's */
	/* zlib's length is a uInt: chunks are below TT_CHUNK_MAX, but stay general. */
	while (len) {
		uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;

		crc = crc32(crc, p, n);
		p += n;
		len -= n;
	}
	return (uint32_t)crc;
}

const char *tt_inflate(const uint8_t *in, size_t in_len, uint8_t *out, size_t raw_len)
{
	struct libdeflate_decompressor *d = tt_ld_get();
	int rc;

	/* NULL for the actual size: success means exactly raw_len bytes and a final block. */
	if (d && tt_ld.decompress(d, in, in_len, out, raw_len, NULL) == 0)
		return NULL;
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
	if (tt_ld_d)
		tt_ld.free_decompressor(tt_ld_d);
	tt_ld_d = NULL;
}
