/*
 * sym_dwarf.c - the DWARF side of the symbolizer (symbolize.c): the CU of an address, the
 * sorted table of a CU's functions, the chain of inlined calls at an address, and the names
 * and call sites those DIEs give.  The tables built here belong to the open file and go when
 * symbolize.c closes it; the names returned are interned, and stay.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sym_int.h"

/* Namespaces and classes nest; bounded so that corrupt DWARF cannot exhaust the stack. */
#define TT_SYM_MAX_NEST 32

/* ---- the CU of an address ---- */

static int tt_sym_curange_cmp(const void *a, const void *b)
{
	const struct tt_sym_curange *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

static void tt_sym_curs_read(struct tt_sym_file *f)
{
	Dwarf_Die *cu = NULL;
	Dwarf_Addr bias, base, lo, hi;
	size_t cap = 0;

	f->curs_read = true;
	while ((cu = dwfl_module_nextcu(f->mod, cu, &bias))) {
		ptrdiff_t off = 0;

		f->curs_bias = bias;
		while ((off = dwarf_ranges(cu, off, &base, &lo, &hi)) > 0) {
			if (hi <= lo)
				continue;
			if (f->ncurs == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				struct tt_sym_curange *v = realloc(f->curs, ncap * sizeof(*v));

				if (!v)
					goto done;
				f->curs = v;
				cap = ncap;
			}
			f->curs[f->ncurs++] =
				(struct tt_sym_curange){ .lo = lo, .hi = hi, .cu = *cu };
		}
	}
done:
	if (f->ncurs)
		qsort(f->curs, f->ncurs, sizeof(*f->curs), tt_sym_curange_cmp);
}

/*
 * The CU containing file address rel, and the bias of DWARF addresses.  libdwfl finds it from
 * .debug_aranges only (elfutils 0.188 and 0.189 at least, sourceware bug 22288), which clang
 * does not emit by default, and which then covers only the objects built by GCC; so failing
 * that, the CUs' own ranges are searched, read once.
 */
Dwarf_Die *tt_sym_cu_find(struct tt_sym_file *f, uint64_t rel, Dwarf_Addr *dwbias)
{
	Dwarf_Die *cudie = dwfl_module_addrdie(f->mod, rel, dwbias);
	size_t lo = 0, hi, k;
	Dwarf_Addr pc;

	if (cudie)
		return cudie;
	if (!f->curs_read)
		tt_sym_curs_read(f);
	pc = rel - f->curs_bias;
	hi = f->ncurs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->curs[mid].lo <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (k = lo; k > 0 && lo - k < 4; k--) {
		if (pc < f->curs[k - 1].hi) {
			*dwbias = f->curs_bias;
			return &f->curs[k - 1].cu;
		}
	}
	return NULL;
}

/* ---- functions of a CU, from its DIEs ---- */

static bool tt_sym_fn_add(struct tt_sym_cu *cu, size_t *cap, Dwarf_Die *die)
{
	Dwarf_Addr base, lo, hi;
	ptrdiff_t off = 0;

	while ((off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0) {
		if (hi <= lo)
			continue;
		if (cu->n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 64;
			struct tt_sym_fn *v = realloc(cu->v, ncap * sizeof(*v));

			if (!v)
				return false;
			cu->v = v;
			*cap = ncap;
		}
		cu->v[cu->n++] = (struct tt_sym_fn){ .lo = lo, .hi = hi, .die = *die };
	}
	return true;
}

/*
 * Functions with code are children of the CU, or of namespaces and classes in C++.  Nested
 * functions (GNU C) are children of functions and are not collected: they fall back to the
 * symbol table.
 */
static bool tt_sym_fn_collect(struct tt_sym_cu *cu, size_t *cap, Dwarf_Die *parent, int nest)
{
	Dwarf_Die d;

	if (dwarf_child(parent, &d) != 0)
		return true;
	do {
		switch (dwarf_tag(&d)) {
		case DW_TAG_subprogram:
			if (!tt_sym_fn_add(cu, cap, &d))
				return false;
			break;
		case DW_TAG_namespace:
		case DW_TAG_class_type:
		case DW_TAG_structure_type:
		case DW_TAG_union_type:
		case DW_TAG_module:
			if (nest < TT_SYM_MAX_NEST && !tt_sym_fn_collect(cu, cap, &d, nest + 1))
				return false;
			break;
		default:
			break;
		}
	} while (dwarf_siblingof(&d, &d) == 0);
	return true;
}

static int tt_sym_fn_cmp(const void *a, const void *b)
{
	const struct tt_sym_fn *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

/*
 * The tables of CUs and of qualified names hold pointers to structs whose first member is
 * their key, a DIE's data address.
 */
static inline size_t tt_sym_key_hash(const void *key)
{
	return (size_t)tt_hash_mix((uintptr_t)key);
}

static size_t tt_sym_keyed_hash(const void *e)
{
	return tt_sym_key_hash(**(const void *const *const *)e);
}

static bool tt_sym_keyed_eq(const void *e, const void *key)
{
	return **(const void *const *const *)e == key;
}

static bool tt_sym_keyed_used(const void *e)
{
	return *(const void *const *)e != NULL;
}

static const struct tt_hkind tt_sym_keyed_kind = {
	.size = sizeof(void *),
	.first = 64,
	.fill = 2,
	.hash = tt_sym_keyed_hash,
	.eq = tt_sym_keyed_eq,
	.used = tt_sym_keyed_used,
};

void tt_sym_dwarf_close(struct tt_sym_file *f)
{
	struct tt_sym_cu **cu;
	struct tt_sym_qual **q;
	size_t i = 0;

	while ((cu = tt_hmap_next(&f->cus, &tt_sym_keyed_kind, &i))) {
		free((*cu)->v);
		free(*cu);
	}
	tt_hmap_free(&f->cus);
	i = 0;
	while ((q = tt_hmap_next(&f->quals, &tt_sym_keyed_kind, &i)))
		free(*q);
	tt_hmap_free(&f->quals);
}

static const struct tt_sym_cu *tt_sym_cu_get(struct tt_sym_file *f, Dwarf_Die *cudie)
{
	size_t h = tt_sym_key_hash(cudie->addr);
	struct tt_sym_cu **found = tt_hmap_find(&f->cus, &tt_sym_keyed_kind, h, cudie->addr), *cu;
	size_t cap = 0;

	if (found)
		return *found;
	if (!tt_hmap_reserve(&f->cus, &tt_sym_keyed_kind))
		return NULL;
	cu = calloc(1, sizeof(*cu));
	if (!cu)
		return NULL;
	cu->key = cudie->addr;
	if (!tt_sym_fn_collect(cu, &cap, cudie, 0)) {
		free(cu->v);
		free(cu);
		return NULL;
	}
	if (cu->n)
		qsort(cu->v, cu->n, sizeof(*cu->v), tt_sym_fn_cmp);
	*(struct tt_sym_cu **)tt_hmap_add(&f->cus, &tt_sym_keyed_kind, h) = cu;
	return cu;
}

static const struct tt_sym_fn *tt_sym_fn_find(const struct tt_sym_cu *cu, Dwarf_Addr pc)
{
	size_t lo = 0, hi = cu->n, k;

	/* The last range starting at or below pc. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cu->v[mid].lo <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Ranges of distinct functions do not overlap; a few steps back cover sloppy DWARF. */
	for (k = lo; k > 0 && lo - k < 4; k--)
		if (pc < cu->v[k - 1].hi)
			return &cu->v[k - 1];
	return NULL;
}

static bool tt_sym_is_block(int tag)
{
	switch (tag) {
	case DW_TAG_inlined_subroutine:
	case DW_TAG_lexical_block:
	case DW_TAG_try_block:
	case DW_TAG_catch_block:
	case DW_TAG_with_stmt:
		return true;
	default:
		return false;
	}
}

/*
 * Fills chain with the function containing pc (chain[0]) and the inlined subroutines down to
 * the innermost one.  Returns their number, 0 when the CU has no function there.
 */
int tt_sym_scopes(struct tt_sym_file *f, Dwarf_Die *cudie, Dwarf_Addr pc, Dwarf_Die *chain)
{
	const struct tt_sym_cu *cu = tt_sym_cu_get(f, cudie);
	const struct tt_sym_fn *fn;
	Dwarf_Die cur, d;
	int depth = 1;

	if (!cu || !(fn = tt_sym_fn_find(cu, pc)))
		return 0;
	chain[0] = cur = fn->die;
	for (;;) {
		bool found = false;
		int tag = 0;

		if (dwarf_child(&cur, &d) != 0)
			break;
		do {
			tag = dwarf_tag(&d);
			if (tt_sym_is_block(tag) && dwarf_haspc(&d, pc) > 0) {
				found = true;
				break;
			}
		} while (dwarf_siblingof(&d, &d) == 0);
		if (!found)
			break;
		if (tag == DW_TAG_inlined_subroutine) {
			if (depth == TT_SYM_MAX_DEPTH)
				depth--;
			chain[depth++] = d;
		}
		cur = d;
	}
	return depth;
}

bool tt_sym_is_cxx(Dwarf_Die *die)
{
	Dwarf_Die cu;

	if (!dwarf_diecu(die, &cu, NULL, NULL))
		return false;
	switch (dwarf_srclang(&cu)) {
	case DW_LANG_C_plus_plus:
	case DW_LANG_C_plus_plus_03:
	case DW_LANG_C_plus_plus_11:
	case DW_LANG_C_plus_plus_14:
		return true;
	default:
		return false;
	}
}

/*
 * Appends to buf (at *pos) "scope::" for each namespace, class or function enclosing the DIE at
 * offset target below parent.  DIEs are laid out in preorder, so only the sibling whose span
 * holds target is entered: far fewer DIEs read than dwarf_getscopes_die(), which visits all
 * the DIEs before target.
 */
static bool tt_sym_scope_path(Dwarf_Die *parent, Dwarf_Off target, char *buf, size_t len,
			      size_t *pos, int nest)
{
	Dwarf_Die d, next;
	const char *name;
	int r;

	if (nest > TT_SYM_MAX_NEST || dwarf_child(parent, &d) != 0)
		return false;
	for (;;) {
		if (dwarf_dieoffset(&d) == target)
			return true;
		if (dwarf_dieoffset(&d) > target)
			return false;
		r = dwarf_siblingof(&d, &next);
		if (r < 0)
			return false;
		if (r > 0 || dwarf_dieoffset(&next) > target)
			break;
		d = next;
	}
	switch (dwarf_tag(&d)) {
	case DW_TAG_namespace:
		name = dwarf_diename(&d) ?: "(anonymous namespace)";
		break;
	case DW_TAG_class_type:
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
		name = dwarf_diename(&d) ?: "{unnamed type}";
		break;
	case DW_TAG_subprogram:
		name = dwarf_diename(&d);
		break;
	default:
		name = NULL;
		break;
	}
	if (name && *pos < len)
		*pos += (size_t)snprintf(buf + *pos, len - *pos, "%s::", name);
	return tt_sym_scope_path(&d, target, buf, len, pos, nest + 1);
}

/*
 * GCC gives no linkage name to C++ functions with internal linkage, members of classes in
 * anonymous namespaces among them; their DW_AT_name is unqualified ("op").  The enclosing
 * namespaces and classes are those of the declaration, which DW_AT_specification (after
 * DW_AT_abstract_origin, for inlined and out-of-line instances) leads to.
 */
static const char *tt_sym_qualified(struct tt_sym_strings *s, struct tt_sym_file *f, Dwarf_Die *die,
				    const char *name)
{
	struct tt_sym_qual *q, **found;
	Dwarf_Attribute a;
	Dwarf_Die decl = *die, next, cu;
	char buf[1024];
	size_t pos = 0, h;
	int i;

	for (i = 0; i < 8; i++) {
		if (!dwarf_formref_die(dwarf_attr(&decl, DW_AT_abstract_origin, &a), &next) &&
		    !dwarf_formref_die(dwarf_attr(&decl, DW_AT_specification, &a), &next))
			break;
		decl = next;
	}
	h = tt_sym_key_hash(decl.addr);
	found = tt_hmap_find(&f->quals, &tt_sym_keyed_kind, h, decl.addr);
	if (found)
		return (*found)->name;
	if (!dwarf_diecu(&decl, &cu, NULL, NULL) ||
	    !tt_sym_scope_path(&cu, dwarf_dieoffset(&decl), buf, sizeof(buf), &pos, 0))
		pos = 0;
	if (pos < sizeof(buf))
		snprintf(buf + pos, sizeof(buf) - pos, "%s", name);
	if (!tt_hmap_reserve(&f->quals, &tt_sym_keyed_kind) || !(q = malloc(sizeof(*q))))
		return NULL;
	q->key = decl.addr;
	q->name = tt_sym_intern_str(s, buf);
	if (!q->name) {
		free(q);
		return NULL;
	}
	*(struct tt_sym_qual **)tt_hmap_add(&f->quals, &tt_sym_keyed_kind, h) = q;
	return q->name;
}

/*
 * The name of a subprogram or inlined subroutine (through its abstract origin).  *mangled
 * tells whether it came from a linkage name, which qualifies it fully.
 */
const char *tt_sym_die_name(struct tt_sym_strings *s, struct tt_sym_file *f, Dwarf_Die *die,
			    bool *mangled)
{
	Dwarf_Attribute a;
	const char *link, *name, *d, *q;

	*mangled = false;
	link = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &a));
	if (!link)
		link = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &a));
	if (link && link[0] == '_' && link[1] == 'Z') {
		d = tt_sym_demangle(s, link);
		if (d && strcmp(d, link)) {
			*mangled = true;
			return d;
		}
	}
	name = dwarf_diename(die);
	if (!name)
		return link ? tt_sym_intern_str(s, link) : NULL;
	if (!link && tt_sym_is_cxx(die) && (q = tt_sym_qualified(s, f, die, name)))
		return q;
	return tt_sym_intern_str(s, name);
}

/* Where the inlined subroutine inl was called: a line of the frame it was inlined into. */
void tt_sym_call_site(struct tt_sym_strings *s, Dwarf_Die *inl, struct tt_sym_frame *out)
{
	Dwarf_Attribute a;
	Dwarf_Word idx, line;
	Dwarf_Files *files;
	size_t nfiles;
	Dwarf_Die cu;
	const char *name;

	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_line, &a), &line) == 0 && line <= UINT_MAX)
		out->line = (unsigned)line;
	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_file, &a), &idx) != 0)
		return;
	if (!dwarf_diecu(inl, &cu, NULL, NULL) || dwarf_getsrcfiles(&cu, &files, &nfiles) != 0 ||
	    idx >= nfiles)
		return;
	name = dwarf_filesrc(files, idx, NULL, NULL);
	/* libdw's stand-in for file 0 before DWARF 5, which names no file. */
	if (name && strcmp(name, "???"))
		out->file = tt_sym_intern_str(s, name);
}
