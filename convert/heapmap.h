/*
 * heapmap.h - live heap blocks keyed by (process image, address), for the summary's memory
 * accounting.  Open addressing with linear probing; deletion shifts entries back instead of
 * leaving tombstones, so a long run of malloc/free never degrades the table.
 */
#ifndef TT_HEAPMAP_H
#define TT_HEAPMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tt_heapent {
	uint64_t addr; /* 0 = empty slot (address 0 is never a live block) */
	uint64_t size;
	uint64_t at; /* when it was allocated (relative ns) */
	uint32_t file;
	uint32_t stack; /* where it was allocated (call stack id in file), 0 = unknown */
};

struct tt_heapmap {
	struct tt_heapent *v;
	size_t cap; /* power of two */
	size_t n;
};

/* Records a live block; an existing entry for the same key is replaced (returns true, *old). */
bool tt_heap_put(struct tt_heapmap *m, const struct tt_heapent *e, struct tt_heapent *old);
/* Removes a block.  Returns true and its entry if it was live. */
bool tt_heap_take(struct tt_heapmap *m, uint32_t file, uint64_t addr, struct tt_heapent *out);
void tt_heap_free(struct tt_heapmap *m);

#endif /* TT_HEAPMAP_H */
