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

#endif /* TT_DRAIN_H */
