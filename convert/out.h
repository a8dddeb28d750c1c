/*
 * out.h - the buffered output of the converter and the hand-rolled formatting it uses.
 *
 * Output goes through one large buffer written with write(2): at millions of events per
 * second a printf per field would cost more than the decoding.  Formatting functions write
 * into space the caller reserved with tt_out_reserve() and return the new end; the caller
 * then tt_out_commit()s it.  A reservation never exceeds TT_OUT_SLACK bytes.
 *
 * A write error ends the program with one message and exit status 2: the output is
 * incomplete and nothing the converter can do about it.
 */
#ifndef TT_OUT_H
#define TT_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define TT_OUT_SLACK 4096

struct tt_gz;

struct tt_out {
	char *buf;
	size_t len;
	size_t cap;
	uint64_t flushed; /* bytes handed to fd so far */
	int fd;		  /* -1: discard everything (tests, fuzzing) */
	const char *name; /* for the error message */
	struct tt_gz *gz; /* gzip-compressed output (tt_out_gzip), NULL: plain */
};

void tt_out_init(struct tt_out *o, int fd, const char *name);
/* Bytes output so far, flushed or not. */
static inline uint64_t tt_out_size(const struct tt_out *o)
{
	return o->flushed + o->len;
}
void tt_out_flush(struct tt_out *o);
void tt_out_free(struct tt_out *o);
/* Writes n bytes to the file as they are (what the buffer or the compressor hands over). */
void tt_out_raw(struct tt_out *o, const void *p, size_t n);

/* From now on, o is written gzip-compressed (out_gz.c)... */
void tt_out_gzip(struct tt_out *o);
/* ...which tt_out_finish ends, after the last write: flushes, and ends the gzip member. */
void tt_out_finish(struct tt_out *o);
/* Compresses what o holds into its file (finish: the end of the member too); out_gz.c */
void tt_out_gz_flush(struct tt_out *o, bool finish);

static inline char *tt_out_reserve(struct tt_out *o, size_t n)
{
	if (o->cap - o->len < n)
		tt_out_flush(o);
	return o->buf + o->len;
}

static inline void tt_out_commit(struct tt_out *o, char *end)
{
	o->len = (size_t)(end - o->buf);
}

void tt_out_write(struct tt_out *o, const void *s, size_t n);
void tt_out_puts(struct tt_out *o, const char *s);
void tt_out_printf(struct tt_out *o, const char *fmt, ...) TT_PRINTF(2, 3);

/* Each writes at p and returns the end; at most 24 bytes. */
char *tt_fmt_u64(char *p, uint64_t v);
char *tt_fmt_i64(char *p, int64_t v);
char *tt_fmt_hex(char *p, uint64_t v); /* "0x7f12ab" */
char *tt_fmt_oct(char *p, uint64_t v); /* "0644" */
char *tt_fmt_us(char *p, uint64_t ns); /* microseconds, 3 decimals: "1234.567" */

static inline char *tt_fmt_lit(char *p, const char *s, size_t n)
{
	__builtin_memcpy(p, s, n);
	return p + n;
}
#define TT_LIT(p, s) tt_fmt_lit((p), (s), sizeof(s) - 1)

/*
 * Strings from the traced program are arbitrary bytes.  All the writers below pass valid
 * UTF-8 through and replace each invalid byte with U+FFFD, so the output is always valid
 * UTF-8 whatever the program's paths and thread names contain.
 */
/* A JSON string with its quotes; control characters escaped, never a \uD8xx surrogate. */
void tt_out_json_str(struct tt_out *o, const char *s);
/* The same with '<' as \u003c: inside an HTML <script>, it can close no element. */
void tt_out_html_json_str(struct tt_out *o, const char *s);
/* A CSV field (RFC 4180): quoted only when it holds a comma, quote, CR or LF. */
void tt_out_csv_str(struct tt_out *o, const char *s);
/* Plain text for the summary: control characters shown as '?'. */
void tt_out_text(struct tt_out *o, const char *s);

/* Length of the valid UTF-8 sequence at p (1-4), 0 if p starts an invalid one. */
int tt_utf8_len(const unsigned char *p);

#endif /* TT_OUT_H */
