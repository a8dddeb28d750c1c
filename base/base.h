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

#endif /* TT_BASE_H */
