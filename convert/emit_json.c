/*
 * emit_json.c - Chrome Trace Event JSON (object form), for Perfetto, chrome://tracing,
 * DevTools and speedscope.
 *
 * Arguments are named by their role in events.def ("fd", "path", "size"), and so is the
 * result; values of address kinds are hex strings, flags hex, modes octal.
 *
 * Calls are complete ("X") events and calls that do not return are thread-scoped instants,
 * so the viewers never have to pair begin/end events.  ts and dur are microseconds written
 * with three decimals from integer nanoseconds, so nesting is exact (jsontime.c covers the
 * viewers that add them up as doubles).  Names of processes and threads are metadata ("M")
 * events at the end of the array, because a thread can be renamed at any time during the
 * run: only at the end is its final name known.  See trace-formats.md for the rules of each
 * viewer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "state.h"
#include "errnames.h"
#include "jsontime.h"
#include "meta.h"

#ifndef TT_VERSION
#define TT_VERSION "unknown"
#endif

/*
 * Fixed text made once: copied with a constant-size memcpy (a few vector moves) and the
 * write position advanced by the real length.
 */
/* The leading bytes of an event of each type: {"name":"read","cat":"io","ph":"X","ts": */
struct tt_json_prefix {
	char text[112];
	uint8_t len;
};

/* ,"key": of each role (the comma skipped for the first key) */
struct tt_json_key {
	char text[24];
	uint8_t len;
};

struct tt_json {
	struct tt_out *out;
	bool first;
	struct tt_json_prefix prefix[TT_EV_COUNT];
	struct tt_json_key key[TT_ROLE_COUNT];
	struct tt_json_key result_key[TT_ROLE_COUNT];
	struct tt_json_key path_key;
	struct tt_json_key errno_key;
};

static void tt_json_make_key(struct tt_json_key *k, const char *name)
{
	k->len = (uint8_t)snprintf(k->text, sizeof(k->text), ",\"%s\":", name);
}

static void tt_json_init_prefixes(struct tt_json *j)
{
	for (unsigned t = 1; t < TT_EV_COUNT; t++) {
		int n = snprintf(j->prefix[t].text, sizeof(j->prefix[t].text),
				 "{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"%s\",\"ts\":",
				 tt_events[t].name, tt_category_names[tt_events[t].category],
				 tt_event_is_instant(t) ? "i\",\"s\":\"t" : "X");

		j->prefix[t].len = (uint8_t)n;
	}
	for (unsigned r = 1; r < TT_ROLE_COUNT; r++) {
		tt_json_make_key(&j->key[r], tt_roles[r].name);
		/*
		 * The result is named by its role like the arguments ("bytes" of a read, "pid" of
		 * a fork), except an address, "result": "addr" names the block free() releases.
		 */
		tt_json_make_key(&j->result_key[r],
				 r == TT_ROLE_ADDR ? "result" : tt_roles[r].name);
	}
	tt_json_make_key(&j->path_key, "path");
	tt_json_make_key(&j->errno_key, "errno");
}

static void *tt_json_begin(struct tt_run *run)
{
	struct tt_json *j = tt_xcalloc(1, sizeof(*j));

	j->out = run->out;
	j->first = true;
	tt_json_init_prefixes(j);
	tt_out_puts(j->out, "{\"traceEvents\":[\n");
	return j;
}

/* Writes ,"key": (without the comma for the first key), returns the end. */
static inline char *tt_key(char *p, bool *first, const struct tt_json_key *k)
{
	memcpy(p, k->text + *first, sizeof(k->text) - 1);
	p += k->len - *first;
	*first = false;
	return p;
}

static inline char *tt_hex_str(char *p, uint64_t v)
{
	*p++ = '"';
	p = tt_fmt_hex(p, v);
	*p++ = '"';
	return p;
}

/* Returns where to go on writing: a string value may have moved the buffer. */
static char *tt_json_value(struct tt_out *o, char *p, unsigned role, union tt_value v)
{
	switch (tt_roles[role].kind) {
	case TT_KIND_U:
		if (role == TT_ROLE_FLAGS)
			return tt_hex_str(p, v.u);
		if (role == TT_ROLE_MODE) {
			*p++ = '"';
			p = tt_fmt_oct(p, v.u);
			*p++ = '"';
			return p;
		}
		return tt_fmt_u64(p, v.u);
	case TT_KIND_S:
		return tt_fmt_i64(p, v.s);
	case TT_KIND_ADDR:
		return tt_hex_str(p, v.u);
	default:
		tt_out_commit(o, p);
		tt_out_json_str(o, v.str);
		return tt_out_reserve(o, 1024);
	}
}

static void tt_json_event(void *self, const struct tt_event *ev)
{
	struct tt_json *j = self;
	struct tt_out *o = j->out;
	const struct tt_event_info *info = &tt_events[ev->type];
	char *p = tt_out_reserve(o, 1024);
	bool first = true;

	if (!j->first)
		p = TT_LIT(p, ",\n");
	j->first = false;
	memcpy(p, j->prefix[ev->type].text, sizeof(j->prefix[ev->type].text));
	p += j->prefix[ev->type].len;
	if (tt_event_is_instant(ev->type)) {
		p = tt_fmt_us(p, ev->start_ns);
	} else {
		if (!ev->thread->jtime)
			ev->thread->jtime = tt_xcalloc(1, sizeof(*ev->thread->jtime));
		p = tt_jtime_slice(p, ev->thread->jtime, ev->start_ns, ev->end_ns);
	}
	p = TT_LIT(p, ",\"pid\":");
	p = tt_fmt_u64(p, ev->file->pid);
	p = TT_LIT(p, ",\"tid\":");
	p = tt_fmt_u64(p, ev->thread->tid);
	p = TT_LIT(p, ",\"args\":{");
	for (int i = 0; i < TT_MAX_ARGS; i++) {
		unsigned role = info->args[i];

		if (role == TT_ROLE_NONE ||
		    (tt_roles[role].kind == TT_KIND_STR && !ev->args[i].str))
			continue;
		p = tt_key(p, &first, &j->key[role]);
		p = tt_json_value(o, p, role, ev->args[i]);
	}
	/* the file of a descriptor-based call, unless the call names its path itself */
	if (ev->fd_path && !tt_arg(ev, TT_ROLE_PATH)) {
		p = tt_key(p, &first, &j->path_key);
		p = tt_json_value(o, p, TT_ROLE_PATH, (union tt_value){.str = ev->fd_path});
	}
	if (info->result != TT_ROLE_NONE) {
		p = tt_key(p, &first, &j->result_key[info->result]);
		p = tt_json_value(o, p, info->result, ev->result);
	}
	if (ev->failed) {
		const char *name = tt_errno_name(ev->err);

		p = tt_key(p, &first, &j->errno_key);
		*p++ = '"';
		if (name)
			p = tt_fmt_lit(p, name, strlen(name));
		else
			p = tt_fmt_i64(p, ev->err);
		*p++ = '"';
	}
	p = TT_LIT(p, "}}");
	tt_out_commit(o, p);
}

/* One line of the array (the separator handled here). */
static void tt_json_line_start(struct tt_json *j)
{
	if (!j->first)
		tt_out_write(j->out, ",\n", 2);
	j->first = false;
}

static void tt_json_lost(struct tt_json *j, struct tt_run *run)
{
	for (size_t i = 0; i < run->nprocs; i++) {
		struct tt_file *f = run->procs[i];
		uint64_t at = f->end_ns ? tt_run_rel(run, f->end_ns) : f->last_end_ns;
		char *p;

		if (!f->lost)
			continue;
		tt_json_line_start(j);
		p = tt_out_reserve(j->out, 256);
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
		tt_out_commit(j->out, p);
	}
}

static void tt_json_meta(struct tt_json *j, const char *what, uint32_t pid, uint32_t tid,
			 const char *name, uint64_t sort_index)
{
	struct tt_out *o = j->out;
	char *p;

	tt_json_line_start(j);
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
		tt_out_json_str(o, name);
		p = tt_out_reserve(o, 256);
	} else {
		p = TT_LIT(p, ",\"args\":{\"sort_index\":");
		p = tt_fmt_u64(p, sort_index);
	}
	p = TT_LIT(p, "}}");
	tt_out_commit(o, p);
}

static void tt_json_names(struct tt_json *j, struct tt_run *run)
{
	struct tt_meta m;

	tt_meta_build(&m, run);
	for (size_t i = 0; i < m.nprocs; i++) {
		tt_json_meta(j, "process_name", m.procs[i].pid, m.procs[i].pid, m.procs[i].name, 0);
		tt_json_meta(j, "process_sort_index", m.procs[i].pid, m.procs[i].pid, NULL, i);
	}
	for (size_t i = 0; i < m.nthreads; i++) {
		const struct tt_meta_thread *t = &m.threads[i];

		tt_json_meta(j, "thread_name", t->pid, t->tid, t->name, 0);
		tt_json_meta(j, "thread_sort_index", t->pid, t->tid, NULL, t->sort_index);
	}
	if (!m.nprocs) /* nothing readable: still a valid, non-empty trace */
		tt_json_meta(j, "process_name", 0, 0, "traceit: no events", 0);
	tt_meta_free(&m);
}

static void tt_json_metadata(struct tt_json *j, struct tt_run *run)
{
	struct tt_out *o = j->out;
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
		      (unsigned long long)run->events, (unsigned long long)lost,
		      (unsigned long long)run->base_ns);
	if (realtime0)
		tt_out_printf(o, ",\"time-zero-realtime-ns\":%llu", (unsigned long long)realtime0);
	if (host) {
		tt_out_puts(o, ",\"hostname\":");
		tt_out_json_str(o, host);
	}
	tt_out_puts(o, "}}\n");
}

static void tt_json_end(void *self, struct tt_run *run)
{
	struct tt_json *j = self;

	for (size_t i = 0; i < run->nprocs; i++)
		for (size_t k = 0; k < run->procs[i]->nthreads; k++) {
			free(run->procs[i]->threads[k].jtime);
			run->procs[i]->threads[k].jtime = NULL;
		}
	tt_json_lost(j, run);
	tt_json_names(j, run);
	tt_json_metadata(j, run);
	free(j);
}

const struct tt_sink tt_sink_json = {
	.begin = tt_json_begin,
	.event = tt_json_event,
	.end = tt_json_end,
};
