/*
 * strtab.h - interning of strings (paths, names) by the writer, so that the stream stores each
 * distinct string once and events refer to it by id.  Writer lock held for every call.
 */
#ifndef TT_STRTAB_H
#define TT_STRTAB_H

#include <stddef.h>
#include <stdint.h>

/* Returns the id of the string (ids start at 1); *is_new tells whether it must be defined. */
uint32_t tt_strtab_intern(const char *s, size_t len, int *is_new);

/* Forgets every string: a new stream starts (fork child). */
void tt_strtab_reset(void);

#endif
