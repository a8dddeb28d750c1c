/*
 * scan.c - the pre-scan: preamble, chunk walk with CRC checks and resync, and the per-file
 * index the decoder works from.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include "codec.h"
#include "scan.h"
#include "recover.h"
#include "multi.h"
#include "zinflate.h"

/* Deflate cannot expand data more than about 1032:1; a larger raw_len is garbage. */

/*
 * Interned strings are paths, names and command lines, each stored once: far below this in
 * any real stream.  The cap keeps a crafted file of well-compressed STRINGS chunks from
 * taking 1032 times its size in memory.
 */
#define TT_STRINGS_MAX (256u << 20)

struct tt_scan_state {
	struct tt_file *f;
	struct tt_syncpt *sync;
	size_t nsync, sync_cap;
	size_t chunk_cap;
	uint8_t *tmp; /* inflated PROCESS / STRINGS / END payloads */
	size_t tmp_cap;
	size_t string_bytes;
	uint32_t seq;
	size_t cut_at, whole_to; /* the file ends inside a chunk (cut_at != 0): tt_finish says so */
	struct tt_chunk_header cut; /* that chunk's header, when it is whole (cut.magic != 0) */
};

#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
/* Fuzzing (fuzz_convert.c): every CRC checks out, so mutations reach the decoder. */
#define tt_crc_ok(p, len, want) (tt_crc((p), (len)) == (want) || 1)
#else
#define tt_crc_ok(p, len, want) (tt_crc((p), (len)) == (want))
#endif

static uint32_t tt_crc(const uint8_t *p, size_t len)
{
	return tt_crc32(p, len);
}

static void tt_read_header(const uint8_t *p, struct tt_chunk_header *h)
{
	memcpy(h, p, sizeof(*h));
	h->magic = le32toh(h->magic);
	h->kind = le16toh(h->kind);
	h->flags = le16toh(h->flags);
	h->payload_len = le32toh(h->payload_len);
	h->raw_len = le32toh(h->raw_len);
	h->tid = le32toh(h->tid);
	h->nevents = le32toh(h->nevents);
	h->first_tick = le64toh(h->first_tick);
	h->last_tick = le64toh(h->last_tick);
	h->sync_tick = le64toh(h->sync_tick);
	h->sync_ns = le64toh(h->sync_ns);
	h->payload_crc = le32toh(h->payload_crc);
	h->header_crc = le32toh(h->header_crc);
}

static int tt_header_valid(const uint8_t *p)
{
	uint32_t magic, crc;

	memcpy(&magic, p, 4);
	memcpy(&crc, p + 60, 4);
	return le32toh(magic) == TT_CHUNK_MAGIC && tt_crc_ok(p, 60, le32toh(crc));
}

/* The offset of the next valid chunk header at or after from, or size if there is none. */
static size_t tt_resync(const uint8_t *d, size_t size, size_t from)
{
	static const uint8_t magic[4] = { 'T', 'T', 'C', 'K' };

	while (from < size && size - from >= TT_CHUNK_HEADER_LEN) {
		const uint8_t *m = memmem(d + from, size - from, magic, sizeof(magic));
		size_t at;

		if (!m)
			break;
		at = (size_t)(m - d);
		if (size - at < TT_CHUNK_HEADER_LEN)
			break;
		if (tt_header_valid(m))
			return at;
		from = at + 1;
	}
	return size;
}

/*
 * The payload of a PROCESS, STRINGS or END chunk as raw bytes: in place, or inflated into
 * st->tmp.  Returns NULL with *why set when it cannot be had.
 */
static const uint8_t *tt_payload(struct tt_scan_state *st, const struct tt_chunk_header *h,
				 const uint8_t *p, size_t *len, const char **why)
{
	if (!(h->flags & TT_CHUNK_DEFLATED)) {
		*len = h->payload_len;
		return p;
	}
	if (!tt_inflated_size_ok(h->payload_len, h->raw_len)) {
		*why = "impossible inflated size";
		return NULL;
	}
	tt_grow((void **)&st->tmp, &st->tmp_cap, h->raw_len + 1, 1);
	*why = tt_inflate(p, h->payload_len, st->tmp, h->raw_len);
	*len = h->raw_len;
	return *why ? NULL : st->tmp;
}

static void tt_load_strings(struct tt_scan_state *st, const uint8_t *p, size_t len, size_t at)
{
	struct tt_file *f = st->f;
	const uint8_t *end = p + len;

	while (p < end) {
		uint64_t id, slen;

		if (st->string_bytes > TT_STRINGS_MAX) {
			tt_problem(
				&f->problems, TT_PB_BAD_STRINGS,
				"string tables larger than %u MiB at offset %zu; the rest ignored",
				TT_STRINGS_MAX >> 20, at);
			return;
		}
		if (tt_get_varint(&p, end, &id) || tt_get_varint(&p, end, &slen) ||
		    slen > (uint64_t)(end - p) || !id) {
			tt_problem(&f->problems, TT_PB_BAD_STRINGS,
				   "corrupt string table in chunk at offset %zu; names from it may "
				   "show as <unknown string N>",
				   at);
			return;
		}
		tt_strtab_add(&f->strings, id, tt_arena_strndup(&f->arena, p, (size_t)slen));
		st->string_bytes += slen + sizeof(struct tt_string_ent);
		p += slen;
	}
}

static void tt_add_events(struct tt_scan_state *st, const struct tt_chunk_header *h, size_t at)
{
	struct tt_file *f = st->f;
	struct tt_chunk_ref *c;

	tt_grow((void **)&f->chunks, &st->chunk_cap, f->nchunks + 1, sizeof(*f->chunks));
	c = &f->chunks[f->nchunks++];
	c->offset = at + TT_CHUNK_HEADER_LEN;
	c->first_tick = h->first_tick;
	c->last_tick = h->last_tick;
	c->payload_len = h->payload_len;
	c->raw_len = h->raw_len;
	c->tid = h->tid;
	c->nevents = h->nevents;
	c->seq = st->seq++;
	c->flags = h->flags & ~(TT_REF_PART | TT_REF_RAW); /* the converter's own flags */
	c->part_off = c->part_len = 0;
}

/*
 * EVENTS_MULTI: each part becomes a chunk of its thread, which the decoder takes out of the
 * inflated chunk when it gets there.  A part that does not parse ends the chunk (the parts
 * before it are kept); a version 4 chunk whose column lengths do not add up is dropped whole
 * (no part's columns can be trusted then).
 */
static void tt_add_multi(struct tt_scan_state *st, const struct tt_chunk_header *h, size_t at)
{
	struct tt_file *f = st->f;
	const char *why = NULL;
	size_t len;
	const uint8_t *p = tt_payload(st, h, f->data + at + TT_CHUNK_HEADER_LEN, &len, &why);
	struct tt_multi_iter it;
	struct tt_multi_part m;
	int r;

	if (!p) {
		tt_problem(&f->problems, TT_PB_BAD_EVENTS,
			   "cannot inflate chunk at offset %zu (%s)", at, why);
		return;
	}
	if (tt_multi_begin(&it, f->version, p, len, h->first_tick)) {
		tt_problem(&f->problems, TT_PB_BAD_EVENTS,
			   "corrupt multi-thread events chunk at offset %zu; dropped", at);
		return;
	}
	for (uint32_t k = 0; (r = tt_multi_next(&it, &m)) > 0; k++) {
		struct tt_chunk_ref *c;

		tt_grow((void **)&f->chunks, &st->chunk_cap, f->nchunks + 1, sizeof(*f->chunks));
		c = &f->chunks[f->nchunks++];
		*c = (struct tt_chunk_ref){
			.offset = at + TT_CHUNK_HEADER_LEN,
			.first_tick = m.first_tick,
			.last_tick = m.last_tick,
			.payload_len = h->payload_len,
			.raw_len = h->raw_len,
			.tid = m.tid,
			.nevents = m.nevents,
			.seq = st->seq++,
			.flags = (uint16_t)((m.flags & ~TT_REF_RAW) |
					    (h->flags & TT_CHUNK_DEFLATED) | TT_REF_PART),
			/* version 4: the part's index, its columns found again when decoded */
			.part_off = it.by_column ? k : (uint32_t)m.off,
			.part_len = (uint32_t)m.len,
		};
	}
	if (r < 0)
		tt_problem(&f->problems, TT_PB_BAD_EVENTS,
			   "corrupt part in multi-thread events chunk at offset %zu; dropped the "
			   "rest of that chunk",
			   at);
}

static void tt_chunk(struct tt_scan_state *st, const struct tt_chunk_header *h, size_t at)
{
	struct tt_file *f = st->f;
	const uint8_t *raw;
	const char *why = NULL;
	size_t len;

	if (h->kind == TT_CHUNK_EVENTS) {
		tt_add_events(st, h, at);
		return;
	}
	if (h->kind == TT_CHUNK_EVENTS_MULTI) {
		tt_add_multi(st, h, at);
		return;
	}
	if (h->kind != TT_CHUNK_PROCESS && h->kind != TT_CHUNK_STRINGS && h->kind != TT_CHUNK_END &&
	    h->kind != TT_CHUNK_STACKS && h->kind != TT_CHUNK_MODULES)
		return; /* a newer recorder's chunk kind: skip it */
	if (h->kind == TT_CHUNK_PROCESS && f->has_process)
		return;
	raw = tt_payload(st, h, f->data + at + TT_CHUNK_HEADER_LEN, &len, &why);
	if (!raw) {
		enum tt_problem_kind k = h->kind == TT_CHUNK_STRINGS ? TT_PB_BAD_STRINGS
					 : h->kind == TT_CHUNK_STACKS || h->kind == TT_CHUNK_MODULES
						 ? TT_PB_BAD_STACKS
						 : TT_PB_BAD_FIELDS;

		tt_problem(&f->problems, k, "cannot inflate chunk at offset %zu (%s)", at, why);
		return;
	}
	if (h->kind == TT_CHUNK_STRINGS) {
		tt_load_strings(st, raw, len, at);
	} else if (h->kind == TT_CHUNK_STACKS) {
		tt_callstack_load_stacks(f, raw, len, at);
	} else if (h->kind == TT_CHUNK_MODULES) {
		tt_callstack_load_modules(f, raw, len, at);
	} else if (h->kind == TT_CHUNK_PROCESS) {
		f->has_process = true;
		if (tt_parse_process(f, raw, len))
			tt_problem(&f->problems, TT_PB_BAD_FIELDS,
				   "corrupt process record at offset %zu", at);
	} else {
		f->has_end = true;
		if (tt_parse_end(f, raw, len))
			tt_problem(&f->problems, TT_PB_BAD_FIELDS,
				   "corrupt end record at offset %zu", at);
	}
}

static void tt_add_sync(struct tt_scan_state *st, const struct tt_chunk_header *h)
{
	/* An all-zero pair is no measurement. */
	if (!h->sync_tick && !h->sync_ns)
		return;
	tt_grow((void **)&st->sync, &st->sync_cap, st->nsync + 1, sizeof(*st->sync));
	st->sync[st->nsync].tick = h->sync_tick;
	st->sync[st->nsync].ns = h->sync_ns;
	st->nsync++;
}

static void tt_damaged(struct tt_file *f, size_t at, const char *why, size_t next)
{
	if (next < f->size)
		tt_problem(&f->problems, TT_PB_DAMAGED,
			   "damaged chunk at offset %zu (%s), skipped to offset %zu", at, why,
			   next);
	else
		tt_problem(&f->problems, TT_PB_DAMAGED,
			   "damaged chunk at offset %zu (%s), no valid chunk after it", at, why);
}

static void tt_walk(struct tt_scan_state *st)
{
	struct tt_file *f = st->f;
	const uint8_t *d = f->data;
	size_t size = f->size, pos = TT_PREAMBLE_LEN;

	while (pos < size) {
		struct tt_chunk_header h;
		size_t next;

		if (size - pos < TT_CHUNK_HEADER_LEN) {
			st->cut_at = size, st->whole_to = pos;
			return;
		}
		if (!tt_header_valid(d + pos)) {
			next = tt_resync(d, size, pos + 1);
			tt_damaged(f, pos, "bad header", next);
			pos = next;
			continue;
		}
		tt_read_header(d + pos, &h);
		tt_add_sync(st, &h);
		if (h.payload_len > TT_CHUNK_MAX || h.raw_len > TT_CHUNK_MAX ||
		    (!(h.flags & TT_CHUNK_DEFLATED) && h.raw_len != h.payload_len)) {
			next = tt_resync(d, size, pos + 1);
			tt_damaged(f, pos, "bad length", next);
			pos = next;
			continue;
		}
		next = pos + TT_CHUNK_HEADER_LEN + h.payload_len;
		if (next > size) {
			st->cut_at = size, st->whole_to = pos;
			st->cut = h;
			return;
		}
		if (!tt_crc_ok(d + pos + TT_CHUNK_HEADER_LEN, h.payload_len, h.payload_crc)) {
			tt_damaged(f, pos, "bad CRC", next);
			pos = next;
			continue;
		}
		tt_chunk(st, &h, pos);
		pos = next;
	}
}

static int tt_chunk_cmp(const void *a, const void *b)
{
	const struct tt_chunk_ref *x = a, *y = b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

/* One thread record per tid that has events, plus the main thread. */
static void tt_make_threads(struct tt_file *f)
{
	size_t i, n = 0, at;
	int have_main = 0;

	for (i = 0; i < f->nchunks; i++)
		if (!i || f->chunks[i].tid != f->chunks[i - 1].tid) {
			n++;
			have_main |= f->chunks[i].tid == f->pid;
		}
	f->nthreads = n + !have_main;
	f->threads = tt_xcalloc(f->nthreads, sizeof(*f->threads));
	at = 0;
	for (i = 0; i <= f->nchunks; i++) {
		uint32_t tid;

		if (i < f->nchunks && i && f->chunks[i].tid == f->chunks[i - 1].tid)
			continue;
		/* Insert the main thread at its place in tid order. */
		if (!have_main && (i == f->nchunks || f->chunks[i].tid > f->pid)) {
			f->threads[at++].tid = f->pid;
			have_main = 1;
		}
		if (i == f->nchunks)
			break;
		tid = f->chunks[i].tid;
		f->threads[at++].tid = tid;
	}
	for (i = 0; i < f->nthreads; i++) {
		f->threads[i].file = f;
		if (f->threads[i].tid != f->pid)
			continue;
		if (f->comm && *f->comm)
			f->threads[i].name = f->comm;
		else if (f->exe && *f->exe)
			f->threads[i].name = tt_basename(f->exe);
	}
}

struct tt_thread *tt_file_thread(struct tt_file *f, uint32_t tid)
{
	size_t lo = 0, hi = f->nthreads;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->threads[mid].tid == tid)
			return &f->threads[mid];
		if (f->threads[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * A process that died before its second sync point (killed early, or a raw exit_group): on
 * the machine that recorded it, and if it has not rebooted since, the time stamp counter
 * read now against CLOCK_MONOTONIC gives the rate the one point cannot.
 */
static void tt_add_sync_now(struct tt_scan_state *st)
{
#if defined(__x86_64__)
	struct tt_file *f = st->f;
	char host[256];
	struct timespec ts;
	uint64_t tick = __rdtsc(), ns;
	double rate;

	if (!f->hostname || gethostname(host, sizeof(host)) || strcmp(host, f->hostname) ||
	    clock_gettime(CLOCK_MONOTONIC, &ts))
		return;
	ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	if (tick <= st->sync[0].tick || ns <= st->sync[0].ns + 1000000)
		return;
	rate = (double)(tick - st->sync[0].tick) / (double)(ns - st->sync[0].ns);
	if (rate < 0.2 || rate > 10) /* ticks per ns: not the same boot, or no invariant TSC */
		return;
	struct tt_chunk_header h = { .sync_tick = tick, .sync_ns = ns };

	tt_add_sync(st, &h);
#else
	(void)st;
#endif
}

static void tt_make_timemap(struct tt_scan_state *st)
{
	struct tt_file *f = st->f;
	size_t used;

	if (f->clock == TT_CLOCK_MONOTONIC) {
		tt_timemap_identity(&f->time);
		return;
	}
	if (st->nsync == 1 && f->recovered_from)
		tt_add_sync_now(st);
	used = tt_timemap_build(&f->time, st->sync, st->nsync);
	if (used == 0 && f->nchunks)
		tt_problem(&f->problems, TT_PB_CLOCK,
			   "no clock sync point; timestamps are raw ticks");
	else if (used == 1 && f->nchunks)
		tt_problem(&f->problems, TT_PB_CLOCK,
			   "only one clock sync point; timestamps assume 1 tick per ns");
}

/*
 * Whether the records of the chunk the file ends inside came back from the shared buffers.
 * A kill ends a write at a page boundary, and the rings give room back only once a chunk
 * is in the file: the chunk being written then is cut short, but its records are still in
 * the rings, and its thread's recovered records begin with its first.  A file cut after the
 * run (by hand, by a full disk) ends inside an older chunk, whose records the rings no
 * longer hold.  A cut inside a header, or inside a chunk of strings, stacks or modules,
 * names no records to look for: it is taken for the kill's.
 */
static bool tt_cut_recovered(const struct tt_scan_state *st)
{
	const struct tt_file *f = st->f;
	const struct tt_chunk_header *h = &st->cut;

	if (!f->recovered || f->has_end)
		return false;
	if (!h->magic || (h->kind != TT_CHUNK_EVENTS && h->kind != TT_CHUNK_EVENTS_MULTI))
		return true;
	/* a chunk of several threads names none: its first part's first tick is enough */
	for (size_t i = 0; i < f->nchunks; i++) {
		const struct tt_chunk_ref *c = &f->chunks[i];

		if ((c->flags & TT_REF_RAW) && c->first_tick == h->first_tick &&
		    (!h->tid || c->tid == h->tid))
			return true;
	}
	return false;
}

/* What is left to infer once the walk is done. */
static void tt_finish(struct tt_scan_state *st)
{
	struct tt_file *f = st->f;
	bool cut_recovered = st->cut_at && tt_cut_recovered(st);
	uint32_t hint = 0;

	if (!f->has_process) {
		/* The main thread has tid == pid and is normally the lowest tid. */
		uint32_t pid = UINT32_MAX;

		for (size_t i = 0; i < f->nchunks; i++)
			if (f->chunks[i].tid < pid)
				pid = f->chunks[i].tid;
		f->pid = f->nchunks ? pid : 0;
		tt_problem(&f->problems, TT_PB_NO_PROCESS,
			   "no process record (damaged?); pid taken as %u", f->pid);
	}
	if (st->cut_at && !cut_recovered)
		tt_problem(&f->problems, TT_PB_TRUNCATED,
			   "truncated at offset %zu (last whole chunk ends at %zu)", st->cut_at,
			   st->whole_to);
	if (!f->has_end && f->recovered)
		tt_problem(&f->problems, TT_PB_RECOVERED,
			   "no end record (the process was killed by SIGKILL or the OOM killer, "
			   "or ended by a raw exit_group system call as Go programs do): %llu "
			   "events it had not written were recovered from %s%s",
			   (unsigned long long)f->recovered, tt_basename(f->recovered_from),
			   cut_recovered ? ", the chunk the kill cut short among them" : "");
	else if (!f->has_end && f->recovered_from)
		tt_problem(&f->problems, TT_PB_RECOVERED,
			   "no end record (the process was killed by SIGKILL or the OOM killer, "
			   "or ended by a raw exit_group system call as Go programs do): its "
			   "shared buffers (%s) held nothing more",
			   tt_basename(f->recovered_from));
	else if (!f->has_end)
		tt_problem(&f->problems, TT_PB_NO_END,
			   "no end record (the process was killed by SIGKILL or the OOM killer, "
			   "ended by a raw exit_group system call as Go programs do, or is still "
			   "running), and no shared buffers to recover from: the events since its "
			   "last flush are missing");
	if (f->exe && *f->exe)
		f->program = tt_basename(f->exe);
	else if (f->comm && *f->comm)
		f->program = f->comm;
	else
		f->program = "unknown";
	tt_strtab_finish(&f->strings);
	tt_sort(f->chunks, f->nchunks, sizeof(*f->chunks), tt_chunk_cmp);
	tt_make_threads(f);
	tt_make_timemap(st);
	if (!f->start_ns) {
		/* No start time recorded: the earliest time the file knows of. */
		uint64_t start = UINT64_MAX;

		for (size_t i = 0; i < f->nchunks; i++) {
			uint64_t ns = tt_timemap_ns(&f->time, f->chunks[i].first_tick, &hint);

			if (ns < start)
				start = ns;
		}
		/* Sync points carry CLOCK_MONOTONIC ns whatever the tick clock. */
		for (size_t i = 0; i < st->nsync; i++)
			if (st->sync[i].ns < start)
				start = st->sync[i].ns;
		f->start_ns = start == UINT64_MAX ? 0 : start;
	}
}

int tt_scan(struct tt_file *f)
{
	struct tt_scan_state st = { .f = f };
	uint16_t version, min_reader;

	tt_timemap_identity(&f->time);
	if (f->size < TT_PREAMBLE_LEN || memcmp(f->data, TT_MAGIC, TT_MAGIC_LEN)) {
		tt_error("%s: not a traceit stream%s", f->name, f->size ? "" : " (empty file)");
		return -1;
	}
	memcpy(&version, f->data + 8, 2);
	memcpy(&min_reader, f->data + 10, 2);
	f->version = le16toh(version);
	min_reader = le16toh(min_reader);
	if (min_reader > TT_FORMAT_VERSION) {
		tt_error("%s: format version %u needs a newer traceit-convert (this one reads "
			 "version %u)",
			 f->name, f->version, TT_FORMAT_VERSION);
		return -1;
	}
	f->usable = true;
	tt_walk(&st);
	if (!f->has_end) {
		struct tt_syncpt pt;

		if (tt_recover(f, &st.seq, &st.chunk_cap, &pt)) {
			struct tt_chunk_header h = { .sync_tick = pt.tick, .sync_ns = pt.ns };

			tt_add_sync(&st, &h);
		}
	}
	tt_finish(&st);
	free(st.sync);
	free(st.tmp);
	return 0;
}

void tt_file_release(struct tt_file *f)
{
	free(f->chunks);
	free(f->threads);
	free(f->fd_seeds);
	free(f->fds.path);
	free(f->fds.since);
	free(f->fds.prev);
	tt_strtab_free(&f->strings);
	tt_timemap_free(&f->time);
	tt_callstack_free(&f->stacks);
	tt_arena_free(&f->arena);
	tt_problems_free(&f->problems);
	for (size_t i = 0; i < f->nrecovered_bufs; i++)
		free(f->recovered_bufs[i]);
	free(f->recovered_bufs);
	f->recovered_bufs = NULL;
	f->nrecovered_bufs = f->nrecovered_bufs_cap = 0;
	f->chunks = NULL;
	f->threads = NULL;
	f->fd_seeds = NULL;
	f->fds.path = NULL;
	f->fds.since = NULL;
	f->fds.prev = NULL;
	f->nchunks = f->nthreads = f->nfd_seeds = 0;
}
