/*
 * diag.h - the converter's messages on stderr and its exit status.
 *
 * Every message is one line, "traceit-convert: " first.  Errors (a file that cannot be read
 * at all, bad usage, an output that cannot be written) print at once and -q does not hide
 * them.  Problems inside a readable stream are collected per file and kind while the file is
 * converted, and printed by tt_problems_flush() as one warning line per kind, with the first
 * occurrence spelled out and the others counted, so a badly damaged file cannot flood the
 * terminal.
 */
#ifndef TT_DIAG_H
#define TT_DIAG_H

#include <stdbool.h>
#include <stdint.h>

#define TT_PRINTF(f, a) __attribute__((format(printf, f, a)))

enum tt_problem_kind {
	TT_PB_DAMAGED,	      /* chunk header or payload failed its CRC or bounds check */
	TT_PB_TRUNCATED,      /* the file ends inside a chunk */
	TT_PB_NO_PROCESS,     /* no readable PROCESS chunk */
	TT_PB_NO_END,	      /* no END chunk */
	TT_PB_BAD_FIELDS,     /* PROCESS or END fields that do not parse */
	TT_PB_BAD_STRINGS,    /* a STRINGS chunk that does not inflate or parse */
	TT_PB_BAD_EVENTS,     /* an EVENTS chunk that does not inflate or decode */
	TT_PB_UNKNOWN_STRING, /* an event refers to a string id never defined */
	TT_PB_CLOCK,	      /* too few clock sync points: timestamps are estimates */
	TT_PB_BAD_STACKS,     /* a STACKS or MODULES chunk that does not parse, or a bad stack id */
	TT_PB_RECOVERED,      /* no END chunk, the undrained records read from the shared buffers */
	TT_PB_RINGS,	      /* a shared-buffer file that cannot be read */
	TT_PB_ANNOTATIONS,    /* spans ended twice or never, async ends of unknown ids */
	TT_PB_COUNT
};

struct tt_problems {
	uint64_t count[TT_PB_COUNT];
	char *first[TT_PB_COUNT]; /* the first occurrence, formatted */
};

/* Exit status so far: 0, or 1 once any input had a problem (2 is decided by main). */
extern int tt_diag_status;
/* -q: no warnings. */
extern bool tt_diag_quiet;

void tt_error(const char *fmt, ...) TT_PRINTF(1, 2);
void tt_warn(const char *fmt, ...) TT_PRINTF(1, 2);

/* Records one problem; only the first of each kind keeps its text. */
void tt_problem(struct tt_problems *p, enum tt_problem_kind kind, const char *fmt, ...)
	TT_PRINTF(3, 4);

/*
 * Diverts the calling thread's problems to fn, formatted, for another thread to record in
 * their place among its own (with tt_problem(p, kind, "%s", text)); NULL ends the diversion.
 */
typedef void (*tt_problem_fn)(void *arg, struct tt_problems *p, enum tt_problem_kind kind,
			      const char *text);
void tt_problems_divert(tt_problem_fn fn, void *arg);

/* Prints the collected problems of the file called name, decoded = events converted from it. */
void tt_problems_flush(struct tt_problems *p, const char *name, uint64_t decoded);

void tt_problems_free(struct tt_problems *p);

#endif /* TT_DIAG_H */
