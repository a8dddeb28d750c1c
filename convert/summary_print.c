/*
 * summary_print.c - rendering the text summary: one section per aspect, each table sorted
 * by what costs most, human units.  Variable-width text (paths, names) goes in the last
 * column so that the numbers stay aligned.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errnames.h"
#include "meta.h"
#include "summary.h"
#include "sites.h"

#define TT_TOP 40 /* rows shown per long table; the rest are counted */

/*
 * 3 significant digits in the largest fitting unit: "812 ns", "12.3 µs", "1.50 s", right-
 * aligned to width columns (printf's widths count bytes, and "µ" is two).
 */
const char *tt_hum(char *buf, size_t len, uint64_t v, const char *const *units, unsigned step,
		   int width)
{
	char text[24];
	double x = (double)v;
	int u = 0, cols = 0;

	if (v < step) {
		snprintf(text, sizeof(text), "%llu %s", (unsigned long long)v, units[0]);
	} else {
		while (x >= step && units[u + 1]) {
			x /= step;
			u++;
		}
		snprintf(text, sizeof(text),
			 x < 9.995   ? "%.2f %s"
			 : x < 99.95 ? "%.1f %s"
				     : "%.0f %s",
			 x, units[u]);
	}
	for (const char *c = text; *c; c++)
		cols += ((unsigned char)*c & 0xc0) != 0x80;
	snprintf(buf, len, "%*s%s", width > cols ? width - cols : 0, "", text);
	return buf;
}

const char *const tt_time_units[] = { "ns", "\xc2\xb5s", "ms", "s", NULL };
const char *const tt_byte_units[] = { "B", "KiB", "MiB", "GiB", "TiB", NULL };

/* For the %10s columns of the tables; TT_NS0 unpadded, for text. */
#define TT_NS(v) tt_hum((char[32]){ 0 }, 32, (v), tt_time_units, 1000, 10)
#define TT_NS0(v) tt_hum((char[32]){ 0 }, 32, (v), tt_time_units, 1000, 0)
#define TT_BYTES(v) tt_hum((char[32]){ 0 }, 32, (v), tt_byte_units, 1024, 10)
#define TT_BYTES0(v) tt_hum((char[32]){ 0 }, 32, (v), tt_byte_units, 1024, 0)

static void tt_more(struct tt_out *o, size_t total, const char *what)
{
	if (total > TT_TOP)
		tt_out_printf(o, "  ... and %zu more %s\n", total - TT_TOP, what);
}

uint64_t tt_duration(const struct tt_run *run, const struct tt_file *f)
{
	uint64_t end = f->has_end && f->end_ns ? f->end_ns : run->base_ns + f->last_end_ns;

	return end > f->start_ns ? end - f->start_ns : 0;
}

const char *tt_stream_state(const struct tt_file *f)
{
	const uint64_t *c = f->problems.count;

	if (c[TT_PB_TRUNCATED])
		return "truncated";
	if (c[TT_PB_DAMAGED] || c[TT_PB_BAD_EVENTS] || c[TT_PB_BAD_STRINGS] ||
	    c[TT_PB_BAD_FIELDS] || c[TT_PB_NO_PROCESS] || c[TT_PB_UNKNOWN_STRING])
		return "damaged";
	if (c[TT_PB_NO_END])
		return "no end record";
	if (c[TT_PB_RECOVERED])
		return "recovered";
	return "complete";
}

static const char *tt_signal_name(int sig);

void tt_exit_text(char *buf, size_t len, const struct tt_file *f)
{
	if (!f->has_end)
		snprintf(buf, len, "-");
	else if (f->exit_kind == TT_EXIT_EXEC)
		snprintf(buf, len, "exec");
	else if (f->exit_kind == TT_EXIT_SIGNAL && tt_signal_name((int)f->exit_status))
		snprintf(buf, len, "%s", tt_signal_name((int)f->exit_status));
	else if (f->exit_kind == TT_EXIT_SIGNAL)
		snprintf(buf, len, "signal %lld", (long long)f->exit_status);
	else if (f->exit_kind == TT_EXIT_EXIT || f->exit_kind == TT_EXIT__EXIT)
		snprintf(buf, len, "%s %lld", f->exit_kind == TT_EXIT_EXIT ? "exit" : "_exit",
			 (long long)f->exit_status);
	else
		snprintf(buf, len, "unknown");
}

/*
 * The process tree.  A node is a pid: its images in start order (an exec continues the same
 * process).  Its parent is the node of its first image's ppid when that process is in the
 * run and started before it; other nodes are roots.  Nodes are listed depth first, children
 * in start order, indented under their parent.
 */
struct tt_pnode {
	size_t image;	    /* first image, index in run->procs */
	size_t parent;	    /* index in the node array, SIZE_MAX for a root */
	size_t child, next; /* first child, next sibling: SIZE_MAX for none */
	size_t last;	    /* last child, while building */
};

struct tt_pkey {
	uint32_t pid;
	size_t at; /* index in run->procs */
};

static int tt_pkey_cmp(const void *a, const void *b)
{
	const struct tt_pkey *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->at < y->at ? -1 : (x->at > y->at);
}

static void tt_print_image(struct tt_out *o, struct tt_run *run, struct tt_file *f, unsigned depth)
{
	char exit[32], pid[48];

	tt_exit_text(exit, sizeof(exit), f);
	snprintf(pid, sizeof(pid), "%*s%u", (int)(2 * (depth < 8 ? depth : 8)), "", f->pid);
	tt_out_printf(o, "  %-18s %8u %10s %11llu %-13s ", pid, f->ppid, TT_NS(tt_duration(run, f)),
		      (unsigned long long)f->decoded, exit);
	tt_out_text(o, f->argv && *f->argv ? f->argv : f->program);
	tt_out_printf(o, " (%s)\n", tt_stream_state(f));
}

static void tt_print_node(struct tt_out *o, struct tt_run *run, const struct tt_pnode *nodes,
			  const size_t *next_image, size_t i, unsigned depth, size_t *shown)
{
	for (size_t k = nodes[i].image; k != SIZE_MAX; k = next_image[k])
		if ((*shown)++ < TT_TOP)
			tt_print_image(o, run, run->procs[k], depth);
	for (size_t c = nodes[i].child; c != SIZE_MAX; c = nodes[c].next)
		tt_print_node(o, run, nodes, next_image, c, depth + 1, shown);
}

static void tt_print_procs(struct tt_out *o, struct tt_run *run)
{
	size_t np = run->nprocs, n = 0, shown = 0;
	struct tt_pnode *nodes = tt_xcalloc(np, sizeof(*nodes));
	struct tt_pkey *keys = tt_xcalloc(np, sizeof(*keys));
	size_t *next_image = tt_xcalloc(np, sizeof(*next_image));
	size_t *node_of = tt_xcalloc(np, sizeof(*node_of)); /* by run->procs index */

	/* run->procs is in start order: the first image of each pid makes its node. */
	for (size_t i = 0; i < np; i++)
		keys[i] = (struct tt_pkey){ run->procs[i]->pid, i };
	tt_sort(keys, np, sizeof(*keys), tt_pkey_cmp);
	/* node_of[] first holds the first image of each image's pid */
	for (size_t i = 0, g = 0; i < np; i++) {
		if (keys[i].pid != keys[g].pid)
			g = i;
		next_image[keys[i].at] =
			i + 1 < np && keys[i + 1].pid == keys[i].pid ? keys[i + 1].at : SIZE_MAX;
		node_of[keys[i].at] = keys[g].at;
	}
	for (size_t i = 0; i < np; i++) {
		if (node_of[i] != i) {
			node_of[i] = node_of[node_of[i]]; /* an earlier image: already a node */
			continue;
		}
		node_of[i] = n;
		nodes[n++] = (struct tt_pnode){ i, SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX };
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t ppid = run->procs[nodes[i].image]->ppid;
		size_t lo = 0, hi = np, parent;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (keys[mid].pid < ppid)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == np || keys[lo].pid != ppid)
			continue;
		parent = node_of[keys[lo].at];
		/* A parent started before its child: nodes are in start order. */
		if (parent >= i)
			continue;
		nodes[i].parent = parent;
		if (nodes[parent].child == SIZE_MAX)
			nodes[parent].child = i;
		else
			nodes[nodes[parent].last].next = i;
		nodes[parent].last = i;
	}
	tt_out_printf(o,
		      "\nProcesses (children under their parent, in start order; an exec "
		      "continues its process)\n  %-18s %8s %10s %11s %-13s %s\n",
		      "pid", "ppid", "duration", "events", "exit", "program (stream)");
	for (size_t i = 0; i < n; i++)
		if (nodes[i].parent == SIZE_MAX)
			tt_print_node(o, run, nodes, next_image, i, 0, &shown);
	tt_more(o, shown, "process images");
	free(nodes);
	free(keys);
	free(next_image);
	free(node_of);
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

static void tt_print_functions(struct tt_out *o, struct tt_summary *s, struct tt_run *run)
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
	int heap = 0;

	for (unsigned i = 0; i < n; i++)
		heap |= tt_events[order[i]].category == TT_CAT_MEMORY;
	for (size_t i = 0; heap && i < run->nprocs; i++)
		if (run->procs[i]->untimed & (1u << TT_CAT_MEMORY)) {
			tt_out_printf(o, "  (heap calls under 64 KiB were recorded without their "
					 "time: TRACEIT_DURATIONS=memory times them all)\n");
			break;
		}
}

static int tt_rstat_cmp(const void *a, const void *b)
{
	const struct tt_rstat *x = a, *y = b;

	if (x->self_ns != y->self_ns)
		return x->self_ns > y->self_ns ? -1 : 1;
	if (x->total_ns != y->total_ns)
		return x->total_ns > y->total_ns ? -1 : 1;
	return strcmp(x->name, y->name);
}

/*
 * Where the time went, by self time: the traced functions (-finstrument-functions) and the
 * calls the wrappers record, each less the calls recorded inside it; a recursion's total is
 * its outermost call's.  Shown when functions were traced.
 */
static void tt_print_breakdown(struct tt_out *o, struct tt_summary *s)
{
	size_t n, nf;
	struct tt_rstat *v = tt_summary_funcs(s, &nf);
	uint64_t self = 0;

	if (!nf && !s->func_dropped && !s->func_unmatched && !s->func_deep) {
		free(v);
		return;
	}
	n = nf;
	v = tt_xrealloc(v, (nf + TT_EV_COUNT) * sizeof(*v));
	for (unsigned t = 1; t < TT_EV_COUNT; t++)
		if (s->fn[t].calls && !tt_event_is_instant(t))
			v[n++] = (struct tt_rstat){ .name = tt_events[t].name,
						    .calls = s->fn[t].calls,
						    .total_ns = s->fn[t].total_ns,
						    .self_ns = s->fn[t].self_ns,
						    .max_ns = s->fn[t].max_ns,
						    .call = true };
	for (size_t i = 0; i < n; i++)
		self += v[i].self_ns;
	tt_sort(v, n, sizeof(*v), tt_rstat_cmp);
	tt_out_printf(o,
		      "\nRuntime breakdown (traced functions and recorded calls, by self time)\n"
		      "  %6s %10s %10s %10s %10s %11s %-4s %s\n",
		      "% self", "self", "total", "avg", "max", "calls", "kind", "name");
	for (size_t i = 0; i < n && i < TT_TOP; i++) {
		double pct = self ? 100.0 * (double)v[i].self_ns / (double)self : 0;

		tt_out_printf(o, "  %6.2f %10s %10s %10s %10s %11llu %-4s ", pct,
			      TT_NS(v[i].self_ns), TT_NS(v[i].total_ns),
			      TT_NS(v[i].total_ns / v[i].calls), TT_NS(v[i].max_ns),
			      (unsigned long long)v[i].calls, v[i].call ? "call" : "fn");
		tt_out_text(o, v[i].name);
		tt_out_puts(o, "\n");
	}
	tt_more(o, n, "functions and calls");
	if (s->func_dropped || s->func_unmatched || s->func_deep)
		tt_out_printf(
			o,
			"  not recorded: %llu calls shorter than TRACEIT_FUNC_MIN_NS, %llu exits "
			"with no entry, %llu calls deeper than the shadow stack\n",
			(unsigned long long)s->func_dropped, (unsigned long long)s->func_unmatched,
			(unsigned long long)s->func_deep);
	free(v);
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
	size_t n;
	struct tt_iostat *v = tt_summary_io(s, &n);

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
	const struct tt_memstat *x = &(*(struct tt_file *const *)a)->mem;
	const struct tt_memstat *y = &(*(struct tt_file *const *)b)->mem;

	if (x->peak_bytes != y->peak_bytes)
		return x->peak_bytes > y->peak_bytes ? -1 : 1;
	return x->allocs > y->allocs ? -1 : x->allocs < y->allocs;
}

static void tt_print_memory(struct tt_out *o, struct tt_run *run)
{
	struct tt_file **v = tt_xcalloc(run->nprocs, sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < run->nprocs; i++)
		if (run->procs[i]->mem.allocs || run->procs[i]->mem.frees)
			v[n++] = run->procs[i];
	tt_sort(v, n, sizeof(*v), tt_mem_cmp);
	tt_out_printf(o,
		      "\nMemory per process (by peak heap in use)\n"
		      "  %8s %10s %10s %8s %10s %10s %10s %10s %10s %8s %10s %s\n",
		      "pid", "allocs", "frees", "unknown", "short", "allocated", "peak", "peak at",
		      "leaked", "blocks", "largest", "program");
	for (size_t i = 0; i < n && i < TT_TOP; i++) {
		const struct tt_memstat *m = &v[i]->mem;

		tt_out_printf(o, "  %8u %10llu %10llu %8llu %10llu %10s %10s %10s %10s %8llu %10s ",
			      v[i]->pid, (unsigned long long)m->allocs,
			      (unsigned long long)m->frees, (unsigned long long)m->unknown_frees,
			      (unsigned long long)m->short_lived, TT_BYTES(m->bytes),
			      TT_BYTES(m->peak_bytes), TT_NS(m->peak_at), TT_BYTES(m->live_bytes),
			      (unsigned long long)m->live_blocks, TT_BYTES(m->largest));
		tt_out_text(o, v[i]->program);
		tt_out_puts(o, "\n");
	}
	if (!n)
		tt_out_printf(o, "  (no heap calls recorded)\n");
	tt_more(o, n, "processes");
	tt_out_printf(o, "  (unknown: frees of blocks allocated before tracing began, e.g. in the "
			 "parent of a fork; short: blocks freed less than 1 ms after they were "
			 "allocated; peak at: time since the start of the trace; leaked: still "
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
	size_t created = 0, makers = 0;

	tt_meta_build(&m, run);
	for (size_t i = 0; i < m.nthreads; i++)
		created += m.threads[i].started;
	tt_sort(m.threads, m.nthreads, sizeof(*m.threads), tt_thr_cmp);
	tt_out_printf(o, "\nThreads: %zu seen, %zu created while traced\n", m.nthreads, created);
	for (size_t i = 0; i < run->nprocs; i++) {
		struct tt_file *f = run->procs[i];

		if (!f->threads_started)
			continue;
		if (!makers++)
			tt_out_printf(o, "  %8s %8s %10s %s\n", "pid", "created", "peak alive",
				      "program");
		if (makers > TT_TOP)
			continue;
		tt_out_printf(o, "  %8u %8u %10u ", f->pid, f->threads_started, f->threads_peak);
		tt_out_text(o, f->program);
		tt_out_puts(o, "\n");
	}
	tt_more(o, makers, "processes");
	tt_out_printf(o, "  %8s %8s %10s %10s %11s %7s %s\n", "pid", "tid", "lifetime", "time",
		      "events", "created", "name");
	for (size_t i = 0; i < m.nthreads && i < TT_TOP; i++) {
		const struct tt_meta_thread *t = &m.threads[i];

		tt_out_printf(o, "  %8u %8u %10s %10s %11llu %7s ", t->pid, t->tid,
			      TT_NS(t->end_ns - t->start_ns), TT_NS(t->busy_ns),
			      (unsigned long long)t->events, t->started ? "yes" : "no");
		tt_out_text(o, t->name);
		tt_out_puts(o, "\n");
	}
	tt_more(o, m.nthreads, "threads");
	tt_out_printf(o, "  (lifetime: from thread start, or the process start for the main "
			 "thread, to thread end or the end of the process; time: in traced "
			 "calls)\n");
	tt_meta_free(&m);
}

/* By total wait, then acquisitions, then place: the order of every lock table */
int tt_lockstat_cmp(const void *a, const void *b)
{
	const struct tt_lockstat *x = a, *y = b;

	if (x->wait_ns != y->wait_ns)
		return x->wait_ns > y->wait_ns ? -1 : 1;
	if (x->acquired != y->acquired)
		return x->acquired > y->acquired ? -1 : 1;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void tt_print_locks(struct tt_out *o, struct tt_summary *s, struct tt_run *run)
{
	size_t n;
	struct tt_lockstat *v = tt_summary_locks(s, &n);

	/* a lock only named (created through ITT, never taken) has no row */
	size_t kept = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i].acquired || v[i].holds)
			v[kept++] = v[i];
	n = kept;
	tt_sort(v, n, sizeof(*v), tt_lockstat_cmp);
	tt_out_printf(o, "\nLocks (by total wait)\n  %10s %10s %10s %10s %10s %10s %7s %8s %s\n",
		      "acquired", "contended", "total wait", "max wait", "total hold", "max hold",
		      "threads", "pid", "lock");
	for (size_t i = 0; i < n && i < TT_TOP; i++) {
		char addr[24];

		*tt_fmt_hex(addr, v[i].addr) = '\0';
		tt_out_printf(o, "  %10llu %10llu %10s %10s %10s %10s %7u %8u %s%s%s\n",
			      (unsigned long long)v[i].acquired, (unsigned long long)v[i].contended,
			      TT_NS(v[i].wait_ns), TT_NS(v[i].wait_max), TT_NS(v[i].hold_ns),
			      TT_NS(v[i].hold_max), v[i].threads, run->files[v[i].file]->pid, addr,
			      v[i].name ? " " : "", v[i].name ? v[i].name : "");
	}
	if (!n)
		tt_out_printf(o, "  (no lock calls recorded)\n");
	else
		tt_out_printf(o, "  (contended: acquisitions that had to wait; wait: time "
				 "blocked in them; hold: from an acquisition to the same thread's "
				 "release)\n");
	tt_more(o, n, "locks");
	free(v);
}

static const struct {
	int sig;
	const char *name;
} tt_signames[] = {
	{ SIGHUP, "SIGHUP" },	    { SIGINT, "SIGINT" },   { SIGQUIT, "SIGQUIT" },
	{ SIGILL, "SIGILL" },	    { SIGTRAP, "SIGTRAP" }, { SIGABRT, "SIGABRT" },
	{ SIGBUS, "SIGBUS" },	    { SIGFPE, "SIGFPE" },   { SIGKILL, "SIGKILL" },
	{ SIGUSR1, "SIGUSR1" },	    { SIGSEGV, "SIGSEGV" }, { SIGUSR2, "SIGUSR2" },
	{ SIGPIPE, "SIGPIPE" },	    { SIGALRM, "SIGALRM" }, { SIGTERM, "SIGTERM" },
	{ SIGCHLD, "SIGCHLD" },	    { SIGCONT, "SIGCONT" }, { SIGSTOP, "SIGSTOP" },
	{ SIGTSTP, "SIGTSTP" },	    { SIGTTIN, "SIGTTIN" }, { SIGTTOU, "SIGTTOU" },
	{ SIGURG, "SIGURG" },	    { SIGXCPU, "SIGXCPU" }, { SIGXFSZ, "SIGXFSZ" },
	{ SIGVTALRM, "SIGVTALRM" }, { SIGPROF, "SIGPROF" }, { SIGWINCH, "SIGWINCH" },
	{ SIGIO, "SIGIO" },	    { SIGSYS, "SIGSYS" },
};

static const char *tt_signal_name(int sig)
{
	for (size_t i = 0; i < TT_ARRAY_SIZE(tt_signames); i++)
		if (tt_signames[i].sig == sig)
			return tt_signames[i].name;
	return NULL;
}

static void tt_print_signals(struct tt_out *o, struct tt_summary *s)
{
	size_t n = 0;

	tt_out_printf(o, "\nSignals delivered\n  %10s %s\n", "count", "signal");
	for (int sig = 1; sig <= TT_NSIG; sig++) {
		int k = sig % TT_NSIG; /* the unknown ones ([0]) last */
		const char *name = NULL;
		char num[32];

		if (!s->signals[k])
			continue;
		n++;
		name = tt_signal_name(k);
		if (!name) {
			snprintf(num, sizeof(num), k ? "signal %d" : "other", k);
			name = num;
		}
		tt_out_printf(o, "  %10llu %s\n", (unsigned long long)s->signals[k], name);
	}
	if (!n)
		tt_out_printf(o, "  (none recorded)\n");
}

/* The program's annotations (traceit.h): spans by name, then counters; nothing if none. */
static void tt_print_user(struct tt_out *o, struct tt_summary *s)
{
	/* spans, then counters, then instants: each table only if it has a row */
	static const struct {
		unsigned kind;
		const char *head;
	} tables[] = {
		{ TT_USTAT_SPAN,
		  "\nSpans (the program's annotations, by name)\n       count      total"
		  "       mean        max unfinished name\n" },
		{ TT_USTAT_COUNTER,
		  "\nCounters (the program's annotations)\n     samples           last"
		  "            min            max name\n" },
		{ TT_USTAT_INSTANT, "\nInstants (the program's annotations)\n       count name\n" },
	};

	for (size_t k = 0; k < TT_ARRAY_SIZE(tables); k++) {
		bool head = false;

		for (size_t i = 0; i < s->user_n; i++) {
			const struct tt_ustat *u = &s->user[i];
			char total[32], mean[32];

			if (u->kind != tables[k].kind)
				continue;
			if (!head)
				tt_out_puts(o, tables[k].head);
			head = true;
			switch (u->kind) {
			case TT_USTAT_SPAN:
				snprintf(total, sizeof(total), "%s", TT_NS0(u->total_ns));
				snprintf(mean, sizeof(mean), "%s",
					 TT_NS0(u->count ? u->total_ns / u->count : 0));
				tt_out_printf(o, "  %10llu %10s %10s %10s %10llu ",
					      (unsigned long long)u->count, total, mean,
					      TT_NS0(u->max_ns), (unsigned long long)u->unfinished);
				break;
			case TT_USTAT_COUNTER:
				tt_out_printf(o, "  %10llu %14.6g %14.6g %14.6g ",
					      (unsigned long long)u->count, u->last, u->min,
					      u->max);
				break;
			default:
				tt_out_printf(o, "  %10llu ", (unsigned long long)u->count);
				break;
			}
			tt_out_text(o, u->name);
			tt_out_puts(o, "\n");
		}
	}
}

static void tt_print_events(struct tt_out *o, struct tt_run *run)
{
	uint64_t lost = 0;
	size_t bad = 0;

	for (size_t i = 0; i < run->nprocs; i++)
		lost += run->procs[i]->lost;
	tt_out_printf(o, "\nEvents\n  decoded: %llu\n", (unsigned long long)run->events);
	if (run->filter->active)
		tt_out_printf(o, "  counted in the tables (the filters kept them): %llu\n",
			      (unsigned long long)run->written);
	tt_out_printf(o, "  lost by the recorder: %llu\n", (unsigned long long)lost);
	for (size_t i = 0; i < run->nprocs; i++)
		if (run->procs[i]->lost) {
			tt_out_printf(o, "    %llu in pid %u ",
				      (unsigned long long)run->procs[i]->lost, run->procs[i]->pid);
			tt_out_text(o, run->procs[i]->program);
			tt_out_puts(o, "\n");
		}
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

/*
 * Call sites, when stacks were recorded: the top stacks for each cost, each printed with its
 * innermost frames (where the call was made) first.
 */
#define TT_SITES_TOP 10
#define TT_SITE_FRAMES 8

static unsigned tt_site_key; /* what tt_site_cmp ranks by */

static uint64_t tt_site_cost(const struct tt_site *s, unsigned key)
{
	switch (key) {
	case 0:
		return s->alloc_bytes;
	case 1:
		return s->allocs;
	case 2:
		return s->live_bytes > 0 ? (uint64_t)s->live_bytes : 0;
	case 3:
		return s->wait_ns;
	case 4:
		return s->io_bytes;
	default:
		return s->io_ns;
	}
}

static int tt_site_cmp(const void *a, const void *b)
{
	const struct tt_site *x = a, *y = b;
	uint64_t cx = tt_site_cost(x, tt_site_key), cy = tt_site_cost(y, tt_site_key);

	if (cx != cy)
		return cx > cy ? -1 : 1;
	if (x->file->index != y->file->index)
		return x->file->index < y->file->index ? -1 : 1;
	return x->stack < y->stack ? -1 : x->stack > y->stack;
}

static int tt_site_text_cmp(const void *a, const void *b)
{
	const struct tt_site *x = a, *y = b;
	const struct tt_cstack *cx = tt_callstack_get(x->file, x->stack);
	const struct tt_cstack *cy = tt_callstack_get(y->file, y->stack);

	if (x->file->index != y->file->index)
		return x->file->index < y->file->index ? -1 : 1;
	if (!cx || !cy)
		return !cx - !cy;
	return strcmp(cx->json, cy->json);
}

/*
 * Stacks whose frames read the same are one site to a reader (an unrolled loop makes one
 * line call from several addresses): merged, per process image.
 */
static size_t tt_merge_sites(struct tt_site *v, size_t n)
{
	size_t k = 0;

	tt_sort(v, n, sizeof(*v), tt_site_text_cmp);
	for (size_t i = 0; i < n; i++) {
		if (k && !tt_site_text_cmp(&v[k - 1], &v[i])) {
			struct tt_site *d = &v[k - 1];

			d->calls += v[i].calls;
			d->time_ns += v[i].time_ns;
			d->allocs += v[i].allocs;
			d->alloc_bytes += v[i].alloc_bytes;
			d->live_bytes += v[i].live_bytes;
			d->live_blocks += v[i].live_blocks;
			d->waits += v[i].waits;
			d->wait_ns += v[i].wait_ns;
			d->ios += v[i].ios;
			d->io_bytes += v[i].io_bytes;
			d->io_ns += v[i].io_ns;
			continue;
		}
		v[k++] = v[i];
	}
	return k;
}

static void tt_print_sites(struct tt_out *o)
{
	static const char *const titles[] = {
		"Allocation sites (by bytes allocated)",
		"Allocation sites (by allocations)",
		"Leak sites (bytes still allocated at the end)",
		"Lock-wait sites (by time waiting to acquire)",
		"I/O sites (by bytes read and written)",
		"I/O sites (by time in reads and writes)",
	};
	size_t n;
	struct tt_site *v = tt_sites_all(&n);

	if (!n)
		return;
	n = tt_merge_sites(v, n);
	for (unsigned key = 0; key < TT_ARRAY_SIZE(titles); key++) {
		size_t shown = 0, with = 0;

		tt_site_key = key;
		tt_sort(v, n, sizeof(*v), tt_site_cmp);
		for (size_t i = 0; i < n; i++)
			with += tt_site_cost(&v[i], key) != 0;
		if (!with)
			continue;
		tt_out_printf(o, "\n%s\n", titles[key]);
		for (size_t i = 0; i < n && shown < TT_SITES_TOP; i++) {
			const struct tt_site *s = &v[i];
			const struct tt_cstack *cs = tt_callstack_get(s->file, s->stack);

			if (!tt_site_cost(s, key) || !cs)
				continue;
			shown++;
			switch (key) {
			case 0:
			case 1:
				tt_out_printf(o, "  %s in %llu allocations",
					      TT_BYTES0(s->alloc_bytes),
					      (unsigned long long)s->allocs);
				break;
			case 2:
				tt_out_printf(o, "  %s in %lld blocks",
					      TT_BYTES0((uint64_t)s->live_bytes),
					      (long long)s->live_blocks);
				break;
			case 3:
				tt_out_printf(o, "  %s waiting in %llu acquisitions",
					      TT_NS0(s->wait_ns), (unsigned long long)s->waits);
				break;
			default:
				tt_out_printf(o, "  %s, %s in %llu calls", TT_BYTES0(s->io_bytes),
					      TT_NS0(s->io_ns), (unsigned long long)s->ios);
				break;
			}
			tt_out_printf(o, "  (pid %u ", s->file->pid);
			tt_out_text(o, s->file->program);
			tt_out_puts(o, ")\n");
			for (uint32_t k = 0; k < cs->nframe && k < TT_SITE_FRAMES; k++) {
				tt_out_puts(o, "      ");
				tt_out_text(o, cs->frame[k]);
				tt_out_puts(o, "\n");
			}
			if (cs->nframe > TT_SITE_FRAMES)
				tt_out_printf(o, "      ... %u more frames\n",
					      cs->nframe - TT_SITE_FRAMES);
		}
		if (with > shown)
			tt_out_printf(o, "  ... and %zu more sites\n", with - shown);
	}
}

uint64_t tt_procs_span(const struct tt_run *run)
{
	uint64_t span = 0;

	for (size_t i = 0; i < run->nprocs; i++) {
		uint64_t end = run->procs[i]->start_ns + tt_duration(run, run->procs[i]);

		if (end > run->base_ns && end - run->base_ns > span)
			span = end - run->base_ns;
	}
	return span;
}

void tt_summary_print(struct tt_summary *s, struct tt_run *run)
{
	struct tt_out *o = s->out;
	uint64_t span = tt_procs_span(run);

	tt_out_printf(o, "traceit summary: %zu process%s, %llu events in %s\n", run->nprocs,
		      run->nprocs == 1 ? "" : "es", (unsigned long long)run->events, TT_NS0(span));
	tt_print_procs(o, run);
	tt_print_functions(o, s, run);
	tt_print_breakdown(o, s);
	tt_print_io(o, s);
	tt_print_memory(o, run);
	tt_print_threads(o, run);
	tt_print_locks(o, s, run);
	tt_print_signals(o, s);
	tt_print_user(o, s);
	tt_print_sites(o);
	tt_print_events(o, run);
}
