/*
 * diag.c - one-line messages and per-file problem collection.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "diag.h"
#include "util.h"

int tt_diag_status;
bool tt_diag_quiet;

static __thread tt_problem_fn tt_divert;
static __thread void *tt_divert_arg;

static void tt_vmsg(const char *fmt, va_list ap) TT_PRINTF(1, 0);

static void tt_vmsg(const char *fmt, va_list ap)
{
	/* One fprintf per line keeps lines whole even when stderr is shared. */
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "traceit-convert: %s\n", line);
}

void tt_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tt_vmsg(fmt, ap);
	va_end(ap);
	if (tt_diag_status < 1)
		tt_diag_status = 1;
}

void tt_warn(const char *fmt, ...)
{
	va_list ap;

	if (tt_diag_quiet)
		return;
	va_start(ap, fmt);
	tt_vmsg(fmt, ap);
	va_end(ap);
}

void tt_problem(struct tt_problems *p, enum tt_problem_kind kind, const char *fmt, ...)
{
	va_list ap;
	char text[512];

	if (!tt_divert && p->count[kind]++)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (tt_divert)
		tt_divert(tt_divert_arg, p, kind, text);
	else
		p->first[kind] = tt_xstrdup(text);
}

void tt_problems_divert(tt_problem_fn fn, void *arg)
{
	tt_divert = fn;
	tt_divert_arg = arg;
}

/* How further occurrences of a kind are counted on its line. */
static const char *const tt_more[TT_PB_COUNT] = {
	[TT_PB_DAMAGED] = "damaged places",
	[TT_PB_TRUNCATED] = "truncations",
	[TT_PB_NO_PROCESS] = "times",
	[TT_PB_NO_END] = "times",
	[TT_PB_BAD_FIELDS] = "bad records",
	[TT_PB_BAD_STRINGS] = "bad string chunks",
	[TT_PB_BAD_EVENTS] = "bad event chunks",
	[TT_PB_UNKNOWN_STRING] = "references to unknown strings",
	[TT_PB_CLOCK] = "times",
	[TT_PB_BAD_STACKS] = "stack problems",
	[TT_PB_RECOVERED] = "times",
	[TT_PB_RINGS] = "times",
	[TT_PB_ANNOTATIONS] = "annotation problems",
};

/*
 * One line per damaged file, whatever went wrong with it: each kind of problem spelled out
 * once (the first occurrence, with a count of the others), then how much was recovered.
 */
void tt_problems_flush(struct tt_problems *p, const char *name, uint64_t decoded)
{
	char line[2048];
	size_t len = 0;
	int parts = 0;

	for (int k = 0; k < TT_PB_COUNT; k++) {
		if (!p->count[k])
			continue;
		/*
		 * A clock estimate is a caveat, not damage: the file converted cleanly; so is a
		 * process killed whose buffers were read back.
		 */
		if (k != TT_PB_CLOCK && k != TT_PB_RECOVERED && k != TT_PB_ANNOTATIONS &&
		    tt_diag_status < 1)
			tt_diag_status = 1;
		/* A truncated file has no END either; its truncation already says so. */
		if (k == TT_PB_NO_END && p->count[TT_PB_TRUNCATED])
			continue;
		int n = snprintf(line + len, sizeof(line) - len, "%s%s", parts ? "; " : "",
				 p->first[k]);

		if (n > 0 && (size_t)n < sizeof(line) - len)
			len += (size_t)n;
		if (p->count[k] > 1) {
			n = snprintf(line + len, sizeof(line) - len, " (%llu %s in all)",
				     (unsigned long long)p->count[k], tt_more[k]);
			if (n > 0 && (size_t)n < sizeof(line) - len)
				len += (size_t)n;
		}
		parts++;
	}
	if (!parts)
		return;
	tt_warn("%s: %s; converted %llu events", name, line, (unsigned long long)decoded);
}

void tt_problems_free(struct tt_problems *p)
{
	for (int k = 0; k < TT_PB_COUNT; k++) {
		free(p->first[k]);
		p->first[k] = NULL;
	}
}
