/*
 * shm.h - the shared-buffer file (shm.c, rings.h), for the stream, the thread states and the
 * last drain.
 */
#ifndef TT_SHM_H
#define TT_SHM_H

#include <stddef.h>
#include <stdint.h>

/* Creates the file and its link beside the stream; on failure says so once, and states stay
 * private memory. */
void tt_shm_create(const char *stream_path);
/*
 * A new region of len bytes, mapped shared, its first rsv bytes reserved (the rest is
 * reserved as the ring fills, tt_shm_reserve); *off is its offset in the file.  NULL when
 * there is no file or no room.
 */
void *tt_shm_map(size_t len, size_t rsv, uint64_t *off);
/* Reserves the file's bytes [off, off + len).  Returns 0, or -errno. */
long tt_shm_reserve(uint64_t off, uint64_t len);
/* The file's descriptor (-1: none), hidden from the program like the trace's (stream.c). */
int tt_shm_fd(void);
void tt_shm_set_fd(int fd);
/* Whether new regions go to the file. */
int tt_shm_on(void);
/* Writer lock held: the latest clock sync point, for a reader of a killed process's file. */
void tt_shm_sync(uint64_t tick, uint64_t ns);
/* The trace ended normally: removes the file and its link. */
void tt_shm_remove(void);
/*
 * Gives the region at region (len bytes) memory of its own at the same address, its first
 * keep bytes from content (NULL: its own): anonymous memory (private), or a new region of
 * this process's file.  Returns 0, or -1 (the old mapping is left).
 */
int tt_shm_rebind(void *region, size_t len, const void *content, size_t keep, int private,
		  size_t rsv, uint64_t *off);

#endif /* TT_SHM_H */
