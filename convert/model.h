/*
 * model.h - what the converter knows about its inputs: one struct tt_file per stream file
 * (one process image), its threads, the index of its EVENTS chunks, and the decoded event
 * handed to the output formats.
 *
 * Lifetimes: everything hangs off its tt_file and lives until the end of the run.  Strings
 * (const char *) point into the file's string table or arena, so an event's strings stay
 * valid after the event itself is gone.
 */
#ifndef TT_MODEL_H
#define TT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format.h"
#include "callstack.h"
#include "diag.h"
#include "stringtab.h"
#include "timemap.h"
#include "util.h"

/* One EVENTS chunk found by the pre-scan; its payload CRC has been verified. */
struct tt_chunk_ref {
	uint64_t offset; /* of the payload in the file */
	uint64_t first_tick;
	uint64_t last_tick;
	uint32_t payload_len;
	uint32_t raw_len;
	uint32_t tid;
	uint32_t nevents;
	uint32_t seq; /* position among the file's EVENTS chunks: keeps a thread's order */
	uint16_t flags;
	/*
	 * A part of an EVENTS_MULTI chunk (flags has TT_REF_PART): offset, payload_len and
	 * raw_len describe that chunk.  Version 3: the part is [part_off, part_off + part_len)
	 * of its inflated payload; version 4: part_off is its index among the chunk's parts,
	 * part_len the sum of its column lengths (multi.h).  Inflated when decoded, like any
	 * chunk: memory stays bounded.
	 */
	uint32_t part_off, part_len;
};

#define TT_REF_PART 0x8000 /* in tt_chunk_ref.flags: the converter's own, never in a file */
/* Recovered records (recover.h): offset indexes file->recovered_bufs, payload_len is words */
#define TT_REF_RAW 0x4000

/* An fd open when the stream started (TT_P_FD). */
struct tt_fd_seed {
	int fd;
	const char *target;
};

/* fd -> path of one process image, for the events that only carry an fd. */
struct tt_fdtab {
	const char **path; /* indexed by fd: NULL = closed (or unknown), tt_fd_unnamed = open */
	uint64_t *since;   /* indexed by fd: when the call that named it ended (ns) */
	const char **prev; /* indexed by fd: the name it replaced while still open, or NULL */
	size_t cap;
	uint32_t open; /* descriptors known to be open */
};

struct tt_file;

struct tt_thread {
	struct tt_file *file;
	const char *name;    /* current name; NULL = none known ("thread <tid>") */
	uint64_t first_seen; /* order of first appearance in the whole run, 0 = no event yet */
	uint64_t events;
	uint64_t busy_ns;  /* sum of call durations (summary) */
	void *out;	   /* the output format's own state of the thread (one conversion) */
	uint32_t out_mark; /* the output format's own use (JSON: 1 + the last part it is in) */
	/* Relative times: first event start, last event end, THREAD_START and THREAD_END */
	uint64_t first_ns;
	uint64_t last_ns;
	uint64_t start_ns;
	uint64_t end_ns;
	uint32_t tid;
	bool started; /* recorded a THREAD_START: created while traced */
	bool ended;   /* recorded a THREAD_END */
};

/* Heap accounting of one process image (state.c, when the output asks for it). */
struct tt_memstat {
	uint64_t allocs;
	uint64_t frees;
	uint64_t bytes;
	uint64_t live_blocks;
	uint64_t live_bytes;
	uint64_t peak_bytes;
	uint64_t peak_at;
	uint64_t largest;
	uint64_t unknown_frees; /* blocks allocated before tracing started (or in a parent) */
	uint64_t short_lived;	/* blocks freed less than TT_SHORT_LIVED_NS after allocation */
};

/* An allocation freed sooner than this after it returned is short-lived (summary). */
#define TT_SHORT_LIVED_NS 1000000u

struct tt_file {
	const char *name; /* as named on the command line (messages) */
	const uint8_t *data;
	size_t size;
	bool owned;	/* data was read into the heap, not mapped */
	unsigned index; /* position among the inputs */

	uint16_t version;
	bool usable; /* preamble accepted: its chunks were scanned */

	/* PROCESS fields */
	bool has_process;
	bool forked;
	uint32_t clock; /* enum tt_clock_kind */
	uint32_t pid;
	uint32_t ppid;
	uint64_t start_ns; /* TT_P_START_NS, or estimated from the first chunk if absent */
	uint64_t start_realtime;
	uint64_t categories;
	uint32_t flush_ms; /* TRACEIT_FLUSH_MS of the recording, 0 if unknown */
	const char *exe;
	const char *argv; /* NULs between arguments turned into spaces */
	const char *comm;
	const char *hostname;
	const char *boot_id; /* TT_P_BOOT_ID, NULL in older streams */
	const char *run_id;  /* TT_P_RUN_ID, else derived when a table asks (runkey.h) */
	const char *tracer;
	const char *program; /* basename of exe, or comm: the process name shown */
	struct tt_fd_seed *fd_seeds;
	size_t nfd_seeds;
	size_t fd_seeds_cap;

	/* END fields */
	bool has_end;
	bool has_exit_status;
	uint64_t end_events;
	uint64_t lost;
	uint64_t end_ns;
	uint64_t end_chunks;
	uint64_t end_threads;
	uint64_t exit_kind;
	int64_t exit_status;

	/* the index built by the pre-scan */
	struct tt_chunk_ref *chunks; /* sorted by (tid, seq) once the scan is done */
	size_t nchunks;
	struct tt_stringtab strings;
	struct tt_timemap time;
	struct tt_stacktab stacks;
	uint64_t stack_categories; /* TT_P_STACKS: categories recorded with stacks */
	uint64_t untimed; /* categories whose short calls were one timestamp (TT_P_DURATIONS) */
	struct tt_thread *threads; /* sorted by tid */
	size_t nthreads;

	/* run state */
	struct tt_fdtab fds;
	uint32_t threads_live; /* threads alive: the main thread, plus starts, minus ends */
	uint32_t threads_peak;
	uint32_t threads_started;
	struct tt_memstat mem; /* when heap tracking is on */
	uint64_t decoded;      /* events handed to the output */
	uint64_t last_end_ns;  /* latest event end, relative: duration without an END record */
	uint64_t pthread_created;
	uint32_t window; /* the window of tracing the events are in now (TRACING events) */
	struct tt_arena arena;
	struct tt_problems problems;

	/* Records read back from the shared-buffer file (no END record: recover.h) */
	uint64_t **recovered_bufs;
	size_t nrecovered_bufs, nrecovered_bufs_cap;
	uint64_t recovered;	    /* records */
	const char *recovered_from; /* the file's path */
};

union tt_value {
	uint64_t u;
	int64_t s;
	const char *str; /* TT_KIND_STR: NULL for string id 0 */
};

/* One decoded call, as the output formats see it. */
struct tt_event {
	struct tt_file *file;
	struct tt_thread *thread;
	uint64_t start_tick;
	uint64_t start_ns; /* relative to the run's time base */
	uint64_t end_ns;
	union tt_value result;
	union tt_value args[TT_MAX_ARGS];
	const char *fd_path; /* file of the fd argument (or of open's result) when known */
	int64_t held_ns;     /* RELEASE with lock tracking on: time the lock was held, or -1 */
	int32_t err;	     /* errno, when failed */
	uint32_t stack;	     /* call stack id in the file (tt_callstack_get), 0 = none */
	uint32_t chunk;	     /* 1 + index of its chunk in file->chunks: where a chunk begins */
	uint16_t type;	     /* enum tt_event_type, always valid */
	bool failed;
	bool recursive;		/* FUNC: the same function is open further out (nest.h) */
	bool inner;		/* FUNC: calls were recorded inside it (it had a FUNC_ENTRY) */
	uint32_t depth;		/* traced functions open around it */
	const uint64_t *frames; /* their addresses, outermost first (valid during the event) */
	uint64_t self_ns;	/* its duration less that of the calls recorded inside it */
};

/* Finds the thread record of tid in f, NULL if the scan did not see it. */
struct tt_thread *tt_file_thread(struct tt_file *f, uint32_t tid);

static inline bool tt_event_is_instant(unsigned type)
{
	return tt_events[type].effect == TT_FX_INSTANT;
}

static inline bool tt_event_is_exec(unsigned type)
{
	return tt_events[type].effect == TT_FX_EXEC;
}

#endif /* TT_MODEL_H */
