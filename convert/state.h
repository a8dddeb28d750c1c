/*
 * state.h - what the converter tracks across events, in merged time order: fd -> path per
 * process image, thread names, lifetimes and counts, first appearance of threads, and on
 * demand the live heap and the held locks.
 *
 * Applied to every event of the selected processes before the output sees it (and whether
 * or not a filter then leaves the event out), so that an output format only reads
 * ev->fd_path, ev->held_ns, ev->thread and the counters of ev->file.
 */
#ifndef TT_STATE_H
#define TT_STATE_H

#include "args.h"
#include "model.h"

/* What the output needs tracked beyond descriptors and threads (struct tt_sink.track). */
enum tt_track {
	TT_TRACK_HEAP = 1,    /* tt_file.mem: live blocks, peak, short-lived allocations */
	TT_TRACK_LOCKS = 2,   /* tt_event.held_ns on releases */
	TT_TRACK_SITES = 4,   /* sites.c: bytes still live per allocation stack */
	TT_TRACK_ENTRIES = 8, /* FUNC_ENTRY events are handed to the output (function_graph) */
};

/* A live heap block, as the heap tracking (TT_TRACK_HEAP) keeps it. */
struct tt_block {
	uint64_t addr; /* 0 = none (address 0 is never a live block) */
	uint64_t size;
	uint64_t at;	/* when the allocating call returned (relative ns) */
	uint32_t file;	/* index of its process image among the inputs */
	uint32_t stack; /* where it was allocated (call stack id in file), 0 = unknown */
};

/*
 * A watcher of the heap: told of every block that becomes live (NEW, ev: the allocating
 * call), that stops being live (GONE, ev: the call that freed or moved it; UNSEEN, ev: an
 * allocation that got its address again without a free that was seen) and, by
 * tt_state_live_blocks() at the end of a run, of every block still live (LEFT, ev NULL).
 * One watcher at a time; tt_state_end forgets it.
 */
enum tt_block_change { TT_BLOCK_NEW, TT_BLOCK_GONE, TT_BLOCK_UNSEEN, TT_BLOCK_LEFT };
typedef void (*tt_block_fn)(void *arg, const struct tt_block *b, const struct tt_event *ev,
			    enum tt_block_change change);
void tt_state_watch_blocks(tt_block_fn fn, void *arg);
void tt_state_live_blocks(void);

/* Starts tracking for a run (a set of tt_track flags); tt_state_end frees it. */
void tt_state_begin(unsigned track);
void tt_state_end(void);
/* Seeds f's fd table from its PROCESS record (TT_P_FD); its main thread is alive. */
void tt_state_init_file(struct tt_file *f);
/* Resolves ev->fd_path and applies the event's effects (open, close, heap, locks, names). */
void tt_state_event(struct tt_event *ev);
/*
 * A hint, for an event tt_state_event() will be given soon: the live blocks' table is too
 * large for the core's caches, and its slots are reached at random, so the slot the event
 * will look up is loaded meanwhile.
 */
void tt_state_prefetch(const struct tt_event *ev);

/* With TT_TRACK_HEAP: calls fn for each block still live (file: its image's index). */
void tt_state_each_block(void (*fn)(void *ctx, uint32_t file, uint64_t size), void *ctx);

/* fd table of one file; fds out of [0, 2^20) are not tracked. */
extern const char tt_fd_unnamed[];
static inline const char *tt_fdtab_get(const struct tt_fdtab *t, int64_t fd)
{
	const char *p = fd >= 0 && (uint64_t)fd < t->cap ? t->path[fd] : NULL;

	return p == tt_fd_unnamed ? NULL : p;
}
/* fd is open on path (NULL: a file of unknown name), named by a call that ended at (ns) */
void tt_fdtab_open(struct tt_fdtab *t, int64_t fd, const char *path, uint64_t at);
/* An open fd gets a better name (a socket its peer's): the same descriptor, born when it was */
void tt_fdtab_rename(struct tt_fdtab *t, int64_t fd, const char *path, uint64_t at);
/* fd is closed by a call that started at start (ns): returns the name of what it closed */
const char *tt_fdtab_close(struct tt_fdtab *t, int64_t fd, uint64_t start);

#endif /* TT_STATE_H */
