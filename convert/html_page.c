/*
 * html_page.c - writing the HTML report: the page's frame, its data block (one JSON object,
 * a member per section) and its own style and script, which draw the sections from the data.
 *
 * Strings of the traced program only ever reach the page inside the JSON block (where '<'
 * is escaped) and the script shows them as text, never as markup.  Long tables are cut to
 * their costliest rows, with the count of the others, so that the page stays small.
 */
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "meta.h"
#include "state.h"

#ifndef TT_VERSION
#define TT_VERSION "unknown"
#endif

#define TT_HTML_ROWS 1000  /* rows of a long table: files, locks, threads */
#define TT_HTML_PROCS 2000 /* process images in the overview */
#define TT_HTML_STRIPS 200 /* threads with a strip, the busiest */
#define TT_HTML_SITES 20   /* leak sites */

/* The sections, in page order; the script fills each from the member of the same name. */
static const struct {
	const char *id, *title;
} tt_sections[] = {
	{ "overview", "Overview" }, { "runtime", "Runtime" },
	{ "memory", "Memory" },	    { "io", "I/O" },
	{ "locks", "Locks" },	    { "threads", "Threads" },
	{ "flame", "Flame graph" },
};

static void tt_page_run(struct tt_hj *j, struct tt_html *h, struct tt_run *run,
			const struct tt_meta *m)
{
	uint64_t lost = 0, realtime = 0;
	size_t bad = 0;
	const char *host = NULL;
	bool stacks = false;

	for (size_t i = 0; i < run->nprocs; i++) {
		struct tt_file *f = run->procs[i];

		lost += f->lost;
		stacks |= f->stack_categories != 0;
		if (!host)
			host = f->hostname;
		if (!realtime && f->start_realtime && f->start_ns >= run->base_ns)
			realtime = f->start_realtime - (f->start_ns - run->base_ns);
	}
	tt_hj_open(j, "run", '{');
	tt_hj_str(j, "tool", "traceit-convert " TT_VERSION);
	tt_hj_str(j, "command", run->nprocs ? run->procs[0]->argv : NULL);
	tt_hj_str(j, "program", run->nprocs ? run->procs[0]->program : NULL);
	tt_hj_str(j, "hostname", host);
	tt_hj_u64(j, "start_realtime_ns", realtime);
	tt_hj_u64(j, "images", run->nprocs);
	tt_hj_u64(j, "processes", m->nprocs);
	tt_hj_u64(j, "threads", m->nthreads);
	tt_hj_u64(j, "events", run->events);
	tt_hj_u64(j, "kept", run->written);
	tt_hj_u64(j, "lost", lost);
	tt_hj_u64(j, "span_ns", tt_procs_span(run));
	tt_hj_u64(j, "calls_ns", h->sum->total_ns);
	tt_hj_bool(j, "filtered", run->filter->active || run->filter->npids);
	tt_hj_bool(j, "stacks", stacks);
	tt_hj_open(j, "problems", '[');
	for (size_t i = 0; i < run->nfiles; i++) {
		struct tt_file *f = run->files[i];
		const char *state = f->usable ? tt_stream_state(f) : "not readable";

		if (!strcmp(state, "complete"))
			continue;
		if (bad++ >= TT_HTML_ROWS)
			continue;
		tt_hj_open(j, NULL, '{');
		tt_hj_str(j, "file", f->name);
		tt_hj_str(j, "state", state);
		tt_hj_close(j, '}');
	}
	tt_hj_close(j, ']');
	tt_hj_close(j, '}');
}

struct tt_pimg {
	uint32_t pid;
	size_t at; /* index in run->procs: start order */
};

static int tt_pimg_cmp(const void *a, const void *b)
{
	const struct tt_pimg *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

static const struct tt_meta *tt_sort_meta;

static int tt_tree_cmp(const void *a, const void *b)
{
	uint64_t x = tt_sort_meta->procs[*(const size_t *)a].sort_index;
	uint64_t y = tt_sort_meta->procs[*(const size_t *)b].sort_index;

	return x < y ? -1 : x > y;
}

/* The process tree: processes depth first, each with its images (exec) in start order. */
static void tt_page_procs(struct tt_hj *j, struct tt_run *run, const struct tt_meta *m)
{
	size_t n = run->nprocs, shown = 0;
	struct tt_pimg *img = tt_xcalloc(n ? n : 1, sizeof(*img));
	size_t *tree = tt_xcalloc(m->nprocs ? m->nprocs : 1, sizeof(*tree));

	for (size_t i = 0; i < n; i++)
		img[i] = (struct tt_pimg){ run->procs[i]->pid, i };
	tt_sort(img, n, sizeof(*img), tt_pimg_cmp);
	for (size_t i = 0; i < m->nprocs; i++)
		tree[i] = i;
	tt_sort_meta = m;
	tt_sort(tree, m->nprocs, sizeof(*tree), tt_tree_cmp);
	tt_hj_open(j, "procs", '[');
	for (size_t t = 0; t < m->nprocs; t++) {
		const struct tt_meta_proc *mp = &m->procs[tree[t]];
		size_t lo = 0, hi = n;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (img[mid].pid < mp->pid)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t k = lo; k < n && img[k].pid == mp->pid; k++, shown++) {
			struct tt_file *f = run->procs[img[k].at];
			char exit[48];

			if (shown >= TT_HTML_PROCS)
				continue;
			tt_exit_text(exit, sizeof(exit), f);
			tt_hj_open(j, NULL, '{');
			tt_hj_u64(j, "pid", f->pid);
			tt_hj_u64(j, "ppid", f->ppid);
			tt_hj_u64(j, "depth", mp->depth);
			tt_hj_u64(j, "image", k - lo);
			tt_hj_str(j, "program", f->program);
			tt_hj_str(j, "argv", f->argv && *f->argv ? f->argv : f->program);
			tt_hj_u64(j, "start_ns", tt_run_rel(run, f->start_ns));
			tt_hj_u64(j, "dur_ns", tt_duration(run, f));
			tt_hj_str(j, "exit", exit);
			tt_hj_bool(j, "ended", f->has_end);
			tt_hj_str(j, "stream", tt_stream_state(f));
			tt_hj_u64(j, "threads", f->nthreads);
			tt_hj_u64(j, "events", f->decoded);
			tt_hj_u64(j, "lost", f->lost);
			tt_hj_close(j, '}');
		}
	}
	tt_hj_close(j, ']');
	tt_hj_u64(j, "procs_more", shown > TT_HTML_PROCS ? shown - TT_HTML_PROCS : 0);
	free(img);
	free(tree);
}

static void tt_page_series(struct tt_hj *j, struct tt_html *h)
{
	uint64_t v[TT_HTML_BINS];

	tt_hj_open(j, "series", '{');
	tt_hj_u64(j, "bins", TT_HTML_BINS);
	tt_hj_u64(j, "t0_ns", h->t0);
	tt_hj_u64(j, "t1_ns", h->t1);
	tt_hj_u64(j, "bin_ns", h->bin_ns);
	tt_hj_open(j, "events", '{');
	for (unsigned c = 0; c < TT_CAT_COUNT; c++) {
		uint64_t any = 0;

		for (size_t b = 0; b < TT_HTML_BINS; b++)
			any |= v[b] = h->events[b][c];
		if (any)
			tt_hj_u64s(j, tt_category_names[c], v, TT_HTML_BINS);
	}
	tt_hj_close(j, '}');
	tt_hj_u64s(j, "heap", h->heap, TT_HTML_BINS);
	tt_hj_u64s(j, "blocks", h->blocks, TT_HTML_BINS);
	tt_hj_u64(j, "heap_peak", h->heap_peak);
	tt_hj_u64(j, "heap_peak_at_ns", h->heap_peak_at);
	tt_hj_u64s(j, "io_read", h->io_read, TT_HTML_BINS);
	tt_hj_u64s(j, "io_write", h->io_write, TT_HTML_BINS);
	tt_hj_u64s(j, "lock_wait_ns", h->lock_wait_ns, TT_HTML_BINS);
	tt_hj_u64s(j, "lock_waits", h->lock_waits, TT_HTML_BINS);
	tt_hj_close(j, '}');
}

static void tt_page_runtime(struct tt_hj *j, struct tt_html *h)
{
	static const char *const kinds[] = { [TT_RT_CALL] = "call", [TT_RT_FUNCTION] = "function" };
	size_t n;
	struct tt_rt_row *v = tt_html_runtime(h, &n);

	tt_hj_open(j, "runtime", '[');
	for (size_t i = 0; i < n; i++) {
		tt_hj_open(j, NULL, '{');
		tt_hj_str(j, "name", v[i].name);
		tt_hj_str(j, "kind", kinds[v[i].kind]);
		tt_hj_u64(j, "calls", v[i].calls);
		tt_hj_u64(j, "errors", v[i].errors);
		tt_hj_u64(j, "total_ns", v[i].total_ns);
		tt_hj_u64(j, "self_ns", v[i].self_ns);
		tt_hj_u64(j, "mean_ns", v[i].total_ns / v[i].calls);
		/* the shortest call of a traced function is not kept */
		if (v[i].kind == TT_RT_FUNCTION)
			tt_hj_str(j, "min_ns", NULL);
		else
			tt_hj_u64(j, "min_ns", v[i].min_ns);
		tt_hj_u64(j, "max_ns", v[i].max_ns);
		tt_hj_close(j, '}');
	}
	tt_hj_close(j, ']');
	free(v);
}

/* Blocks still live at the end, by size: count and bytes per power of two. */
struct tt_leaks {
	uint64_t blocks[65], bytes[65];
};

static void tt_leak_block(void *ctx, uint32_t file, uint64_t size)
{
	struct tt_leaks *l = ctx;
	unsigned k = size ? 64 - (unsigned)__builtin_clzll(size) : 0;

	(void)file;
	l->blocks[k]++;
	l->bytes[k] += size;
}

static const struct tt_fline *tt_sort_lines;

static int tt_leak_cmp(const void *a, const void *b)
{
	const struct tt_fline *x = &tt_sort_lines[*(const size_t *)a];
	const struct tt_fline *y = &tt_sort_lines[*(const size_t *)b];
	uint64_t wx = x->weight[TT_WEIGHT_LEAKED], wy = y->weight[TT_WEIGHT_LEAKED];

	if (wx != wy)
		return wx > wy ? -1 : 1;
	return strcmp(x->text, y->text);
}

/* The top leak sites: the folded stacks by bytes leaked, frames innermost first. */
static void tt_page_leak_sites(struct tt_hj *j, const struct tt_fline *lines, size_t n)
{
	size_t *order = tt_xcalloc(n ? n : 1, sizeof(*order)), k = 0;

	for (size_t i = 0; i < n; i++)
		if (lines[i].weight[TT_WEIGHT_LEAKED])
			order[k++] = i;
	tt_sort_lines = lines;
	tt_sort(order, k, sizeof(*order), tt_leak_cmp);
	tt_hj_open(j, "leak_sites", '[');
	for (size_t i = 0; i < k && i < TT_HTML_SITES; i++) {
		const struct tt_fline *l = &lines[order[i]];
		char *text = tt_xstrdup(l->text), *end;

		tt_hj_open(j, NULL, '{');
		tt_hj_u64(j, "bytes", l->weight[TT_WEIGHT_LEAKED]);
		tt_hj_u64(j, "allocs", l->weight[TT_WEIGHT_CALLS]);
		tt_hj_open(j, "frames", '[');
		while ((end = strrchr(text, ';'))) {
			tt_hj_str(j, NULL, end + 1);
			*end = 0;
		}
		tt_hj_str(j, NULL, text);
		tt_hj_close(j, ']');
		tt_hj_close(j, '}');
		free(text);
	}
	tt_hj_close(j, ']');
	tt_hj_u64(j, "leak_sites_more", k > TT_HTML_SITES ? k - TT_HTML_SITES : 0);
	free(order);
}

static void tt_page_memory(struct tt_hj *j, struct tt_run *run, const struct tt_fline *lines,
			   size_t nlines)
{
	struct tt_leaks leaks = { 0 };
	size_t shown = 0;

	tt_state_each_block(tt_leak_block, &leaks);
	tt_hj_open(j, "memory", '{');
	tt_hj_open(j, "procs", '[');
	for (size_t i = 0; i < run->nprocs; i++) {
		struct tt_file *f = run->procs[i];
		const struct tt_memstat *m = &f->mem;

		if ((!m->allocs && !m->frees) || shown++ >= TT_HTML_ROWS)
			continue;
		tt_hj_open(j, NULL, '{');
		tt_hj_u64(j, "pid", f->pid);
		tt_hj_str(j, "program", f->program);
		tt_hj_u64(j, "allocs", m->allocs);
		tt_hj_u64(j, "frees", m->frees);
		tt_hj_u64(j, "unknown_frees", m->unknown_frees);
		tt_hj_u64(j, "short_lived", m->short_lived);
		tt_hj_u64(j, "allocated", m->bytes);
		tt_hj_u64(j, "peak", m->peak_bytes);
		tt_hj_u64(j, "peak_at_ns", m->peak_at);
		tt_hj_u64(j, "leaked", m->live_bytes);
		tt_hj_u64(j, "leaked_blocks", m->live_blocks);
		tt_hj_u64(j, "largest", m->largest);
		tt_hj_close(j, '}');
	}
	tt_hj_close(j, ']');
	tt_hj_u64(j, "procs_more", shown > TT_HTML_ROWS ? shown - TT_HTML_ROWS : 0);
	tt_hj_u64s(j, "leak_blocks", leaks.blocks, 65);
	tt_hj_u64s(j, "leak_bytes", leaks.bytes, 65);
	tt_page_leak_sites(j, lines, nlines);
	tt_hj_close(j, '}');
}

static int tt_io_time_cmp(const void *a, const void *b)
{
	const struct tt_iostat *x = a, *y = b;

	if (x->time_ns != y->time_ns)
		return x->time_ns > y->time_ns ? -1 : 1;
	return strcmp(x->key, y->key);
}

static void tt_page_io(struct tt_hj *j, struct tt_html *h)
{
	size_t n;
	struct tt_iostat *v = tt_summary_io(h->sum, &n);

	tt_sort(v, n, sizeof(*v), tt_io_time_cmp);
	tt_hj_open(j, "io", '{');
	tt_hj_open(j, "files", '[');
	for (size_t i = 0; i < n && i < TT_HTML_ROWS; i++) {
		tt_hj_open(j, NULL, '{');
		tt_hj_str(j, "file", v[i].key);
		tt_hj_u64(j, "time_ns", v[i].time_ns);
		tt_hj_u64(j, "opens", v[i].opens);
		tt_hj_u64(j, "reads", v[i].reads);
		tt_hj_u64(j, "writes", v[i].writes);
		tt_hj_u64(j, "read", v[i].bytes_read);
		tt_hj_u64(j, "written", v[i].bytes_written);
		tt_hj_u64(j, "errors", v[i].errors);
		tt_hj_close(j, '}');
	}
	tt_hj_close(j, ']');
	tt_hj_u64(j, "files_more", n > TT_HTML_ROWS ? n - TT_HTML_ROWS : 0);
	tt_hj_u64s(j, "read_sizes", h->read_sizes, 65);
	tt_hj_u64s(j, "write_sizes", h->write_sizes, 65);
	tt_hj_close(j, '}');
	free(v);
}

static void tt_page_locks(struct tt_hj *j, struct tt_html *h, struct tt_run *run)
{
	size_t n, k = 0;
	struct tt_lockstat *v = tt_summary_locks(h->sum, &n);

	/* a lock only named (created through ITT, never taken) has no row, as in the summary */
	for (size_t i = 0; i < n; i++)
		if (v[i].acquired || v[i].holds)
			v[k++] = v[i];
	tt_sort(v, k, sizeof(*v), tt_lockstat_cmp);
	tt_hj_open(j, "locks", '{');
	tt_hj_open(j, "rows", '[');
	for (size_t i = 0; i < k && i < TT_HTML_ROWS; i++) {
		char addr[24];

		*tt_fmt_hex(addr, v[i].addr) = '\0';
		tt_hj_open(j, NULL, '{');
		tt_hj_str(j, "lock", addr);
		tt_hj_str(j, "name", v[i].name);
		tt_hj_u64(j, "pid", run->files[v[i].file]->pid);
		tt_hj_u64(j, "acquired", v[i].acquired);
		tt_hj_u64(j, "contended", v[i].contended);
		tt_hj_u64(j, "wait_ns", v[i].wait_ns);
		tt_hj_u64(j, "wait_max_ns", v[i].wait_max);
		tt_hj_u64(j, "hold_ns", v[i].hold_ns);
		tt_hj_u64(j, "hold_max_ns", v[i].hold_max);
		tt_hj_u64(j, "threads", v[i].threads);
		tt_hj_close(j, '}');
	}
	tt_hj_close(j, ']');
	tt_hj_u64(j, "more", k > TT_HTML_ROWS ? k - TT_HTML_ROWS : 0);
	tt_hj_close(j, '}');
	free(v);
}

/* A thread image's strip, by (pid, tid): a (pid, tid) spans images when its process execs. */
struct tt_tstrip {
	uint32_t pid, tid;
	const struct tt_hthread *t;
};

static int tt_tstrip_cmp(const void *a, const void *b)
{
	const struct tt_tstrip *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static int tt_busy_cmp(const void *a, const void *b)
{
	const struct tt_meta_thread *x = &tt_sort_meta->threads[*(const size_t *)a];
	const struct tt_meta_thread *y = &tt_sort_meta->threads[*(const size_t *)b];

	if (x->busy_ns != y->busy_ns)
		return x->busy_ns > y->busy_ns ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/*
 * A strip as text, a character per bin: '0' idle, else '1' + 9 * state + level - 1, the
 * state that took most of the bin and the level (1 to 9) how much of the bin the calls took.
 */
static void tt_strip_text(char *text, const struct tt_html *h, const struct tt_tstrip *s, size_t ns)
{
	float bins[TT_HTML_TBINS][TT_NHS];

	memset(bins, 0, sizeof(bins));
	for (size_t i = 0; i < ns; i++)
		for (uint32_t b = 0; b < s[i].t->nbins; b++)
			for (unsigned k = 0; k < TT_NHS; k++)
				bins[s[i].t->bin0 + b][k] += s[i].t->bins[b][k];
	for (size_t b = 0; b < TT_HTML_TBINS; b++) {
		float sum = 0, top = 0;
		unsigned state = 0, level;

		for (unsigned k = 0; k < TT_NHS; k++) {
			sum += bins[b][k];
			if (bins[b][k] > top) {
				top = bins[b][k];
				state = k;
			}
		}
		if (sum <= 0) {
			text[b] = '0';
			continue;
		}
		level = (unsigned)(9.0f * sum / (float)h->tbin_ns + 0.999f);
		level = level < 1 ? 1 : level > 9 ? 9 : level;
		text[b] = (char)('1' + 9 * state + level - 1);
	}
	text[TT_HTML_TBINS] = 0;
}

static void tt_page_threads(struct tt_hj *j, struct tt_html *h, struct tt_run *run,
			    struct tt_meta *m)
{
	size_t n = 0, *order = tt_xcalloc(m->nthreads ? m->nthreads : 1, sizeof(*order));
	struct tt_tstrip *s;
	char text[TT_HTML_TBINS + 1];

	for (size_t i = 0; i < run->nprocs; i++)
		for (size_t k = 0; k < run->procs[i]->nthreads; k++)
			n += run->procs[i]->threads[k].out != NULL;
	s = tt_xcalloc(n ? n : 1, sizeof(*s));
	n = 0;
	for (size_t i = 0; i < run->nprocs; i++)
		for (size_t k = 0; k < run->procs[i]->nthreads; k++)
			if (run->procs[i]->threads[k].out)
				s[n++] = (struct tt_tstrip){ run->procs[i]->pid,
							     run->procs[i]->threads[k].tid,
							     run->procs[i]->threads[k].out };
	tt_sort(s, n, sizeof(*s), tt_tstrip_cmp);
	for (size_t i = 0; i < m->nthreads; i++)
		order[i] = i;
	tt_sort_meta = m;
	tt_sort(order, m->nthreads, sizeof(*order), tt_busy_cmp);
	tt_hj_open(j, "threads", '{');
	tt_hj_u64(j, "tbins", TT_HTML_TBINS);
	tt_hj_u64(j, "tbin_ns", h->tbin_ns);
	tt_hj_open(j, "rows", '[');
	for (size_t r = 0; r < m->nthreads && r < TT_HTML_ROWS; r++) {
		const struct tt_meta_thread *t = &m->threads[order[r]];
		struct tt_tstrip key = { t->pid, t->tid, NULL };
		size_t lo = 0, hi = n, e;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (tt_tstrip_cmp(&s[mid], &key) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (e = lo; e < n && !tt_tstrip_cmp(&s[e], &key);)
			e++;
		tt_hj_open(j, NULL, '{');
		tt_hj_u64(j, "order", order[r]);
		tt_hj_u64(j, "pid", t->pid);
		tt_hj_u64(j, "tid", t->tid);
		tt_hj_str(j, "name", t->name);
		tt_hj_u64(j, "start_ns", t->start_ns);
		tt_hj_u64(j, "end_ns", t->end_ns);
		tt_hj_u64(j, "busy_ns", t->busy_ns);
		tt_hj_u64(j, "events", t->events);
		tt_hj_bool(j, "created", t->started);
		if (r < TT_HTML_STRIPS && e > lo) {
			tt_strip_text(text, h, &s[lo], e - lo);
			tt_hj_str(j, "strip", text);
		}
		tt_hj_close(j, '}');
	}
	tt_hj_close(j, ']');
	tt_hj_u64(j, "more", m->nthreads > TT_HTML_ROWS ? m->nthreads - TT_HTML_ROWS : 0);
	tt_hj_close(j, '}');
	free(s);
	free(order);
}

static void tt_page_data(struct tt_html *h, struct tt_run *run)
{
	struct tt_hj j = { .o = run->out };
	struct tt_meta m;
	struct tt_fline *lines;
	size_t nlines;

	tt_meta_build(&m, run);
	lines = tt_fold_sites(false, &nlines);
	if (!nlines) {
		/* no recorded stacks: those of the traced functions */
		tt_fold_free(lines, nlines);
		lines = tt_fold_fstacks(&h->fs, &nlines);
	}
	tt_hj_open(&j, NULL, '{');
	tt_page_run(&j, h, run, &m);
	tt_page_procs(&j, run, &m);
	tt_page_series(&j, h);
	tt_page_runtime(&j, h);
	tt_page_memory(&j, run, lines, nlines);
	tt_page_io(&j, h);
	tt_page_locks(&j, h, run);
	tt_page_threads(&j, h, run, &m);
	tt_html_flame(&j, lines, nlines);
	tt_hj_close(&j, '}');
	tt_fold_free(lines, nlines);
	tt_meta_free(&m);
}

void tt_html_page(struct tt_html *h, struct tt_run *run)
{
	struct tt_out *o = run->out;

	tt_out_puts(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		       "<meta name=\"generator\" content=\"traceit-convert " TT_VERSION "\">\n"
		       "<title>traceit report</title>\n<style>\n");
	tt_out_puts(o, tt_html_css);
	tt_out_puts(o, "</style>\n</head>\n<body>\n<header>\n<h1>traceit report</h1>\n"
		       "<p id=\"tt-subtitle\"></p>\n<nav>");
	for (size_t i = 0; i < TT_ARRAY_SIZE(tt_sections); i++)
		tt_out_printf(o, "<a href=\"#%s\">%s</a>", tt_sections[i].id, tt_sections[i].title);
	tt_out_puts(o,
		    "</nav>\n</header>\n<noscript><p>This report draws its charts and tables "
		    "with its own script: allow JavaScript to see them.</p></noscript>\n<main>\n");
	for (size_t i = 0; i < TT_ARRAY_SIZE(tt_sections); i++)
		tt_out_printf(o, "<section id=\"%s\"><h2>%s</h2></section>\n", tt_sections[i].id,
			      tt_sections[i].title);
	tt_out_puts(o, "</main>\n<script type=\"application/json\" id=\"tt-data\">\n");
	tt_page_data(h, run);
	tt_out_puts(o, "\n</script>\n<script>\n");
	tt_out_puts(o, tt_html_js);
	tt_out_puts(o, "</script>\n</body>\n</html>\n");
}
