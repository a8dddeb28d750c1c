/*
 * sites.h - costs per call stack ("site"): what the folded output weighs and the summary
 * ranks.  A site is one distinct stack of one process image; events without a stack have
 * no site.  Bytes still live are fed by state.c's heap tracking (all events of the selected
 * processes, as leaks must be); the other costs by the sinks, for the events they keep.
 */
#ifndef TT_SITES_H
#define TT_SITES_H

#include "model.h"

struct tt_site {
	struct tt_file *file; /* NULL = free slot */
	uint32_t stack;
	uint64_t calls;
	uint64_t time_ns;
	uint64_t allocs;
	uint64_t alloc_bytes;
	int64_t live_bytes; /* allocated here, not freed (yet) */
	int64_t live_blocks;
	uint64_t waits; /* lock acquisitions */
	uint64_t wait_ns;
	uint64_t ios; /* reads and writes */
	uint64_t io_bytes;
	uint64_t io_ns;
};

void tt_sites_live(struct tt_file *f, uint32_t stack, int64_t bytes);
void tt_sites_event(const struct tt_event *ev);
/* Every site with a cost, in no particular order; valid until the next call here. */
struct tt_site *tt_sites_all(size_t *n);
void tt_sites_free(void);

#endif /* TT_SITES_H */
