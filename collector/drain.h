/*
 * drain.h - what the writer's files share (drain.c, slowpath.c, ending.c, writer.c, lock.c):
 * the synchronous drain and waking the writer thread.
 */
#ifndef TT_DRAIN_H
#define TT_DRAIN_H

/*
 * Writer lock held: drains every ring here, on the tracer's own stack; with end, writes the
 * END record with exit_kind and status.
 */
void tt_sync_drain(int exit_kind, int status, int end);
/* Wakes the writer thread for a pass. */
void tt_writer_wake(void);
/* Fork child: the lock is free (lock.c). */
void tt_writer_lock_reset(void);
/*
 * Whether the calling thread holds the writer lock: a program's signal handler that ends the
 * process may run on top of a drain of its own thread (lock.c).
 */
int tt_writer_held_here(void);
/* Fork child: no last drain under way (ending.c). */
void tt_ending_reset(void);

#endif /* TT_DRAIN_H */
