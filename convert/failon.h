/*
 * failon.h - the thresholds of --diff --fail-on=EXPR[,EXPR...]: what makes a comparison fail.
 *
 *	EXPR	 = METRIC [ "(" KEY ")" ] THRESHOLD
 *	THRESHOLD = "+" N "%"	  grew by more than N percent (from 0: grew at all)
 *		  | "+" N [UNIT]  grew by more than N
 *		  | ">" N [UNIT]  is more than N in the new run
 *
 * METRIC is one of diff.h's (calls, time, heap_peak, leaks, written...); without KEY it is
 * the run's total, with it the entry of that name (a call, span, file, process or lock key)
 * of any kind that has the metric.  N is a decimal number; UNIT fits the metric: ns, us,
 * ms, s for times (ns without one), B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB for
 * bytes, none for counts.
 */
#ifndef TT_FAILON_H
#define TT_FAILON_H

#include "diff.h"

enum tt_fop { TT_FOP_PCT, TT_FOP_ADD, TT_FOP_GT };

struct tt_failon {
	char *text;	 /* the expression as given */
	char *key;	 /* NULL: the total */
	unsigned metric; /* enum tt_dmetric */
	unsigned op;	 /* enum tt_fop */
	double pct;	 /* TT_FOP_PCT */
	uint64_t n;	 /* TT_FOP_ADD, TT_FOP_GT: in the metric's unit (ns, bytes, count) */
};

/*
 * Parses one --fail-on value, expressions separated by commas outside parentheses, appended
 * to *v.  Returns 0, or -1 with the faulty expression and what is wrong in why.
 */
int tt_failon_parse(const char *s, struct tt_failon **v, size_t *n, char *why, size_t whylen);
void tt_failon_free(struct tt_failon *v, size_t n);

/* An expression against a comparison: the row it was decided on. */
struct tt_fcheck {
	const struct tt_failon *f;
	bool found; /* some run has the entry */
	bool crossed;
	uint64_t base, new;
};

/* Checks v[0..n) against d into out[0..n); true if one was crossed. */
bool tt_failon_check(const struct tt_failon *v, size_t n, const struct tt_diff *d,
		     struct tt_fcheck *out);

#endif /* TT_FAILON_H */
