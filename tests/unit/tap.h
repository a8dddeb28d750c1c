/*
 * tap.h - the TAP lines of the C unit tests (Automake's TAP driver reads them): one "ok" or
 * "not ok" per check, the plan printed at the end from ntest.
 */
#ifndef TT_TAP_H
#define TT_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int ntest, nfail;
static const char *tap_prefix = ""; /* before each check's name: a repeat's setting */

static void ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	ntest++;
	nfail += !cond;
	printf("%s %d - %s", cond ? "ok" : "not ok", ntest, tap_prefix);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

#endif /* TT_TAP_H */
