/*
 * unit.c - C unit tests, TAP output (Automake's TAP driver): the stream codec, the
 * protobuf writer, number formatting, the events table, the UTF-8 checks, and the
 * converter's hash table and string interner.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "format.h"
#include "hashmap.h"
#include "intern.h"
#include "jsontime.h"
#include "out.h"
#include "pb.h"
#include "state.h"
#include "timemap.h"

#include "tap.h"

/* Reads a protobuf varint, as a reader would (independent of the writer). */
static uint64_t pb_read_varint(const uint8_t **p)
{
	uint64_t v = 0;

	for (unsigned shift = 0;; shift += 7) {
		uint8_t b = *(*p)++;

		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
}

static void test_varints(void)
{
	static const uint64_t vals[] = { 0,
					 1,
					 127,
					 128,
					 300,
					 16383,
					 16384,
					 (1ull << 28) - 1,
					 1ull << 28,
					 UINT32_MAX,
					 (uint64_t)INT64_MAX,
					 UINT64_MAX };
	static const int64_t svals[] = { 0, -1, 1, -64, 64, INT64_MIN, INT64_MAX };
	int good = 1;

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		uint8_t buf[TT_VARINT_MAX];
		const uint8_t *p = buf;
		uint8_t *end = tt_put_varint(buf, vals[i]);
		uint64_t back;

		good &= tt_get_varint(&p, end, &back) == 0 && back == vals[i] && p == end;
		/* cut short, it is refused */
		p = buf;
		good &= tt_get_varint(&p, end - 1, &back) == -1;
	}
	ok(good, "stream varints round-trip, and a cut one is refused");
	good = 1;
	for (size_t i = 0; i < sizeof(svals) / sizeof(svals[0]); i++)
		good &= tt_unzigzag(tt_zigzag(svals[i])) == svals[i];
	ok(good && tt_zigzag(-1) == 1 && tt_zigzag(1) == 2, "zigzag round-trips signed values");
	{
		uint8_t eleven[11];
		const uint8_t *p = eleven;
		uint64_t v;

		memset(eleven, 0x80, sizeof(eleven));
		ok(tt_get_varint(&p, eleven + sizeof(eleven), &v) == -1,
		   "a varint longer than 10 bytes is refused");
	}
}

static void test_pb(void)
{
	struct tt_pb pb = { 0 };
	const uint8_t *p;
	size_t at, inner;
	uint64_t v;

	tt_pb_uint(&pb, 1, 150);
	ok(pb.len == 3 && !memcmp(pb.buf, "\x08\x96\x01", 3), "pb: field 1 = 150 is 08 96 01");
	pb.len = 0;
	tt_pb_int(&pb, 2, -1);
	ok(pb.len == 11 && pb.buf[0] == 0x10, "pb: an int64 -1 takes ten bytes of varint");
	pb.len = 0;
	tt_pb_fixed64(&pb, 47, 0x0102030405060708ull);
	/* tag 47 << 3 | 1 = 377: f9 02 */
	ok(pb.len == 10 && pb.buf[0] == 0xf9 && pb.buf[1] == 0x02 && pb.buf[2] == 0x08 &&
		   pb.buf[9] == 0x01,
	   "pb: fixed64 is little-endian after a two-byte tag");
	/* a nested message: the 4-byte redundant length reads back as the body's length */
	pb.len = 0;
	at = tt_pb_begin(&pb, 11);
	inner = tt_pb_begin_n(&pb, 4, 1);
	tt_pb_uint(&pb, 1, 7);
	tt_pb_end_n(&pb, inner, 1);
	tt_pb_str(&pb, 2, "abc");
	tt_pb_end(&pb, at);
	p = pb.buf;
	v = pb_read_varint(&p);
	ok(v == (11 << 3 | 2), "pb: nested message tag");
	v = pb_read_varint(&p);
	ok(v == (uint64_t)(pb.buf + pb.len - p),
	   "pb: its padded length is the body's (%" PRIu64 ")", v);
	ok(p[0] == (4 << 3 | 2) && p[1] == 2 && p[2] == 0x08 && p[3] == 7,
	   "pb: a one-byte length for a short inner message");
	ok(!memcmp(p + 4,
		   "\x12\x03"
		   "abc",
		   5),
	   "pb: a string field");
	/* lengths in 2 bytes up to 16383 */
	pb.len = 0;
	at = tt_pb_begin_n(&pb, 1, 2);
	for (int i = 0; i < 300; i++)
		tt_pb_uint(&pb, 1, 1);
	tt_pb_end_n(&pb, at, 2);
	p = pb.buf + 1;
	ok(pb_read_varint(&p) == 600 && p == pb.buf + 3, "pb: a two-byte length of 600");
	/* a one-byte length that turned out short: the body moves up, inner ones with it */
	for (int n = 0; n < 3; n++) {
		size_t want = n == 0 ? 126 : n == 1 ? 128 : 20000, got;
		uint8_t *c;

		pb.len = 0;
		at = tt_pb_begin_n(&pb, 1, 1);
		inner = tt_pb_begin_n(&pb, 2, 1);
		c = tt_pbc_uint(tt_pb_room(&pb, 16), 3, 9);
		tt_pb_done(&pb, c);
		tt_pb_end_fit(&pb, inner);
		while (pb.len - at < want)
			tt_pb_done(&pb, tt_pbc_uint(tt_pb_room(&pb, 16), 1, 1));
		tt_pb_end_fit(&pb, at);
		p = pb.buf + 1;
		got = (size_t)pb_read_varint(&p);
		ok(got == want && got == (size_t)(pb.buf + pb.len - p) && p[0] == (2 << 3 | 2) &&
			   p[1] == 2 && p[2] == (3 << 3) && p[3] == 9,
		   "pb: a message of %zu bytes ended to fit (%zu)", want, got);
	}
	/* invalid UTF-8 becomes U+FFFD, valid passes */
	pb.len = 0;
	tt_pb_str(&pb, 1,
		  "a\xff"
		  "b\xc3\xa9");
	ok(pb.len == 2 + 7 && !memcmp(pb.buf + 2,
				      "a\xef\xbf\xbd"
				      "b\xc3\xa9",
				      7),
	   "pb: an invalid byte becomes U+FFFD, valid UTF-8 stays");
	tt_pb_free(&pb);
}

static void test_fmt(void)
{
	char buf[64];
	char *e;

	e = tt_fmt_us(buf, 1234567);
	*e = '\0';
	ok(!strcmp(buf, "1234.567"), "fmt_us 1234567 ns is 1234.567 (%s)", buf);
	e = tt_fmt_us(buf, 5);
	*e = '\0';
	ok(!strcmp(buf, "0.005"), "fmt_us 5 ns is 0.005 (%s)", buf);
	e = tt_fmt_i64(buf, INT64_MIN);
	*e = '\0';
	ok(!strcmp(buf, "-9223372036854775808"), "fmt_i64 of INT64_MIN (%s)", buf);
	e = tt_fmt_u64(buf, UINT64_MAX);
	*e = '\0';
	ok(!strcmp(buf, "18446744073709551615"), "fmt_u64 of UINT64_MAX (%s)", buf);
	e = tt_fmt_hex(buf, 0x7f12ab);
	*e = '\0';
	ok(!strcmp(buf, "0x7f12ab"), "fmt_hex (%s)", buf);
	e = tt_fmt_oct(buf, 0644);
	*e = '\0';
	ok(!strcmp(buf, "0644"), "fmt_oct (%s)", buf);
}

static void test_utf8(void)
{
	ok(tt_utf8_len((const unsigned char *)"a") == 1, "utf8: ASCII");
	ok(tt_utf8_len((const unsigned char *)"\xc3\xa9") == 2, "utf8: two bytes");
	ok(tt_utf8_len((const unsigned char *)"\xc0\xaf") == 0, "utf8: an overlong lead");
	ok(tt_utf8_len((const unsigned char *)"\xed\xa0\x80") == 0, "utf8: a surrogate");
	ok(tt_utf8_len((const unsigned char *)"\xf0\x9f\x98\x80") == 4, "utf8: four bytes");
	ok(tt_utf8_len((const unsigned char *)"\x80") == 0, "utf8: a lone continuation byte");
}

/* The generated payload counts agree with the table the converter reads. */
static void test_events(void)
{
	int good = 1, named = 1;

	for (unsigned t = 1; t < TT_EV_COUNT; t++) {
		const struct tt_event_info *e = &tt_events[t];
		unsigned n = e->result != TT_ROLE_NONE;

		for (int i = 0; i < TT_MAX_ARGS; i++)
			n += e->args[i] != TT_ROLE_NONE;
		good &= n == tt_payload_words(t);
		named &= e->name && *e->name && e->category < TT_CAT_COUNT;
	}
	ok(good, "events.def: generated payload counts match the table for all %d types",
	   TT_EV_COUNT - 1);
	ok(named, "events.def: every type has a name and a known category");
}

/* The one parser of category lists, as the library, the launcher and the converter use it. */
static void test_categories(void)
{
	uint32_t all = (1u << TT_CAT_COUNT) - 1, m;
	const char *bad = NULL;
	size_t len = 0;

	m = 0;
	ok(tt_parse_category_list("all", &m, &bad, &len) == 0 && m == all, "categories: all");
	m = 0;
	ok(tt_parse_category_list("io,lock", &m, &bad, &len) == 0 &&
		   m == (1u << TT_CAT_IO | 1u << TT_CAT_LOCK),
	   "categories: io,lock");
	m = 0;
	ok(tt_parse_category_list(",io,,", &m, &bad, &len) == 0 && m == 1u << TT_CAT_IO,
	   "categories: empty items are skipped");
	m = 0;
	ok(tt_parse_category_list("", &m, &bad, &len) == 0 && m == 0, "categories: empty list");
	m = 0;
	ok(tt_parse_category_list("io,bogus,lock", &m, &bad, &len) == -1 && len == 5 &&
		   !strncmp(bad, "bogus", 5),
	   "categories: the first unknown name is pointed at");
	ok(!strcmp(TT_CATEGORY_LIST,
		   "memory, thread, lock, process, io, net, wait, user, function, "),
	   "categories: the generated list for messages");
}

/* Ticks to ns: through the sync points, monotonic, extrapolated outside them. */
static void test_timemap(void)
{
	struct tt_syncpt pt[] = { { 3000, 2000 }, { 1000, 1000 }, { 2000, 1500 } };
	struct tt_timemap m = { 0 };
	uint32_t hint = 0;
	uint64_t prev = 0;
	int mono = 1;

	ok(tt_timemap_build(&m, pt, 3) == 3, "timemap: three points, given out of order");
	ok(tt_timemap_ns(&m, 1000, &hint) == 1000 && tt_timemap_ns(&m, 2000, &hint) == 1500 &&
		   tt_timemap_ns(&m, 3000, &hint) == 2000,
	   "timemap: the points map exactly");
	ok(tt_timemap_ns(&m, 1500, &hint) == 1250, "timemap: linear between points");
	for (uint64_t t = 0; t < 5000; t += 7) {
		uint64_t ns = tt_timemap_ns(&m, t, &hint);

		mono &= ns >= prev;
		prev = ns;
	}
	ok(mono, "timemap: non-decreasing over and beyond the points");
	ok(tt_timemap_ns(&m, 4000, &hint) > 2000, "timemap: extrapolated past the last point");
	tt_timemap_free(&m);
	tt_timemap_identity(&m);
	ok(tt_timemap_ns(&m, 123456789, &hint) == 123456789, "timemap: identity (monotonic clock)");
}

/* JSON time: three decimals, and nested or touching slices stay apart for float readers. */
static void test_jsontime(void)
{
	struct tt_jtime t = { 0 };
	char buf[128], *e;
	double ts, dur, ts2;

	e = tt_jtime_slice(buf, &t, 4650336, 4650347);
	*e = '\0';
	ok(!strcmp(buf, "4650.336,\"dur\":0.011"), "jsontime: an ordinary slice (%s)", buf);
	/* a slice that starts where the last one ended, as doubles add them up */
	sscanf(buf, "%lf,\"dur\":%lf", &ts, &dur);
	e = tt_jtime_slice(buf, &t, 4650347, 4650400);
	*e = '\0';
	sscanf(buf, "%lf", &ts2);
	ok(ts2 >= ts + dur, "jsontime: a touching sibling starts after the float end (%s)", buf);
}

/* Entries of the hash table tests: a non-zero key and a value. */
struct kv {
	uint64_t key;
	uint64_t val;
};

static size_t kv_hash(const void *e)
{
	return (size_t)tt_hash_mix(((const struct kv *)e)->key);
}

/* Every key in the same slot: one probe run that wraps past the table's end (slot 63). */
static size_t kv_collide(const void *e)
{
	(void)e;
	return 63;
}

static bool kv_eq(const void *e, const void *key)
{
	return ((const struct kv *)e)->key == *(const uint64_t *)key;
}

static bool kv_used(const void *e)
{
	return ((const struct kv *)e)->key != 0;
}

/* Inserts keys 1..n with value 3 * key; how many were new. */
static size_t kv_fill(struct tt_hmap *m, const struct tt_hkind *k, uint64_t n)
{
	size_t fresh_n = 0;

	for (uint64_t key = 1; key <= n; key++) {
		bool fresh;
		struct kv *e = tt_hmap_get(m, k, k->hash(&(struct kv){ key, 0 }), &key, &fresh);

		if (fresh) {
			e->key = key;
			e->val = 3 * key;
			fresh_n++;
		}
	}
	return fresh_n;
}

/* Whether exactly the keys 1..n for which keep() holds are found, with their values. */
static int kv_check(const struct tt_hmap *m, const struct tt_hkind *k, uint64_t n,
		    bool (*keep)(uint64_t))
{
	for (uint64_t key = 1; key <= n; key++) {
		const struct kv *e = tt_hmap_find(m, k, k->hash(&(struct kv){ key, 0 }), &key);

		if (keep(key) ? !e || e->val != 3 * key : e != NULL)
			return 0;
	}
	return 1;
}

static bool kv_all(uint64_t key)
{
	(void)key;
	return true;
}

static bool kv_odd(uint64_t key)
{
	return key % 2;
}

/* Removes the even keys of 1..n. */
static void kv_drop_even(struct tt_hmap *m, const struct tt_hkind *k, uint64_t n)
{
	for (uint64_t key = 2; key <= n; key += 2)
		tt_hmap_remove(m, k, tt_hmap_find(m, k, k->hash(&(struct kv){ key, 0 }), &key));
}

static void test_hashmap(void)
{
	const struct tt_hkind spread = { sizeof(struct kv), 64, 2, kv_hash, kv_eq, kv_used };
	const struct tt_hkind same = { sizeof(struct kv), 64, 3, kv_collide, kv_eq, kv_used };
	struct tt_hmap m = { 0 };
	uint64_t key = 5;
	size_t i = 0, seen = 0;
	bool fresh;

	ok(!tt_hmap_find(&m, &spread, 0, &key), "hashmap: nothing found in an empty table");
	ok(kv_fill(&m, &spread, 20) == 20 && m.n == 20 && m.cap == 64 &&
		   kv_check(&m, &spread, 20, kv_all),
	   "hashmap: 20 keys inserted and found, in the first 64 slots");
	ok(kv_fill(&m, &spread, 20) == 0 && m.n == 20,
	   "hashmap: an insert of a key present finds it");
	ok(kv_fill(&m, &spread, 10000) == 9980 && m.n == 10000 && m.cap == 32768 &&
		   kv_check(&m, &spread, 10000, kv_all),
	   "hashmap: grown to 10000 keys, at most half full, every key still found");
	while (tt_hmap_next(&m, &spread, &i))
		seen++;
	ok(seen == 10000, "hashmap: iteration visits every entry once (%zu)", seen);
	kv_drop_even(&m, &spread, 10000);
	ok(m.n == 5000 && kv_check(&m, &spread, 10000, kv_odd),
	   "hashmap: 5000 keys deleted, the others still found");
	tt_hmap_clear(&m, &spread);
	ok(m.n == 0 && m.cap == 32768 &&
		   !tt_hmap_find(&m, &spread, kv_hash(&(struct kv){ key, 0 }), &key),
	   "hashmap: cleared, keeping its slots");
	tt_hmap_free(&m);

	ok(kv_fill(&m, &same, 40) == 40 && kv_check(&m, &same, 40, kv_all),
	   "hashmap: 40 colliding keys, in one run wrapping past the end");
	kv_drop_even(&m, &same, 40);
	ok(m.n == 20 && kv_check(&m, &same, 40, kv_odd),
	   "hashmap: colliding keys deleted from the middle of the run, the others found");
	ok(kv_fill(&m, &same, 200) == 180 && m.cap == 512 && kv_check(&m, &same, 200, kv_all),
	   "hashmap: 200 colliding keys, grown three quarters full at most");
	ok(tt_hmap_get(&m, &same, 63, &key, &fresh) && !fresh, "hashmap: get finds a present key");
	tt_hmap_free(&m);
}

static void test_intern(void)
{
	struct tt_intern in = { .extra = sizeof(uint64_t) };
	const char *a, *b, *c;
	char buf[32];
	bool fresh, fresh2, same = true, kept = true;
	size_t i = 0, seen = 0;

	strcpy(buf, "/etc/passwd");
	a = tt_intern(&in, buf, &fresh);
	strcpy(buf, "/etc/group");
	b = tt_intern(&in, buf, &fresh2);
	ok(a && b && fresh && fresh2 && a != b && !strcmp(a, "/etc/passwd") &&
		   !strcmp(b, "/etc/group"),
	   "intern: two strings stored, each as a copy");
	ok(*(uint64_t *)tt_intern_extra(&in, a) == 0,
	   "intern: a new string's extra bytes are zero");
	*(uint64_t *)tt_intern_extra(&in, a) = 42;
	c = tt_intern(&in, "/etc/passwd", &fresh);
	ok(c == a && !fresh && *(uint64_t *)tt_intern_extra(&in, c) == 42,
	   "intern: an equal string gives the same pointer, and its extra bytes");
	c = tt_intern(&in, "", &fresh);
	ok(c && fresh && !*c && tt_intern(&in, "", &fresh) == c && !fresh,
	   "intern: the empty string too");
	for (unsigned k = 0; k < 5000; k++) {
		snprintf(buf, sizeof(buf), "s%u", k);
		c = tt_intern(&in, buf, &fresh);
		same &= fresh && !strcmp(c, buf);
		*(uint64_t *)tt_intern_extra(&in, c) = k;
	}
	for (unsigned k = 0; k < 5000; k++) {
		snprintf(buf, sizeof(buf), "s%u", k);
		c = tt_intern(&in, buf, &fresh);
		kept &= !fresh && *(uint64_t *)tt_intern_extra(&in, c) == k;
	}
	ok(same && kept && tt_intern_count(&in) == 5003,
	   "intern: 5000 more strings, each found again with its extra bytes");
	ok(tt_intern(&in, "/etc/passwd", &fresh) == a,
	   "intern: a string keeps its address while the table grows");
	while (tt_intern_next(&in, &i))
		seen++;
	ok(seen == 5003, "intern: iteration visits every string once (%zu)", seen);
	tt_intern_free(&in);
}

/*
 * A descriptor closed by one thread while another's socket takes the same number: the close
 * ends last, and must neither take the new descriptor's name away nor carry it.
 */
static void test_fdtab(void)
{
	struct tt_fdtab t = { 0 };
	const char *closed;

	tt_fdtab_open(&t, 4, "127.0.0.1:53096", 100); /* accepted by the server thread */
	tt_fdtab_open(&t, 4, "socket:inet", 300); /* the client's socket, after the close began */
	tt_fdtab_rename(&t, 4, "127.0.0.1:60775", 320); /* connected: the same descriptor */
	closed = tt_fdtab_close(&t, 4, 200);		/* the server's close, begun at 200 */
	ok(closed && !strcmp(closed, "127.0.0.1:53096") && t.open == 1 &&
		   !strcmp(tt_fdtab_get(&t, 4), "127.0.0.1:60775"),
	   "fd table: a close that began before its number was taken again closes the old one");
	closed = tt_fdtab_close(&t, 4, 400);
	ok(closed && !strcmp(closed, "127.0.0.1:60775") && t.open == 0 && !tt_fdtab_get(&t, 4),
	   "fd table: the new descriptor's own close");
	tt_fdtab_open(&t, 7, "/tmp/a", 500);
	closed = tt_fdtab_close(&t, 7, 600);
	ok(closed && !strcmp(closed, "/tmp/a") && !tt_fdtab_get(&t, 7),
	   "fd table: open then close, one after the other");
	free(t.path);
	free(t.since);
	free(t.prev);
}

int main(void)
{
	test_varints();
	test_pb();
	test_fmt();
	test_utf8();
	test_events();
	test_categories();
	test_timemap();
	test_jsontime();
	test_hashmap();
	test_intern();
	test_fdtab();
	printf("1..%d\n", ntest);
	return nfail != 0;
}
