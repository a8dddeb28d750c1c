/*
 * state.h - what the converter tracks across events, in merged time order: fd -> path per
 * process image, thread names, first appearance of threads.
 *
 * Applied to every event before the output sees it, so that an output format only reads
 * ev->fd_path and ev->thread->name.
 */
#ifndef TT_STATE_H
#define TT_STATE_H

#include "model.h"

/* Seeds f's fd table from its PROCESS record (TT_P_FD). */
void tt_state_init_file(struct tt_file *f);
/* Resolves ev->fd_path and applies the event's effects (open, close, thread names). */
void tt_state_event(struct tt_event *ev);

/* fd table of one file; fds out of [0, 2^20) are not tracked. */
/* The argument of ev that has the given role (enum tt_role), or NULL */
const union tt_value *tt_arg(const struct tt_event *ev, unsigned role);

const char *tt_fdtab_get(const struct tt_fdtab *t, int64_t fd);
void tt_fdtab_set(struct tt_fdtab *t, int64_t fd, const char *path);

#endif /* TT_STATE_H */
