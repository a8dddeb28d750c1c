/*
 * lockid.h - what names a lock across runs, where its address does not (ASLR moves the
 * program's data and heap): the program's name for it, the object and offset of a lock in a
 * module's data, the call site of its first acquisition.
 */
#ifndef TT_LOCKID_H
#define TT_LOCKID_H

#include "model.h"

/*
 * "module+0xOFFSET" (module's base name, offset from its load bias: the link-time address)
 * when addr lies in a module the stream lists (with stacks recorded), else NULL.
 */
const char *tt_lock_object(const struct tt_file *f, uint64_t addr, char *buf, size_t len);

/*
 * The key a lock is matched by between two runs, the first that it has of: "name:NAME",
 * "object:MODULE+0xOFF", "site:FRAME", "addr:0xADDR" (only the same run of the same binary
 * gives the same address), written into buf.
 */
const char *tt_lock_key(struct tt_file *f, uint64_t addr, const char *name, uint32_t stack,
			char *buf, size_t len);

#endif /* TT_LOCKID_H */
