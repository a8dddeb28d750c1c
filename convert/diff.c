/*
 * diff.c - a run's statistics as values keyed across runs, and two runs matched into rows.
 *
 * A run is collected by the summary's own collection (summary.h); at its end the tables are
 * turned into (kind, key, metric, value) with keys that do not depend on pids or addresses,
 * copied out of the run, whose streams are gone before the other run is read.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "lockid.h"
#include "state.h"
#include "summary.h"

const struct tt_dmetric_info tt_dmetrics[TT_DM_COUNT] = {
#define TT_DM_INFO(sym, name, unit) [TT_DM_##sym] = { name, unit },
	TT_DMETRICS(TT_DM_INFO)
#undef TT_DM_INFO
};

const char *const tt_dkind_names[TT_DK_COUNT] = {
	[TT_DK_TOTAL] = "total",       [TT_DK_CALL] = "call",	    [TT_DK_SPAN] = "span",
	[TT_DK_FUNCTION] = "function", [TT_DK_PROCESS] = "process", [TT_DK_FILE] = "file",
	[TT_DK_LOCK] = "lock",
};

void tt_diff_init(struct tt_diff *d, const char *base, const char *new)
{
	*d = (struct tt_diff){ 0 };
	for (int i = 0; i < 2; i++) {
		d->side[i].keys = &d->keys;
		d->side[i].label = i ? new : base;
	}
}

void tt_diff_free(struct tt_diff *d)
{
	tt_intern_free(&d->keys);
	free(d->side[0].v);
	free(d->side[1].v);
	free(d->rows);
}

static void tt_dput(struct tt_dside *s, unsigned kind, const char *key, unsigned metric, uint64_t v)
{
	bool fresh;
	const char *k = tt_intern(s->keys, key, &fresh);

	if (!k)
		tt_oom();
	tt_grow((void **)&s->v, &s->cap, s->n + 1, sizeof(*s->v));
	s->v[s->n++] = (struct tt_dval){ k, (uint8_t)kind, (uint8_t)metric, v };
}

/* Copies the decimal digits at *p over, or "PID" for them when pid is true; *p moves past. */
static char *tt_pid_part(char *q, const char *end, const char **p)
{
	const char *s = *p;

	if (!isdigit((unsigned char)*s))
		return q;
	while (isdigit((unsigned char)*s))
		s++;
	*p = s;
	for (const char *r = "PID"; *r && q < end; r++)
		*q++ = *r;
	return q;
}

const char *tt_diff_path_key(const char *path, char *buf, size_t len)
{
	static const char *const before[] = { "/proc/", "/task/", " of pid " };
	const char *p = path;
	char *q = buf, *end = buf + len - 1;

	while (*p && q < end) {
		size_t k;

		for (k = 0; k < TT_ARRAY_SIZE(before); k++) {
			size_t n = strlen(before[k]);

			if (!strncmp(p, before[k], n) && isdigit((unsigned char)p[n]))
				break;
		}
		if (k == TT_ARRAY_SIZE(before)) {
			*q++ = *p++;
			continue;
		}
		for (size_t i = strlen(before[k]); i-- && q < end;)
			*q++ = *p++;
		q = tt_pid_part(q, end, &p);
	}
	*q = '\0';
	return buf;
}

struct tt_dcollect {
	struct tt_summary *sum;
	struct tt_dside *side;
};

static void *tt_dside_begin(struct tt_run *run)
{
	struct tt_dcollect *c = tt_xcalloc(1, sizeof(*c));

	c->side = run->opt->sink_arg;
	c->sum = tt_summary_new(run);
	return c;
}

static void tt_dside_event(void *self, const struct tt_event *ev)
{
	tt_summary_add(((struct tt_dcollect *)self)->sum, ev);
}

static void tt_dside_calls(struct tt_dside *side, const struct tt_summary *s)
{
	uint64_t calls = 0, errors = 0;

	for (unsigned t = 1; t < TT_EV_COUNT; t++) {
		const struct tt_fstat *f = &s->fn[t];

		if (!f->calls)
			continue;
		tt_dput(side, TT_DK_CALL, tt_events[t].name, TT_DM_CALLS, f->calls);
		tt_dput(side, TT_DK_CALL, tt_events[t].name, TT_DM_ERRORS, f->errors);
		tt_dput(side, TT_DK_CALL, tt_events[t].name, TT_DM_TIME, f->total_ns);
		calls += f->calls;
		errors += f->errors;
	}
	tt_dput(side, TT_DK_TOTAL, "", TT_DM_CALLS, calls);
	tt_dput(side, TT_DK_TOTAL, "", TT_DM_ERRORS, errors);
	tt_dput(side, TT_DK_TOTAL, "", TT_DM_TIME, s->total_ns);
	for (size_t i = 0; i < s->user_n; i++) {
		const struct tt_ustat *u = &s->user[i];

		if (u->kind != TT_USTAT_SPAN)
			continue;
		tt_dput(side, TT_DK_SPAN, u->name, TT_DM_CALLS, u->count);
		tt_dput(side, TT_DK_SPAN, u->name, TT_DM_TIME, u->total_ns);
	}

	/* the traced functions (-finstrument-functions): a recursion's time counted once */
	size_t nf;
	struct tt_rstat *fv = tt_summary_funcs(s, &nf);

	for (size_t i = 0; i < nf; i++) {
		tt_dput(side, TT_DK_FUNCTION, fv[i].name, TT_DM_CALLS, fv[i].calls);
		tt_dput(side, TT_DK_FUNCTION, fv[i].name, TT_DM_TIME, fv[i].total_ns);
	}
	free(fv);
}

static void tt_dside_files(struct tt_dside *side, const struct tt_summary *s)
{
	uint64_t read = 0, written = 0, time = 0;
	size_t n;
	struct tt_iostat *v = tt_summary_io(s, &n);
	char key[4096];

	for (size_t i = 0; i < n; i++) {
		tt_diff_path_key(v[i].key, key, sizeof(key));
		tt_dput(side, TT_DK_FILE, key, TT_DM_READ, v[i].bytes_read);
		tt_dput(side, TT_DK_FILE, key, TT_DM_WRITTEN, v[i].bytes_written);
		tt_dput(side, TT_DK_FILE, key, TT_DM_IO_TIME, v[i].time_ns);
		read += v[i].bytes_read;
		written += v[i].bytes_written;
		time += v[i].time_ns;
	}
	tt_dput(side, TT_DK_TOTAL, "", TT_DM_READ, read);
	tt_dput(side, TT_DK_TOTAL, "", TT_DM_WRITTEN, written);
	tt_dput(side, TT_DK_TOTAL, "", TT_DM_IO_TIME, time);
	free(v);
}

static void tt_dside_locks(struct tt_dside *side, const struct tt_summary *s, struct tt_run *run)
{
	uint64_t wait = 0, contended = 0;
	size_t n;
	struct tt_lockstat *v = tt_summary_locks(s, &n);
	char key[4096];

	for (size_t i = 0; i < n; i++) {
		if (!v[i].acquired)
			continue; /* only named, or only released */
		tt_lock_key(run->files[v[i].file], v[i].addr, v[i].name, v[i].stack, key,
			    sizeof(key));
		tt_dput(side, TT_DK_LOCK, key, TT_DM_WAIT, v[i].wait_ns);
		tt_dput(side, TT_DK_LOCK, key, TT_DM_CONTENDED, v[i].contended);
		wait += v[i].wait_ns;
		contended += v[i].contended;
	}
	tt_dput(side, TT_DK_TOTAL, "", TT_DM_WAIT, wait);
	tt_dput(side, TT_DK_TOTAL, "", TT_DM_CONTENDED, contended);
	free(v);
}

/* Process images by program name, in start order: the second "cc" is "cc#2". */
static void tt_dside_procs(struct tt_dside *side, struct tt_run *run)
{
	uint64_t peak = 0, leaks = 0, leaked = 0, lost = 0;
	struct tt_intern seen = { .extra = sizeof(unsigned) }; /* each name's images so far */

	for (size_t i = 0; i < run->nprocs; i++) {
		const struct tt_file *f = run->procs[i];
		const struct tt_memstat *m = &f->mem;
		const char *name = tt_intern(&seen, f->program ? f->program : "?", &(bool){ 0 });
		unsigned nth;
		char key[512];

		if (!name)
			tt_oom();
		nth = ++*(unsigned *)tt_intern_extra(&seen, name);
		if (nth > 1)
			snprintf(key, sizeof(key), "%s#%u", name, nth);
		else
			snprintf(key, sizeof(key), "%s", name);
		tt_dput(side, TT_DK_PROCESS, key, TT_DM_HEAP_PEAK, m->peak_bytes);
		tt_dput(side, TT_DK_PROCESS, key, TT_DM_LEAKS, m->live_blocks);
		tt_dput(side, TT_DK_PROCESS, key, TT_DM_LEAKED_BYTES, m->live_bytes);
		peak += m->peak_bytes;
		leaks += m->live_blocks;
		leaked += m->live_bytes;
		lost += f->lost;
	}
	tt_dput(side, TT_DK_TOTAL, "", TT_DM_HEAP_PEAK, peak);
	tt_dput(side, TT_DK_TOTAL, "", TT_DM_LEAKS, leaks);
	tt_dput(side, TT_DK_TOTAL, "", TT_DM_LEAKED_BYTES, leaked);
	tt_dput(side, TT_DK_TOTAL, "", TT_DM_PROCESSES, run->nprocs);
	tt_dput(side, TT_DK_TOTAL, "", TT_DM_LOST, lost);
	tt_intern_free(&seen);
}

static void tt_dside_end(void *self, struct tt_run *run)
{
	struct tt_dcollect *c = self;

	c->side->processes = run->nprocs;
	c->side->events = run->events;
	tt_dside_calls(c->side, c->sum);
	tt_dside_files(c->side, c->sum);
	tt_dside_locks(c->side, c->sum, run);
	tt_dside_procs(c->side, run);
	tt_summary_free(c->sum, run);
	free(c);
}

const struct tt_sink tt_sink_diff_side = {
	.begin = tt_dside_begin,
	.event = tt_dside_event,
	.end = tt_dside_end,
	.track = TT_TRACK_HEAP | TT_TRACK_LOCKS,
};

static int tt_dval_cmp(const void *a, const void *b)
{
	const struct tt_dval *x = a, *y = b;
	int c;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->key != y->key && (c = strcmp(x->key, y->key)))
		return c;
	return x->metric < y->metric ? -1 : x->metric > y->metric;
}

/* Sorts a side's values; those of one (kind, key, metric) add up (two paths made one). */
static void tt_dside_sum(struct tt_dside *s)
{
	size_t k = 0;

	tt_sort(s->v, s->n, sizeof(*s->v), tt_dval_cmp);
	for (size_t i = 0; i < s->n; i++) {
		if (k && !tt_dval_cmp(&s->v[k - 1], &s->v[i]))
			s->v[k - 1].v += s->v[i].v;
		else
			s->v[k++] = s->v[i];
	}
	s->n = k;
}

static double tt_abs(double x)
{
	return x < 0 ? -x : x;
}

/* Appeared and gone first, then the changes by size (from 0 the largest), then the rest. */
static int tt_drow_cmp(const void *a, const void *b)
{
	const struct tt_drow *x = a, *y = b;
	int rx = x->change == TT_DC_GONE ? TT_DC_APPEARED : x->change;
	int ry = y->change == TT_DC_GONE ? TT_DC_APPEARED : y->change;
	int c;

	if (rx != ry)
		return rx < ry ? -1 : 1;
	if (x->change == TT_DC_CHANGED) {
		if (!x->base != !y->base)
			return !x->base ? -1 : 1;
		if (tt_abs(x->pct) != tt_abs(y->pct))
			return tt_abs(x->pct) > tt_abs(y->pct) ? -1 : 1;
	}
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if ((c = strcmp(x->key, y->key)))
		return c;
	return x->metric < y->metric ? -1 : x->metric > y->metric;
}

static void tt_drow_add(struct tt_diff *d, size_t *cap, const struct tt_dval *b,
			const struct tt_dval *n)
{
	const struct tt_dval *v = b ? b : n;
	struct tt_drow *r;
	uint64_t bv = b ? b->v : 0, nv = n ? n->v : 0;

	tt_grow((void **)&d->rows, cap, d->nrows + 1, sizeof(*d->rows));
	r = &d->rows[d->nrows++];
	*r = (struct tt_drow){
		.key = v->key, .kind = v->kind, .metric = v->metric, .base = bv, .new = nv
	};
	if (nv >= bv)
		r->delta = nv - bv > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)(nv - bv);
	else
		r->delta = bv - nv > (uint64_t)INT64_MAX ? -INT64_MAX : -(int64_t)(bv - nv);
	r->pct = bv ? 100.0 * (double)r->delta / (double)bv : 0;
	/* an entry one run lacks counts 0 there: it appeared or went only where it was not 0 */
	r->change = bv == nv ? TT_DC_SAME : !b ? TT_DC_APPEARED : !n ? TT_DC_GONE : TT_DC_CHANGED;
}

void tt_diff_compare(struct tt_diff *d)
{
	struct tt_dside *b = &d->side[0], *n = &d->side[1];
	size_t i = 0, k = 0, cap = 0;

	tt_dside_sum(b);
	tt_dside_sum(n);
	while (i < b->n || k < n->n) {
		int c = i == b->n ? 1 : k == n->n ? -1 : tt_dval_cmp(&b->v[i], &n->v[k]);

		if (c < 0)
			tt_drow_add(d, &cap, &b->v[i++], NULL);
		else if (c > 0)
			tt_drow_add(d, &cap, NULL, &n->v[k++]);
		else
			tt_drow_add(d, &cap, &b->v[i++], &n->v[k++]);
	}
	tt_sort(d->rows, d->nrows, sizeof(*d->rows), tt_drow_cmp);
}
