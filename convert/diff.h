/*
 * diff.h - two runs compared (traceit-convert --diff BASE NEW): each run's statistics,
 * collected as the summary collects them, made into rows {kind, key, metric, base, new,
 * delta, change} sorted by the size of the change, which any output can render (diff_print.c
 * writes the text and the CSV).
 *
 * Entries are matched by what stays the same from one run to the next, never by pid or
 * address: a wrapped call or span by its name, a file by its path (with the digits of
 * /proc/PID/ and of "<fd N of pid P>" made PID), a process by its program's name (the second
 * process of the same name in start order is NAME#2...), a lock by lockid.h's key.
 */
#ifndef TT_DIFF_H
#define TT_DIFF_H

#include "emit.h"
#include "intern.h"

enum tt_dkind {
	TT_DK_TOTAL,	/* the whole run: key "" */
	TT_DK_CALL,	/* a wrapped call, by name */
	TT_DK_SPAN,	/* a span of the program's (traceit.h), by name */
	TT_DK_FUNCTION, /* a function of the program's, when function tracing gives them */
	TT_DK_PROCESS,	/* a process image, by program name */
	TT_DK_FILE,	/* a file or endpoint, by path */
	TT_DK_LOCK,	/* a lock, by lockid.h's key */
	TT_DK_COUNT
};

enum tt_dunit { TT_DU_COUNT, TT_DU_NS, TT_DU_BYTES };

/* The metrics, also the names --fail-on takes. */
#define TT_DMETRICS(X)                                                                             \
	X(CALLS, "calls", TT_DU_COUNT)                                                             \
	X(ERRORS, "errors", TT_DU_COUNT)                                                           \
	X(TIME, "time", TT_DU_NS)                                                                  \
	X(HEAP_PEAK, "heap_peak", TT_DU_BYTES)                                                     \
	X(LEAKS, "leaks", TT_DU_COUNT)                                                             \
	X(LEAKED_BYTES, "leaked_bytes", TT_DU_BYTES)                                               \
	X(READ, "read", TT_DU_BYTES)                                                               \
	X(WRITTEN, "written", TT_DU_BYTES)                                                         \
	X(IO_TIME, "io_time", TT_DU_NS)                                                            \
	X(WAIT, "wait", TT_DU_NS)                                                                  \
	X(CONTENDED, "contended", TT_DU_COUNT)                                                     \
	X(PROCESSES, "processes", TT_DU_COUNT)                                                     \
	X(LOST, "lost", TT_DU_COUNT)

enum tt_dmetric {
#define TT_DM_ENUM(sym, name, unit) TT_DM_##sym,
	TT_DMETRICS(TT_DM_ENUM)
#undef TT_DM_ENUM
		TT_DM_COUNT
};

struct tt_dmetric_info {
	const char *name;
	uint8_t unit; /* enum tt_dunit */
};

extern const struct tt_dmetric_info tt_dmetrics[TT_DM_COUNT];
extern const char *const tt_dkind_names[TT_DK_COUNT];

/* One value of one run. */
struct tt_dval {
	const char *key; /* interned in struct tt_diff: "" for the totals */
	uint8_t kind;	 /* enum tt_dkind */
	uint8_t metric;	 /* enum tt_dmetric */
	uint64_t v;
};

struct tt_dside {
	struct tt_intern *keys; /* its diff's */
	const char *label;	/* the input as given */
	struct tt_dval *v;
	size_t n, cap;
	size_t processes; /* usable process images */
	uint64_t events;
};

enum tt_dchange { TT_DC_APPEARED, TT_DC_GONE, TT_DC_CHANGED, TT_DC_SAME };

struct tt_drow {
	const char *key;
	uint8_t kind, metric;
	uint8_t change;	    /* enum tt_dchange */
	uint64_t base, new; /* 0 on the side it is absent from */
	int64_t delta;	    /* new - base, saturated */
	double pct;	    /* delta / base in percent; 0 when base is 0 */
};

struct tt_diff {
	struct tt_intern keys;	 /* every key of both runs, so that equal keys are one pointer */
	struct tt_dside side[2]; /* base, new */
	struct tt_drow *rows;	 /* by tt_diff_compare: appeared and gone, then by |pct| */
	size_t nrows;
};

void tt_diff_init(struct tt_diff *d, const char *base, const char *new);
void tt_diff_free(struct tt_diff *d);

/*
 * Collects one run into the side opt->sink_arg names (a struct tt_dside of a struct tt_diff):
 * the summary's collection, turned into values at the end of the run.  Writes nothing.
 */
extern const struct tt_sink tt_sink_diff_side;

/* Matches the two sides into d->rows. */
void tt_diff_compare(struct tt_diff *d);

/* A file's key: path with the pids in it made "PID" (at most len bytes, in buf). */
const char *tt_diff_path_key(const char *path, char *buf, size_t len);

#endif /* TT_DIFF_H */
