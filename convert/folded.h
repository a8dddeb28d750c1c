/*
 * folded.h - call stacks as folded lines (frames outermost first, joined by ';'), each with
 * its weights: what the folded output writes and the HTML report's flame graph draws.
 */
#ifndef TT_FOLDED_H
#define TT_FOLDED_H

#include "emit.h"

struct tt_fline {
	char *text;
	uint64_t weight[TT_NWEIGHTS]; /* by enum tt_weight */
};

/*
 * The stacks of the sites (sites.h) that have a cost, as folded lines sorted by text, the
 * sites of different processes with the same frames merged into one line.  Takes the sites:
 * call once, at the end of the run.  tt_fold_free() frees the lines.
 */
struct tt_fline *tt_fold_sites(size_t *n);
void tt_fold_free(struct tt_fline *lines, size_t n);

#endif /* TT_FOLDED_H */
