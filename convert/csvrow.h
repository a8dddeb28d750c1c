/*
 * csvrow.h - writing the rows of a CSV table one typed field at a time: each field is
 * followed by its separator, ',' or '\n' for the last; an empty field is SQL's NULL to the
 * loaders (an unknown or absent value), never 0.
 */
#ifndef TT_CSVROW_H
#define TT_CSVROW_H

#include "out.h"

void tt_col_u64(struct tt_out *o, uint64_t v, char sep);
void tt_col_i64(struct tt_out *o, int64_t v, char sep);
void tt_col_hex(struct tt_out *o, uint64_t v, char sep);
/* A string, quoted as RFC 4180 asks; NULL is an empty field. */
void tt_col_str(struct tt_out *o, const char *s, char sep);
/* An empty field. */
void tt_col_none(struct tt_out *o, char sep);
/* A ratio with one decimal ("12.5"). */
void tt_col_ratio(struct tt_out *o, double v, char sep);

#endif /* TT_CSVROW_H */
