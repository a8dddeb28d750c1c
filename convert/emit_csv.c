/*
 * emit_csv.c - one row per event, for spreadsheets, sqlite3 .import and scripts.
 *
 * The columns are fixed (the header below) so that a query does not depend on the event
 * type; what has no column of its own goes into details as key=value pairs; then come the window
 * of tracing (traceit.h), the depth of traced functions the call is in and its self time
 * (its duration less that of the calls recorded inside it, nest.h).  A traced function's
 * row is named by the function.  Quoting is RFC 4180: a field is quoted only when it
 * holds a comma, quote, CR or LF.
 */
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "runkey.h"
#include "state.h"
#include "errnames.h"
#include "nest.h"
#include "tables.h"

const char tt_csv_columns[] =
	"pid,tid,thread,ts_ns,dur_ns,category,name,result,errno,fd,path,bytes,size,addr,details,"
	"window,depth,self_ns\n";

struct tt_csv {
	struct tt_out *out;
	char *details; /* the details field being built */
	size_t len;
	size_t cap;
	char **key; /* --table=events: each input's key columns (tables.h), by index */
	size_t nkey;
};

static void *tt_csv_begin(struct tt_run *run)
{
	struct tt_csv *c = tt_xcalloc(1, sizeof(*c));

	c->out = run->out;
	if (run->opt->table == TT_TABLE_EVENTS) {
		tt_run_keys(run);
		c->nkey = run->nfiles;
		c->key = tt_xcalloc(run->nfiles ? run->nfiles : 1, sizeof(*c->key));
		for (size_t i = 0; i < run->nfiles; i++)
			if (run->files[i]->usable)
				c->key[i] = tt_table_key(TT_TABLE_EVENTS, run->files[i]);
	}
	tt_table_header(c->out, c->key ? TT_TABLE_EVENTS : TT_TABLE_PLAIN);
	return c;
}

static char *tt_det_room(struct tt_csv *c, size_t n)
{
	tt_grow((void **)&c->details, &c->cap, c->len + n, 1);
	return c->details + c->len;
}

/* Appends " key=" (no space before the first pair). */
static void tt_det_key(struct tt_csv *c, const char *key)
{
	size_t n = strlen(key);
	char *p = tt_det_room(c, n + 2);

	if (c->len)
		*p++ = ' ';
	memcpy(p, key, n);
	p[n] = '=';
	c->len = (size_t)(p + n + 1 - c->details);
}

/*
 * A string value: bare when it is a plain word, else in double quotes with C escapes (\",
 * \\, \n, \xNN), so that details splits on spaces and stays on one line.
 */
static void tt_det_str(struct tt_csv *c, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = strlen(s), i;
	bool quote = !n;
	char *p;

	for (i = 0; i < n && !quote; i++)
		quote = s[i] == ' ' || s[i] == '"' || s[i] == '\\' || (unsigned char)s[i] < 0x20;
	p = tt_det_room(c, 4 * n + 2);
	if (!quote) {
		memcpy(p, s, n);
		c->len += n;
		return;
	}
	*p++ = '"';
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\') {
			*p++ = '\\';
			*p++ = (char)ch;
		} else if (ch == '\n') {
			p = TT_LIT(p, "\\n");
		} else if (ch == '\t') {
			p = TT_LIT(p, "\\t");
		} else if (ch == '\r') {
			p = TT_LIT(p, "\\r");
		} else if (ch < 0x20) {
			p = TT_LIT(p, "\\x");
			*p++ = hex[ch >> 4];
			*p++ = hex[ch & 0xf];
		} else {
			*p++ = (char)ch;
		}
	}
	*p++ = '"';
	c->len = (size_t)(p - c->details);
}

static void tt_det_value(struct tt_csv *c, unsigned role, union tt_value v)
{
	char *p;

	if (tt_roles[role].kind == TT_KIND_STR) {
		tt_det_str(c, v.str ? v.str : "(null)");
		return;
	}
	p = tt_det_room(c, 32);
	if (role == TT_ROLE_FLAGS || tt_roles[role].kind == TT_KIND_ADDR)
		p = tt_fmt_hex(p, v.u);
	else if (role == TT_ROLE_MODE)
		p = tt_fmt_oct(p, v.u);
	else if (tt_roles[role].kind == TT_KIND_S)
		p = tt_fmt_i64(p, v.s);
	else
		p = tt_fmt_u64(p, v.u);
	c->len = (size_t)(p - c->details);
}

/* The columns of one event that are filled from its arguments. */
struct tt_cols {
	bool has_fd, has_size, has_addr;
	int64_t fd;
	uint64_t size;
	uint64_t addr;
	const char *path;
};

static void tt_csv_fields(struct tt_csv *c, const struct tt_event *ev, struct tt_cols *k)
{
	const struct tt_event_info *info = &tt_events[ev->type];
	bool open = info->effect == TT_FX_OPEN;
	bool product = tt_arg(ev, TT_ROLE_NMEMB) != NULL;
	uint64_t nmemb = 1;

	*k = (struct tt_cols){ .path = ev->fd_path };
	c->len = 0;
	for (int i = 0; i < TT_MAX_ARGS; i++) {
		unsigned role = info->args[i];
		union tt_value v = ev->args[i];

		if (role == TT_ROLE_NONE)
			continue;
		if (role == TT_ROLE_FD || (role == TT_ROLE_DIRFD && !open)) {
			k->has_fd = true;
			k->fd = v.s;
			continue;
		}
		if (role == TT_ROLE_PATH) {
			/* an open names the path made absolute against its dirfd when known */
			if (!(open && ev->fd_path))
				k->path = v.str;
			continue;
		}
		if (role == TT_ROLE_SIZE) {
			k->has_size = true;
			k->size = v.u;
			continue;
		}
		if (role == TT_ROLE_ADDR) {
			k->has_addr = true;
			k->addr = v.u;
			continue;
		}
		if (role == TT_ROLE_NMEMB)
			nmemb = v.u;
		tt_det_key(c, tt_roles[role].name);
		tt_det_value(c, role, v);
	}
	if (product && k->has_size && __builtin_mul_overflow(nmemb, k->size, &k->size))
		k->has_size = false; /* overflowing product: nmemb stays in details */
	if (open && !ev->failed && ev->result.s >= 0) {
		k->has_fd = true;
		k->fd = ev->result.s;
	}
	if (info->result == TT_ROLE_ADDR) {
		k->has_addr = true;
		k->addr = ev->result.u;
	}
}

static void tt_csv_event(void *self, const struct tt_event *ev)
{
	struct tt_csv *c = self;
	struct tt_out *o = c->out;
	const struct tt_event_info *info = &tt_events[ev->type];
	const char *cat = tt_category_names[info->category];
	struct tt_cols k;
	char *p;

	tt_csv_fields(c, ev, &k);
	if (c->key)
		tt_out_puts(o, c->key[ev->file->index]);
	p = tt_out_reserve(o, 256);
	p = tt_fmt_u64(p, ev->file->pid);
	*p++ = ',';
	p = tt_fmt_u64(p, ev->thread->tid);
	*p++ = ',';
	if (ev->thread->name && *ev->thread->name) {
		tt_out_commit(o, p);
		tt_out_csv_str(o, ev->thread->name);
		p = tt_out_reserve(o, 256);
	} else {
		p = TT_LIT(p, "thread ");
		p = tt_fmt_u64(p, ev->thread->tid);
	}
	*p++ = ',';
	p = tt_fmt_u64(p, ev->start_ns);
	*p++ = ',';
	p = tt_fmt_u64(p, ev->end_ns - ev->start_ns);
	*p++ = ',';
	p = tt_fmt_lit(p, cat, strlen(cat));
	*p++ = ',';
	if (ev->type == TT_EV_FUNC) {
		tt_out_commit(o, p);
		tt_out_csv_str(o, tt_func_name(ev));
		p = tt_out_reserve(o, 256);
	} else {
		p = tt_fmt_lit(p, info->name, strlen(info->name));
	}
	*p++ = ',';
	if (info->result != TT_ROLE_NONE)
		p = tt_roles[info->result].kind == TT_KIND_ADDR ? tt_fmt_hex(p, ev->result.u)
								: tt_fmt_i64(p, ev->result.s);
	*p++ = ',';
	if (ev->failed) {
		const char *name = tt_errno_name(ev->err);

		p = name ? tt_fmt_lit(p, name, strlen(name)) : tt_fmt_i64(p, ev->err);
	}
	*p++ = ',';
	if (k.has_fd)
		p = tt_fmt_i64(p, k.fd);
	*p++ = ',';
	if (k.path) {
		tt_out_commit(o, p);
		tt_out_csv_str(o, k.path);
		p = tt_out_reserve(o, 256);
	}
	*p++ = ',';
	if (info->result == TT_ROLE_BYTES && ev->result.s >= 0)
		p = tt_fmt_i64(p, ev->result.s);
	*p++ = ',';
	if (k.has_size)
		p = tt_fmt_u64(p, k.size);
	*p++ = ',';
	if (k.has_addr)
		p = tt_fmt_hex(p, k.addr);
	*p++ = ',';
	tt_out_commit(o, p);
	if (c->len) {
		tt_det_room(c, 1)[0] = '\0';
		tt_out_csv_str(o, c->details);
	}
	/* the window of tracing the event is in (traceit.h: 1 unless the program switched) */
	p = tt_out_reserve(o, 64);
	*p++ = ',';
	p = tt_fmt_u64(p, ev->file->window);
	*p++ = ',';
	p = tt_fmt_u64(p, ev->depth);
	*p++ = ',';
	if (!tt_event_is_instant(ev->type))
		p = tt_fmt_u64(p, ev->self_ns);
	*p++ = '\n';
	tt_out_commit(o, p);
}

static void tt_csv_end(void *self, struct tt_run *run)
{
	struct tt_csv *c = self;

	(void)run;
	for (size_t i = 0; i < c->nkey; i++)
		free(c->key[i]);
	free(c->key);
	free(c->details);
	free(c);
}

const struct tt_sink tt_sink_csv = {
	.begin = tt_csv_begin,
	.event = tt_csv_event,
	.end = tt_csv_end,
};
