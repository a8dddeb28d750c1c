/*
 * symbolize.c - code addresses to functions and source lines through elfutils (libdwfl, libdw).
 *
 * Each distinct file (path, build id) gets its own Dwfl, with the file reported at bias 0, so
 * that module addresses are the file's own virtual addresses: every process that mapped the
 * file shares one opened copy and one address cache whatever its load bias, and files that were
 * mapped at the same address at different times (dlclose then dlopen, other processes) never
 * overlap inside one Dwfl, which libdwfl would refuse.
 *
 * libdw finds the CU of an address quickly (aranges), but not the function in it:
 * dwarf_getscopes() walks the CU's DIE tree for every address, and dwfl_module_addrinfo()
 * scans the whole symbol table for every address.  With 100k distinct addresses both would
 * dominate a conversion, so each CU gets a sorted table of its functions' address ranges on
 * first use, and each file a sorted table of its code symbols.  Per address only the DIEs of
 * the one function are walked, to find the inlined calls.
 *
 * Strings are copied out of libdw (interned) so that results outlive a file closed to stay
 * within the descriptor limit, and so that each demangling happens once per name.
 *
 * Here are the files (opened, checked, closed), the modules and the cache of results; the
 * interned strings and the memory the rest uses are sym_str.c's.  Inside an open file, the
 * DWARF is read by sym_dwarf.c and the symbol table by sym_elf.c; sym_int.h has what they
 * share.
 */
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symbolize.h"
#include "sym_int.h"

static const struct tt_sym_frame tt_sym_unknown = { NULL, NULL, 0, 0 };
static const char tt_sym_deleted[] = " (deleted)";

struct tt_sym_module {
	struct tt_sym_file *file;
	uint64_t bias;
};

struct tt_symbolizer {
	Dwfl_Callbacks cb;
	char *debuginfo_path;	   /* cb points at this pointer; NULL = elfutils' default */
	struct tt_sym_strings str; /* sym_str.c */
	struct tt_hmap filetab;	   /* struct tt_sym_file * by (path, build id) */
	struct tt_hmap modtab;	   /* struct tt_sym_modent by (file, bias) */
	struct tt_sym_file **files;
	size_t nfiles, files_cap;
	struct tt_sym_module *mods;
	size_t nmods, mods_cap;
	unsigned nopen, max_open;
	uint64_t clock; /* for least recently used */
};

/* ---- files: opening, checking, closing ---- */

static void tt_sym_close(struct tt_symbolizer *s, struct tt_sym_file *f)
{
	tt_sym_dwarf_close(f);
	free(f->syms);
	f->syms = NULL;
	f->nsyms = 0;
	f->syms_read = false;
	free(f->curs);
	f->curs = NULL;
	f->ncurs = 0;
	f->curs_read = false;
	if (f->dwfl)
		dwfl_end(f->dwfl);
	f->dwfl = NULL;
	f->mod = NULL;
	if (f->state == TT_SYM_OPEN) {
		f->state = TT_SYM_CLOSED;
		s->nopen--;
	}
}

static void tt_sym_evict(struct tt_symbolizer *s)
{
	struct tt_sym_file *lru = NULL;
	size_t i;

	for (i = 0; i < s->nfiles; i++) {
		struct tt_sym_file *f = s->files[i];

		if (f->state == TT_SYM_OPEN && (!lru || f->last_use < lru->last_use))
			lru = f;
	}
	if (lru)
		tt_sym_close(s, lru);
}

static void tt_sym_bad(struct tt_symbolizer *s, struct tt_sym_file *f, const char *why)
{
	/* Messages of strerror() and libdwfl are reused buffers: keep a copy. */
	f->error = tt_sym_intern_str(&s->str, why);
	if (!f->error)
		f->error = "out of memory";
	tt_sym_close(s, f);
	f->state = TT_SYM_BAD;
}

static bool tt_sym_build_id_matches(Dwfl_Module *mod, const char *want)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *bits;
	GElf_Addr vaddr;
	int n = dwfl_module_build_id(mod, &bits, &vaddr), i;

	if (n <= 0 || strlen(want) != 2 * (size_t)n)
		return false;
	for (i = 0; i < n; i++) {
		if ((want[2 * i] | 0x20) != hex[bits[i] >> 4] ||
		    (want[2 * i + 1] | 0x20) != hex[bits[i] & 15])
			return false;
	}
	return true;
}

/* Opens f if it is not open, closing another if too many are.  False if f is unusable. */
static bool tt_sym_open(struct tt_symbolizer *s, struct tt_sym_file *f)
{
	const char *path = f->path, *name;
	char *stripped = NULL;
	size_t len = strlen(path), dl = sizeof(tt_sym_deleted) - 1;
	struct stat st;
	GElf_Ehdr eh;
	GElf_Addr ebias;
	Elf *elf;
	int fd;

	f->last_use = ++s->clock;
	if (f->state == TT_SYM_OPEN)
		return true;
	if (f->state == TT_SYM_BAD)
		return false;
	if (!*path) {
		tt_sym_bad(s, f, "no file name");
		return false;
	}
	if (path[0] == '[') {
		tt_sym_bad(s, f, "not a file"); /* [vdso], [heap]: as /proc/pid/maps names them */
		return false;
	}
	/*
	 * /proc/self/exe of a program replaced while it ran.  The file now at the path is the one
	 * that ran only if its build id says so.
	 */
	if (len > dl && !strcmp(path + len - dl, tt_sym_deleted)) {
		if (!*f->build_id) {
			tt_sym_bad(s, f,
				   "deleted while running, and no build id to check its successor");
			return false;
		}
		stripped = strndup(path, len - dl);
		if (!stripped) {
			tt_sym_bad(s, f, "out of memory");
			return false;
		}
		path = stripped;
	}
	if (s->nopen >= s->max_open)
		tt_sym_evict(s);

	/* O_NONBLOCK: a FIFO at the path must not hang the converter. */
	while ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0 &&
	       (errno == EMFILE || errno == ENFILE) && s->nopen)
		tt_sym_evict(s); /* the caller's descriptors count too: make room, not a bad file */
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		tt_sym_bad(s, f, fd < 0 ? strerror(errno) : "not a regular file");
		goto fail;
	}
	f->dwfl = dwfl_begin(&s->cb);
	if (!f->dwfl) {
		tt_sym_bad(s, f, dwfl_errmsg(-1));
		goto fail;
	}
	dwfl_report_begin(f->dwfl);
	/*
	 * Bias 0 (base 0 plus p_vaddr): module addresses are the file's virtual addresses, which
	 * is also what they are for ET_EXEC, whose base libdwfl ignores.
	 */
	name = strrchr(path, '/');
	f->mod = dwfl_report_elf(f->dwfl, name ? name + 1 : path, path, fd, 0, true);
	if (!f->mod) {
		tt_sym_bad(s, f, dwfl_errmsg(-1));
		goto fail;
	}
	fd = -1; /* the Dwfl owns it now */
	dwfl_report_end(f->dwfl, NULL, NULL);
	/* ET_REL would need section layout, ET_CORE is no code: neither is ever mapped as code. */
	elf = dwfl_module_getelf(f->mod, &ebias);
	if (!elf || !gelf_getehdr(elf, &eh) || (eh.e_type != ET_DYN && eh.e_type != ET_EXEC)) {
		tt_sym_bad(s, f, "not an executable or shared library");
		goto fail;
	}
	if (*f->build_id && !tt_sym_build_id_matches(f->mod, f->build_id)) {
		tt_sym_bad(s, f, "build id differs: the file changed since the run");
		goto fail;
	}
	free(stripped);
	f->state = TT_SYM_OPEN;
	s->nopen++;
	return true;
fail:
	if (fd >= 0)
		close(fd);
	free(stripped);
	return false;
}

/* ---- resolving ---- */

/* Resolves file address rel of the open file f.  *out is tt_sym_unknown when nothing is known. */
static unsigned tt_sym_lookup(struct tt_symbolizer *s, struct tt_sym_file *f, uint64_t rel,
			      const struct tt_sym_frame **out)
{
	struct tt_sym_frame fr[TT_SYM_MAX_DEPTH], *res;
	Dwarf_Die chain[TT_SYM_MAX_DEPTH], *cudie;
	Dwarf_Addr dwbias = 0;
	Dwarf_Line *line;
	int depth = 0, i, n;
	bool mangled, outer_mangled = false;

	*out = &tt_sym_unknown;
	cudie = tt_sym_cu_find(f, rel, &dwbias);
	if (cudie)
		depth = tt_sym_scopes(f, cudie, rel - dwbias, chain);
	n = depth ? depth : 1;
	memset(fr, 0, sizeof(fr[0]) * n);
	/* chain[0] is the outermost frame, fr[0] the innermost. */
	for (i = 0; i < depth; i++) {
		struct tt_sym_frame *x = &fr[depth - 1 - i];

		x->function = tt_sym_die_name(&s->str, f, &chain[i], i ? &mangled : &outer_mangled);
		x->inlined = i > 0;
		if (i + 1 < depth)
			tt_sym_call_site(&s->str, &chain[i + 1], x);
	}
	/*
	 * An outermost C++ function without linkage name: its symbol, when mangled, also has
	 * the parameter types that all the other C++ names show.
	 */
	if (depth && !outer_mangled && tt_sym_is_cxx(&chain[0])) {
		const char *name = tt_sym_symtab_name(f, rel);

		if (name && name[0] == '_' && name[1] == 'Z' &&
		    (name = tt_sym_demangle(&s->str, name)))
			fr[n - 1].function = name;
	}
	/* Not dwfl_module_getsrc(): it finds the CU as dwfl_module_addrdie() does. */
	line = cudie ? dwarf_getsrc_die(cudie, rel - dwbias) : NULL;
	if (line) {
		int ln = 0;

		fr[0].file = tt_sym_intern_str(&s->str, dwarf_linesrc(line, NULL, NULL));
		if (!dwarf_lineno(line, &ln) && ln > 0)
			fr[0].line = (unsigned)ln;
	}
	if (!fr[n - 1].function) {
		const char *name = tt_sym_symtab_name(f, rel);

		if (name)
			fr[n - 1].function = tt_sym_demangle(&s->str, name);
	}
	if (n == 1 && !fr[0].function && !fr[0].file)
		return 1;
	res = tt_sym_alloc(&s->str, sizeof(*res) * n, _Alignof(struct tt_sym_frame));
	if (!res)
		return 1;
	memcpy(res, fr, sizeof(*res) * n);
	*out = res;
	return n;
}

static inline size_t tt_sym_addr_hash(uint64_t addr)
{
	/* splitmix64's finaliser: code addresses differ mostly in their middle bits */
	return (size_t)tt_hash_mix(addr);
}

static size_t tt_sym_ent_hash(const void *e)
{
	return tt_sym_addr_hash(((const struct tt_sym_ent *)e)->addr);
}

static bool tt_sym_ent_eq(const void *e, const void *key)
{
	return ((const struct tt_sym_ent *)e)->addr == *(const uint64_t *)key;
}

static bool tt_sym_ent_used(const void *e)
{
	return ((const struct tt_sym_ent *)e)->f != NULL;
}

static const struct tt_hkind tt_sym_cache_kind = {
	.size = sizeof(struct tt_sym_ent),
	.first = 256,
	.fill = 3,
	.hash = tt_sym_ent_hash,
	.eq = tt_sym_ent_eq,
	.used = tt_sym_ent_used,
};

static void tt_sym_cache_put(struct tt_sym_file *f, uint64_t addr, const struct tt_sym_frame *fr,
			     unsigned n)
{
	if (!tt_hmap_reserve(&f->cache, &tt_sym_cache_kind))
		return; /* uncached: resolved again next time */
	*(struct tt_sym_ent *)tt_hmap_add(&f->cache, &tt_sym_cache_kind, tt_sym_addr_hash(addr)) =
		(struct tt_sym_ent){ .addr = addr, .f = fr, .n = n };
}

unsigned tt_sym_resolve(struct tt_symbolizer *s, int m, uint64_t addr,
			const struct tt_sym_frame **frames)
{
	struct tt_sym_file *f;
	struct tt_sym_ent *e;
	uint64_t rel;
	unsigned n;

	*frames = &tt_sym_unknown;
	if (!s || m < 0 || (size_t)m >= s->nmods)
		return 1;
	f = s->mods[m].file;
	rel = addr - s->mods[m].bias;
	e = tt_hmap_find(&f->cache, &tt_sym_cache_kind, tt_sym_addr_hash(rel), &rel);
	if (e) {
		*frames = e->f;
		return e->n;
	}
	if (!tt_sym_open(s, f))
		return 1;
	n = tt_sym_lookup(s, f, rel, frames);
	tt_sym_cache_put(f, rel, *frames, n);
	return n;
}

/* ---- modules ---- */

struct tt_sym_filekey {
	uint64_t hash;
	const char *path, *build_id;
};

static size_t tt_sym_file_hash(const void *e)
{
	return (size_t)(*(struct tt_sym_file *const *)e)->hash;
}

static bool tt_sym_file_eq(const void *e, const void *key)
{
	const struct tt_sym_file *f = *(struct tt_sym_file *const *)e;
	const struct tt_sym_filekey *k = key;

	return f->hash == k->hash && !strcmp(f->path, k->path) && !strcmp(f->build_id, k->build_id);
}

static bool tt_sym_file_used(const void *e)
{
	return *(struct tt_sym_file *const *)e != NULL;
}

static const struct tt_hkind tt_sym_file_kind = {
	.size = sizeof(struct tt_sym_file *),
	.first = 64,
	.fill = 2,
	.hash = tt_sym_file_hash,
	.eq = tt_sym_file_eq,
	.used = tt_sym_file_used,
};

/* A module: a file at a bias, and its index in mods. */
struct tt_sym_modent {
	const struct tt_sym_file *file; /* NULL: a free slot */
	uint64_t bias;
	size_t index;
};

static inline size_t tt_sym_mod_hash(const struct tt_sym_file *f, uint64_t bias)
{
	return (size_t)tt_hash_mix(f->hash ^ tt_hash_mix(bias));
}

static size_t tt_sym_modent_hash(const void *e)
{
	const struct tt_sym_modent *m = e;

	return tt_sym_mod_hash(m->file, m->bias);
}

static bool tt_sym_modent_eq(const void *e, const void *key)
{
	const struct tt_sym_modent *m = e, *k = key;

	return m->file == k->file && m->bias == k->bias;
}

static bool tt_sym_modent_used(const void *e)
{
	return ((const struct tt_sym_modent *)e)->file != NULL;
}

static const struct tt_hkind tt_sym_mod_kind = {
	.size = sizeof(struct tt_sym_modent),
	.first = 64,
	.fill = 2,
	.hash = tt_sym_modent_hash,
	.eq = tt_sym_modent_eq,
	.used = tt_sym_modent_used,
};

static bool tt_sym_grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap * 2 : 16;
	void *v;

	if (need <= *cap)
		return true;
	v = realloc(*p, ncap * size);
	if (!v)
		return false;
	*p = v;
	*cap = ncap;
	return true;
}

static struct tt_sym_file *tt_sym_file_get(struct tt_symbolizer *s, const char *path,
					   const char *build_id)
{
	struct tt_sym_filekey key = { tt_hash_str(tt_hash_str(0, path), build_id), path, build_id };
	struct tt_sym_file **found = tt_hmap_find(&s->filetab, &tt_sym_file_kind, key.hash, &key);
	struct tt_sym_file *f;

	if (found)
		return *found;
	if (!tt_hmap_reserve(&s->filetab, &tt_sym_file_kind) ||
	    !tt_sym_grow((void **)&s->files, &s->files_cap, s->nfiles + 1, sizeof(*s->files)))
		return NULL;
	f = tt_sym_alloc(&s->str, sizeof(*f), _Alignof(struct tt_sym_file));
	if (!f)
		return NULL;
	*f = (struct tt_sym_file){ .hash = key.hash, .state = TT_SYM_NEW };
	f->path = tt_sym_strdup(&s->str, path);
	f->build_id = tt_sym_strdup(&s->str, build_id);
	if (!f->path || !f->build_id)
		return NULL;
	s->files[s->nfiles++] = f;
	*(struct tt_sym_file **)tt_hmap_add(&s->filetab, &tt_sym_file_kind, key.hash) = f;
	return f;
}

int tt_sym_add_module(struct tt_symbolizer *s, const char *path, uint64_t bias,
		      const char *build_id)
{
	struct tt_sym_modent key, *m;
	struct tt_sym_file *f;
	size_t h;

	if (!s)
		return -1;
	f = tt_sym_file_get(s, path ? path : "", build_id ? build_id : "");
	if (!f)
		return -1;
	key = (struct tt_sym_modent){ .file = f, .bias = bias };
	h = tt_sym_mod_hash(f, bias);
	m = tt_hmap_find(&s->modtab, &tt_sym_mod_kind, h, &key);
	if (m)
		return (int)m->index;
	if (s->nmods >= INT_MAX || !tt_hmap_reserve(&s->modtab, &tt_sym_mod_kind) ||
	    !tt_sym_grow((void **)&s->mods, &s->mods_cap, s->nmods + 1, sizeof(*s->mods)))
		return -1;
	s->mods[s->nmods] = (struct tt_sym_module){ .file = f, .bias = bias };
	key.index = s->nmods;
	*(struct tt_sym_modent *)tt_hmap_add(&s->modtab, &tt_sym_mod_kind, h) = key;
	return (int)s->nmods++;
}

const char *tt_sym_fallback(struct tt_symbolizer *s, int m, uint64_t addr, char *buf, size_t len)
{
	const char *path, *base;
	size_t n, dl = sizeof(tt_sym_deleted) - 1;

	if (!len)
		return buf;
	if (!s || m < 0 || (size_t)m >= s->nmods) {
		snprintf(buf, len, "0x%" PRIx64, addr);
		return buf;
	}
	path = s->mods[m].file->path;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > dl && !strcmp(base + n - dl, tt_sym_deleted))
		n -= dl;
	if (!n) {
		base = "?";
		n = 1;
	}
	snprintf(buf, len, "%.*s+0x%" PRIx64, (int)(n > INT_MAX ? INT_MAX : n), base,
		 addr - s->mods[m].bias);
	return buf;
}

int tt_sym_module_ok(struct tt_symbolizer *s, int m)
{
	if (!s || m < 0 || (size_t)m >= s->nmods)
		return 0;
	return s->mods[m].file->state != TT_SYM_BAD;
}

const char *tt_sym_module_error(struct tt_symbolizer *s, int m)
{
	if (!s || m < 0 || (size_t)m >= s->nmods)
		return "no such module";
	return s->mods[m].file->state == TT_SYM_BAD ? s->mods[m].file->error : NULL;
}

/* ---- the symbolizer ---- */

struct tt_symbolizer *tt_sym_new(void)
{
	struct tt_symbolizer *s = calloc(1, sizeof(*s));
	struct rlimit rl;

	if (!s)
		return NULL;
	s->cb.find_elf = dwfl_build_id_find_elf;
	s->cb.find_debuginfo = dwfl_standard_find_debuginfo;
	s->cb.section_address = dwfl_offline_section_address;
	s->cb.debuginfo_path = &s->debuginfo_path;
	s->str.strs.extra = sizeof(const char *);
	/* A file holds its own descriptor, its debug file's and maybe a dwz file's. */
	s->max_open = 256;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY)
		s->max_open = rl.rlim_cur > 96 ? (unsigned)((rl.rlim_cur - 64) / 4) : 8;
	if (s->max_open > 512)
		s->max_open = 512; /* parsed DWARF is memory too */
	return s;
}

int tt_sym_set_debuginfo_path(struct tt_symbolizer *s, const char *path)
{
	char *p = NULL;

	if (path && !(p = strdup(path)))
		return -1;
	free(s->debuginfo_path);
	s->debuginfo_path = p;
	return 0;
}

void tt_sym_set_max_open(struct tt_symbolizer *s, unsigned n)
{
	s->max_open = n ? n : 1;
	while (s->nopen > s->max_open)
		tt_sym_evict(s);
}

void tt_sym_free(struct tt_symbolizer *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nfiles; i++) {
		tt_sym_close(s, s->files[i]);
		tt_hmap_free(&s->files[i]->cache);
	}
	tt_sym_strings_free(&s->str);
	tt_hmap_free(&s->filetab);
	tt_hmap_free(&s->modtab);
	free(s->files);
	free(s->mods);
	free(s->debuginfo_path);
	free(s);
}
