/*
 * tables.c - the CSV tables of whole-run statistics: processes, threads, files, locks and
 * functions, written when the run ends from the summary's collection (summary.h), and the
 * key columns every table shares.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvrow.h"
#include "lockid.h"
#include "meta.h"
#include "runkey.h"
#include "state.h"
#include "summary.h"
#include "tables.h"

const char tt_table_key_columns[] = "schema_version,host,boot_id,run_id,";

const struct tt_table_info tt_tables[TT_TABLE_COUNT] = {
	[TT_TABLE_PLAIN] = { "events", 1, tt_csv_columns },
	[TT_TABLE_EVENTS] = { "events", 1, tt_csv_columns },
	[TT_TABLE_PROCESSES] = { "processes", 1,
				 "pid,image,ppid,name,exe,cmdline,start_ns,end_ns,start_unix_ns,"
				 "exit_kind,exit_status,exit_signal,events,lost,threads,"
				 "threads_created,threads_peak,allocs,frees,bytes_allocated,"
				 "heap_peak_bytes,leaked_bytes,leaked_blocks,stream\n" },
	[TT_TABLE_THREADS] = { "threads", 1,
			       "pid,tid,name,start_ns,end_ns,busy_ns,events,created\n" },
	[TT_TABLE_FILES] = { "files", 1,
			     "path,opens,reads,writes,bytes_read,bytes_written,errors,time_ns\n" },
	[TT_TABLE_LOCKS] = { "locks", 1,
			     "pid,image,addr,name,object,site,acquisitions,contended,wait_ns,"
			     "wait_max_ns,holds,hold_ns,hold_max_ns,threads\n" },
	[TT_TABLE_ALLOCATIONS] = { "allocations", 1,
				   "pid,image,tid,function,alloc_ns,size,addr,free_ns,free_tid,"
				   "free_function,stack_id,site\n" },
	[TT_TABLE_FUNCTIONS] = { "functions", 1,
				 "kind,category,name,calls,errors,total_ns,self_ns,min_ns,"
				 "max_ns\n" },
};

int tt_table_find(const char *name)
{
	for (int t = TT_TABLE_EVENTS; t < TT_TABLE_COUNT; t++)
		if (!strcmp(name, tt_tables[t].name))
			return t;
	return -1;
}

/* s as one CSV field at p (RFC 4180: quoted when it holds a comma, quote, CR or LF). */
static char *tt_key_field(char *p, const char *s)
{
	bool quote = s && s[strcspn(s, ",\"\r\n")];

	if (quote)
		*p++ = '"';
	for (; s && *s; s++) {
		if (*s == '"')
			*p++ = '"';
		*p++ = *s;
	}
	if (quote)
		*p++ = '"';
	*p++ = ',';
	return p;
}

/*
 * Key columns are never empty, so that joins on them match (an empty field is NULL to the
 * loaders, and NULL equals nothing): streams of recorders that wrote no boot id say so.
 */
char *tt_table_key(unsigned table, const struct tt_file *f)
{
	const char *host = f->hostname && *f->hostname ? f->hostname : "unknown";
	const char *boot = f->boot_id && *f->boot_id ? f->boot_id : "unknown";
	const char *run = f->run_id;
	size_t n = 32 + 2 * (strlen(host) + strlen(boot) + (run ? strlen(run) : 0));
	char *key = tt_xmalloc(n), *p = key;

	p += snprintf(p, 24, "%u,", tt_tables[table].schema);
	p = tt_key_field(p, host);
	p = tt_key_field(p, boot);
	p = tt_key_field(p, run);
	*p = '\0';
	return key;
}

void tt_table_header(struct tt_out *o, unsigned table)
{
	if (table != TT_TABLE_PLAIN)
		tt_out_puts(o, tt_table_key_columns);
	tt_out_puts(o, tt_tables[table].columns);
}

struct tt_pidat {
	uint32_t pid;
	uint32_t at; /* in run->procs: start order */
};

static int tt_pidat_cmp(const void *a, const void *b)
{
	const struct tt_pidat *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* The image of each process: 0 for its first, 1 after its first exec..., by file index */
static unsigned *tt_images(const struct tt_run *run)
{
	unsigned *image = tt_xcalloc(run->nfiles ? run->nfiles : 1, sizeof(*image));
	struct tt_pidat *v = tt_xcalloc(run->nprocs ? run->nprocs : 1, sizeof(*v));

	for (size_t i = 0; i < run->nprocs; i++)
		v[i] = (struct tt_pidat){ run->procs[i]->pid, (uint32_t)i };
	tt_sort(v, run->nprocs, sizeof(*v), tt_pidat_cmp);
	for (size_t i = 1; i < run->nprocs; i++)
		if (v[i].pid == v[i - 1].pid)
			image[run->procs[v[i].at]->index] =
				image[run->procs[v[i - 1].at]->index] + 1;
	free(v);
	return image;
}

struct tt_tables {
	struct tt_out *out;
	unsigned table;
	struct tt_summary *sum;
	struct tt_allocs *allocs;
	unsigned *image; /* by file index */
	char **key;	 /* by file index: the key fields */
};

static void tt_key(struct tt_tables *t, const struct tt_file *f)
{
	tt_out_puts(t->out, t->key[f->index]);
}

static void tt_write_processes(struct tt_tables *t, struct tt_run *run)
{
	static const char *const exits[] = { "unknown", "exit", "_exit", "exec", "signal" };
	struct tt_out *o = t->out;

	for (size_t i = 0; i < run->nprocs; i++) {
		const struct tt_file *f = run->procs[i];
		const struct tt_memstat *m = &f->mem;
		uint64_t end = f->has_end && f->end_ns ? tt_run_rel(run, f->end_ns) : 0;
		bool code = f->has_end &&
			    (f->exit_kind == TT_EXIT_EXIT || f->exit_kind == TT_EXIT__EXIT);
		bool sig = f->has_end && f->exit_kind == TT_EXIT_SIGNAL;

		tt_key(t, f);
		tt_col_u64(o, f->pid, ',');
		tt_col_u64(o, t->image[f->index], ',');
		tt_col_u64(o, f->ppid, ',');
		tt_col_str(o, f->program, ',');
		tt_col_str(o, f->exe, ',');
		tt_col_str(o, f->argv, ',');
		tt_col_u64(o, tt_run_rel(run, f->start_ns), ',');
		tt_col_u64(o, end > f->last_end_ns ? end : f->last_end_ns, ',');
		if (f->start_realtime)
			tt_col_u64(o, f->start_realtime, ',');
		else
			tt_col_none(o, ',');
		tt_col_str(o, !f->has_end ? NULL : exits[f->exit_kind < 5 ? f->exit_kind : 0], ',');
		if (code && f->has_exit_status)
			tt_col_i64(o, f->exit_status, ',');
		else
			tt_col_none(o, ',');
		if (sig)
			tt_col_i64(o, f->exit_status, ',');
		else
			tt_col_none(o, ',');
		tt_col_u64(o, f->decoded, ',');
		tt_col_u64(o, f->lost, ',');
		tt_col_u64(o, f->nthreads, ',');
		tt_col_u64(o, f->threads_started, ',');
		tt_col_u64(o, f->threads_peak, ',');
		tt_col_u64(o, m->allocs, ',');
		tt_col_u64(o, m->frees, ',');
		tt_col_u64(o, m->bytes, ',');
		tt_col_u64(o, m->peak_bytes, ',');
		tt_col_u64(o, m->live_bytes, ',');
		tt_col_u64(o, m->live_blocks, ',');
		tt_col_str(o, tt_stream_state(f), '\n');
	}
}

/* The first image of pid among the selected processes: the key of a thread's row */
static const struct tt_file *tt_proc_of(const struct tt_run *run, uint32_t pid)
{
	for (size_t i = 0; i < run->nprocs; i++)
		if (run->procs[i]->pid == pid)
			return run->procs[i];
	return run->procs[0];
}

static void tt_write_threads(struct tt_tables *t, struct tt_run *run)
{
	struct tt_out *o = t->out;
	struct tt_meta m;

	tt_meta_build(&m, run);
	for (size_t i = 0; i < m.nthreads; i++) {
		const struct tt_meta_thread *th = &m.threads[i];

		tt_key(t, tt_proc_of(run, th->pid));
		tt_col_u64(o, th->pid, ',');
		tt_col_u64(o, th->tid, ',');
		tt_col_str(o, th->name, ',');
		tt_col_u64(o, th->start_ns, ',');
		tt_col_u64(o, th->end_ns, ',');
		tt_col_u64(o, th->busy_ns, ',');
		tt_col_u64(o, th->events, ',');
		tt_col_u64(o, th->started, '\n');
	}
	tt_meta_free(&m);
}

static int tt_io_path_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tt_iostat *)a)->key, ((const struct tt_iostat *)b)->key);
}

static void tt_write_files(struct tt_tables *t, struct tt_run *run)
{
	struct tt_out *o = t->out;
	size_t n;
	struct tt_iostat *v = tt_summary_io(t->sum, &n);

	tt_sort(v, n, sizeof(*v), tt_io_path_cmp);
	for (size_t i = 0; i < n && run->nprocs; i++) {
		tt_key(t, run->procs[0]);
		tt_col_str(o, v[i].key, ',');
		tt_col_u64(o, v[i].opens, ',');
		tt_col_u64(o, v[i].reads, ',');
		tt_col_u64(o, v[i].writes, ',');
		tt_col_u64(o, v[i].bytes_read, ',');
		tt_col_u64(o, v[i].bytes_written, ',');
		tt_col_u64(o, v[i].errors, ',');
		tt_col_u64(o, v[i].time_ns, '\n');
	}
	free(v);
}

static int tt_lock_order(const void *a, const void *b)
{
	const struct tt_lockstat *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void tt_write_locks(struct tt_tables *t, struct tt_run *run)
{
	struct tt_out *o = t->out;
	size_t n;
	struct tt_lockstat *v = tt_summary_locks(t->sum, &n);

	tt_sort(v, n, sizeof(*v), tt_lock_order);
	for (size_t i = 0; i < n; i++) {
		struct tt_file *f = run->files[v[i].file];
		char obj[256];

		if (!v[i].acquired && !v[i].holds)
			continue; /* only named (ITT), never taken */
		tt_key(t, f);
		tt_col_u64(o, f->pid, ',');
		tt_col_u64(o, t->image[f->index], ',');
		tt_col_hex(o, v[i].addr, ',');
		tt_col_str(o, v[i].name, ',');
		tt_col_str(o, tt_lock_object(f, v[i].addr, obj, sizeof(obj)), ',');
		tt_col_str(o, tt_callstack_top(f, v[i].stack), ',');
		tt_col_u64(o, v[i].acquired, ',');
		tt_col_u64(o, v[i].contended, ',');
		tt_col_u64(o, v[i].wait_ns, ',');
		tt_col_u64(o, v[i].wait_max, ',');
		tt_col_u64(o, v[i].holds, ',');
		tt_col_u64(o, v[i].hold_ns, ',');
		tt_col_u64(o, v[i].hold_max, ',');
		tt_col_u64(o, v[i].threads, '\n');
	}
	free(v);
}

static int tt_type_name_cmp(const void *a, const void *b)
{
	return strcmp(tt_events[*(const unsigned *)a].name, tt_events[*(const unsigned *)b].name);
}

static int tt_ustat_name_cmp(const void *a, const void *b)
{
	const struct tt_ustat *x = *(const struct tt_ustat *const *)a;
	const struct tt_ustat *y = *(const struct tt_ustat *const *)b;

	return strcmp(x->name, y->name);
}

/*
 * Wrapped calls by name (kind "call"), then the program's spans (kind "span"); rows of kind
 * "function" are for the program's own functions when they are traced.
 */
static int tt_rstat_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tt_rstat *)a)->name, ((const struct tt_rstat *)b)->name);
}

static void tt_write_functions(struct tt_tables *t, struct tt_run *run)
{
	struct tt_out *o = t->out;
	const struct tt_summary *s = t->sum;
	unsigned order[TT_EV_COUNT], n = 0;
	const struct tt_ustat **spans = tt_xcalloc(s->user_n + 1, sizeof(*spans));
	size_t nspans = 0;

	if (!run->nprocs) {
		free(spans);
		return;
	}
	for (unsigned ty = 1; ty < TT_EV_COUNT; ty++)
		if (s->fn[ty].calls)
			order[n++] = ty;
	tt_sort(order, n, sizeof(*order), tt_type_name_cmp);
	for (unsigned i = 0; i < n; i++) {
		const struct tt_fstat *f = &s->fn[order[i]];

		tt_key(t, run->procs[0]);
		tt_col_str(o, "call", ',');
		tt_col_str(o, tt_category_names[tt_events[order[i]].category], ',');
		tt_col_str(o, tt_events[order[i]].name, ',');
		tt_col_u64(o, f->calls, ',');
		tt_col_u64(o, f->errors, ',');
		tt_col_u64(o, f->total_ns, ',');
		tt_col_u64(o, f->self_ns, ',');
		tt_col_u64(o, f->min_ns, ',');
		tt_col_u64(o, f->max_ns, '\n');
	}
	for (size_t i = 0; i < s->user_n; i++)
		if (s->user[i].kind == TT_USTAT_SPAN)
			spans[nspans++] = &s->user[i];
	tt_sort(spans, nspans, sizeof(*spans), tt_ustat_name_cmp);
	for (size_t i = 0; i < nspans; i++) {
		tt_key(t, run->procs[0]);
		tt_col_str(o, "span", ',');
		tt_col_str(o, "user", ',');
		tt_col_str(o, spans[i]->name, ',');
		tt_col_u64(o, spans[i]->count, ',');
		tt_col_none(o, ',');
		tt_col_u64(o, spans[i]->total_ns, ',');
		tt_col_u64(o, spans[i]->self_ns, ',');
		tt_col_none(o, ',');
		tt_col_u64(o, spans[i]->max_ns, '\n');
	}
	free(spans);

	/* the traced functions (-finstrument-functions), a recursion's total counted once */
	size_t nf;
	struct tt_rstat *fv = tt_summary_funcs(s, &nf);

	tt_sort(fv, nf, sizeof(*fv), tt_rstat_name_cmp);
	for (size_t i = 0; i < nf; i++) {
		tt_key(t, run->procs[0]);
		tt_col_str(o, "function", ',');
		tt_col_str(o, "function", ',');
		tt_col_str(o, fv[i].name, ',');
		tt_col_u64(o, fv[i].calls, ',');
		tt_col_none(o, ',');
		tt_col_u64(o, fv[i].total_ns, ',');
		tt_col_u64(o, fv[i].self_ns, ',');
		tt_col_none(o, ',');
		tt_col_u64(o, fv[i].max_ns, '\n');
	}
	free(fv);
}

static void *tt_tables_begin(struct tt_run *run)
{
	struct tt_tables *t = tt_xcalloc(1, sizeof(*t));

	t->out = run->out;
	t->table = run->opt->table;
	tt_run_keys(run);
	t->key = tt_xcalloc(run->nfiles ? run->nfiles : 1, sizeof(*t->key));
	for (size_t i = 0; i < run->nfiles; i++)
		if (run->files[i]->usable)
			t->key[i] = tt_table_key(t->table, run->files[i]);
	t->image = tt_images(run);
	tt_table_header(t->out, t->table);
	t->sum = tt_summary_new(run);
	if (t->table == TT_TABLE_ALLOCATIONS)
		t->allocs = tt_allocs_begin(run, t->key, t->image);
	return t;
}

static void tt_tables_event(void *self, const struct tt_event *ev)
{
	tt_summary_add(((struct tt_tables *)self)->sum, ev);
}

static void tt_tables_end(void *self, struct tt_run *run)
{
	static void (*const write[TT_TABLE_COUNT])(struct tt_tables *, struct tt_run *) = {
		[TT_TABLE_PROCESSES] = tt_write_processes, [TT_TABLE_THREADS] = tt_write_threads,
		[TT_TABLE_FILES] = tt_write_files,	   [TT_TABLE_LOCKS] = tt_write_locks,
		[TT_TABLE_FUNCTIONS] = tt_write_functions,
	};
	struct tt_tables *t = self;

	if (t->allocs)
		tt_allocs_end(t->allocs);
	else if (write[t->table])
		write[t->table](t, run);
	tt_summary_free(t->sum, run);
	for (size_t i = 0; i < run->nfiles; i++)
		free(t->key[i]);
	free(t->key);
	free(t->image);
	free(t);
}

const struct tt_sink tt_sink_table = {
	.begin = tt_tables_begin,
	.event = tt_tables_event,
	.end = tt_tables_end,
	.track = TT_TRACK_HEAP | TT_TRACK_LOCKS,
};
