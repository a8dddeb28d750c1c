/*
 * callstack.h - the call stacks of one process image (STACKS chunks), the modules it had
 * loaded (MODULES chunks), and their symbolisation into readable frames.
 *
 * Stacks are loaded by the pre-scan, all of them before any event is decoded (an event may
 * name a stack written later in the file).  A stack is symbolised the first time an output
 * asks for it, with the module list in force when the recorder first saw it, and the result
 * kept: each distinct stack is resolved once per run.
 */
#ifndef TT_CALLSTACK_H
#define TT_CALLSTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"

struct tt_file;

struct tt_cstack {
	uint64_t tick;	    /* first seen */
	const uint64_t *ip; /* return addresses, innermost first */
	uint32_t nip;
	/* after tt_callstack_get(): */
	uint32_t nframe;
	const char **frame; /* "function (file:line)", inlined calls expanded, innermost first */
	const char **fname; /* the same frames' functions alone */
	const char *json;   /* the frames as a JSON array, ready to paste */
	size_t json_len;
	bool defined;
	bool resolved;
};

struct tt_module {
	uint64_t bias, lo, hi;
	const char *path;
	const char *build_id; /* lowercase hex, "" if none */
	int handle;	      /* symbolizer's, -2 until declared */
};

struct tt_modsnap {
	uint64_t tick;
	size_t first, count; /* in tt_stacktab.mods */
};

struct tt_stacktab {
	struct tt_cstack *v; /* indexed by id */
	size_t cap;
	size_t defined;
	struct tt_module *mods;
	size_t nmods, mods_cap;
	struct tt_modsnap *snaps;
	size_t nsnaps, snaps_cap;
	bool warned_unknown;
	struct tt_hmap funcs; /* function names by entry address (tt_callstack_func) */
};

/* Pre-scan: one STACKS or MODULES payload, inflated (at: chunk offset, for messages). */
void tt_callstack_load_stacks(struct tt_file *f, const uint8_t *p, size_t len, size_t at);
void tt_callstack_load_modules(struct tt_file *f, const uint8_t *p, size_t len, size_t at);

/* Stack id of f, resolved; NULL for id 0, or an id the file does not define (reported). */
const struct tt_cstack *tt_callstack_get(struct tt_file *f, uint32_t id);

/*
 * The name of the function at addr (a traced function's entry, FUNC records) with the modules
 * mapped at tick: demangled, or "module+0x..." when unknown.  Cached per address.
 */
const char *tt_callstack_func(struct tt_file *f, uint64_t tick, uint64_t addr);
/* The innermost frame of stack id ("function (file.c:12)"): where the call was made; NULL */
const char *tt_callstack_top(struct tt_file *f, uint32_t id);

void tt_callstack_free(struct tt_stacktab *t);
/* Closes the symbolizer: at the end of a run. */
void tt_callstack_cleanup(void);

#endif /* TT_CALLSTACK_H */
