/*
 * json_tail.c - the parts of the JSON output, and the tail that closes each: "events lost"
 * instants, the names of processes and threads (metadata events, only known for sure at
 * the end of the run), and the top-level metadata object.
 *
 * Without --split-mb there is one part, run->out.  With it, the events go to
 * <base>.0.json, <base>.1.json... and a part is closed before the next event would take it
 * past the limit, keeping room for its tail: the tails are written at the end of the run,
 * when the names are final, each naming the processes and threads that appear in its part.
 * The room kept is counted as processes and threads appear in the part; a thread name is
 * cut to TT_SPLIT_NAME bytes in a part's tail so that it fits what was counted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "meta.h"

#ifndef TT_VERSION
#define TT_VERSION "unknown"
#endif

#define TT_SPLIT_NAME 63 /* bytes of a thread name in a part's tail */
/* Room kept for a thread's two metadata events (the name escaped at worst 6 bytes a byte) */
#define TT_RESERVE_THREAD (256 + 6 * TT_SPLIT_NAME)
/* ... and a process's, with its main thread and up to 4 pending counter samples */
#define TT_RESERVE_PROC (256 + TT_RESERVE_THREAD + 4 * 256)

static char *tt_part_path(const char *base, size_t k)
{
	size_t n = strlen(base) + 32;
	char *p = tt_xmalloc(n);

	snprintf(p, n, "%s.%zu.json", base, k);
	return p;
}

static int tt_part_open(const char *path, int flags)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0666);

	if (fd < 0) {
		tt_error("%s: cannot %s: %s", path, flags & O_APPEND ? "open" : "create",
			 strerror(errno));
		exit(2);
	}
	return fd;
}

static void tt_part_new(struct tt_json *j)
{
	struct tt_jpart *p;

	tt_grow((void **)&j->parts, &(size_t){ j->nparts }, j->nparts + 1, sizeof(*j->parts));
	p = &j->parts[j->nparts++];
	*p = (struct tt_jpart){ .empty = true };
	if (j->limit) {
		p->path = tt_part_path(j->run->opt->split_base, j->nparts - 1);
		j->out->fd = tt_part_open(p->path, O_CREAT | O_TRUNC);
		j->out->name = p->path;
		j->out->flushed = 0;
	}
	j->reserve = j->fixed_reserve;
	tt_out_puts(j->out, "{\"traceEvents\":[\n");
}

void tt_json_parts_begin(struct tt_json *j)
{
	struct tt_run *run = j->run;

	j->limit = run->opt->split_bytes;
	/* the metadata object, and the lost-events instants of the last part */
	j->fixed_reserve = 2048;
	for (size_t i = 0; i < run->nprocs; i++) {
		if (run->procs[i]->hostname)
			j->fixed_reserve += 6 * strlen(run->procs[i]->hostname);
		if (run->procs[i]->lost) /* its instant, and maybe its names */
			j->fixed_reserve +=
				256 + TT_RESERVE_PROC + 6 * strlen(run->procs[i]->program);
	}
	tt_part_new(j);
}

struct tt_thread *tt_json_main_thread(struct tt_file *f)
{
	struct tt_thread *t = tt_file_thread(f, f->pid);

	return t ? t : &f->threads[0];
}

/* Closes the current part's events (not its tail: that waits for the final names). */
static void tt_part_close(struct tt_json *j)
{
	j->closing = true;
	j->before_close(j); /* the emitter's pending counter samples: this part's time */
	j->closing = false;
	tt_out_flush(j->out);
	if (close(j->out->fd)) {
		tt_error("%s: cannot write: %s", j->out->name, strerror(errno));
		exit(2);
	}
	j->out->fd = -1;
}

void tt_json_room_slow(struct tt_json *j, uint64_t need)
{
	if (j->closing || tt_json_part(j)->empty ||
	    tt_out_size(j->out) + j->reserve + need <= j->limit)
		return;
	tt_part_close(j);
	tt_part_new(j);
	j->carry = true;
}

void tt_json_seen_slow(struct tt_json *j, struct tt_thread *t)
{
	struct tt_jpart *p = tt_json_part(j);
	struct tt_jfile *jf = &j->files[t->file->index];

	t->out_mark = (uint32_t)j->nparts;
	tt_grow((void **)&p->threads, &p->cap, p->nthreads + 1, sizeof(*p->threads));
	p->threads[p->nthreads++] = t;
	j->reserve += TT_RESERVE_THREAD;
	if (jf->part_seen != j->nparts) {
		jf->part_seen = (uint32_t)j->nparts;
		j->reserve += TT_RESERVE_PROC + 6 * strlen(t->file->program);
	}
}

/*
 * The tail
 */
static void tt_line(struct tt_out *o, bool *empty)
{
	if (!*empty)
		tt_out_write(o, ",\n", 2);
	*empty = false;
}

static void tt_json_lost(struct tt_json *j, struct tt_out *o, bool *empty)
{
	struct tt_run *run = j->run;

	for (size_t i = 0; i < run->nprocs; i++) {
		struct tt_file *f = run->procs[i];
		uint64_t at = f->end_ns ? tt_run_rel(run, f->end_ns) : f->last_end_ns;
		char *p;

		if (!f->lost || !tt_filter_time(j->filter, at))
			continue;
		if (j->limit && !j->closing)
			tt_json_seen(j, tt_json_main_thread(f));
		tt_line(o, empty);
		p = tt_out_reserve(o, 256);
		p = TT_LIT(p, "{\"name\":\"events lost\",\"cat\":\"traceit\",");
		p = TT_LIT(p, "\"ph\":\"i\",\"s\":\"t\",\"ts\":");
		p = tt_fmt_us(p, at);
		p = TT_LIT(p, ",\"pid\":");
		p = tt_fmt_u64(p, f->pid);
		p = TT_LIT(p, ",\"tid\":");
		p = tt_fmt_u64(p, f->pid);
		p = TT_LIT(p, ",\"args\":{\"count\":");
		p = tt_fmt_u64(p, f->lost);
		p = TT_LIT(p, "}}");
		tt_out_commit(o, p);
	}
}

/* name, cut at a character boundary to at most max bytes (0: whole) */
static void tt_json_name(struct tt_out *o, const char *name, size_t max)
{
	char cut[TT_SPLIT_NAME + 1];
	size_t n = 0;

	if (!max || strlen(name) <= max) {
		tt_out_json_str(o, name);
		return;
	}
	while (name[n]) {
		int k = tt_utf8_len((const unsigned char *)name + n);

		if (k < 1)
			k = 1;
		if (n + (size_t)k > max)
			break;
		n += (size_t)k;
	}
	memcpy(cut, name, n);
	cut[n] = '\0';
	tt_out_json_str(o, cut);
}

static void tt_json_meta(struct tt_out *o, bool *empty, const char *what, uint32_t pid,
			 uint32_t tid, const char *name, uint64_t sort_index, size_t max)
{
	char *p;

	tt_line(o, empty);
	p = tt_out_reserve(o, 256);
	p = TT_LIT(p, "{\"name\":\"");
	p = tt_fmt_lit(p, what, strlen(what));
	p = TT_LIT(p, "\",\"ph\":\"M\",\"pid\":");
	p = tt_fmt_u64(p, pid);
	p = TT_LIT(p, ",\"tid\":");
	p = tt_fmt_u64(p, tid);
	if (name) {
		p = TT_LIT(p, ",\"args\":{\"name\":");
		tt_out_commit(o, p);
		tt_json_name(o, name, max);
		p = tt_out_reserve(o, 256);
	} else {
		p = TT_LIT(p, ",\"args\":{\"sort_index\":");
		p = tt_fmt_u64(p, sort_index);
	}
	p = TT_LIT(p, "}}");
	tt_out_commit(o, p);
}

/* (pid, tid) of a thread that appears in a part, and whether it is listed */
struct tt_ptkey {
	uint32_t pid, tid;
};

static int tt_ptkey_cmp(const void *a, const void *b)
{
	const struct tt_ptkey *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->tid < y->tid ? -1 : (x->tid > y->tid);
}

static bool tt_ptkey_has(const struct tt_ptkey *v, size_t n, uint32_t pid, uint32_t tid)
{
	struct tt_ptkey k = { pid, tid };

	return n && bsearch(&k, v, n, sizeof(*v), tt_ptkey_cmp);
}

/*
 * The names: every process and thread (part == NULL), or those of one part (tid 0 standing
 * for "the process").
 */
static void tt_json_names(struct tt_json *j, const struct tt_meta *m, struct tt_out *o, bool *empty,
			  const struct tt_jpart *part)
{
	struct tt_ptkey *keys = NULL;
	size_t n = 0, max = part ? TT_SPLIT_NAME : 0;

	if (part) {
		keys = tt_xcalloc(2 * part->nthreads + 1, sizeof(*keys));
		for (size_t i = 0; i < part->nthreads; i++) {
			keys[n++] = (struct tt_ptkey){ part->threads[i]->file->pid,
						       part->threads[i]->tid };
			keys[n++] = (struct tt_ptkey){ part->threads[i]->file->pid, 0 };
		}
		tt_sort(keys, n, sizeof(*keys), tt_ptkey_cmp);
	}
	for (size_t i = 0; i < m->nprocs; i++) {
		if (part && !tt_ptkey_has(keys, n, m->procs[i].pid, 0))
			continue;
		tt_json_meta(o, empty, "process_name", m->procs[i].pid, m->procs[i].pid,
			     m->procs[i].name, 0, 0);
		tt_json_meta(o, empty, "process_sort_index", m->procs[i].pid, m->procs[i].pid, NULL,
			     m->procs[i].sort_index, 0);
	}
	for (size_t i = 0; i < m->nthreads; i++) {
		const struct tt_meta_thread *t = &m->threads[i];

		/* a part names its threads, and the main thread of each of its processes */
		if (part && !tt_ptkey_has(keys, n, t->pid, t->tid) &&
		    !(t->tid == t->pid && tt_ptkey_has(keys, n, t->pid, 0)))
			continue;
		tt_json_meta(o, empty, "thread_name", t->pid, t->tid, t->name, 0, max);
		tt_json_meta(o, empty, "thread_sort_index", t->pid, t->tid, NULL, t->sort_index, 0);
	}
	if (*empty) /* nothing readable: still a valid, non-empty trace */
		tt_json_meta(o, empty, "process_name", 0, 0, "traceit: no events", 0, 0);
	free(keys);
}

static void tt_json_metadata(struct tt_json *j, struct tt_out *o, size_t k)
{
	struct tt_run *run = j->run;
	uint64_t lost = 0, realtime0 = 0;
	const char *host = NULL;

	for (size_t i = 0; i < run->nprocs; i++) {
		struct tt_file *f = run->procs[i];

		lost += f->lost;
		if (!host && f->hostname)
			host = f->hostname;
		if (!realtime0 && f->start_realtime && f->start_ns >= run->base_ns)
			realtime0 = f->start_realtime - (f->start_ns - run->base_ns);
	}
	tt_out_printf(o,
		      "\n],\"displayTimeUnit\":\"ns\",\"metadata\":{\"traceit-version\":\"%s\","
		      "\"format-version\":%d,\"inputs\":%zu,\"processes\":%zu,"
		      "\"events\":%llu,\"events-lost\":%llu,\"time-zero-monotonic-ns\":%llu",
		      TT_VERSION, TT_FORMAT_VERSION, run->nfiles, run->nprocs,
		      (unsigned long long)(j->limit ? j->parts[k].events : run->written),
		      (unsigned long long)lost, (unsigned long long)run->base_ns);
	if (realtime0)
		tt_out_printf(o, ",\"time-zero-realtime-ns\":%llu", (unsigned long long)realtime0);
	if (host) {
		tt_out_puts(o, ",\"hostname\":");
		tt_out_json_str(o, host);
	}
	if (j->limit)
		tt_out_printf(o, ",\"part\":%zu,\"parts\":%zu", k, j->nparts);
	tt_out_puts(o, "}}\n");
}

void tt_json_parts_end(struct tt_json *j)
{
	struct tt_meta m;
	size_t last = j->nparts - 1;

	tt_meta_build(&m, j->run);
	tt_json_lost(j, j->out, &j->parts[last].empty);
	tt_json_names(j, &m, j->out, &j->parts[last].empty, j->limit ? &j->parts[last] : NULL);
	tt_json_metadata(j, j->out, last);
	if (j->limit) {
		tt_part_close(j);
		for (size_t k = 0; k < last; k++) {
			struct tt_out o;

			tt_out_init(&o, tt_part_open(j->parts[k].path, O_APPEND), j->parts[k].path);
			tt_json_names(j, &m, &o, &j->parts[k].empty, &j->parts[k]);
			tt_json_metadata(j, &o, k);
			tt_out_flush(&o);
			if (close(o.fd)) {
				tt_error("%s: cannot write: %s", o.name, strerror(errno));
				exit(2);
			}
			tt_out_free(&o);
		}
	}
	for (size_t k = 0; k < j->nparts; k++) {
		free(j->parts[k].path);
		free(j->parts[k].threads);
	}
	free(j->parts);
	tt_meta_free(&m);
}
