/*
 * diff_run.c - the --diff command: two conversions, one comparison.
 *
 * Each side is read, collected and let go before the next: memory is one run's at a time,
 * plus the values kept of each.
 */
#include <stdio.h>
#include <stdlib.h>

#include "diff_print.h"
#include "diff_run.h"
#include "input.h"
#include "run.h"
#include "scan.h"

/* Collects the side of input arg; false if it had no usable stream (said on stderr). */
static bool tt_diff_side(struct tt_dside *side, const char *arg, struct tt_out *out,
			 struct tt_options *opt)
{
	int before = tt_diag_status;
	bool troubled;
	char *const args[] = { (char *)arg };
	size_t n;
	char **names;
	struct tt_file **files;

	tt_diag_status = 0; /* what this side's inputs say */
	names = tt_inputs_expand(args, 1, &n);
	files = tt_inputs_open(names, n, NULL);
	opt->sink_arg = side;
	tt_convert(files, n, &tt_sink_diff_side, out, opt);
	troubled = tt_diag_status != 0;
	if (tt_diag_status < before)
		tt_diag_status = before;
	tt_inputs_close(files, names, n);
	if (side->processes)
		return true;
	/* what made it unusable was said (unless -q kept a warning quiet) */
	if (!troubled)
		tt_error("--diff: %s: no process to compare", arg);
	tt_diag_status = 1;
	return false;
}

int tt_diff_run(const char *base, const char *new, int format, struct tt_out *out,
		struct tt_options *opt, const struct tt_failon *fail, size_t nfail)
{
	struct tt_fcheck *checks = tt_xcalloc(nfail ? nfail : 1, sizeof(*checks));
	struct tt_diff d;
	bool crossed;

	tt_diff_init(&d, base, new);
	if (!tt_diff_side(&d.side[0], base, out, opt) || !tt_diff_side(&d.side[1], new, out, opt)) {
		tt_diff_free(&d);
		free(checks);
		return 1;
	}
	tt_diff_compare(&d);
	crossed = tt_failon_check(fail, nfail, &d, checks);
	if (format == TT_DIFF_CSV)
		tt_diff_csv(out, &d);
	else if (format == TT_DIFF_HTML)
		tt_diff_html(out, &d, checks, nfail);
	else
		tt_diff_text(out, &d, checks, nfail);
	for (size_t i = 0; i < nfail; i++) {
		char text[256];

		if (!checks[i].found)
			fprintf(stderr, "traceit-convert: --fail-on: '%s': in neither run\n",
				fail[i].text);
		if (checks[i].crossed)
			fprintf(stderr, "traceit-convert: --fail-on: '%s' crossed: %s\n",
				fail[i].text, tt_fcheck_text(text, sizeof(text), &checks[i]));
	}
	tt_diff_free(&d);
	free(checks);
	return crossed ? TT_EXIT_THRESHOLD : tt_diag_status;
}
