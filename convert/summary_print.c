/*
 * summary_print.c - rendering the text summary: one section per aspect, each table sorted
 * by what costs most, human units.  Variable-width text (paths, names) goes in the last
 * column so that the numbers stay aligned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errnames.h"
#include "meta.h"
#include "summary.h"

#define TT_TOP 40 /* rows shown per long table; the rest are counted */

/* 3 significant digits in the largest fitting unit: "812 ns", "12.3 µs", "1.50 s". */
static const char *tt_hum(char *buf, size_t len, uint64_t v, const char *const *units,
			  unsigned step)
{
	double x = (double)v;
	int u = 0;

	if (v < step) {
		snprintf(buf, len, "%llu %s", (unsigned long long)v, units[0]);
		return buf;
	}
	while (x >= step && units[u + 1]) {
		x /= step;
		u++;
	}
	snprintf(buf, len, x < 9.995 ? "%.2f %s" : x < 99.95 ? "%.1f %s" : "%.0f %s", x, units[u]);
	return buf;
}

static const char *const tt_time_units[] = {"ns", "\xc2\xb5s", "ms", "s", NULL};
static const char *const tt_byte_units[] = {"B", "KiB", "MiB", "GiB", "TiB", NULL};

#define TT_NS(v) tt_hum((char[24]){0}, 24, (v), tt_time_units, 1000)
#define TT_BYTES(v) tt_hum((char[24]){0}, 24, (v), tt_byte_units, 1024)

static void tt_more(struct tt_out *o, size_t total, const char *what)
{
	if (total > TT_TOP)
		tt_out_printf(o, "  ... and %zu more %s\n", total - TT_TOP, what);
}

static uint64_t tt_duration(const struct tt_run *run, const struct tt_file *f)
{
	uint64_t end = f->has_end && f->end_ns ? f->end_ns : run->base_ns + f->last_end_ns;

	return end > f->start_ns ? end - f->start_ns : 0;
}

static const char *tt_stream_state(const struct tt_file *f)
{
	const uint64_t *c = f->problems.count;

	if (c[TT_PB_TRUNCATED])
		return "truncated";
	if (c[TT_PB_DAMAGED] || c[TT_PB_BAD_EVENTS] || c[TT_PB_BAD_STRINGS] ||
	    c[TT_PB_BAD_FIELDS] || c[TT_PB_NO_PROCESS] || c[TT_PB_UNKNOWN_STRING])
		return "damaged";
	if (c[TT_PB_NO_END])
		return "no end record";
	return "complete";
}

static const struct tt_run *tt_sort_run;

static int tt_proc_cmp(const void *a, const void *b)
{
	uint64_t x = tt_duration(tt_sort_run, *(struct tt_file *const *)a);
	uint64_t y = tt_duration(tt_sort_run, *(struct tt_file *const *)b);

	return x > y ? -1 : x < y;
}

static void tt_print_procs(struct tt_out *o, struct tt_run *run)
{
	struct tt_file **v = tt_xcalloc(run->nprocs, sizeof(*v));

	memcpy(v, run->procs, run->nprocs * sizeof(*v));
	tt_sort_run = run;
	tt_sort(v, run->nprocs, sizeof(*v), tt_proc_cmp);
	tt_out_printf(o, "\nProcesses (by duration)\n  %8s %8s %10s %11s %-13s %s\n", "pid", "ppid",
		      "duration", "events", "exit", "program (stream)");
	for (size_t i = 0; i < run->nprocs && i < TT_TOP; i++) {
		struct tt_file *f = v[i];
		char exit[32];

		if (!f->has_end)
			snprintf(exit, sizeof(exit), "-");
		else if (f->exit_kind == TT_EXIT_EXEC)
			snprintf(exit, sizeof(exit), "exec");
		else if (f->exit_kind == TT_EXIT_EXIT || f->exit_kind == TT_EXIT__EXIT)
			snprintf(exit, sizeof(exit), "%s %lld",
				 f->exit_kind == TT_EXIT_EXIT ? "exit" : "_exit",
				 (long long)f->exit_status);
		else
			snprintf(exit, sizeof(exit), "unknown");
		tt_out_printf(o, "  %8u %8u %10s %11llu %-13s ", f->pid, f->ppid,
			      TT_NS(tt_duration(run, f)), (unsigned long long)f->decoded, exit);
		tt_out_text(o, f->argv && *f->argv ? f->argv : f->program);
		tt_out_printf(o, " (%s)\n", tt_stream_state(f));
	}
	tt_more(o, run->nprocs, "processes");
	free(v);
}

static const struct tt_summary *tt_sort_sum;

static int tt_fn_cmp(const void *a, const void *b)
{
	const struct tt_fstat *x = &tt_sort_sum->fn[*(const unsigned *)a];
	const struct tt_fstat *y = &tt_sort_sum->fn[*(const unsigned *)b];

	if (x->total_ns != y->total_ns)
		return x->total_ns > y->total_ns ? -1 : 1;
	return x->calls > y->calls ? -1 : x->calls < y->calls;
}

static void tt_print_functions(struct tt_out *o, struct tt_summary *s)
{
	unsigned order[TT_EV_COUNT], n = 0;

	for (unsigned t = 1; t < TT_EV_COUNT; t++)
		if (s->fn[t].calls)
			order[n++] = t;
	tt_sort_sum = s;
	tt_sort(order, n, sizeof(*order), tt_fn_cmp);
	tt_out_printf(
		o, "\nFunctions (by total time in calls)\n  %6s %10s %10s %10s %10s %11s %8s %s\n",
		"% time", "total", "avg", "min", "max", "calls", "errors", "function");
	for (unsigned i = 0; i < n; i++) {
		const struct tt_fstat *f = &s->fn[order[i]];
		double pct = s->total_ns ? 100.0 * (double)f->total_ns / (double)s->total_ns : 0;

		tt_out_printf(o, "  %6.2f %10s %10s %10s %10s %11llu %8llu %s\n", pct,
			      TT_NS(f->total_ns), TT_NS(f->total_ns / f->calls), TT_NS(f->min_ns),
			      TT_NS(f->max_ns), (unsigned long long)f->calls,
			      (unsigned long long)f->errors, tt_events[order[i]].name);
	}
	if (!n)
		tt_out_printf(o, "  (no calls recorded)\n");
}

static int tt_io_cmp(const void *a, const void *b)
{
	const struct tt_iostat *x = a, *y = b;

	if (x->time_ns != y->time_ns)
		return x->time_ns > y->time_ns ? -1 : 1;
	return strcmp(x->key, y->key);
}

static void tt_print_io(struct tt_out *o, struct tt_summary *s)
{
	struct tt_iostat *v = tt_xcalloc(s->io_n, sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < s->io_cap; i++)
		if (s->io[i].key)
			v[n++] = s->io[i];
	tt_sort(v, n, sizeof(*v), tt_io_cmp);
	tt_out_printf(o, "\nI/O per file (by time in calls)\n  %10s %7s %9s %9s %10s %10s %7s %s\n",
		      "time", "opens", "reads", "writes", "read", "written", "errors", "file");
	for (size_t i = 0; i < n && i < TT_TOP; i++) {
		tt_out_printf(o, "  %10s %7llu %9llu %9llu %10s %10s %7llu ", TT_NS(v[i].time_ns),
			      (unsigned long long)v[i].opens, (unsigned long long)v[i].reads,
			      (unsigned long long)v[i].writes, TT_BYTES(v[i].bytes_read),
			      TT_BYTES(v[i].bytes_written), (unsigned long long)v[i].errors);
		tt_out_text(o, v[i].key);
		tt_out_puts(o, "\n");
	}
	if (!n)
		tt_out_printf(o, "  (no I/O recorded)\n");
	tt_more(o, n, "files");
	free(v);
}

static int tt_mem_cmp(const void *a, const void *b)
{
	const struct tt_memstat *x = &tt_sort_sum->mem[(*(struct tt_file *const *)a)->index];
	const struct tt_memstat *y = &tt_sort_sum->mem[(*(struct tt_file *const *)b)->index];

	if (x->peak_bytes != y->peak_bytes)
		return x->peak_bytes > y->peak_bytes ? -1 : 1;
	return x->allocs > y->allocs ? -1 : x->allocs < y->allocs;
}

static void tt_print_memory(struct tt_out *o, struct tt_summary *s, struct tt_run *run)
{
	struct tt_file **v = tt_xcalloc(run->nprocs, sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < run->nprocs; i++)
		if (s->mem[run->procs[i]->index].allocs || s->mem[run->procs[i]->index].frees)
			v[n++] = run->procs[i];
	tt_sort_sum = s;
	tt_sort(v, n, sizeof(*v), tt_mem_cmp);
	tt_out_printf(o,
		      "\nMemory per process (by peak heap in use)\n"
		      "  %8s %10s %10s %8s %10s %10s %10s %10s %8s %10s %s\n",
		      "pid", "allocs", "frees", "unknown", "allocated", "peak", "peak at", "leaked",
		      "blocks", "largest", "program");
	for (size_t i = 0; i < n && i < TT_TOP; i++) {
		const struct tt_memstat *m = &s->mem[v[i]->index];

		tt_out_printf(o, "  %8u %10llu %10llu %8llu %10s %10s %10s %10s %8llu %10s ",
			      v[i]->pid, (unsigned long long)m->allocs,
			      (unsigned long long)m->frees, (unsigned long long)m->unknown_frees,
			      TT_BYTES(m->bytes), TT_BYTES(m->peak_bytes), TT_NS(m->peak_at),
			      TT_BYTES(m->live_bytes), (unsigned long long)m->live_blocks,
			      TT_BYTES(m->largest));
		tt_out_text(o, v[i]->program);
		tt_out_puts(o, "\n");
	}
	if (!n)
		tt_out_printf(o, "  (no heap calls recorded)\n");
	tt_more(o, n, "processes");
	tt_out_printf(o,
		      "  (unknown: frees of blocks allocated before tracing began, e.g. in the "
		      "parent of a fork; peak at: time since the start of the trace; leaked: still "
		      "allocated when the process ended or was cut off)\n");
	free(v);
}

static int tt_thr_cmp(const void *a, const void *b)
{
	const struct tt_meta_thread *x = a, *y = b;

	if (x->busy_ns != y->busy_ns)
		return x->busy_ns > y->busy_ns ? -1 : 1;
	return x->events > y->events ? -1 : x->events < y->events;
}

static void tt_print_threads(struct tt_out *o, struct tt_run *run)
{
	struct tt_meta m;
	size_t created = 0;

	tt_meta_build(&m, run);
	for (size_t i = 0; i < m.nthreads; i++)
		created += m.threads[i].started;
	tt_sort(m.threads, m.nthreads, sizeof(*m.threads), tt_thr_cmp);
	tt_out_printf(o,
		      "\nThreads (by time in calls): %zu seen, %zu created while traced\n"
		      "  %8s %8s %10s %11s %7s %s\n",
		      m.nthreads, created, "pid", "tid", "time", "events", "created", "name");
	for (size_t i = 0; i < m.nthreads && i < TT_TOP; i++) {
		const struct tt_meta_thread *t = &m.threads[i];

		tt_out_printf(o, "  %8u %8u %10s %11llu %7s ", t->pid, t->tid, TT_NS(t->busy_ns),
			      (unsigned long long)t->events, t->started ? "yes" : "no");
		tt_out_text(o, t->name);
		tt_out_puts(o, "\n");
	}
	tt_more(o, m.nthreads, "threads");
	tt_meta_free(&m);
}

static void tt_print_events(struct tt_out *o, struct tt_run *run)
{
	uint64_t lost = 0;
	size_t bad = 0;

	for (size_t i = 0; i < run->nprocs; i++)
		lost += run->procs[i]->lost;
	tt_out_printf(o, "\nEvents\n  decoded: %llu\n  lost by the recorder: %llu\n",
		      (unsigned long long)run->events, (unsigned long long)lost);
	for (size_t i = 0; i < run->nfiles; i++) {
		struct tt_file *f = run->files[i];
		const char *state = f->usable ? tt_stream_state(f) : "not readable";

		if (!strcmp(state, "complete"))
			continue;
		if (!bad++)
			tt_out_printf(o, "  inputs with problems:\n");
		tt_out_printf(o, "    %-14s ", state);
		tt_out_text(o, f->name);
		tt_out_puts(o, "\n");
	}
	if (!bad)
		tt_out_printf(o, "  inputs with problems: none\n");
}

void tt_summary_print(struct tt_summary *s, struct tt_run *run)
{
	struct tt_out *o = s->out;

	uint64_t span = 0;

	for (size_t i = 0; i < run->nprocs; i++) {
		uint64_t end = run->procs[i]->start_ns + tt_duration(run, run->procs[i]);

		if (end > run->base_ns && end - run->base_ns > span)
			span = end - run->base_ns;
	}
	tt_out_printf(o, "traceit summary: %zu process%s, %llu events in %s\n", run->nprocs,
		      run->nprocs == 1 ? "" : "es", (unsigned long long)run->events, TT_NS(span));
	tt_print_procs(o, run);
	tt_print_functions(o, s);
	tt_print_io(o, s);
	tt_print_memory(o, s, run);
	tt_print_threads(o, run);
	tt_print_events(o, run);
}
