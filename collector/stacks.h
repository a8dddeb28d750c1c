/*
 * stacks.h - call stacks: captured with libunwind on the recording thread, deduplicated in a
 * process-wide table, written by the writer as STACKS chunks; and the module list
 * (MODULES chunks) the converter needs to symbolise them.
 *
 * Off unless TRACEIT_STACKS names categories: unwinding costs hundreds of nanoseconds per
 * event, ten times the rest of the hot path.
 */
#ifndef TT_STACKS_H
#define TT_STACKS_H

#include <stddef.h>
#include <stdint.h>

/* Categories whose events carry a stack, 0 when stacks are off (or were turned off). */
extern uint32_t tt_stack_mask;
/* libunwind is creating its private pipe: pipe2 moves it out of the program's way. */
extern int tt_stack_fd_pending;

/* Loads libunwind and sets the tables up (constructor, single-threaded); 0 on success. */
int tt_stacks_init(uint32_t mask, unsigned depth);
/* Stops capturing for good, with one line on stderr saying why. */
void tt_stacks_disable(const char *why);

struct tt_thread;
/* The id of the caller's stack (frames of the tracer itself removed), 0 if none. */
uint32_t tt_stack_capture(struct tt_thread *t, uint64_t tick);

/* Writer lock held: writes the stacks and module lists not yet in the stream. */
int tt_stacks_flush(int (*write)(unsigned kind, const uint8_t *raw, size_t len));
int tt_modules_flush(int (*write)(unsigned kind, const uint8_t *raw, size_t len));
/* Fork child: its new stream needs every stack and module again. */
void tt_stacks_after_fork_child(void);

/* Takes a snapshot of the loaded modules if it changed (start, after dlopen and dlclose). */
void tt_modules_snapshot(uint64_t tick);
void tt_modules_want(uint64_t tick); /* recorded even without stacks, from now on */
void tt_modules_after_fork_child(void);

/* libunwind's private pipe (see stream.c, which keeps it away from the program). */
void tt_private_fd_add(int fd);
int tt_private_fd_is(int fd);
void tt_private_fd_remove(int fd);

#endif /* TT_STACKS_H */
