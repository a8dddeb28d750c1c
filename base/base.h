/*
 * base.h - what both sides of the preload module stand on: the interposers (preload/) and
 * the recorder (collector/) both call the real functions (real.h), make raw system calls
 * (sys.h) and write their one-line messages (tt_log); none of it calls up into either.
 */
#ifndef TT_BASE_H
#define TT_BASE_H

#define tt_likely(x) __builtin_expect(!!(x), 1)
#define tt_unlikely(x) __builtin_expect(!!(x), 0)

/* One line on stderr, "traceit: " first; safe in any context (no stdio, no malloc). */
void tt_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Writes v in base (10 or 16), '-' first if neg, at p without passing end; returns the new
 * end (no NUL).  Safe in any context, like tt_log, which uses it.
 */
char *tt_fmt_num(char *p, char *end, unsigned long long v, int neg, unsigned base);

#endif /* TT_BASE_H */
