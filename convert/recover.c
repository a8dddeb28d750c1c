/*
 * recover.c - the records a process left in its shared-buffer file (rings.h) when it died
 * without a last drain: read as one more chunk per thread, after the thread's chunks.
 *
 * Each thread's records [tail, head) are copied out of its ring in order.  Those the stream
 * has already (the process died between writing a chunk and releasing its room) are told by
 * their end ticks: a thread's records end in non-decreasing ticks, and every chunk names
 * its last.  String arguments are copied into the file's arena and their words replaced by
 * the pointers, so that decoding a recovered record (tt_recover_decode) takes no lookup.
 */
#include "recover.h"
#include "rings.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The kind of slot i of type's payload (0 the result, then the arguments); 0 for none. */
static unsigned slot_kind(unsigned type, int i)
{
	unsigned role = i ? tt_events[type].args[i - 1] : tt_events[type].result;

	return role == TT_ROLE_NONE ? 0 : tt_roles[role].kind;
}

/* The latest end tick the stream has of each thread. */
struct last_tick {
	uint32_t tid;
	uint64_t tick;
};

static int last_cmp(const void *a, const void *b)
{
	const struct last_tick *x = a, *y = b;

	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static uint64_t written_until(const struct last_tick *v, size_t n, uint32_t tid, bool *any)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].tid == tid) {
			*any = true;
			return v[mid].tick;
		}
		if (v[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*any = false;
	return 0;
}

/*
 * Checks one record (nw words at r, at most left words) and rewrites its string words into
 * pointers.  Returns its words, or 0 if it is not a record.
 */
static unsigned take_record(struct tt_file *f, uint64_t *r, uint64_t left)
{
	unsigned nw = TT_W0_WORDS(r[0]), type = TT_W0_TYPE(r[0]);

	/* padding to the ring's end (rings.h) is as short as one word */
	if (type == TT_EV_INVALID && nw && nw <= left)
		return nw;
	unsigned p = TT_W0_PAYLOAD(r[0]);

	if (nw < p || nw > left || type >= TT_EV_COUNT)
		return 0;
	if (type == TT_EV_FREES_OFF)
		return nw; /* a batch of frees noted while tracing was off: not recovered */
	unsigned has_stack = (r[0] & TT_W0_HAS_STACK) != 0, n = tt_payload_words(type), k = 0;

	if (p + n + has_stack > nw)
		return 0;
	const uint8_t *str = (const uint8_t *)(r + p + n);
	const uint8_t *end = (const uint8_t *)(r + nw - has_stack);

	for (int i = 0; i <= TT_MAX_ARGS; i++) {
		if (!slot_kind(type, i))
			continue;
		uint64_t *w = &r[p + k++];

		if (slot_kind(type, i) != TT_KIND_STR || !*w)
			continue;
		uint64_t len = *w - 1;

		if (len > TT_STR_MAX || len > (uint64_t)(end - str))
			return 0;
		*w = (uint64_t)(uintptr_t)tt_arena_strndup(&f->arena, str, (size_t)len);
		str += (len + 7) & ~(uint64_t)7;
	}
	if (has_stack) {
		uint64_t id = r[nw - 1];

		if (!id || id >= f->stacks.cap || !f->stacks.v[id].ip)
			r[0] &= ~TT_W0_HAS_STACK; /* its stack was never written */
	}
	return nw;
}

/*
 * Copies the records of one region's ring that the stream lacks into a chunk of f.  Returns
 * the number of records taken.
 */
static uint64_t take_region(struct tt_file *f, const uint8_t *rg, uint64_t len,
			    const struct last_tick *lt, size_t nlt, uint32_t *seq, size_t *cap)
{
	struct tt_rings_region h;
	uint64_t head, tail, words, taken = 0;
	uint32_t tid, state;

	memcpy(&h, rg, sizeof(h));
	if (h.ring_off + h.ring_words * 8 > len || h.head_off + 8 > len || h.tail_off + 8 > len ||
	    h.tid_off + 4 > len || h.state_off + 4 > len || !h.ring_words ||
	    (h.ring_words & (h.ring_words - 1)))
		return 0;
	memcpy(&head, rg + h.head_off, 8);
	memcpy(&tail, rg + h.tail_off, 8);
	memcpy(&tid, rg + h.tid_off, 4);
	memcpy(&state, rg + h.state_off, 4);
	if (state == TT_RINGS_STATE_FREE || !tid || head <= tail || head - tail > h.ring_words)
		return 0;
	words = head - tail;

	const uint64_t *ring = (const uint64_t *)(rg + h.ring_off);
	uint64_t *buf = tt_xmalloc(words * 8), *out = buf, first = 0, last = 0;
	uint64_t mask = h.ring_words - 1, at = tail & mask;
	bool any;
	uint64_t until = written_until(lt, nlt, tid, &any);

	/* in order from tail, across the ring's end */
	memcpy(buf, ring + at,
	       (size_t)(at + words <= h.ring_words ? words : h.ring_words - at) * 8);
	if (at + words > h.ring_words)
		memcpy(buf + (h.ring_words - at), ring, (size_t)(at + words - h.ring_words) * 8);
	for (uint64_t *r = buf; r < buf + words;) {
		unsigned nw = take_record(f, r, (uint64_t)(buf + words - r));

		if (!nw)
			break; /* trampled, or cut by the death: what follows cannot be trusted */
		/* events only: padding, as short as one word, has no end tick to read */
		bool event =
			TT_W0_TYPE(r[0]) != TT_EV_INVALID && TT_W0_TYPE(r[0]) != TT_EV_FREES_OFF;
		uint64_t end = event ? r[TT_W0_PAYLOAD(r[0]) - 1] : 0;

		if (event && (!any || end > until)) {
			if (!taken)
				first = end;
			if (end > last)
				last = end;
			memmove(out, r, (size_t)nw * 8);
			out += nw;
			taken++;
		}
		r += nw;
	}
	if (!taken) {
		free(buf);
		return 0;
	}
	tt_grow((void **)&f->recovered_bufs, &f->nrecovered_bufs_cap, f->nrecovered_bufs + 1,
		sizeof(*f->recovered_bufs));
	f->recovered_bufs[f->nrecovered_bufs] = buf;
	tt_grow((void **)&f->chunks, cap, f->nchunks + 1, sizeof(*f->chunks));
	f->chunks[f->nchunks++] = (struct tt_chunk_ref){
		.offset = f->nrecovered_bufs++,
		.first_tick = first,
		.last_tick = last,
		.payload_len = (uint32_t)(out - buf),
		.tid = tid,
		.nevents = (uint32_t)taken,
		.seq = (*seq)++,
		.flags = TT_REF_RAW,
	};
	return taken;
}

/* The shared-buffer file beside f's stream, adopted first if its process is gone. */
static int open_rings(struct tt_file *f, char *path, size_t cap)
{
	size_t n = strlen(f->name);
	const char *why;
	int r;

	if (n < 4 || strcmp(f->name + n - 4, ".trc") || n + 3 > cap)
		return -1;
	memcpy(path, f->name, n - 4);
	strcpy(path + n - 4, ".rings");
	r = tt_rings_adopt(path, &why);
	if (r < 0)
		tt_problem(&f->problems, TT_PB_RINGS, "%s: cannot %s: %s", path, why, strerror(-r));
	return open(path, O_RDONLY | O_CLOEXEC);
}

bool tt_recover_not_live;

int tt_recover(struct tt_file *f, uint32_t *seq, size_t *cap, struct tt_syncpt *sync)
{
	char path[4200];
	struct tt_rings_file fh;
	struct stat st;

	/* --follow: a running process writes its buffers out itself */
	if (tt_recover_not_live && f->has_process && !(kill((pid_t)f->pid, 0) && errno == ESRCH))
		return 0;
	int fd = open_rings(f, path, sizeof(path));

	if (fd < 0)
		return 0;

	uint8_t *map = NULL;
	size_t size = 0;

	if (fstat(fd, &st) == 0 && st.st_size >= 4096) {
		size = (size_t)st.st_size;
		map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED)
			map = NULL;
	}
	close(fd);
	/* version 1 is version 2 without records of one tick: read the same way */
	if (!map ||
	    (memcpy(&fh, map, sizeof(fh)),
	     memcmp(fh.magic, TT_RINGS_MAGIC, sizeof(fh.magic)) || fh.version < 1 ||
		     fh.version > TT_RINGS_VERSION || (f->has_process && fh.pid != f->pid))) {
		tt_problem(&f->problems, TT_PB_RINGS,
			   "%s: not the shared buffers of this process; not read", path);
		if (map)
			munmap(map, size);
		return 0;
	}

	struct last_tick *lt = tt_xmalloc((f->nchunks + 1) * sizeof(*lt));
	size_t nlt = 0;

	for (size_t i = 0; i < f->nchunks; i++)
		lt[nlt++] = (struct last_tick){ f->chunks[i].tid, f->chunks[i].last_tick };
	tt_sort(lt, nlt, sizeof(*lt), last_cmp);
	/* one entry per thread, its latest tick */
	size_t m = 0;

	for (size_t i = 0; i < nlt; i++) {
		if (m && lt[m - 1].tid == lt[i].tid) {
			if (lt[i].tick > lt[m - 1].tick)
				lt[m - 1].tick = lt[i].tick;
		} else {
			lt[m++] = lt[i];
		}
	}

	uint64_t at = 4096;

	while (at + sizeof(struct tt_rings_region) <= size) {
		struct tt_rings_region h;

		memcpy(&h, map + at, sizeof(h));
		if (h.magic != TT_REGION_MAGIC || h.region_len < sizeof(h) ||
		    h.region_len > size - at || (h.region_len & 4095))
			break;
		f->recovered += take_region(f, map + at, h.region_len, lt, m, seq, cap);
		at += h.region_len;
	}
	free(lt);
	f->recovered_from = tt_arena_strndup(&f->arena, path, strlen(path));
	*sync = (struct tt_syncpt){ fh.sync[fh.sync_idx & 1].tick, fh.sync[fh.sync_idx & 1].ns };
	munmap(map, size);
	return sync->tick || sync->ns;
}

int tt_recover_decode(const uint64_t *r, struct tt_event *ev, uint64_t *end_tick)
{
	unsigned type = TT_W0_TYPE(r[0]), nw = TT_W0_WORDS(r[0]), p = TT_W0_PAYLOAD(r[0]), k = 0;

	ev->type = (uint16_t)type;
	ev->failed = TT_W0_FAILED(r[0]);
	ev->err = ev->failed ? TT_W0_ERRNO(r[0]) : 0;
	ev->start_tick = r[1];
	*end_tick = r[p - 1];
	ev->result.u = 0;
	for (int i = 0; i < TT_MAX_ARGS; i++)
		ev->args[i].u = 0;
	for (int i = 0; i <= TT_MAX_ARGS; i++) {
		union tt_value *v = i ? &ev->args[i - 1] : &ev->result;

		if (!slot_kind(type, i))
			continue;
		uint64_t w = r[p + k++];

		if (slot_kind(type, i) == TT_KIND_STR)
			v->str = (const char *)(uintptr_t)w;
		else
			v->u = w;
	}
	ev->stack = r[0] & TT_W0_HAS_STACK ? (uint32_t)r[nw - 1] : 0;
	return (int)nw;
}
