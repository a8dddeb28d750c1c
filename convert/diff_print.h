/*
 * diff_print.h - rendering a comparison of two runs (diff.h): the text of -f summary, the
 * table of -f csv, and the values in human units for other renderers.
 */
#ifndef TT_DIFF_PRINT_H
#define TT_DIFF_PRINT_H

#include "diff.h"
#include "failon.h"

/* The changes, largest first, then the thresholds checked and how each went. */
void tt_diff_text(struct tt_out *o, const struct tt_diff *d, const struct tt_fcheck *checks,
		  size_t nchecks);
/* Every row, changed or not: schema_version,kind,key,metric,unit,base,new,delta,pct,change */
void tt_diff_csv(struct tt_out *o, const struct tt_diff *d);

/* The changes as one self-contained HTML page: thresholds, a chart, a table (diff_html.c) */
void tt_diff_html(struct tt_out *o, const struct tt_diff *d, const struct tt_fcheck *checks,
		  size_t nchecks);

/* v of metric in its unit, for people: "1.20 ms", "3.00 KiB", "42" */
const char *tt_diff_value(char *buf, size_t len, unsigned metric, uint64_t v);
/* What a threshold was checked on: "1.20 ms -> 1.50 ms (+25.0%)", "3", "in neither run" */
const char *tt_fcheck_text(char *buf, size_t len, const struct tt_fcheck *c);

#endif /* TT_DIFF_PRINT_H */
