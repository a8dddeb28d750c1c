/*
 * errnames.h - symbolic errno names for the JSON, CSV and summary output.
 */
#ifndef TT_ERRNAMES_H
#define TT_ERRNAMES_H

/* "ENOENT" for ENOENT; NULL when the number has no name (the caller prints the number). */
const char *tt_errno_name(long err);

#endif /* TT_ERRNAMES_H */
