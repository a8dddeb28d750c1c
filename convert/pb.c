/*
 * pb.c - the protocol buffers writer's buffer and its UTF-8 strings.
 */
#include <stdio.h>
#include <stdlib.h>

#include "out.h"
#include "pb.h"
#include "util.h"

void tt_pb_reserve_slow(struct tt_pb *pb, size_t n)
{
	size_t cap = pb->cap ? pb->cap : 4096;

	while (cap - pb->len < n)
		cap *= 2;
	pb->buf = tt_xrealloc(pb->buf, cap);
	pb->cap = cap;
}

void tt_pb_too_long(size_t n)
{
	fprintf(stderr,
		"traceit-convert: a protobuf message of %zu bytes, over its length "
		"prefix's reach; output abandoned\n",
		n);
	exit(2);
}

void tt_pb_end_fit_slow(struct tt_pb *pb, size_t at)
{
	size_t n = pb->len - at;
	unsigned k = 1;

	while (n >> (7 * k))
		k++;
	if (k > 4)
		tt_pb_too_long(n);
	tt_pb_reserve(pb, k - 1);
	memmove(pb->buf + at + k - 1, pb->buf + at, n);
	tt_pb_put_varint(pb->buf + at - 1, n);
	pb->len += k - 1;
}

void tt_pb_free(struct tt_pb *pb)
{
	free(pb->buf);
	*pb = (struct tt_pb){ 0 };
}

void tt_pb_str(struct tt_pb *pb, uint32_t field, const char *s)
{
	static const uint8_t repl[3] = { 0xef, 0xbf, 0xbd }; /* U+FFFD */
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), out = 0;

	for (size_t i = 0; i < n;) {
		int k = p[i] < 0x80 ? 1 : tt_utf8_len(p + i);

		out += k ? (size_t)k : sizeof(repl);
		i += k ? (size_t)k : 1;
	}
	if (out == n) {
		tt_pb_bytes(pb, field, p, n);
		return;
	}
	tt_pb_reserve(pb, TT_PB_FIELD_MAX + out);
	tt_pb_tag(pb, field, TT_WIRE_LEN);
	tt_pb_varint(pb, out);
	for (size_t i = 0; i < n;) {
		int k = p[i] < 0x80 ? 1 : tt_utf8_len(p + i);

		if (k) {
			memcpy(pb->buf + pb->len, p + i, (size_t)k);
			pb->len += (size_t)k;
			i += (size_t)k;
		} else {
			memcpy(pb->buf + pb->len, repl, sizeof(repl));
			pb->len += sizeof(repl);
			i++;
		}
	}
}
