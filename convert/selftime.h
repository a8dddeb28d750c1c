/*
 * selftime.h - self time: how long a call took less the traced calls made inside it on its
 * thread (the malloc inside fopen, the calls inside a span of the program's).
 */
#ifndef TT_SELFTIME_H
#define TT_SELFTIME_H

#include "model.h"

/*
 * The self time of ev, an event of a thread given in the order its events end (as tt_merge
 * gives them), remembered for the calls that contain it.  Keeps its per-thread state in
 * ev->thread->out: only for the output format that owns it.
 */
uint64_t tt_self_time(const struct tt_event *ev);
/* Frees the state of every thread of files[0..n). */
void tt_self_free(struct tt_file **files, size_t n);

#endif /* TT_SELFTIME_H */
