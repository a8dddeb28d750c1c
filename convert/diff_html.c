/*
 * diff_html.c - a comparison of two runs as one self-contained HTML page (--diff -f html):
 * the thresholds, a bar chart of the largest changes, and every change in a table that
 * sorts and filters, drawn by the converter (inline SVG) with the report's style and a
 * few lines of script of its own.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "diff_print.h"
#include "html.h"

#ifndef TT_VERSION
#define TT_VERSION "unknown"
#endif

#define TT_DIFF_BARS 30 /* changes in the chart */

/* Text as HTML: the characters markup gives a meaning to, escaped. */
static void tt_html_text(struct tt_out *o, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			tt_out_puts(o, "&amp;");
			break;
		case '<':
			tt_out_puts(o, "&lt;");
			break;
		case '>':
			tt_out_puts(o, "&gt;");
			break;
		case '"':
			tt_out_puts(o, "&quot;");
			break;
		default:
			tt_out_write(o, s, 1);
		}
	}
}

/* The entry a row is about: "call malloc: time". */
static void tt_row_what(struct tt_out *o, const struct tt_drow *r)
{
	tt_out_puts(o, tt_dkind_names[r->kind]);
	if (*r->key) {
		tt_out_puts(o, " ");
		tt_html_text(o, r->key);
	}
	tt_out_printf(o, ": %s", tt_dmetrics[r->metric].name);
}

static const char *tt_row_change(char *buf, size_t len, const struct tt_drow *r)
{
	if (r->change == TT_DC_APPEARED)
		snprintf(buf, len, "new");
	else if (r->change == TT_DC_GONE)
		snprintf(buf, len, "gone");
	else if (!r->base)
		snprintf(buf, len, "from 0");
	else
		snprintf(buf, len, "%+.1f%%", r->pct);
	return buf;
}

/* The change in percent; an entry that appeared (or grew from 0) is infinite growth. */
static double tt_row_pct(const struct tt_drow *r)
{
	if (r->change == TT_DC_APPEARED || (r->change == TT_DC_CHANGED && !r->base))
		return INFINITY;
	if (r->change == TT_DC_GONE)
		return -100.0;
	return r->pct;
}

/*
 * A bar's length, of at most full: growth on a log scale up to the largest (new entries
 * whole), a fall in proportion to -100% (gone entries whole), so that both read at once.
 */
static double tt_bar(double p, double most, double full)
{
	if (p < 0)
		return -p / 100 * full;
	if (!isfinite(p))
		return full;
	return log1p(p) / log1p(most) * full;
}

static void tt_diff_chart(struct tt_out *o, const struct tt_diff *d)
{
	const struct tt_drow *v[TT_DIFF_BARS];
	size_t n = 0;
	double most = 100; /* the largest finite growth: the end of the scale */

	for (size_t i = 0; i < d->nrows && n < TT_DIFF_BARS; i++)
		if (d->rows[i].change != TT_DC_SAME)
			v[n++] = &d->rows[i];
	if (!n) {
		tt_out_puts(o, "<p>(no change)</p>\n");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		double p = tt_row_pct(v[i]);

		if (isfinite(p) && p > most)
			most = p;
	}
	/* labels to 410 px, falls from the axis at 680 to the left, growth to the right */
	tt_out_printf(o,
		      "<svg class=\"chart\" role=\"img\" width=\"1040\" height=\"%zu\" "
		      "viewBox=\"0 0 1040 %zu\">\n",
		      n * 20 + 10, n * 20 + 10);
	tt_out_printf(o, "<line x1=\"680\" y1=\"0\" x2=\"680\" y2=\"%zu\" stroke=\"#888\"/>\n",
		      n * 20 + 10);
	for (size_t i = 0; i < n; i++) {
		double p = tt_row_pct(v[i]), w = tt_bar(p, most, p < 0 ? 250 : 280);
		char change[32];
		int y = (int)(i * 20 + 5);

		tt_out_printf(o, "<text x=\"410\" y=\"%d\" text-anchor=\"end\" font-size=\"12\">",
			      y + 12);
		tt_row_what(o, v[i]);
		tt_out_printf(o,
			      "</text>\n<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"14\" "
			      "fill=\"%s\"><title>%s</title></rect>\n",
			      p < 0 ? 680 - w : 680.0, y + 2, w < 1 ? 1 : w,
			      p < 0 ? "#2a9d5b" : "#d1495b",
			      tt_row_change(change, sizeof(change), v[i]));
		/* a fall's figure right of the axis, clear of the labels */
		tt_out_printf(o, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">%s</text>\n",
			      p < 0 ? 684 : 684 + w, y + 12, change);
	}
	tt_out_puts(o, "</svg>\n");
}

static void tt_diff_table(struct tt_out *o, const struct tt_diff *d)
{
	tt_out_puts(o, "<input class=\"filter\" placeholder=\"filter by what\" id=\"tt-filter\">\n"
		       "<table id=\"tt-changes\"><thead><tr><th class=\"text\">what</th>"
		       "<th>base</th><th>new</th><th>delta</th><th>change</th></tr></thead>"
		       "<tbody>\n");
	for (size_t i = 0; i < d->nrows; i++) {
		const struct tt_drow *r = &d->rows[i];
		char base[32], new[32], delta[40], change[32];

		if (r->change == TT_DC_SAME)
			continue;
		tt_diff_value(base, sizeof(base), r->metric, r->base);
		tt_diff_value(new, sizeof(new), r->metric, r->new);
		tt_diff_value(delta, sizeof(delta), r->metric,
			      r->delta < 0 ? (uint64_t)-r->delta : (uint64_t)r->delta);
		/* the numbers to sort by, whatever the units shown */
		tt_out_puts(o, "<tr><td class=\"text\">");
		tt_row_what(o, r);
		tt_out_printf(o,
			      "</td><td data-v=\"%llu\">%s</td><td data-v=\"%llu\">%s</td>"
			      "<td data-v=\"%lld\">%s%s</td><td data-v=\"%.6g\">%s</td></tr>\n",
			      (unsigned long long)r->base, r->change == TT_DC_APPEARED ? "-" : base,
			      (unsigned long long)r->new, r->change == TT_DC_GONE ? "-" : new,
			      (long long)r->delta, r->delta < 0 ? "-" : "+", delta,
			      isfinite(tt_row_pct(r)) ? tt_row_pct(r) : 1e300,
			      tt_row_change(change, sizeof(change), r));
	}
	tt_out_puts(o, "</tbody></table>\n");
}

/* Sorting by a column and the filter box; data-ok once done, as the report does. */
static const char tt_diff_js[] =
	"(function () {\n"
	"  var t = document.getElementById('tt-changes'), f = "
	"document.getElementById('tt-filter');\n"
	"  var rows = Array.prototype.slice.call(t.tBodies[0].rows);\n"
	"  Array.prototype.forEach.call(t.tHead.rows[0].cells, function (th, c) {\n"
	"    th.addEventListener('click', function () {\n"
	"      var asc = !th.classList.contains('asc');\n"
	"      Array.prototype.forEach.call(t.tHead.rows[0].cells, function (h) {\n"
	"        h.classList.remove('sorted', 'asc'); });\n"
	"      th.classList.add('sorted'); if (asc) th.classList.add('asc');\n"
	"      rows.sort(function (a, b) {\n"
	"        var x = a.cells[c], y = b.cells[c], r;\n"
	"        r = c ? parseFloat(x.dataset.v) - parseFloat(y.dataset.v)\n"
	"              : x.textContent.localeCompare(y.textContent);\n"
	"        return asc ? r : -r; });\n"
	"      rows.forEach(function (r) { t.tBodies[0].appendChild(r); }); }); });\n"
	"  f.addEventListener('input', function () {\n"
	"    var q = f.value.toLowerCase();\n"
	"    rows.forEach(function (r) {\n"
	"      r.style.display = r.cells[0].textContent.toLowerCase().indexOf(q) < 0 ? 'none' : "
	"'';\n"
	"    }); });\n"
	"  document.body.setAttribute('data-ok', '1');\n"
	"})();\n";

void tt_diff_html(struct tt_out *o, const struct tt_diff *d, const struct tt_fcheck *checks,
		  size_t nchecks)
{
	size_t changed = 0;

	for (size_t i = 0; i < d->nrows; i++)
		changed += d->rows[i].change != TT_DC_SAME;
	tt_out_puts(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		       "<meta name=\"generator\" content=\"traceit-convert " TT_VERSION "\">\n"
		       "<title>traceit diff</title>\n<style>\n");
	tt_out_puts(o, tt_html_css);
	tt_out_puts(o, "</style>\n</head>\n<body>\n<header>\n<h1>traceit diff</h1>\n<p>");
	for (int i = 0; i < 2; i++) {
		tt_out_puts(o, i ? " &rarr; new: " : "base: ");
		tt_html_text(o, d->side[i].label);
		tt_out_printf(o, " (%zu process%s, %llu events)", d->side[i].processes,
			      d->side[i].processes == 1 ? "" : "es",
			      (unsigned long long)d->side[i].events);
	}
	tt_out_puts(o, "</p>\n</header>\n<main>\n");
	if (nchecks) {
		tt_out_puts(o, "<section id=\"thresholds\"><h2>Thresholds (--fail-on)</h2>\n<table>"
			       "<thead><tr><th class=\"text\">threshold</th><th class=\"text\">"
			       "result</th><th class=\"text\">values</th></tr></thead><tbody>\n");
		for (size_t i = 0; i < nchecks; i++) {
			char text[256];

			tt_out_puts(o, "<tr><td class=\"text\">");
			tt_html_text(o, checks[i].f->text);
			tt_out_printf(o, "</td><td class=\"text\">%s</td><td class=\"text\">",
				      checks[i].crossed ? "<b>crossed</b>" : "ok");
			tt_html_text(o, tt_fcheck_text(text, sizeof(text), &checks[i]));
			tt_out_puts(o, "</td></tr>\n");
		}
		tt_out_puts(o, "</tbody></table></section>\n");
	}
	tt_out_printf(o,
		      "<section id=\"chart\"><h2>The largest changes</h2>\n<p>New and gone "
		      "entries first, then by the size of the change (%zu changes; entries are "
		      "matched by name, path and lock key, never by pid or address).</p>\n",
		      changed);
	tt_diff_chart(o, d);
	tt_out_puts(o, "</section>\n<section id=\"changes\"><h2>Every change</h2>\n");
	tt_diff_table(o, d);
	tt_out_puts(o, "</section>\n</main>\n<script>\n");
	tt_out_puts(o, tt_diff_js);
	tt_out_puts(o, "</script>\n</body>\n</html>\n");
}
