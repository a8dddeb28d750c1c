/*
 * callstack.c - loading STACKS and MODULES chunks, and turning a stack's return addresses
 * into readable frames with the symbolizer (symbolize.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callstack.h"
#include "codec.h"
#include "model.h"
#include "out.h"
#include "symbolize.h"

/* Ids are dense from 1: a larger one in a real stream is garbage (the table size guards). */
#define TT_STACK_ID_MAX (16u << 20)
#define TT_FRAMES_MAX 4096

static struct tt_symbolizer *tt_sym;
static bool tt_sym_failed;
static bool *tt_warned; /* by symbolizer handle: said once that its file is unusable */
static size_t tt_warned_cap;

/* One line per module whose file could not be used (gone, replaced since the run). */
static void tt_module_check(const struct tt_module *m)
{
	const char *why, *base = strrchr(m->path, '/');

	if (!tt_sym || m->handle < 0 || tt_sym_module_ok(tt_sym, m->handle))
		return;
	if ((size_t)m->handle >= tt_warned_cap) {
		size_t old = tt_warned_cap;

		tt_grow((void **)&tt_warned, &tt_warned_cap, (size_t)m->handle + 1,
			sizeof(*tt_warned));
		memset(tt_warned + old, 0, tt_warned_cap - old);
	}
	if (tt_warned[m->handle])
		return;
	tt_warned[m->handle] = true;
	/* the vDSO has no file: its rare frames stay module+offset without a word */
	if (!*m->path || strstr(base ? base + 1 : m->path, "vdso"))
		return;
	why = tt_sym_module_error(tt_sym, m->handle);
	tt_warn("%s: cannot read its symbols (%s); its frames are shown as module+offset", m->path,
		why ? why : "unknown error");
}

static void tt_bad(struct tt_file *f, size_t at, const char *what)
{
	tt_problem(&f->problems, TT_PB_BAD_STACKS, "corrupt %s chunk at offset %zu", what, at);
}

void tt_callstack_load_stacks(struct tt_file *f, const uint8_t *p, size_t len, size_t at)
{
	struct tt_stacktab *t = &f->stacks;
	const uint8_t *end = p + len;

	while (p < end) {
		uint64_t id, tick, n, v;

		if (tt_get_varint(&p, end, &id) || tt_get_varint(&p, end, &tick) ||
		    tt_get_varint(&p, end, &n) || !id || id > TT_STACK_ID_MAX ||
		    n > TT_FRAMES_MAX || n > (uint64_t)(end - p)) {
			tt_bad(f, at, "stacks");
			return;
		}
		uint64_t *ip = tt_arena_alloc(&f->arena, (n ? n : 1) * sizeof(*ip)), prev = 0;

		for (uint64_t i = 0; i < n; i++) {
			if (tt_get_varint(&p, end, &v)) {
				tt_bad(f, at, "stacks");
				return;
			}
			prev += (uint64_t)tt_unzigzag(v);
			ip[i] = prev;
		}
		if (id >= t->cap) {
			size_t old = t->cap;

			tt_grow((void **)&t->v, &t->cap, id + 1, sizeof(*t->v));
			memset(t->v + old, 0, (t->cap - old) * sizeof(*t->v));
		}
		struct tt_cstack *s = &t->v[id];

		if (s->defined)
			continue; /* a fork child's stream repeats its parent's: same content */
		s->tick = tick;
		s->ip = ip;
		s->nip = (uint32_t)n;
		s->defined = true;
		t->defined++;
	}
}

void tt_callstack_load_modules(struct tt_file *f, const uint8_t *p, size_t len, size_t at)
{
	struct tt_stacktab *t = &f->stacks;
	const uint8_t *end = p + len;

	while (p < end) {
		uint64_t tick, count;

		if (tt_get_varint(&p, end, &tick) || tt_get_varint(&p, end, &count) ||
		    count > (uint64_t)(end - p)) {
			tt_bad(f, at, "modules");
			return;
		}
		tt_grow((void **)&t->snaps, &t->snaps_cap, t->nsnaps + 1, sizeof(*t->snaps));
		struct tt_modsnap *snap = &t->snaps[t->nsnaps];

		snap->tick = tick;
		snap->first = t->nmods;
		snap->count = 0;
		for (uint64_t i = 0; i < count; i++) {
			uint64_t bias, lo, hi, plen, idlen;
			const uint8_t *path, *id;

			if (tt_get_varint(&p, end, &bias) || tt_get_varint(&p, end, &lo) ||
			    tt_get_varint(&p, end, &hi) || tt_get_varint(&p, end, &plen) ||
			    plen > (uint64_t)(end - p))
				goto bad;
			path = p;
			p += plen;
			if (tt_get_varint(&p, end, &idlen) || idlen > 64 ||
			    idlen > (uint64_t)(end - p))
				goto bad;
			id = p;
			p += idlen;
			tt_grow((void **)&t->mods, &t->mods_cap, t->nmods + 1, sizeof(*t->mods));
			struct tt_module *m = &t->mods[t->nmods++];
			char *hex = tt_arena_alloc(&f->arena, 2 * idlen + 1);

			for (uint64_t k = 0; k < idlen; k++)
				sprintf(hex + 2 * k, "%02x", id[k]);
			hex[2 * idlen] = 0;
			m->bias = bias;
			m->lo = lo;
			m->hi = hi;
			m->path = tt_arena_strndup(&f->arena, path, (size_t)plen);
			m->build_id = hex;
			m->handle = -2;
			snap->count++;
		}
		t->nsnaps++;
	}
	return;
bad:
	t->nsnaps++; /* keep what was read of this snapshot */
	tt_bad(f, at, "modules");
}

static struct tt_module *tt_find_in(struct tt_stacktab *t, const struct tt_modsnap *s,
				    uint64_t addr)
{
	for (size_t i = 0; i < s->count; i++) {
		struct tt_module *m = &t->mods[s->first + i];

		if (addr >= m->lo && addr < m->hi)
			return m;
	}
	return NULL;
}

/*
 * The module holding addr when the stack was first seen: the latest snapshot taken before
 * then; failing that the later ones (a library's constructor runs inside dlopen, before the
 * snapshot that lists the library), then the earlier ones.
 */
static struct tt_module *tt_find_module(struct tt_stacktab *t, uint64_t tick, uint64_t addr)
{
	size_t lo = 0, hi = t->nsnaps;
	struct tt_module *m;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->snaps[mid].tick <= tick)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* lo: first snapshot after tick */
	for (size_t i = lo; i-- > 0;)
		if ((m = tt_find_in(t, &t->snaps[i], addr)))
			return m;
	for (size_t i = lo; i < t->nsnaps; i++)
		if ((m = tt_find_in(t, &t->snaps[i], addr)))
			return m;
	return NULL;
}

static const char *tt_base(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

/* "function (file.c:12)", "function", or the fallback text, in f's arena. */
static const char *tt_frame_text(struct tt_file *f, const struct tt_sym_frame *fr)
{
	char buf[1024];

	if (fr->file && fr->line)
		snprintf(buf, sizeof(buf), "%s (%s:%u)", fr->function, tt_base(fr->file), fr->line);
	else
		snprintf(buf, sizeof(buf), "%s", fr->function);
	return tt_arena_strndup(&f->arena, buf, strlen(buf));
}

struct tt_frames {
	const char **v, **fn; /* with their lines, alone */
	size_t n, cap;
};

static void tt_add_frame(struct tt_frames *f, const char *text, const char *fn)
{
	size_t cap = f->cap;

	tt_grow((void **)&f->v, &cap, f->n + 1, sizeof(*f->v));
	tt_grow((void **)&f->fn, &f->cap, f->n + 1, sizeof(*f->fn));
	f->v[f->n] = text;
	f->fn[f->n++] = fn;
}

/* JSON string body of s into buf (escapes; bytes that are not UTF-8 become U+FFFD). */
static size_t tt_json_escape(char *buf, const char *s)
{
	char *p = buf;

	for (const unsigned char *c = (const unsigned char *)s; *c;) {
		if (*c == '"' || *c == '\\') {
			*p++ = '\\';
			*p++ = (char)*c++;
		} else if (*c < 0x20) {
			p += sprintf(p, "\\u%04x", *c++);
		} else if (*c < 0x80) {
			*p++ = (char)*c++;
		} else {
			int n = tt_utf8_len(c);

			if (n > 0) {
				memcpy(p, c, (size_t)n);
				p += n;
				c += n;
			} else {
				p += sprintf(p, "\\ufffd");
				c++;
			}
		}
	}
	return (size_t)(p - buf);
}

static void tt_resolve(struct tt_file *f, struct tt_cstack *s)
{
	struct tt_frames fr_ = { 0 };
	size_t n;
	char text[256];

#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	tt_sym_failed = true; /* never open the files a mutated stream names */
#endif
	if (!tt_sym && !tt_sym_failed && !(tt_sym = tt_sym_new()))
		tt_sym_failed = true;
	for (uint32_t i = 0; i < s->nip; i++) {
		/* a return address points after the call: the call is the byte before */
		uint64_t addr = s->ip[i] ? s->ip[i] - 1 : 0;
		struct tt_module *m = tt_find_module(&f->stacks, s->tick, addr);
		const struct tt_sym_frame *fr;
		unsigned nf;

		if (!m) {
			snprintf(text, sizeof(text), "0x%llx", (unsigned long long)addr);
			const char *t = tt_arena_strndup(&f->arena, text, strlen(text));

			tt_add_frame(&fr_, t, t);
			continue;
		}
		if (m->handle == -2)
			m->handle =
				tt_sym ? tt_sym_add_module(tt_sym, m->path, m->bias, m->build_id)
				       : -1;
		nf = tt_sym ? tt_sym_resolve(tt_sym, m->handle, addr, &fr) : 0;
		tt_module_check(m);
		if (!nf || !fr[0].function) {
			if (tt_sym)
				tt_sym_fallback(tt_sym, m->handle, addr, text, sizeof(text));
			else
				snprintf(text, sizeof(text), "%s+0x%llx", tt_base(m->path),
					 (unsigned long long)(addr - m->bias));
			const char *t = tt_arena_strndup(&f->arena, text, strlen(text));

			tt_add_frame(&fr_, t, t);
			continue;
		}
		for (unsigned k = 0; k < nf; k++)
			tt_add_frame(&fr_, fr[k].function ? tt_frame_text(f, &fr[k]) : "??",
				     fr[k].function ? fr[k].function : "??");
	}
	n = fr_.n;
	s->frame = tt_arena_alloc(&f->arena, (n ? n : 1) * sizeof(*s->frame));
	s->fname = tt_arena_alloc(&f->arena, (n ? n : 1) * sizeof(*s->fname));
	if (n) {
		memcpy(s->frame, fr_.v, n * sizeof(*fr_.v));
		memcpy(s->fname, fr_.fn, n * sizeof(*fr_.fn));
	}
	s->nframe = (uint32_t)n;
	free(fr_.v);
	free(fr_.fn);

	size_t need = 3;

	for (size_t i = 0; i < n; i++)
		need += 6 * strlen(s->frame[i]) + 3;
	char *j = tt_arena_alloc(&f->arena, need), *p = j;

	*p++ = '[';
	for (size_t i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		*p++ = '"';
		p += tt_json_escape(p, s->frame[i]);
		*p++ = '"';
	}
	*p++ = ']';
	*p = 0;
	s->json = j;
	s->json_len = (size_t)(p - j);
	s->resolved = true;
}

const struct tt_cstack *tt_callstack_get(struct tt_file *f, uint32_t id)
{
	struct tt_stacktab *t = &f->stacks;

	if (!id)
		return NULL;
	if (id >= t->cap || !t->v[id].defined) {
		if (!t->warned_unknown)
			tt_problem(&f->problems, TT_PB_BAD_STACKS,
				   "an event refers to stack id %u, which is not defined", id);
		t->warned_unknown = true;
		return NULL;
	}
	if (!t->v[id].resolved)
		tt_resolve(f, &t->v[id]);
	return &t->v[id];
}

struct tt_funcname {
	uint64_t addr; /* 0: free slot */
	const char *name;
};

static size_t tt_funcname_hash(const void *e)
{
	uint64_t a = ((const struct tt_funcname *)e)->addr;

	return (size_t)((a * 0x9e3779b97f4a7c15ull) >> 16);
}

static bool tt_funcname_eq(const void *e, const void *key)
{
	return ((const struct tt_funcname *)e)->addr == *(const uint64_t *)key;
}

static bool tt_funcname_used(const void *e)
{
	return ((const struct tt_funcname *)e)->addr != 0;
}

static const struct tt_hkind tt_funcname_kind = {
	sizeof(struct tt_funcname), 256, 3, tt_funcname_hash, tt_funcname_eq, tt_funcname_used,
};

static const char *tt_func_text(struct tt_file *f, uint64_t tick, uint64_t addr)
{
	struct tt_module *m = tt_find_module(&f->stacks, tick, addr);
	const struct tt_sym_frame *fr;
	char text[256];
	unsigned nf;

#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	tt_sym_failed = true;
#endif
	if (!tt_sym && !tt_sym_failed && !(tt_sym = tt_sym_new()))
		tt_sym_failed = true;
	if (!m) {
		snprintf(text, sizeof(text), "0x%llx", (unsigned long long)addr);
		return tt_arena_strndup(&f->arena, text, strlen(text));
	}
	if (m->handle == -2)
		m->handle = tt_sym ? tt_sym_add_module(tt_sym, m->path, m->bias, m->build_id) : -1;
	nf = tt_sym ? tt_sym_resolve(tt_sym, m->handle, addr, &fr) : 0;
	tt_module_check(m);
	/* the entry of a function: the outermost frame is the function itself */
	if (nf && fr[nf - 1].function)
		return fr[nf - 1].function;
	if (tt_sym)
		tt_sym_fallback(tt_sym, m->handle, addr, text, sizeof(text));
	else
		snprintf(text, sizeof(text), "%s+0x%llx", tt_base(m->path),
			 (unsigned long long)(addr - m->bias));
	return tt_arena_strndup(&f->arena, text, strlen(text));
}

const char *tt_callstack_func(struct tt_file *f, uint64_t tick, uint64_t addr)
{
	struct tt_hmap *h = &f->stacks.funcs;
	size_t hash = tt_funcname_hash(&(struct tt_funcname){ addr, NULL });
	struct tt_funcname *e;

	if (!addr)
		return "0x0";
	e = tt_hmap_find(h, &tt_funcname_kind, hash, &addr);
	if (e)
		return e->name;
	const char *name = tt_func_text(f, tick, addr);

	if (tt_hmap_reserve(h, &tt_funcname_kind)) {
		e = tt_hmap_add(h, &tt_funcname_kind, hash);
		*e = (struct tt_funcname){ addr, name };
	}
	return name;
}

const char *tt_callstack_top(struct tt_file *f, uint32_t id)
{
	const struct tt_cstack *cs = id ? tt_callstack_get(f, id) : NULL;

	return cs && cs->nframe ? cs->frame[0] : NULL;
}

void tt_callstack_free(struct tt_stacktab *t)
{
	tt_hmap_free(&t->funcs);
	free(t->v);
	free(t->mods);
	free(t->snaps);
	memset(t, 0, sizeof(*t));
}

void tt_callstack_cleanup(void)
{
	if (tt_sym)
		tt_sym_free(tt_sym);
	tt_sym = NULL;
	free(tt_warned);
	tt_warned = NULL;
	tt_warned_cap = 0;
}
