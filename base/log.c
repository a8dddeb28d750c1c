/*
 * log.c - the library's only output: one line on stderr, formatted without stdio or malloc so
 * that it is safe from any context (signal handlers, fork children, inside malloc).
 */
#include "base.h"
#include "sys.h"

#include <stdarg.h>
#include <string.h>

static char *put_str(char *p, char *end, const char *s)
{
	if (!s)
		s = "(null)";
	while (*s && p < end)
		*p++ = *s++;
	return p;
}

char *tt_fmt_num(char *p, char *end, unsigned long long v, int neg, unsigned base)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg && p < end)
		*p++ = '-';
	while (n && p < end)
		*p++ = tmp[--n];
	return p;
}

void tt_log(const char *fmt, ...)
{
	char buf[512], *p = buf, *end = buf + sizeof(buf) - 1;
	va_list ap;

	p = put_str(p, end, "traceit: ");
	va_start(ap, fmt);
	for (const char *f = fmt; *f && p < end; f++) {
		if (*f != '%') {
			*p++ = *f;
			continue;
		}
		int longs = 0;

		while (*++f == 'l')
			longs++;
		switch (*f) {
		case 's':
			p = put_str(p, end, va_arg(ap, const char *));
			break;
		case 'd': {
			long long v = longs ? va_arg(ap, long) : va_arg(ap, int);

			p = tt_fmt_num(p, end,
				       v < 0 ? -(unsigned long long)v : (unsigned long long)v,
				       v < 0, 10);
			break;
		}
		case 'u':
			p = tt_fmt_num(p, end,
				       longs >= 2 ? va_arg(ap, unsigned long long)
				       : longs	  ? va_arg(ap, unsigned long)
						  : va_arg(ap, unsigned),
				       0, 10);
			break;
		case 'x':
			p = tt_fmt_num(p, end,
				       longs ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 0,
				       16);
			break;
		case '%':
			*p++ = '%';
			break;
		default:
			f--; /* unknown: print it as is */
			*p++ = '%';
			break;
		}
	}
	va_end(ap);
	*p++ = '\n';
	for (char *q = buf; q < p;) {
		long n = tt_write(2, q, (size_t)(p - q));

		if (n == -4 /* EINTR */)
			continue;
		if (n <= 0)
			break;
		q += n;
	}
}
