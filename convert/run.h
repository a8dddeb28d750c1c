/*
 * run.h - one conversion: scan the inputs, merge their events into an output format.
 *
 * Works on files already in memory (f->data, f->size), so it is also the entry point of a
 * fuzzer: any byte string must convert without a crash, a hang or unbounded memory.
 */
#ifndef TT_RUN_H
#define TT_RUN_H

#include "emit.h"

/*
 * Converts files[0..n) into out with sink, as opt says (NULL: everything, one output).  A
 * file with data == NULL could not be read (its error is already printed) and is only
 * counted.  Problems found in the files are printed
 * as warnings at the end; tt_diag_status says whether there were any.
 */
void tt_convert(struct tt_file **files, size_t n, const struct tt_sink *sink, struct tt_out *out,
		const struct tt_options *opt);

/* The steps of tt_convert: scan and order the inputs; print their problems at the end. */
void tt_run_prepare(struct tt_run *run, struct tt_file **files, size_t n, struct tt_out *out,
		    const struct tt_options *opt);
void tt_run_problems(struct tt_run *run);

/*
 * --follow: converts INPUTs while the traced program still writes them (follow.c), until
 * every process has ended or SIGINT.  Returns the exit status.
 */
int tt_follow(char *const *inputs, int ninputs, const struct tt_sink *sink, struct tt_out *out,
	      struct tt_options *opt);

#endif /* TT_RUN_H */
