/*
 * tables_alloc.c - the allocations table: a row per heap block, written when the block stops
 * being live (the order of the frees), then the blocks still live at the end (the order of
 * their allocation).  Memory follows the blocks live at a time, as the heap tracking's does.
 *
 * The heap tracking (state.c) says when each block comes and goes; the thread and the call
 * that allocated it, which only this table needs, are kept here beside it rather than in the
 * tracking's own table, which every summary looks up at every malloc and free.
 */
#include <stdlib.h>

#include "csvrow.h"
#include "hashmap.h"
#include "state.h"
#include "tables.h"

struct tt_aent {
	uint64_t addr; /* 0 = free slot */
	uint32_t file;
	uint32_t tid;
	uint16_t type;
};

struct tt_aleft {
	struct tt_block b;
	uint32_t tid;
	uint16_t type;
};

struct tt_allocs {
	struct tt_run *run;
	struct tt_out *out;
	char *const *key;
	const unsigned *image;
	struct tt_hmap side; /* struct tt_aent by (file, addr) */
	struct tt_aleft *left;
	size_t nleft, cap;
};

static inline size_t tt_aent_hash_of(uint32_t file, uint64_t addr)
{
	return (size_t)__builtin_bswap64(tt_hash_fib((addr >> 4) ^ ((uint64_t)file << 44)));
}

static size_t tt_aent_hash(const void *e)
{
	const struct tt_aent *a = e;

	return tt_aent_hash_of(a->file, a->addr);
}

static bool tt_aent_eq(const void *e, const void *key)
{
	const struct tt_aent *a = e, *k = key;

	return a->addr == k->addr && a->file == k->file;
}

static bool tt_aent_used(const void *e)
{
	return ((const struct tt_aent *)e)->addr != 0;
}

static const struct tt_hkind tt_aent_kind = {
	.size = sizeof(struct tt_aent),
	.first = 1024,
	.fill = 2,
	.hash = tt_aent_hash,
	.eq = tt_aent_eq,
	.used = tt_aent_used,
};

/* Takes the side entry of b out of the table (a zero one if it was never seen). */
static struct tt_aent tt_side_take(struct tt_allocs *a, const struct tt_block *b)
{
	struct tt_aent key = { .addr = b->addr, .file = b->file }, *e, out = key;

	e = tt_hmap_find(&a->side, &tt_aent_kind, tt_aent_hash_of(b->file, b->addr), &key);
	if (e) {
		out = *e;
		tt_hmap_remove(&a->side, &tt_aent_kind, e);
	}
	return out;
}

static void tt_alloc_row(struct tt_allocs *a, const struct tt_block *b, const struct tt_aent *s,
			 const struct tt_event *ev, const char *free_fn)
{
	struct tt_out *o = a->out;
	struct tt_file *f = a->run->files[b->file];

	tt_out_puts(o, a->key[b->file]);
	tt_col_u64(o, f->pid, ',');
	tt_col_u64(o, a->image[b->file], ',');
	tt_col_u64(o, s->tid, ',');
	tt_col_str(o, s->type ? tt_events[s->type].name : NULL, ',');
	tt_col_u64(o, b->at, ',');
	tt_col_u64(o, b->size, ',');
	tt_col_hex(o, b->addr, ',');
	if (ev) {
		tt_col_u64(o, ev->start_ns, ',');
		tt_col_u64(o, ev->thread->tid, ',');
	} else {
		tt_col_none(o, ',');
		tt_col_none(o, ',');
	}
	tt_col_str(o, free_fn, ',');
	if (b->stack)
		tt_col_u64(o, b->stack, ',');
	else
		tt_col_none(o, ',');
	tt_col_str(o, tt_callstack_top(f, b->stack), '\n');
}

static void tt_allocs_watch(void *arg, const struct tt_block *b, const struct tt_event *ev,
			    enum tt_block_change change)
{
	struct tt_allocs *a = arg;
	struct tt_aent s, *e;
	bool fresh;

	switch (change) {
	case TT_BLOCK_NEW:
		s = (struct tt_aent){ b->addr, b->file, ev->thread->tid, ev->type };
		e = tt_hmap_get(&a->side, &tt_aent_kind, tt_aent_hash_of(b->file, b->addr), &s,
				&fresh);
		*e = s;
		break;
	case TT_BLOCK_GONE:
	case TT_BLOCK_UNSEEN:
		s = tt_side_take(a, b);
		tt_alloc_row(a, b, &s, ev,
			     change == TT_BLOCK_UNSEEN ? "unseen" : tt_events[ev->type].name);
		break;
	case TT_BLOCK_LEFT:
		s = tt_side_take(a, b);
		tt_grow((void **)&a->left, &a->cap, a->nleft + 1, sizeof(*a->left));
		a->left[a->nleft++] = (struct tt_aleft){ *b, s.tid, s.type };
		break;
	}
}

struct tt_allocs *tt_allocs_begin(struct tt_run *run, char *const *key, const unsigned *image)
{
	struct tt_allocs *a = tt_xcalloc(1, sizeof(*a));

	a->run = run;
	a->out = run->out;
	a->key = key;
	a->image = image;
	tt_state_watch_blocks(tt_allocs_watch, a);
	return a;
}

static int tt_left_cmp(const void *x, const void *y)
{
	const struct tt_block *a = &((const struct tt_aleft *)x)->b;
	const struct tt_block *b = &((const struct tt_aleft *)y)->b;

	if (a->file != b->file)
		return a->file < b->file ? -1 : 1;
	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

void tt_allocs_end(struct tt_allocs *a)
{
	tt_state_live_blocks();
	tt_sort(a->left, a->nleft, sizeof(*a->left), tt_left_cmp);
	for (size_t i = 0; i < a->nleft; i++) {
		struct tt_aent s = { .tid = a->left[i].tid, .type = a->left[i].type };

		tt_alloc_row(a, &a->left[i].b, &s, NULL, NULL);
	}
	tt_state_watch_blocks(NULL, NULL);
	tt_hmap_free(&a->side);
	free(a->left);
	free(a);
}
