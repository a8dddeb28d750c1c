/*
 * diff_run.h - traceit-convert --diff BASE NEW: each run converted through the diff's
 * collection, compared, written, and checked against the --fail-on thresholds.
 */
#ifndef TT_DIFF_RUN_H
#define TT_DIFF_RUN_H

#include "failon.h"

/* Exit status of a --diff with a crossed --fail-on threshold */
#define TT_EXIT_THRESHOLD 3

/* How the comparison is written */
enum tt_diff_format { TT_DIFF_TEXT, TT_DIFF_CSV, TT_DIFF_HTML };

/*
 * Compares the inputs base and new (a stream file or a folder each) into out, as text, CSV
 * or HTML (enum tt_diff_format), with opt's filters.  Returns the exit status: TT_EXIT_THRESHOLD if
 * one of fail[0..nfail) was crossed, else tt_diag_status; 1 without output when a side has no
 * usable stream.
 */
int tt_diff_run(const char *base, const char *new, int format, struct tt_out *out,
		struct tt_options *opt, const struct tt_failon *fail, size_t nfail);

#endif /* TT_DIFF_RUN_H */
