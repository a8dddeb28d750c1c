/*
 * html_flame.c - the flame graph's tree: folded stacks merged frame by frame, each node
 * weighed in every enum tt_weight; nodes too narrow to see in all of them are left out (their
 * weight stays in their parent's), so the tree stays small whatever the number of stacks.
 */
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "intern.h"

/* A node narrower than this share of the whole, in every weight, is left out. */
#define TT_FLAME_MIN 2000

struct tt_fnode {
	const char *name; /* interned */
	uint64_t w[TT_NWEIGHTS];
	uint32_t child, last,
		next; /* first and last child, next sibling; 0: none (0 is the root) */
};

struct tt_flame {
	struct tt_fnode *v;
	size_t n, cap;
	struct tt_intern names; /* extra: 1 + the name's index in the output, 0 before */
	const char **out;	/* the names in the order of their indexes */
	size_t nout, outcap;
};

/*
 * Folded text in frame order: the end of the text first, then ';', then any other byte.  In
 * this order the lines that share their first frames are together, so each line's path
 * leaves the previous one's where their frames differ and never meets it again.
 */
static unsigned tt_frame_key(unsigned char c)
{
	return c == 0 ? 0 : c == ';' ? 1 : c + 1u;
}

static int tt_frame_cmp(const void *a, const void *b)
{
	const unsigned char *x = (const unsigned char *)(*(const struct tt_fline *const *)a)->text;
	const unsigned char *y = (const unsigned char *)(*(const struct tt_fline *const *)b)->text;

	for (;; x++, y++) {
		unsigned kx = tt_frame_key(*x), ky = tt_frame_key(*y);

		if (kx != ky)
			return kx < ky ? -1 : 1;
		if (!kx)
			return 0;
	}
}

static uint32_t tt_flame_child(struct tt_flame *fl, uint32_t parent, const char *name)
{
	uint32_t i = (uint32_t)fl->n;

	tt_grow((void **)&fl->v, &fl->cap, fl->n + 1, sizeof(*fl->v));
	fl->v[fl->n++] = (struct tt_fnode){ .name = name };
	if (fl->v[parent].child)
		fl->v[fl->v[parent].last].next = i;
	else
		fl->v[parent].child = i;
	fl->v[parent].last = i;
	return i;
}

static void tt_flame_build(struct tt_flame *fl, const struct tt_fline *lines, size_t n)
{
	const struct tt_fline **order = tt_xcalloc(n ? n : 1, sizeof(*order));
	uint32_t path[256]; /* node at each depth of the previous line */
	size_t depth = 0;
	bool fresh;

	for (size_t i = 0; i < n; i++)
		order[i] = &lines[i];
	tt_sort(order, n, sizeof(*order), tt_frame_cmp);
	fl->names.extra = sizeof(uint32_t);
	tt_grow((void **)&fl->v, &fl->cap, 1, sizeof(*fl->v));
	fl->v[fl->n++] = (struct tt_fnode){ .name = tt_intern(&fl->names, "all", &fresh) };
	for (size_t i = 0; i < n; i++) {
		char *text = tt_xstrdup(order[i]->text), *frame = text, *end;
		uint32_t node = 0;
		size_t d = 0;

		for (unsigned k = 0; k < TT_NWEIGHTS; k++)
			fl->v[0].w[k] += order[i]->weight[k];
		/* deeper than the path can hold: the rest of the stack is its last frame's */
		for (; frame && d < TT_ARRAY_SIZE(path); frame = end ? end + 1 : NULL, d++) {
			const char *name;

			end = strchr(frame, ';');
			if (end)
				*end = 0;
			name = tt_intern(&fl->names, frame, &fresh);
			if (!name)
				tt_oom();
			if (d < depth && fl->v[path[d]].name == name) {
				node = path[d];
			} else {
				node = tt_flame_child(fl, node, name);
				path[d] = node;
				depth = d + 1;
			}
			for (unsigned k = 0; k < TT_NWEIGHTS; k++)
				fl->v[node].w[k] += order[i]->weight[k];
		}
		depth = d;
		free(text);
	}
	free(order);
}

static bool tt_flame_visible(const struct tt_flame *fl, const struct tt_fnode *x)
{
	for (unsigned k = 0; k < TT_NWEIGHTS; k++)
		if (x->w[k] && x->w[k] * TT_FLAME_MIN >= fl->v[0].w[k])
			return true;
	return false;
}

static uint32_t tt_flame_name(struct tt_flame *fl, const char *name)
{
	uint32_t *idx = tt_intern_extra(&fl->names, name);

	if (!*idx) {
		tt_grow((void **)&fl->out, &fl->outcap, fl->nout + 1, sizeof(*fl->out));
		fl->out[fl->nout++] = name;
		*idx = (uint32_t)fl->nout;
	}
	return *idx - 1;
}

/* [name, weights..., [children]]: the children only when some are visible */
static void tt_flame_node(struct tt_flame *fl, struct tt_hj *j, const char *key, uint32_t i)
{
	bool kids = false;

	tt_hj_open(j, key, '[');
	tt_hj_u64(j, NULL, tt_flame_name(fl, fl->v[i].name));
	for (unsigned k = 0; k < TT_NWEIGHTS; k++)
		tt_hj_u64(j, NULL, fl->v[i].w[k]);
	for (uint32_t c = fl->v[i].child; c; c = fl->v[c].next) {
		if (!tt_flame_visible(fl, &fl->v[c]))
			continue;
		if (!kids)
			tt_hj_open(j, NULL, '[');
		kids = true;
		tt_flame_node(fl, j, NULL, c);
	}
	if (kids)
		tt_hj_close(j, ']');
	tt_hj_close(j, ']');
}

void tt_html_flame(struct tt_hj *j, const struct tt_fline *lines, size_t n)
{
	static const char *const weights[TT_NWEIGHTS] = {
		[TT_WEIGHT_CALLS] = "calls",
		[TT_WEIGHT_BYTES] = "bytes",
		[TT_WEIGHT_TIME] = "time",
		[TT_WEIGHT_LEAKED] = "leaked",
	};
	struct tt_flame fl = { 0 };

	if (!n) {
		tt_hj_str(j, "flame", NULL);
		return;
	}
	tt_flame_build(&fl, lines, n);
	tt_hj_open(j, "flame", '{');
	tt_hj_open(j, "weights", '[');
	for (unsigned k = 0; k < TT_NWEIGHTS; k++)
		tt_hj_str(j, NULL, weights[k]);
	tt_hj_close(j, ']');
	tt_hj_u64(j, "stacks", n);
	tt_hj_u64(j, "nodes", fl.n);
	/* the tree first: it numbers the names it shows */
	tt_flame_node(&fl, j, "root", 0);
	tt_hj_open(j, "names", '[');
	for (size_t i = 0; i < fl.nout; i++)
		tt_hj_str(j, NULL, fl.out[i]);
	tt_hj_close(j, ']');
	tt_hj_close(j, '}');
	tt_intern_free(&fl.names);
	free(fl.v);
	free(fl.out);
}
