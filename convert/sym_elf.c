/*
 * sym_elf.c - the ELF symbol table of a file, for the symbolizer (symbolize.c): the name of the
 * code symbol containing an address, for code that DWARF does not name, and for the parameter
 * types of C++ functions that DWARF names without them.  dwfl_module_addrinfo() would scan the
 * whole symbol table for every address; here the code symbols are read once per open file into
 * a sorted table.
 */
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sym_int.h"

/* ---- the symbol table ---- */

static int tt_sym_bind_rank(const GElf_Sym *sym)
{
	switch (GELF_ST_BIND(sym->st_info)) {
	case STB_GLOBAL:
		return 3;
	case STB_WEAK:
		return 2;
	case STB_LOCAL:
		return 1;
	default:
		return 0;
	}
}

struct tt_sym_raw {
	struct tt_sym_sym sym;
	int rank;
	size_t under; /* leading underscores */
};

static int tt_sym_raw_cmp(const void *a, const void *b)
{
	const struct tt_sym_raw *x = a, *y = b;
	bool xs = x->sym.hi > x->sym.lo, ys = y->sym.hi > y->sym.lo;

	/* Of aliases, the first is kept: sized over labels, global over local, then smallest. */
	if (x->sym.lo != y->sym.lo)
		return x->sym.lo < y->sym.lo ? -1 : 1;
	if (xs != ys)
		return xs ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank > y->rank ? -1 : 1;
	if (x->sym.hi != y->sym.hi)
		return x->sym.hi < y->sym.hi ? -1 : 1;
	/* "malloc" rather than its alias "__libc_malloc": the name the source calls it by. */
	if (x->under != y->under)
		return x->under < y->under ? -1 : 1;
	return strcmp(x->sym.name, y->sym.name);
}

/* Whether a symbol without size may stand for the code after it (as libdwfl decides). */
static bool tt_sym_in_code(Elf *elf, GElf_Word shndx)
{
	Elf_Scn *scn = elf ? elf_getscn(elf, shndx) : NULL;
	GElf_Shdr sh;

	return scn && gelf_getshdr(scn, &sh) && (sh.sh_flags & SHF_EXECINSTR);
}

static void tt_sym_syms_read(struct tt_sym_file *f)
{
	struct tt_sym_raw *raw;
	int n = dwfl_module_getsymtab(f->mod), i;
	size_t nraw = 0, out = 0, k;
	uint64_t reach = 0;

	f->syms_read = true;
	if (n <= 1)
		return;
	raw = malloc((size_t)n * sizeof(*raw));
	if (!raw)
		return;
	for (i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr value;
		GElf_Word shndx;
		Elf *elf = NULL;
		Dwarf_Addr bias;
		const char *name;
		int type;

		name = dwfl_module_getsym_info(f->mod, i, &sym, &value, &shndx, &elf, &bias);
		if (!name || !*name || sym.st_shndx == SHN_UNDEF)
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		if (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_NOTYPE)
			continue;
		if ((type == STT_NOTYPE || !sym.st_size) && !tt_sym_in_code(elf, shndx))
			continue;
		raw[nraw].sym =
			(struct tt_sym_sym){ .lo = value, .hi = value + sym.st_size, .name = name };
		if (raw[nraw].sym.hi < value)
			raw[nraw].sym.hi = UINT64_MAX;
		raw[nraw].rank = tt_sym_bind_rank(&sym);
		raw[nraw].under = strspn(name, "_");
		nraw++;
	}
	if (nraw)
		qsort(raw, nraw, sizeof(*raw), tt_sym_raw_cmp);
	/* Compacted in place: struct tt_sym_sym is the first member of struct tt_sym_raw. */
	f->syms = (struct tt_sym_sym *)raw;
	for (k = 0; k < nraw; k++) {
		if (out && f->syms[out - 1].lo == raw[k].sym.lo)
			continue;
		f->syms[out] = raw[k].sym;
		if (f->syms[out].hi > reach)
			reach = f->syms[out].hi;
		f->syms[out].reach = reach;
		out++;
	}
	f->nsyms = out;
	if (!out) {
		free(f->syms);
		f->syms = NULL;
	}
}

/* The symbol containing addr, as dwfl_module_addrinfo() would choose it, or NULL. */
const char *tt_sym_symtab_name(struct tt_sym_file *f, uint64_t addr)
{
	const struct tt_sym_sym *v;
	size_t lo = 0, hi, j, k;

	if (!f->syms_read)
		tt_sym_syms_read(f);
	v = f->syms;
	hi = f->nsyms;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	j = lo - 1;
	/* The closest sized symbol containing addr; reach says when none further back can. */
	for (k = j;; k--) {
		if (v[k].hi > addr)
			return v[k].name;
		if (!k || v[k - 1].reach <= addr)
			break;
	}
	/* A label counts only if no sized symbol before it extends past it. */
	if (v[j].hi == v[j].lo && (!j || v[j - 1].reach <= v[j].lo))
		return v[j].name;
	return NULL;
}
