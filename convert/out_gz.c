/*
 * out_gz.c - gzip output (-o NAME.gz), through zlib's deflate between the output buffer and
 * the file: any format, with the same bytes as the plain output once gunzipped.
 *
 * Level 1: a table of a busy run is gigabytes of very repetitive text, which the fastest
 * level already shrinks about fivefold, while the default level would take several times as
 * long as the conversion itself.
 */
#include <stdlib.h>
#include <zlib.h>

#include "out.h"
#include "util.h"

#define TT_GZ_LEVEL 1
#define TT_GZ_BUF (256u << 10)

struct tt_gz {
	z_stream z;
	unsigned char buf[TT_GZ_BUF];
};

void tt_out_gzip(struct tt_out *o)
{
	struct tt_gz *g = tt_xcalloc(1, sizeof(*g));

	/* 15 + 16: a gzip header and trailer around the deflate stream */
	if (deflateInit2(&g->z, TT_GZ_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		tt_oom();
	o->gz = g;
}

void tt_out_gz_flush(struct tt_out *o, bool finish)
{
	struct tt_gz *g = o->gz;
	int rc;

	g->z.next_in = (unsigned char *)o->buf;
	g->z.avail_in = (uInt)o->len; /* the buffer is 1 MB: it fits */
	do {
		g->z.next_out = g->buf;
		g->z.avail_out = sizeof(g->buf);
		rc = deflate(&g->z, finish ? Z_FINISH : Z_NO_FLUSH);
		if (rc == Z_STREAM_ERROR)
			tt_oom(); /* only a broken stream state: not reachable */
		tt_out_raw(o, g->buf, sizeof(g->buf) - g->z.avail_out);
	} while (g->z.avail_in || (finish && rc != Z_STREAM_END) || !g->z.avail_out);
}

void tt_out_finish(struct tt_out *o)
{
	tt_out_flush(o);
	if (!o->gz)
		return;
	tt_out_gz_flush(o, true);
	deflateEnd(&o->gz->z);
	free(o->gz);
	o->gz = NULL;
}
