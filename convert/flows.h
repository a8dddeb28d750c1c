/*
 * flows.h - pairing the events that cause other events, for the arrows of the JSON output:
 *
 *	process	fork, vfork, posix_spawn -> the first event of the child
 *	exec	a successful exec -> the first event of the next image of the same pid
 *	thread	pthread_create -> the new thread's thread_start (same pthread_t, same image)
 *	lock	the release that let a waiting acquisition through -> that acquisition
 *	cond	pthread_cond_signal or _broadcast -> the wait(s) it woke
 *
 * The output registers each event it writes that can be one end of an arrow; whichever end
 * comes second completes the pair and the callback draws it.  Events come in end-time order,
 * so either end can come first: a child often logs its first call before fork returns in the
 * parent, and the release a waiter needed often ends after the waiter returned.
 *
 * Memory follows the ends still waiting for their other half (a few per process and thread)
 * and one record per lock and condition variable seen.
 */
#ifndef TT_FLOWS_H
#define TT_FLOWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"

/* One end of an arrow: an event as written. */
struct tt_flow_end {
	uint64_t start; /* relative ns */
	uint64_t end;
	double ts; /* its ts as viewers parse it */
	uint32_t pid;
	uint32_t tid;
	uint32_t part; /* output part it was written to */
	uint16_t type; /* enum tt_event_type */
	uint64_t ref;  /* the output's own handle of the event */
	uint8_t tslen; /* its ts as written: tstext[0..tslen) */
	char tstext[33];
};

enum tt_flow_kind { TT_FLOW_PROCESS, TT_FLOW_EXEC, TT_FLOW_THREAD, TT_FLOW_LOCK, TT_FLOW_COND };

/* Draws an arrow of a kind, from -> to. */
typedef void tt_flow_fn(void *ctx, enum tt_flow_kind kind, const struct tt_flow_end *from,
			const struct tt_flow_end *to);

struct tt_flows {
	tt_flow_fn *draw;
	void *ctx;
	struct tt_hmap pend;  /* struct tt_flow_pend (flows.c) by (kind, k1, k2) */
	struct tt_hmap locks; /* struct tt_flow_lock by (image, lock address) */
	struct tt_hmap conds; /* struct tt_flow_cond by (image, cond address) */
};

/*
 * How the images of a run link up (struct run is emit.h's): a first image of its pid whose
 * parent process is in the run (fork, spawn), or a later image of a pid (exec), can receive
 * an arrow with its first event; next_image is the file that continues a pid after exec.
 */
struct tt_run;
struct tt_image {
	int64_t next_image; /* index of the file, -1 none */
	bool first_image;
	bool target;
};

/* Fills img[f->index] for every process of run. */
void tt_flows_images(struct tt_run *run, struct tt_image *img);

void tt_flows_init(struct tt_flows *fl, tt_flow_fn *draw, void *ctx);

/*
 * Process, exec and thread arrows, by a key both ends know:
 *	process	(parent pid, child pid)
 *	exec	(pid, index of the next image's file)
 *	thread	(index of the image's file, pthread_t value)
 * A source meets the earliest pending target of its key that started after it; a target
 * meets the latest pending source that started before it.
 */
void tt_flows_source(struct tt_flows *fl, enum tt_flow_kind kind, uint64_t k1, uint64_t k2,
		     const struct tt_flow_end *e);
void tt_flows_target(struct tt_flows *fl, enum tt_flow_kind kind, uint64_t k1, uint64_t k2,
		     const struct tt_flow_end *e);

/*
 * Lock hand-offs, per (image, lock): a release, and a successful acquisition (contended: it
 * had to wait).  A contended acquisition's arrow comes from the release on another thread
 * that started last before it returned, during its wait.
 */
void tt_flows_release(struct tt_flows *fl, uint32_t file, uint64_t lock,
		      const struct tt_flow_end *e);
void tt_flows_acquire(struct tt_flows *fl, uint32_t file, uint64_t lock, bool contended,
		      const struct tt_flow_end *e);

/*
 * Draws now the arrow of the lock's pending acquisition, if it has found its release: an
 * output that writes events as it goes calls it before it writes either end.
 */
void tt_flows_settle(struct tt_flows *fl, uint32_t file, uint64_t lock);

/*
 * Condition variables, per (image, cond): a signal (all: a broadcast) wakes the waits that
 * were waiting when it started and returned after it: a signal the first of them to return,
 * a broadcast all.
 */
void tt_flows_wake(struct tt_flows *fl, uint32_t file, uint64_t cond, bool all,
		   const struct tt_flow_end *e);
void tt_flows_wait(struct tt_flows *fl, uint32_t file, uint64_t cond, const struct tt_flow_end *e);

/* At the end of the run: draws what pending acquisitions found. */
void tt_flows_finish(struct tt_flows *fl);
void tt_flows_free(struct tt_flows *fl);

#endif /* TT_FLOWS_H */
