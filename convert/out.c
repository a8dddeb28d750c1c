/*
 * out.c - output buffer, number formatting, string escaping.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "out.h"
#include "util.h"

#define TT_OUT_BUF (1u << 20)

void tt_out_init(struct tt_out *o, int fd, const char *name)
{
	o->cap = TT_OUT_BUF;
	o->buf = tt_xmalloc(o->cap);
	o->len = 0;
	o->flushed = 0;
	o->fd = fd;
	o->name = name;
	o->gz = NULL;
}

void tt_out_flush(struct tt_out *o)
{
	if (o->gz)
		tt_out_gz_flush(o, false);
	else
		tt_out_raw(o, o->buf, o->len);
	o->flushed += o->len;
	o->len = 0;
}

void tt_out_raw(struct tt_out *o, const void *buf, size_t len)
{
	const char *p = buf;
	size_t left = len;

	while (left && o->fd >= 0) {
		ssize_t n = write(o->fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			tt_error("%s: cannot write: %s", o->name,
				 n < 0 ? strerror(errno) : "no space");
			exit(2);
		}
		p += n;
		left -= (size_t)n;
	}
}

void tt_out_free(struct tt_out *o)
{
	if (o->gz)
		tt_out_finish(o);
	free(o->buf);
	o->buf = NULL;
	o->cap = o->len = 0;
}

void tt_out_write(struct tt_out *o, const void *s, size_t n)
{
	const char *p = s;

	while (n) {
		size_t room, k;

		if (o->len == o->cap)
			tt_out_flush(o);
		room = o->cap - o->len;
		k = n < room ? n : room;
		memcpy(o->buf + o->len, p, k);
		o->len += k;
		p += k;
		n -= k;
	}
}

void tt_out_puts(struct tt_out *o, const char *s)
{
	tt_out_write(o, s, strlen(s));
}

void tt_out_printf(struct tt_out *o, const char *fmt, ...)
{
	va_list ap;
	char *p = tt_out_reserve(o, TT_OUT_SLACK);
	int n;

	va_start(ap, fmt);
	n = vsnprintf(p, TT_OUT_SLACK, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* Summary lines are short; a longer one is cut rather than overflowing. */
	o->len += (size_t)n < TT_OUT_SLACK ? (size_t)n : TT_OUT_SLACK - 1;
}

static const char tt_digits2[] = "00010203040506070809"
				 "10111213141516171819"
				 "20212223242526272829"
				 "30313233343536373839"
				 "40414243444546474849"
				 "50515253545556575859"
				 "60616263646566676869"
				 "70717273747576777879"
				 "80818283848586878889"
				 "90919293949596979899";

static inline unsigned tt_digits(uint64_t v)
{
	unsigned n = 1;

	for (;;) {
		if (v < 10)
			return n;
		if (v < 100)
			return n + 1;
		if (v < 1000)
			return n + 2;
		if (v < 10000)
			return n + 3;
		v /= 10000;
		n += 4;
	}
}

char *tt_fmt_u64(char *p, uint64_t v)
{
	/* Digits written from the end backwards, straight into place. */
	char *e = p + tt_digits(v), *q = e;

	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);

		v /= 100;
		q -= 2;
		q[0] = tt_digits2[2 * r];
		q[1] = tt_digits2[2 * r + 1];
	}
	if (v >= 10) {
		q[-2] = tt_digits2[2 * v];
		q[-1] = tt_digits2[2 * v + 1];
	} else {
		q[-1] = (char)('0' + v);
	}
	return e;
}

char *tt_fmt_i64(char *p, int64_t v)
{
	if (v < 0) {
		*p++ = '-';
		return tt_fmt_u64(p, -(uint64_t)v);
	}
	return tt_fmt_u64(p, (uint64_t)v);
}

static const char tt_hex2[] = "000102030405060708090a0b0c0d0e0f"
			      "101112131415161718191a1b1c1d1e1f"
			      "202122232425262728292a2b2c2d2e2f"
			      "303132333435363738393a3b3c3d3e3f"
			      "404142434445464748494a4b4c4d4e4f"
			      "505152535455565758595a5b5c5d5e5f"
			      "606162636465666768696a6b6c6d6e6f"
			      "707172737475767778797a7b7c7d7e7f"
			      "808182838485868788898a8b8c8d8e8f"
			      "909192939495969798999a9b9c9d9e9f"
			      "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
			      "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
			      "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
			      "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
			      "e0e1e2e3e4e5e6e7e8e9eaebecedeeef"
			      "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

char *tt_fmt_hex(char *p, uint64_t v)
{
	/* Digits from the end backwards, two at a time: addresses have about 12. */
	unsigned n = v ? (unsigned)(67 - __builtin_clzll(v)) / 4 : 1;
	char *e = p + 2 + n, *q = e;

	p[0] = '0';
	p[1] = 'x';
	for (; n >= 2; n -= 2, v >>= 8) {
		q -= 2;
		memcpy(q, tt_hex2 + 2 * (v & 0xff), 2);
	}
	if (n)
		q[-1] = tt_hex2[2 * (v & 0xf) + 1];
	return e;
}

char *tt_fmt_oct(char *p, uint64_t v)
{
	char tmp[24];
	char *e = tmp + sizeof(tmp), *q = e;

	do {
		*--q = (char)('0' + (v & 7));
		v >>= 3;
	} while (v);
	if (*q != '0')
		*--q = '0'; /* the C prefix, but "0" for zero */
	memcpy(p, q, (size_t)(e - q));
	return p + (e - q);
}

char *tt_fmt_us(char *p, uint64_t ns)
{
	unsigned frac = (unsigned)(ns % 1000);

	p = tt_fmt_u64(p, ns / 1000);
	*p++ = '.';
	*p++ = (char)('0' + frac / 100);
	memcpy(p, tt_digits2 + 2 * (frac % 100), 2);
	return p + 2;
}

int tt_utf8_len(const unsigned char *p)
{
	unsigned c = p[0];

	if (c < 0x80)
		return 1;
	if (c < 0xc2)
		return 0; /* continuation byte, or overlong 2-byte lead */
	if (c < 0xe0)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c < 0xf0) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0))
			return 0; /* overlong, or a UTF-16 surrogate */
		return 3;
	}
	if (c < 0xf5) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
			return 0; /* overlong, or beyond U+10FFFF */
		return 4;
	}
	return 0;
}

/* The string writers share this loop; mode picks the escaping. */
enum tt_esc { TT_ESC_JSON, TT_ESC_CSV, TT_ESC_TEXT, TT_ESC_HTML_JSON };

static void tt_out_escaped(struct tt_out *o, const unsigned char *s, enum tt_esc mode)
{
	static const char hex[] = "0123456789abcdef";

	while (*s) {
		/* Every step writes at most 6 bytes (\u00XX). */
		char *q = tt_out_reserve(o, 512);
		char *lim = q + 512 - 8;

		while (*s && q < lim) {
			unsigned c = *s;
			int n;

			if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\' &&
			    (c != '<' || mode != TT_ESC_HTML_JSON)) {
				*q++ = (char)c;
				s++;
				continue;
			}
			if (c >= 0x80) {
				n = tt_utf8_len(s);
				if (!n) {
					q = TT_LIT(q, "\xef\xbf\xbd");
					s++;
					continue;
				}
				memcpy(q, s, (size_t)n);
				q += n;
				s += n;
				continue;
			}
			s++;
			if (mode == TT_ESC_TEXT) {
				*q++ = c < 0x20 ? '?' : (char)c;
			} else if (mode == TT_ESC_CSV) {
				if (c == '"')
					*q++ = '"';
				*q++ = (char)c;
			} else if (c == '<') {
				q = TT_LIT(q, "\\u003c"); /* only in TT_ESC_HTML_JSON */
			} else if (c == '"' || c == '\\') {
				*q++ = '\\';
				*q++ = (char)c;
			} else if (c == '\n') {
				q = TT_LIT(q, "\\n");
			} else if (c == '\t') {
				q = TT_LIT(q, "\\t");
			} else if (c == '\r') {
				q = TT_LIT(q, "\\r");
			} else {
				q = TT_LIT(q, "\\u00");
				*q++ = hex[c >> 4];
				*q++ = hex[c & 0xf];
			}
		}
		tt_out_commit(o, q);
	}
}

static inline void tt_out_char(struct tt_out *o, char c)
{
	char *q = tt_out_reserve(o, 1);

	*q = c;
	o->len++;
}

void tt_out_json_str(struct tt_out *o, const char *s)
{
	tt_out_char(o, '"');
	tt_out_escaped(o, (const unsigned char *)s, TT_ESC_JSON);
	tt_out_char(o, '"');
}

void tt_out_html_json_str(struct tt_out *o, const char *s)
{
	tt_out_char(o, '"');
	tt_out_escaped(o, (const unsigned char *)s, TT_ESC_HTML_JSON);
	tt_out_char(o, '"');
}

void tt_out_csv_str(struct tt_out *o, const char *s)
{
	int quote = s[strcspn(s, ",\"\r\n")] != '\0';

	if (quote)
		tt_out_char(o, '"');
	tt_out_escaped(o, (const unsigned char *)s, TT_ESC_CSV);
	if (quote)
		tt_out_char(o, '"');
}

void tt_out_text(struct tt_out *o, const char *s)
{
	tt_out_escaped(o, (const unsigned char *)s, TT_ESC_TEXT);
}
