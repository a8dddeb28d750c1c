/*
 * summary.h - the statistics of the text summary: collected per event by summary.c,
 * rendered by summary_print.c.
 */
#ifndef TT_SUMMARY_H
#define TT_SUMMARY_H

#include "emit.h"
#include "heapmap.h"

/* Per function, like strace -c. */
struct tt_fstat {
	uint64_t calls;
	uint64_t errors;
	uint64_t total_ns;
	uint64_t min_ns;
	uint64_t max_ns;
};

/* Per file or endpoint (the path the fd was opened with, or its TT_P_FD target). */
struct tt_iostat {
	const char *key; /* NULL = empty slot */
	uint64_t hash;
	uint64_t opens;
	uint64_t reads;
	uint64_t writes;
	uint64_t bytes_read;
	uint64_t bytes_written;
	uint64_t errors;
	uint64_t time_ns;
};

/* Per process image. */
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
};

struct tt_summary {
	struct tt_out *out;
	struct tt_fstat fn[TT_EV_COUNT];
	uint64_t total_ns;
	struct tt_iostat *io; /* open addressing by key */
	size_t io_cap;
	size_t io_n;
	/*
	 * Paths are interned per file, so the same pointer comes back for every read of a
	 * file: a direct-mapped pointer cache saves hashing the path's bytes per call.
	 */
	struct {
		const char *key;
		size_t slot;
	} io_cache[1024];
	struct tt_heapmap heap;
	struct tt_memstat *mem; /* by tt_file.index */
	size_t nfiles;
	struct tt_arena arena;
};

void tt_summary_print(struct tt_summary *s, struct tt_run *run);

#endif /* TT_SUMMARY_H */
