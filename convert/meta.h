/*
 * meta.h - final process and thread names of the run, one entry per pid and per (pid, tid).
 *
 * A pid can have several stream files: one per image when the process called exec.  The
 * names shown are those of the last image (what the process had become); a thread's sort
 * index is its first appearance in the run, the main thread first; a process's sort index
 * puts it after its parent (when the parent is in the run).
 */
#ifndef TT_META_H
#define TT_META_H

#include "emit.h"

struct tt_meta_proc {
	uint32_t pid;
	uint32_t ppid; /* of its first image */
	const char *name;
	/* depth-first order of the process tree (children after their parent, in start order) */
	uint64_t sort_index;
	size_t depth; /* in that tree: 0 for a process whose parent is not in the run */
};

struct tt_meta_thread {
	uint32_t pid;
	uint32_t tid;
	const char *name; /* never NULL nor empty */
	uint64_t sort_index;
	uint64_t events; /* summed over the images that had this (pid, tid) */
	uint64_t busy_ns;
	/*
	 * Lifetime, relative ns: from THREAD_START (or the process start for the main
	 * thread, or its first event) to THREAD_END (or the end of the process).
	 */
	uint64_t start_ns;
	uint64_t end_ns;
	bool started;
	size_t proc_rank; /* index of its pid in procs[] */
};

struct tt_meta {
	struct tt_meta_proc *procs; /* by first start */
	size_t nprocs;
	struct tt_meta_thread *threads; /* by process, then sort index */
	size_t nthreads;
	struct tt_arena arena;
};

void tt_meta_build(struct tt_meta *m, struct tt_run *run);
void tt_meta_free(struct tt_meta *m);

#endif /* TT_META_H */
