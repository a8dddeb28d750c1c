/*
 * folded.h - call stacks as folded lines (frames outermost first, joined by ';'), each with
 * its weights: what the folded output writes and the HTML report's flame graph draws.
 */
#ifndef TT_FOLDED_H
#define TT_FOLDED_H

#include "emit.h"
#include "intern.h"

struct tt_fline {
	char *text;
	uint64_t weight[TT_NWEIGHTS]; /* by enum tt_weight */
};

/*
 * The stacks of the sites (sites.h) that have a cost, as folded lines sorted by text, the
 * sites of different processes with the same frames merged into one line; a frame per
 * function, or per source line (lines).  Takes the sites: call once, at the end of the run.
 * tt_fold_free() frees the lines.
 */
struct tt_fline *tt_fold_sites(bool lines, size_t *n);
void tt_fold_free(struct tt_fline *lines, size_t n);

/*
 * The stacks of the traced functions (-finstrument-functions), for a trace recorded without
 * stacks: every event given to tt_fstacks_event that is a function call or happens inside
 * one counts under the functions open around it (calls, bytes, self time; no leaks).
 */
struct tt_fstacks {
	struct tt_intern texts; /* each with its uint64_t weights[TT_NWEIGHTS] */
	char *buf;
	size_t cap;
};
void tt_fstacks_init(struct tt_fstacks *fs);
void tt_fstacks_event(struct tt_fstacks *fs, const struct tt_event *ev);
struct tt_fline *tt_fold_fstacks(const struct tt_fstacks *fs, size_t *n);
void tt_fstacks_free(struct tt_fstacks *fs);

#endif /* TT_FOLDED_H */
