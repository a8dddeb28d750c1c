/*
 * summary.h - the statistics of the text summary: collected per event by summary.c,
 * rendered by summary_print.c.  The live heap, threads and descriptors are tracked by
 * state.c for every event of the selected processes; the tables here count the events the
 * filters keep.
 */
#ifndef TT_SUMMARY_H
#define TT_SUMMARY_H

#include "emit.h"
#include "hashmap.h"
#include "intern.h"

/* Per function, like strace -c. */
struct tt_fstat {
	uint64_t calls;
	uint64_t errors;
	uint64_t total_ns;
	uint64_t min_ns;
	uint64_t max_ns;
	uint64_t self_ns; /* less the calls recorded inside them (nest.h) */
};

/* Per traced function (-finstrument-functions), by name: the runtime breakdown. */
struct tt_rstat {
	const char *name;
	uint64_t calls;
	uint64_t total_ns; /* a recursion counted once: the outermost call's */
	uint64_t self_ns;
	uint64_t max_ns;
	uint64_t unwound; /* left by longjmp or an exception, or still running at the end */
	bool call;	  /* a recorded call (malloc...), not a traced function */
};

/* Per file or endpoint (the path the fd was opened with, or its TT_P_FD target). */
struct tt_iostat {
	const char *key;
	uint64_t opens;
	uint64_t reads;
	uint64_t writes;
	uint64_t bytes_read;
	uint64_t bytes_written;
	uint64_t errors;
	uint64_t time_ns;
};

/* Per lock (process image, LOCK address), like mutrace. */
struct tt_lockstat {
	uint64_t addr; /* 0 = free slot */
	uint32_t file;
	uint32_t threads; /* distinct threads that acquired it */
	uint64_t acquired;
	uint64_t contended; /* acquisitions that waited (duration > 0) */
	uint64_t wait_ns;
	uint64_t wait_max;
	uint64_t holds; /* releases matched to their acquisition */
	uint64_t hold_ns;
	uint64_t hold_max;
	const char *name; /* the program's name for it (__itt_sync_create, _rename), or NULL */
	uint32_t stack;	  /* call stack of its first acquisition that has one, 0 = none */
};

/* A (process image, lock, thread) that acquired it: "threads involved" */
struct tt_lockuser {
	uint64_t addr; /* 0 = free slot */
	uint32_t file;
	uint32_t tid;
};

/* Per annotation name (traceit.h): spans and async spans, instants, counters. */
enum tt_ustat_kind { TT_USTAT_SPAN, TT_USTAT_INSTANT, TT_USTAT_COUNTER };
struct tt_ustat {
	const char *name;
	uint8_t kind; /* enum tt_ustat_kind */
	uint64_t count;
	uint64_t total_ns, max_ns, unfinished, self_ns;
	double last, min, max; /* counters */
};

#define TT_NSIG 128 /* signals counted by number; others in [0] */

struct tt_summary {
	struct tt_out *out;
	struct tt_fstat fn[TT_EV_COUNT];
	uint64_t total_ns;
	struct tt_intern io; /* the keys, each with its struct tt_iostat */
	/*
	 * Paths are interned per file, so the same pointer comes back for every read of a
	 * file: a direct-mapped pointer cache saves hashing the path's bytes per call.
	 */
	struct {
		const char *key;
		struct tt_iostat *io;
	} io_cache[1024];
	/* the same for descriptors of unknown path, whose key is made up: by (pid, fd) */
	struct {
		uint32_t pid;
		int64_t fd;
		struct tt_iostat *io;
	} fd_cache[64];
	struct tt_hmap locks; /* struct tt_lockstat by (file, addr) */
	struct tt_hmap users; /* struct tt_lockuser */
	uint64_t signals[TT_NSIG];
	struct tt_intern funcs; /* traced functions' names, each with its struct tt_rstat */
	struct {
		const char *name;
		struct tt_rstat *r;
	} func_cache[1024];
	uint64_t func_dropped, func_unmatched, func_deep; /* FUNC_STATS */
	struct tt_ustat *user;				  /* in order of first appearance */
	size_t user_n, user_cap;
	struct {
		const char *name;
		uint8_t kind;
		size_t at;
	} user_cache[256];
};

/*
 * The collection alone, for the outputs made of these statistics (the summary, the tables,
 * the diff): new at the start of a run, every event the filters keep through add, free at
 * the end.
 */
struct tt_summary *tt_summary_new(struct tt_run *run);
void tt_summary_add(void *s, const struct tt_event *ev);
void tt_summary_free(struct tt_summary *s, struct tt_run *run);

/* Copies of the I/O and lock statistics, in no particular order (free() them). */
struct tt_iostat *tt_summary_io(const struct tt_summary *s, size_t *n);
struct tt_lockstat *tt_summary_locks(const struct tt_summary *s, size_t *n);
/* qsort order of lock statistics: by total wait, acquisitions, then place */
int tt_lockstat_cmp(const void *a, const void *b);
struct tt_rstat *tt_summary_funcs(const struct tt_summary *s, size_t *n);
void tt_summary_print(struct tt_summary *s, struct tt_run *run);
/* "complete", "truncated", "damaged", "no end record" or "recovered" (summary_print.c) */
const char *tt_stream_state(const struct tt_file *f);
/* Of a process image: its duration, and how it ended ("exit 0", "SIGSEGV", "exec"...). */
uint64_t tt_duration(const struct tt_run *run, const struct tt_file *f);
void tt_exit_text(char *buf, size_t len, const struct tt_file *f);
/* From time 0 to the end of the process that ended last. */
uint64_t tt_procs_span(const struct tt_run *run);
/*
 * v in 3 significant digits of the largest of units (each step times the last) that fits,
 * right-aligned to width columns, in buf: "812 ns", "12.3 µs" (summary_print.c).
 */
const char *tt_hum(char *buf, size_t len, uint64_t v, const char *const *units, unsigned step,
		   int width);
extern const char *const tt_time_units[], *const tt_byte_units[];

#endif /* TT_SUMMARY_H */
