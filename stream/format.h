/*
 * format.h - the traceit stream format: the contract between the recorder (collector/, inside
 * the traced process) and the reader (convert/).
 *
 * One stream file per process image.  All integers are little-endian.
 *
 * 1. Preamble, 16 bytes:
 *	char	 magic[8]	"TRACEIT\x1a"
 *	uint16_t version	format version written (TT_FORMAT_VERSION)
 *	uint16_t min_reader	oldest reader version that can read this file (TT_FORMAT_MIN_READER)
 *	uint32_t reserved	0
 *    A reader whose own version is below min_reader refuses the file ("unsupported version").
 *
 * 2. Then a sequence of chunks, each a 64-byte header (struct tt_chunk_header) followed by
 *    payload_len bytes of payload.  Chunks are self-delimiting and independent: each EVENTS
 *    payload is its own raw deflate stream, each header and payload carries a CRC-32 (zlib's
 *    crc32).  A reader that meets a damaged chunk scans forward for the next header whose magic
 *    and header_crc check out, and goes on from there; a truncated file ends at the last whole
 *    chunk.  Chunk kinds:
 *
 *    PROCESS  first chunk of every file, payload not compressed: the process header, a list of
 *	       fields (see "Fields" below), keys TT_P_*.
 *    STRINGS  interned strings, payload deflated: a list of (varint id, varint len, len bytes).
 *	       Ids start at 1 and are unique within the file.  A STRINGS chunk is always written
 *	       before any EVENTS chunk that refers to its ids, but an event may refer to a string
 *	       defined in any earlier chunk, so a reader loads strings before it decodes events.
 *    EVENTS   the events of one thread (tid), in the order the calls completed, payload
 *	       deflated; see "Events" below.
 *    END      the last chunk, written by the final drain: fields TT_E_* (counters).  A file
 *	       without END was cut short (killed process, or still being written).
 *    STACKS   (version 2) call stacks, payload deflated: a list of (varint id, varint tick
 *	       first seen, varint frame count, frames innermost first, each a zigzag varint of
 *	       its difference to the previous frame, the first to 0).  Frames are return
 *	       addresses (the innermost too: it is the return address into the program from the
 *	       traced call).  Ids start at 1 and are unique within the file; an event may refer
 *	       to a stack written in any chunk, before or after it, so a reader loads all stacks
 *	       before it decodes events.
 *    MODULES  (version 2) the loaded modules, payload deflated: snapshots of the whole list,
 *	       each varint tick, varint count, then per module varint load bias, varint lo,
 *	       varint hi (address range of its PT_LOAD segments), varint path length + path
 *	       bytes, varint build-id length + build-id bytes.  A snapshot holds from its tick
 *	       until the next one: a stack is symbolised with the list in force when it was
 *	       first seen.
 *
 *    EVENTS_MULTI (version 3) events of several threads, payload deflated, in parts: a part
 *	       is one thread's next events, in file order with its EVENTS chunks.  Each part
 *	       has: its tid, as a zigzag varint of (its tid - the previous part's tid, the
 *	       first part's minus 0); varint nevents; its first tick, as a zigzag varint of
 *	       (its first tick - the previous part's first tick, the first part's minus the
 *	       header's first_tick); varint (its last tick - its first tick); varint flags
 *	       (TT_CHUNK_COLUMNS, TT_CHUNK_STACK_IDS); and the payload of an EVENTS chunk of
 *	       that thread with those flags.  The header's tid is 0, nevents the total,
 *	       first_tick the first part's first tick, last_tick the latest of the parts'.
 *	       Version 3 lays the parts one after the other: the fields above, then varint
 *	       len and len bytes of payload.  Version 4 lays the chunk out by column, which
 *	       compresses a quarter smaller: varint nparts; nparts headers, each the fields
 *	       above followed by the byte lengths of the payload's TT_NCOLS columns (varints,
 *	       section 4b; no directory); then column 0 of every part in part order, column 1
 *	       of every part, and so on to the end of the payload.  Version 7 lays the headers
 *	       out by field too, and leaves out the last tick, which is the first tick plus the
 *	       sum of the part's end_delta column: varint nparts; the tid differences of every
 *	       part, then every nevents, every first tick difference, every flags, the length
 *	       of column 0 of every part, of column 1, and so on to column TT_NCOLS - 1; then
 *	       the columns as in version 4 (a header's fields one after the other were a
 *	       quarter of a thread-churning program's trace).  The recorder puts there the
 *	       threads that had little to write in a pass (short-lived threads, mostly idle
 *	       ones), which would otherwise each cost a chunk header for a few events.
 *
 *    Every chunk header carries a clock sync point (sync_tick, sync_ns): a tick value and the
 *    CLOCK_MONOTONIC time in nanoseconds read at the same moment.  With TT_CLOCK_MONOTONIC
 *    ticks already are CLOCK_MONOTONIC nanoseconds.  With TT_CLOCK_TSC ticks are the CPU's
 *    invariant time stamp counter; the reader maps ticks to nanoseconds by piecewise-linear
 *    interpolation between the sync points of the file (sorted by tick, made non-decreasing),
 *    extrapolating with the slope between the first and the last point.  Recording raw ticks
 *    keeps the hot path at one rdtsc per timestamp; deferring the conversion to the reader lets
 *    it use every sync point of the run at once, so that the mapping is one monotonic
 *    function per process and slices nest exactly as they were recorded.
 *
 * 3. Fields (PROCESS and END payloads): a list of (varint key, varint len, len bytes).
 *    Numeric fields hold one varint in their bytes; string fields hold the bytes (no NUL).
 *    Readers skip keys they do not know.
 *
 * 4. Events (EVENTS payload, after inflating raw_len bytes): nevents records, each
 *	varint	hdr		(type << 1) | failed
 *	varint	end_delta	end tick minus the previous record's end tick in this chunk; the
 *				first record is relative to the chunk's first_tick.  (The
 *				recorder clamps a backwards step, possible when a thread
 *				migrates between CPUs, to 0.)
 *	varint	dur		duration in ticks; start tick = end tick - dur
 *	varint	errno		present only when failed
 *	result			if the event's result role is not NONE, encoded by its kind
 *	a0 .. a3		each argument whose role is not NONE, encoded by its kind
 *	stack			only in chunks flagged TT_CHUNK_STACK_IDS: varint 0 for no
 *				stack, else 1 + zigzag(stack id - the previous stack id in this
 *				chunk, which starts at 0)
 *    Kinds:
 *	TT_KIND_U	varint
 *	TT_KIND_S	zigzag varint
 *	TT_KIND_ADDR	zigzag varint of (value - previous ADDR value in this chunk), the previous
 *			value starting at 0 in every chunk
 *	TT_KIND_STR	varint string id, 0 for "no string" (NULL pointer)
 *    Event types and their roles come from events.def.
 *
 * 4b. Column layout (version 3; EVENTS chunks flagged TT_CHUNK_COLUMNS, which is every EVENTS
 *    chunk a version 3 recorder writes).  The same fields, in the same order within each
 *    column, but stored by column, which deflate compresses better and faster than the fields
 *    interleaved (a column of event types repeats, a column of sizes looks like sizes):
 *	varint	len[0] .. len[TT_NCOLS - 2]	byte lengths of the columns but the last, which
 *					runs to the end of the payload
 *	column 0 (TT_COL_HDR)	hdr of every record
 *	column 1 (TT_COL_DELTA)	end_delta of every record
 *	column 2 (TT_COL_DUR)	dur of every record
 *	column 3 (TT_COL_VAL)	errno (failed records) and every U, S and STR field
 *	column 4 (TT_COL_ADDR)	every ADDR field
 *	column 5 (TT_COL_STACK)	the stack references (TT_CHUNK_STACK_IDS), else empty
 *    ADDR fields in this layout refer back to the chunk's address history (every ADDR value
 *    of the chunk, in order): a block is mostly freed, reallocated or handed out again soon
 *    after another event named it.  varint v:
 *	v even, v >= 2	the value is the (v / 2)-th previous ADDR value of the chunk
 *	v odd		zigzag(value - previous ADDR value) == v >> 1 (the previous starts at 0)
 *	v == 0		a second varint follows: zigzag(value - previous ADDR value), for
 *			differences whose zigzag does not fit in 63 bits
 *
 *    Conventions the reader relies on:
 *    - Calls that do not return (exit, _exit, pthread_exit, thread_end) have dur 0.
 *    - An exec call is recorded before the real exec, with dur 0 and result 0, because a
 *	successful exec never returns.  If the exec fails, the same thread then records the
 *	same event type again with the same start tick, failed set and the real duration: the
 *	reader replaces the pending record with it.
 *    - The main thread of a process has tid == pid and no THREAD_START.
 */
#ifndef TT_FORMAT_H
#define TT_FORMAT_H

#include <stdint.h>

#define TT_MAGIC "TRACEIT\x1a"
#define TT_MAGIC_LEN 8
/*
 * 5: the user category (traceit.h) and the ITT sync events; 6: function tracing (events.def);
 * 7: the EVENTS_MULTI headers by field, which older readers cannot parse.
 */
#define TT_FORMAT_VERSION 7
#define TT_FORMAT_MIN_READER 7

#define TT_PREAMBLE_LEN 16

#define TT_CHUNK_MAGIC 0x4b435454u /* "TTCK" in the file */

/* Upper bound on raw_len and payload_len that a reader accepts, a guard against garbage. */
#define TT_CHUNK_MAX (64u << 20)

enum tt_chunk_kind {
	TT_CHUNK_PROCESS = 1,
	TT_CHUNK_STRINGS = 2,
	TT_CHUNK_EVENTS = 3,
	TT_CHUNK_END = 4,
	TT_CHUNK_STACKS = 5,	   /* since version 2 */
	TT_CHUNK_MODULES = 6,	   /* since version 2 */
	TT_CHUNK_EVENTS_MULTI = 7, /* since version 3 */
};

/* Flags in tt_chunk_header.flags */
#define TT_CHUNK_DEFLATED 0x1  /* payload is raw deflate (zlib windowBits -15) */
#define TT_CHUNK_STACK_IDS 0x2 /* EVENTS: every record ends with a stack reference */
#define TT_CHUNK_COLUMNS 0x4   /* EVENTS: column layout, section 4b (version 3) */

/* Columns of the column layout */
enum tt_column {
	TT_COL_HDR,
	TT_COL_DELTA,
	TT_COL_DUR,
	TT_COL_VAL,
	TT_COL_ADDR,
	TT_COL_STACK,
	TT_NCOLS
};

struct tt_chunk_header {
	uint32_t magic;	      /* TT_CHUNK_MAGIC */
	uint16_t kind;	      /* enum tt_chunk_kind */
	uint16_t flags;	      /* TT_CHUNK_* flags */
	uint32_t payload_len; /* bytes of payload that follow this header */
	uint32_t raw_len;     /* bytes of payload once inflated (== payload_len if not) */
	uint32_t tid;	      /* EVENTS: the thread; otherwise 0 */
	uint32_t nevents;     /* EVENTS: number of records; otherwise 0 */
	uint64_t first_tick;  /* EVENTS: end tick of the first record */
	uint64_t last_tick;   /* EVENTS: end tick of the last record */
	uint64_t sync_tick;   /* clock sync point: tick ... */
	uint64_t sync_ns;     /* ... and CLOCK_MONOTONIC ns read at the same moment */
	uint32_t payload_crc; /* crc32 of the payload bytes as stored */
	uint32_t header_crc;  /* crc32 of the 60 bytes before this field */
};

#define TT_CHUNK_HEADER_LEN 64
_Static_assert(sizeof(struct tt_chunk_header) == TT_CHUNK_HEADER_LEN, "chunk header layout");

/* Clock kinds (TT_P_CLOCK) */
enum tt_clock_kind {
	TT_CLOCK_MONOTONIC = 0, /* ticks are CLOCK_MONOTONIC nanoseconds */
	TT_CLOCK_TSC = 1,	/* ticks are the invariant TSC; map with the sync points */
};

/* PROCESS fields */
enum tt_process_field {
	TT_P_PID = 1,		 /* number */
	TT_P_PPID = 2,		 /* number */
	TT_P_START_NS = 3,	 /* number: CLOCK_MONOTONIC at stream start */
	TT_P_START_REALTIME = 4, /* number: CLOCK_REALTIME ns, read with START_NS */
	TT_P_CLOCK = 5,		 /* number: enum tt_clock_kind */
	TT_P_CATEGORIES = 6,	 /* number: mask of recorded categories (1 << TT_CAT_x) */
	TT_P_FORKED = 7,	 /* number: 1 if this stream was started in a fork child */
	TT_P_FLUSH_MS = 8,	 /* number */
	TT_P_BUFFER_KB = 9,	 /* number */
	TT_P_STACKS = 10,	 /* number: categories asked to carry stacks (TRACEIT_STACKS) */
	TT_P_STACK_DEPTH = 11,	 /* number: frames kept at most */
	TT_P_DURATIONS = 12,	 /* number: categories whose every call is timed; absent: all */
	TT_P_EXE = 32,		 /* string: /proc/self/exe */
	TT_P_ARGV = 33,		 /* string: arguments, each followed by a NUL */
	TT_P_HOSTNAME = 34,	 /* string */
	TT_P_COMM = 35,		 /* string: the main thread's name at stream start */
	TT_P_TRACER = 36,	 /* string: "traceit <version>" */
	TT_P_FD = 37,		 /* string, repeated: "<fd> <target>" for each fd open at start */
	TT_P_BOOT_ID = 38, /* string: /proc/sys/kernel/random/boot_id, whose boot the pids are of */
	TT_P_RUN_ID = 39,  /* string: TRACEIT_RUN_ID, the run (one launch) the process is part of */
};

/* END fields */
enum tt_end_field {
	TT_E_EVENTS = 1,      /* number: events written */
	TT_E_LOST = 2,	      /* number: events lost (dropped, or not written after an error) */
	TT_E_END_NS = 3,      /* number: CLOCK_MONOTONIC at the final drain */
	TT_E_CHUNKS = 4,      /* number: EVENTS chunks written */
	TT_E_THREADS = 5,     /* number: threads that recorded events */
	TT_E_EXIT_KIND = 6,   /* number: enum tt_exit_kind */
	TT_E_EXIT_STATUS = 7, /* number: status passed to exit/_exit when known */
	TT_E_STACK_MASK = 8,  /* number: categories recorded with stacks (version 2) */
};

enum tt_exit_kind {
	TT_EXIT_UNKNOWN = 0,
	TT_EXIT_EXIT = 1,  /* exit() or return from main */
	TT_EXIT__EXIT = 2, /* _exit / _Exit */
	TT_EXIT_EXEC = 3,  /* the image was replaced by exec */
	TT_EXIT_SIGNAL =
		4, /* killed by a fatal signal (status: the signal), drained by the handler */
};

/* How a traced function call ended (the FENDED argument of a FUNC record). */
enum tt_func_end {
	TT_FUNC_RETURNED = 0,
	TT_FUNC_UNWOUND = 1, /* left by longjmp, or by an exception without its exit hook */
	TT_FUNC_OPEN = 2,    /* still running when its thread or process ended */
};

/* Categories, the values of TRACEIT_EVENTS and of the CSV category column. */
#define TT_CATEGORIES(X)                                                                           \
	X(MEMORY, "memory")                                                                        \
	X(THREAD, "thread")                                                                        \
	X(LOCK, "lock")                                                                            \
	X(PROCESS, "process")                                                                      \
	X(IO, "io")                                                                                \
	X(NET, "net")                                                                              \
	X(WAIT, "wait")                                                                            \
	X(USER, "user")                                                                            \
	X(FUNC, "function")

enum tt_category {
#define TT_CAT_ENUM(sym, str) TT_CAT_##sym,
	TT_CATEGORIES(TT_CAT_ENUM)
#undef TT_CAT_ENUM
		TT_CAT_COUNT
};

/* "memory, thread, ..., wait, ": the names for messages, "all" to follow */
#define TT_CAT_LISTED(sym, str) str ", "
#define TT_CATEGORY_LIST TT_CATEGORIES(TT_CAT_LISTED)

/*
 * The one parser of category lists (TRACEIT_EVENTS, TRACEIT_STACKS, traceit -e,
 * traceit-convert --category): names separated by commas, "all" for every one, empty items
 * skipped.  Returns 0 with the mask or'ed into *mask, or -1 with the first unknown name at
 * *bad (*badlen bytes).  No allocation, no stdio: the recorder parses in its constructor.
 */
int tt_parse_category_list(const char *s, uint32_t *mask, const char **bad, size_t *badlen);
/* A signal by name or number, as the TRACEIT_*_SIGNAL variables take it; 0: none (events.c) */
int tt_parse_signal(const char *s);

/* How an argument is encoded */
enum tt_kind {
	TT_KIND_NONE = 0,
	TT_KIND_U,
	TT_KIND_S,
	TT_KIND_ADDR,
	TT_KIND_STR,
};

enum tt_role {
#define TT_ROLE(sym, name, kind) TT_ROLE_##sym,
#include "events.def"
#undef TT_ROLE
	TT_ROLE_COUNT
};

enum tt_event_type {
	TT_EV_INVALID = 0, /* never recorded; also the padding record in the in-memory ring */
#define TT_EVENT(sym, name, cat, fx, res, a0, a1, a2, a3, a4) TT_EV_##sym,
#include "events.def"
#undef TT_EVENT
	TT_EV_COUNT
};

/*
 * The payload words of each event type, from events.def: the result if it has one, then one
 * per argument.  A constant for a constant type, so that the recorder checks its wrappers at
 * compile time (tt.h, tt_record).
 */
#define TT_HAS(role) (TT_ROLE_##role != TT_ROLE_NONE)
static inline unsigned tt_payload_words(unsigned type)
{
	switch (type) {
#define TT_EVENT(sym, name, cat, fx, res, a0, a1, a2, a3, a4)                                      \
	case TT_EV_##sym:                                                                          \
		return TT_HAS(res) + TT_HAS(a0) + TT_HAS(a1) + TT_HAS(a2) + TT_HAS(a3) + TT_HAS(a4);
#include "events.def"
#undef TT_EVENT
	default:
		return 0;
	}
}
#undef TT_HAS

#define TT_MAX_ARGS 5

/*
 * What a call does to the state a reader tracks (the effect column of events.def).  The
 * recorder ignores it; it is here so that the converter needs no list of event types.
 */
enum tt_effect {
	TT_FX_NONE = 0,
	TT_FX_ALLOC,   /* result (or the ADDR argument) is a new heap block of SIZE bytes */
	TT_FX_FREE,    /* the ADDR argument is released */
	TT_FX_REALLOC, /* OLDADDR released, result allocated */
	TT_FX_MAP,     /* result is a new mapping of LEN bytes */
	TT_FX_UNMAP,   /* ADDR..ADDR+LEN unmapped */
	TT_FX_REMAP,   /* OLDADDR mapping moved to result, SIZE bytes */
	TT_FX_READ,    /* BYTES result were read from FD */
	TT_FX_WRITE,   /* BYTES result were written to FD */
	TT_FX_OPEN,    /* result is a new fd for PATH */
	TT_FX_FOPEN,   /* the FD argument is a new fd for PATH (or COMMAND) */
	TT_FX_CLOSE,   /* the FD argument is closed */
	TT_FX_DUP,     /* result (dup) or NEWFD (dup2, dup3) now names what FD names */
	TT_FX_FCNTL,   /* like DUP when CMD is F_DUPFD or F_DUPFD_CLOEXEC */
	TT_FX_PIPE,    /* FD and FD2 are the two ends of a new pipe or socket pair */
	TT_FX_SOCKET,  /* result is a new socket */
	TT_FX_CONNECT, /* FD now talks to PEER */
	TT_FX_ACCEPT,  /* result is a new connection from PEER */
	TT_FX_BIND,    /* FD is bound to LOCAL */
	TT_FX_ACQUIRE, /* LOCK acquired (if the call succeeded) */
	TT_FX_RELEASE, /* LOCK released */
	TT_FX_INSTANT, /* a moment, not a call that returns: exits, thread start and end, signals */
	TT_FX_EXEC,    /* recorded pending before the exec, replaced if it fails (see above) */
	/* what one event causes in another (the converter's arrows, flows.h) */
	TT_FX_FORK,	/* result is a new child process's pid */
	TT_FX_SPAWN,	/* the PID argument is a new child process's, if the result is 0 */
	TT_FX_CREATE,	/* the THREAD argument is a new thread's, if the result is 0 */
	TT_FX_WAKE,	/* wakes one waiter of its COND */
	TT_FX_WAKE_ALL, /* wakes every waiter of its COND */
	TT_FX_CONDWAIT, /* waits on its COND, its LOCK released meanwhile */
	TT_FX_FORGET,	/* the ADDR block was freed while tracing was off: no call, bookkeeping */
};

/* The table, for both sides: built once from events.def in events.c. */
struct tt_event_info {
	const char *name;
	uint8_t category;	   /* enum tt_category */
	uint8_t effect;		   /* enum tt_effect */
	uint8_t result;		   /* enum tt_role */
	uint8_t args[TT_MAX_ARGS]; /* enum tt_role */
};

struct tt_role_info {
	const char *name;
	uint8_t kind; /* enum tt_kind */
};

extern const struct tt_event_info tt_events[TT_EV_COUNT];
extern const struct tt_role_info tt_roles[TT_ROLE_COUNT];
extern const char *const tt_category_names[TT_CAT_COUNT];

#endif /* TT_FORMAT_H */
