/*
 * locks.h - hold times: which acquisitions each thread still holds, so that a release can
 * say how long its lock was held (release start minus the end of the same thread's matching
 * acquisition of the same LOCK).
 *
 * The events come from the effect column of events.def: ACQUIRE (if it succeeded) and
 * RELEASE, both naming their LOCK argument.  A thread may hold a lock several times
 * (recursive mutexes, read locks): a release matches the thread's latest acquisition still
 * held.  Memory follows the locks held at a time, not the number of lock events.
 */
#ifndef TT_LOCKS_H
#define TT_LOCKS_H

#include "hashmap.h"
#include "model.h"

#define TT_LOCK_DEPTH 4 /* nested holds kept per (thread, lock); deeper ones lose the oldest */

struct tt_lockent {
	uint64_t addr; /* 0 = free slot */
	uint32_t file;
	uint32_t tid;
	uint32_t depth;
	uint64_t ends[TT_LOCK_DEPTH];
};

struct tt_locks {
	struct tt_hmap map; /* struct tt_lockent, at most three quarters full */
};

/*
 * Applies ev if it acquires or releases a lock, or waits on a condition; sets ev->held_ns on
 * a release (or condition wait) that ends a hold seen.
 */
void tt_locks_event(struct tt_locks *l, struct tt_event *ev);
void tt_locks_free(struct tt_locks *l);

#endif /* TT_LOCKS_H */
