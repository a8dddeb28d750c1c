/*
 * sym_int.h - inside the symbolizer: the state of an opened file, which symbolize.c (files,
 * modules, the result cache, strings), sym_dwarf.c (CUs, functions, inlined calls) and
 * sym_elf.c (the symbol table) share, and the functions each of them lends the others.  The
 * rest of the converter uses symbolize.h only.
 */
#ifndef TT_SYM_INT_H
#define TT_SYM_INT_H

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"
#include "intern.h"
#include "symbolize.h"

/*
 * Inlining deeper than this is cut in the middle: the function, its outer inlined frames and
 * the innermost one are kept, so the innermost line still belongs to the innermost name.
 */
#define TT_SYM_MAX_DEPTH 64

/* One address range of a function (DW_TAG_subprogram) of a CU. */
struct tt_sym_fn {
	Dwarf_Addr lo, hi;
	Dwarf_Die die;
};

struct tt_sym_cu {
	const void *key;     /* the CU DIE's data address: unique while the file is open */
	struct tt_sym_fn *v; /* sorted by lo */
	size_t n;
};

/* The address range of a CU, for files whose CUs libdwfl cannot find (see tt_sym_cu_find). */
struct tt_sym_curange {
	Dwarf_Addr lo, hi;
	Dwarf_Die cu;
};

/* The name made up for a C++ function without a linkage name, by its declaration DIE. */
struct tt_sym_qual {
	const void *key; /* the DIE's data address: unique while the file is open */
	const char *name;
};

/* A code symbol; hi == lo for a sizeless one (an assembly label). */
struct tt_sym_sym {
	uint64_t lo, hi;
	uint64_t reach; /* highest hi of this and all earlier entries: bounds the backward search */
	const char *name;
};

/* Cached result of one file address; f NULL marks a free slot. */
struct tt_sym_ent {
	uint64_t addr;
	const struct tt_sym_frame *f;
	unsigned n;
};

enum tt_sym_state { TT_SYM_NEW, TT_SYM_OPEN, TT_SYM_CLOSED, TT_SYM_BAD };

struct tt_sym_file {
	const char *path;     /* as the process saw it */
	const char *build_id; /* hex, "" when unknown */
	uint64_t hash;
	enum tt_sym_state state;
	const char *error; /* why it is TT_SYM_BAD */
	uint64_t last_use;
	Dwfl *dwfl;
	Dwfl_Module *mod;
	struct tt_hmap cus;	     /* struct tt_sym_cu * by CU DIE data address, while open */
	struct tt_hmap quals;	     /* struct tt_sym_qual *, while open */
	struct tt_sym_curange *curs; /* sorted by lo */
	size_t ncurs;
	Dwarf_Addr curs_bias;
	bool curs_read;
	struct tt_sym_sym *syms;
	size_t nsyms;
	bool syms_read;
	struct tt_hmap cache; /* struct tt_sym_ent, by address */
};

/* Interned strings, each with its demangled form, and the memory the rest lives in. */
struct tt_sym_block;
struct tt_sym_strings {
	struct tt_sym_block *blocks;
	/* extra: const char *, the demangled form: NULL until asked, the string itself when
	 * it is not a mangled name */
	struct tt_intern strs;
};

/*
 * Each function below is described where it is defined.
 *
 * sym_str.c: the allocator, and strings interned until tt_sym_free().
 */
void *tt_sym_alloc(struct tt_sym_strings *s, size_t n, size_t align);
char *tt_sym_strdup(struct tt_sym_strings *s, const char *str);
const char *tt_sym_intern_str(struct tt_sym_strings *s, const char *str);
const char *tt_sym_demangle(struct tt_sym_strings *s, const char *name);
void tt_sym_strings_free(struct tt_sym_strings *s);

/* sym_dwarf.c: from the DIEs of the open file f; what it keeps of them goes with f's close. */
void tt_sym_dwarf_close(struct tt_sym_file *f);
Dwarf_Die *tt_sym_cu_find(struct tt_sym_file *f, uint64_t rel, Dwarf_Addr *dwbias);
int tt_sym_scopes(struct tt_sym_file *f, Dwarf_Die *cudie, Dwarf_Addr pc, Dwarf_Die *chain);
bool tt_sym_is_cxx(Dwarf_Die *die);
const char *tt_sym_die_name(struct tt_sym_strings *s, struct tt_sym_file *f, Dwarf_Die *die,
			    bool *mangled);
void tt_sym_call_site(struct tt_sym_strings *s, Dwarf_Die *inl, struct tt_sym_frame *out);

/* sym_elf.c: from the symbol table of the open file f. */
const char *tt_sym_symtab_name(struct tt_sym_file *f, uint64_t addr);

#endif /* TT_SYM_INT_H */
