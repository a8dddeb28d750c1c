/*
 * rings.h - the shared-buffer file: the recorder's per-thread rings, kept in a file mapping
 * so that a process that dies without a last drain (SIGKILL, the OOM killer, a raw
 * exit_group, a crash in the writer) leaves its undrained records for the reader.
 *
 * Where it is: the recorder creates it in shared memory (TRACEIT_SHM_DIR, default /dev/shm,
 * a tmpfs, so that the kernel never writes the rings back to a disk) and puts a symbolic link
 * to it beside its stream, named like the stream with ".rings" for ".trc".  A normal end
 * removes both.  After a run, the launcher (or the converter, if it comes first) moves a
 * file left behind into the trace folder in place of the link (tt_rings_adopt).
 *
 * Layout: a file header (struct tt_rings_file, alone in the first 4096 bytes: it carries the
 * latest clock sync point, which a trace killed early may otherwise lack), then regions one
 * after the other, one per
 * thread state, each starting with a struct tt_rings_region.  The region's words at the
 * offsets it names are the ring's live positions: head (written by the thread after each
 * record), tail (where the drains' written part ends) and the owner's tid.  A reader takes the
 * records in [tail, head), positions counted in words and taken modulo ring_words; they are
 * not in the stream file, except possibly those of a chunk written just before the process
 * died, which the reader tells by their end ticks (each EVENTS chunk names its last).
 */
#ifndef TT_RINGS_H
#define TT_RINGS_H

#include <stdint.h>

#define TT_RINGS_MAGIC "TTRINGS\x1a"
#define TT_RINGS_VERSION 2	    /* version 1 had no records of one tick (TT_W0_ONE_TICK) */
#define TT_REGION_MAGIC 0x4e475254u /* "TRGN" in the file */

struct tt_rings_file {
	char magic[8];	  /* TT_RINGS_MAGIC */
	uint32_t version; /* TT_RINGS_VERSION */
	uint32_t pid;
	uint32_t sync_idx; /* which of sync[] holds the latest clock sync point */
	uint32_t pad0;
	struct {
		uint64_t tick, ns; /* as in a chunk header; 0, 0 = none yet */
	} sync[2];
	uint64_t pad[1];
};

struct tt_rings_region {
	uint32_t magic;	     /* TT_REGION_MAGIC */
	uint32_t header_len; /* sizeof(struct tt_rings_region) */
	uint64_t region_len; /* bytes of the whole region, header included */
	uint64_t ring_off;   /* the ring: offset in the region, and its size in 64-bit words */
	uint64_t ring_words; /* (a power of two) */
	uint32_t head_off;   /* offsets in the region of: head (uint64_t), */
	uint32_t tail_off;   /* tail (uint64_t), */
	uint32_t tid_off;    /* the owner's tid (uint32_t), 0 before its first event, */
	uint32_t state_off;  /* its state (uint32_t): 2 = free, its records all written */
	uint64_t pad[2];
};

_Static_assert(sizeof(struct tt_rings_file) == 64, "rings file header layout");
_Static_assert(sizeof(struct tt_rings_region) == 64, "rings region header layout");

#define TT_RINGS_STATE_FREE 2

/*
 * Ring record layout (64-bit words):
 *	w0	type (bits 0-15) | words in record (16-31) | failed (bit 32) | errno (40-63)
 *	w1	start tick
 *	w2	end tick, unless w0 has TT_W0_ONE_TICK: the call ended at its start
 *	then the result word if the event has a result role, then one word per argument role,
 *	then for each STR argument its bytes, padded to 8 (the argument word holds len + 1, or
 *	0 for a NULL string); then, if w0 has TT_W0_HAS_STACK, the stack id.
 * A record of type TT_EV_INVALID is padding up to the end of the ring.
 */
#define TT_W0(type, nwords, failed, err)                                                           \
	((uint64_t)(type) | ((uint64_t)(nwords) << 16) | ((uint64_t) !!(failed) << 32) |           \
	 ((uint64_t)(uint32_t)(err) << 40))
#define TT_W0_HAS_STACK (1ull << 33) /* the record's last word is a stack id */
/*
 * No end tick word: most calls take one timestamp (a heap call, an uncontended lock), and the
 * word they leave out is one of the five a malloc moves from the program's core to the
 * writer's.
 */
#define TT_W0_ONE_TICK (1ull << 34)
#define TT_W0_TYPE(w) ((unsigned)((w)&0xffff))
#define TT_W0_WORDS(w) ((unsigned)(((w) >> 16) & 0xffff))
#define TT_W0_FAILED(w) ((unsigned)(((w) >> 32) & 1))
#define TT_W0_ERRNO(w) ((int)((w) >> 40))
/* Where a record's payload (its result word, or first argument) starts: its end tick is before */
#define TT_W0_PAYLOAD(w) (3u - (unsigned)(((w) >> 34) & 1))

#define TT_STR_MAX 4096	   /* longest string kept in a record; longer ones are cut */
#define TT_RECORD_MAX 4096 /* words: longer than any record (5 strings of TT_STR_MAX) */

/*
 * The link path names a shared-buffer file that a process left behind: moves the file into
 * the link's place (a copy when it is on another filesystem) and removes the original, which
 * would otherwise hold its memory until the next boot.  Returns 1 if a file was moved, 0 if
 * there was nothing to do (not a link, or its target is gone: the link is removed then), or
 * -errno; *why, if not NULL, names the step that failed.
 */
int tt_rings_adopt(const char *link_path, const char **why);

#endif /* TT_RINGS_H */
