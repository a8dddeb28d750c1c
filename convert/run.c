/*
 * run.c - the conversion driver: pre-scan every input, choose the time base, merge.
 */
#include <stdlib.h>

#include "run.h"
#include "scan.h"
#include "state.h"

static int tt_start_cmp(const void *a, const void *b)
{
	const struct tt_file *x = *(struct tt_file *const *)a, *y = *(struct tt_file *const *)b;

	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	return x->index < y->index ? -1 : (x->index > y->index);
}

void tt_run_prepare(struct tt_run *run, struct tt_file **files, size_t n, struct tt_out *out,
		    const struct tt_options *opt)
{
	static const struct tt_options none = {
		.filter = { .to_ns = UINT64_MAX, .categories = (1u << TT_CAT_COUNT) - 1 }
	};
	size_t k = 0;

	*run = (struct tt_run){ .files = files, .nfiles = n, .out = out };
	run->opt = opt ? opt : &none;
	run->filter = &run->opt->filter;
	run->procs = tt_xcalloc(n ? n : 1, sizeof(*run->procs));
	for (size_t i = 0; i < n; i++) {
		files[i]->index = (unsigned)i;
		if (files[i]->data && !tt_scan(files[i]))
			run->procs[run->nprocs++] = files[i];
	}
	tt_sort(run->procs, run->nprocs, sizeof(*run->procs), tt_start_cmp);
	/*
	 * Time 0 is the start of the earliest process (0: a file too damaged to tell), whether
	 * or not --pid selects it: times do not depend on the filter.
	 */
	for (size_t i = 0; i < run->nprocs && !run->base_ns; i++)
		run->base_ns = run->procs[i]->start_ns;
	for (size_t i = 0; i < run->nprocs; i++)
		if (tt_filter_pid(run->filter, run->procs[i]->pid))
			run->procs[k++] = run->procs[i];
	run->nprocs = k;
}

void tt_run_problems(struct tt_run *run)
{
	/* Problems of the processes left out by --pid do not concern the output. */
	for (size_t i = 0; i < run->nfiles; i++)
		if (run->files[i]->usable && tt_filter_pid(run->filter, run->files[i]->pid))
			tt_problems_flush(&run->files[i]->problems, run->files[i]->name,
					  run->files[i]->decoded);
	free(run->procs);
	run->procs = NULL;
}

void tt_convert(struct tt_file **files, size_t n, const struct tt_sink *sink, struct tt_out *out,
		const struct tt_options *opt)
{
	struct tt_run run;
	void *self;

	tt_run_prepare(&run, files, n, out, opt);
	tt_state_begin(sink->track);
	self = sink->begin(&run);
	tt_merge(&run, sink, self);
	/* an output may still symbolise stacks as it closes (perfetto's held events) */
	sink->end(self, &run);
	tt_callstack_cleanup();
	tt_out_flush(out);
	tt_state_end();
	tt_run_problems(&run);
}
