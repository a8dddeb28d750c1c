/*
 * main.c - traceit-convert: turns traceit stream files into a Perfetto trace (protobuf), a
 * Chrome trace (JSON), a CSV table, a text summary, folded stacks or an HTML report.
 *
 *	traceit-convert [-f perfetto|json|csv|summary|folded|graph|html] [--weight=W] [--lines]
 *			[-o OUTPUT] [-q] [FILTER...] [--split-mb=N] [--max-slices=N|--full]
 *			[--no-compress] [--graph-interleave] [--follow] [--table=TABLE]
 *			[--help] [--version] INPUT...
 *	traceit-convert --diff [-f summary|csv|html] [--fail-on=EXPR]... [-o OUTPUT] [FILTER...]
 *			BASE NEW
 *
 * INPUT is a stream file or a directory (its regular files named *.trc, sorted by name, not
 * recursive).  All inputs merge into one timeline; time 0 is the start of the earliest
 * process.  OUTPUT "-" (the default) is standard output; a file is written in place.
 *
 * Exit status:
 *	0  every input converted cleanly.
 *	1  some input was damaged, truncated, lacked its end record (process killed, ended by
 *	   a raw exit_group, or still running), could not be read, was not a traceit stream
 *	   or had an unsupported format version.  Everything recoverable was still converted
 *	   and the output written.
 *	2  usage error, or the output could not be written.
 *	3  --diff: a --fail-on threshold was crossed (the comparison is still written).
 *
 * Messages go to standard error, one line each, "traceit-convert: " first and naming the
 * file (and the byte offset for damage).  One line per kind of problem per file: further
 * occurrences are counted on it.  -q hides these warnings but not errors (unreadable input,
 * usage, output failures).
 *
 * FILTER options (--from, --to, --pid, --tid, --category, --min-duration) select the events
 * written, see filter.h.  --split-mb writes the JSON as parts of at most N MB, each a whole
 * trace.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diff_run.h"
#include "fit.h"
#include "input.h"
#include "run.h"
#include "scan.h"
#include "tables.h"

#ifndef TT_VERSION
#define TT_VERSION "unknown"
#endif

/* Inputs larger than this in all get a progress bar when stderr is a terminal. */
#define TT_PROGRESS_MIN (50u << 20)

static const char tt_usage[] =
	"Usage: traceit-convert [OPTION]... INPUT...\n"
	"  or:  traceit-convert --diff [OPTION]... BASE NEW\n"
	"Convert traceit stream files to a Perfetto or Chrome trace, CSV, a text summary,\n"
	"an HTML report or an ftrace-style call graph, or compare two runs.\n"
	"\n"
	"INPUT is a stream file or a directory of them (*.trc).  All inputs are merged\n"
	"into one timeline; time 0 is the start of the earliest process.\n"
	"\n"
	"  -f, --format=FORMAT  json (default): Chrome Trace Event JSON, for\n"
	"                         chrome://tracing, DevTools, speedscope\n"
	"                       perfetto: Perfetto's protobuf trace (.pftrace), the\n"
	"                         way to open a run in ui.perfetto.dev\n"
	"                       csv: one row per call, or a table (--table)\n"
	"                       summary: process tree, time per function, I/O per\n"
	"                         file, memory, threads, locks, signals, and the top\n"
	"                         call sites when stacks were recorded, as text\n"
	"                       folded: call stacks for flamegraph.pl and speedscope,\n"
	"                         one line per stack with its weight (needs a trace\n"
	"                         recorded with TRACEIT_STACKS, or of traced functions)\n"
	"                       graph: the call tree of traced functions (programs\n"
	"                         built with -finstrument-functions) as ftrace's\n"
	"                         function_graph prints it\n"
	"                       html: a report to open in a browser, one file with\n"
	"                         no external resources: the summary's tables,\n"
	"                         sortable, with charts over time, each thread's\n"
	"                         activity, and a flame graph when stacks were recorded\n"
	"  -o, --output=FILE    write to FILE instead of standard output ('-');\n"
	"                         a FILE ending in .gz is written gzip-compressed\n"
	"      --table=TABLE    csv: events (one row per call), processes, threads,\n"
	"                         files, locks, allocations or functions, each row\n"
	"                         keyed by host, boot and run, for loading many runs\n"
	"                         into one database (traceit-convert(1), TABLES)\n"
	"  -q, --quiet          do not warn about damaged or incomplete inputs, and\n"
	"                         show no progress bar\n"
	"  -h, --help           show this help and exit\n"
	"      --version        show the version and exit\n"
	"\n"
	"Filters (TIME is a number with a unit: ns, us, ms or s, e.g. 1.5s, 200ms):\n"
	"      --from=TIME      keep events that end at or after TIME since time 0\n"
	"      --to=TIME        keep events that start at or before TIME since time 0\n"
	"      --pid=PID[,PID...]  only these processes\n"
	"      --tid=TID[,TID...]  only these threads\n"
	"      --category=CAT[,CAT...]  only these categories:\n"
	"                         " TT_CATEGORY_LIST "all\n"
	"      --min-duration=TIME  only events that lasted at least TIME\n"
	"      --window=N       only the Nth window of tracing of each process: the\n"
	"                         time from the start, or from traceit_enable, the\n"
	"                         toggle signal or traceit_new_window, to the next\n"
	"                         switch (traceit.h(3))\n"
	"      --weight=W       folded: weigh each stack by calls (default), bytes\n"
	"                         (allocated, or read and written), time (ns spent\n"
	"                         in the calls) or leaked (bytes still allocated at\n"
	"                         the end)\n"
	"      --lines          folded: one frame per source line, \"function (file.c:12)\",\n"
	"                         instead of one per function\n"
	"      --graph-interleave  graph: the threads' lines in time order, not one\n"
	"                         thread after another\n"
	"      --follow         graph, csv: print the events while the program still\n"
	"                         runs, like ftrace's trace_pipe, until every process\n"
	"                         has ended or Ctrl-C (latency: TRACEIT_FLUSH_MS); summary:\n"
	"                         printed once the run ends or on Ctrl-C\n"
	"      --max-slices=N   json, perfetto: at most N slices (default 5000000, what\n"
	"                         Perfetto UI holds in about 1.5 GB); beyond, fast\n"
	"                         frequent calls fold into per-thread counters\n"
	"      --full           json, perfetto: every event a slice, however many\n"
	"      --no-compress    perfetto: packets not deflated\n"
	"      --split-mb=N     json: write OUTPUT as parts OUTPUT.0.json, OUTPUT.1.json...\n"
	"                         of at most N MB (10^6 bytes) each, every part a\n"
	"                         complete trace (needs -o)\n"
	"\n"
	"Comparing runs (BASE and NEW: a stream file or a directory each):\n"
	"      --diff           what changed from BASE to NEW: calls, time, errors per\n"
	"                         function, heap peak and leaks, bytes per file, lock\n"
	"                         waits, largest changes first; -f summary (default),\n"
	"                         csv, or html (a page with a chart of the changes)\n"
	"      --fail-on=EXPR[,EXPR...]  exit with status 3 if NEW crossed a threshold:\n"
	"                         METRIC[(KEY)] then +N% (grew by more than N%), +N\n"
	"                         (by more than N, with a unit: 10ms, 1MB) or >N\n"
	"                         (NEW above N); e.g. time+10%, leaks>0,\n"
	"                         calls(malloc)+20%, written(/var/log/app.log)+1MB\n"
	"\n"
	"Exit status: 0 if every input converted cleanly, 1 if an input was damaged,\n"
	"incomplete or unreadable (what could be read is still converted), 2 on a usage\n"
	"error or if the output could not be written, 3 if a --fail-on threshold was\n"
	"crossed.\n";

static void tt_usage_error(const char *fmt, ...) TT_PRINTF(1, 2);

static void tt_usage_error(const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fprintf(stderr, "traceit-convert: %s\nTry 'traceit-convert --help'.\n", text);
	exit(2);
}

/* A bad option value: one line, status 2. */
static void tt_bad_value(const char *opt, const char *value, const char *why)
{
	fprintf(stderr, "traceit-convert: --%s: '%s' %s\n", opt, value, why);
	exit(2);
}

enum {
	TT_OPT_VERSION = 256,
	TT_OPT_FROM,
	TT_OPT_TO,
	TT_OPT_PID,
	TT_OPT_TID,
	TT_OPT_CATEGORY,
	TT_OPT_MIN_DURATION,
	TT_OPT_WINDOW,
	TT_OPT_SPLIT_MB,
	TT_OPT_WEIGHT,
	TT_OPT_MAX_SLICES,
	TT_OPT_FULL,
	TT_OPT_NO_COMPRESS,
	TT_OPT_GRAPH_INTERLEAVE,
	TT_OPT_LINES,
	TT_OPT_FOLLOW,
	TT_OPT_TABLE,
	TT_OPT_DIFF,
	TT_OPT_FAIL_ON,
};

/* Applies one filter or split option to o. */
static void tt_parse_filter(struct tt_options *o, int c, const char *name, const char *arg,
			    bool *have_category)
{
	struct tt_filter *f = &o->filter;
	const char *why = NULL;
	uint64_t v;
	int bad = 0;

	switch (c) {
	case TT_OPT_FROM:
		bad = tt_parse_time(arg, &f->from_ns, &why);
		f->active = true;
		break;
	case TT_OPT_TO:
		bad = tt_parse_time(arg, &f->to_ns, &why);
		f->active = true;
		break;
	case TT_OPT_MIN_DURATION:
		bad = tt_parse_time(arg, &f->min_dur_ns, &why);
		f->active = true;
		break;
	case TT_OPT_PID:
		bad = tt_parse_ids(arg, &f->pids, &f->npids, &why);
		break;
	case TT_OPT_TID:
		bad = tt_parse_ids(arg, &f->tids, &f->ntids, &why);
		f->active = true;
		break;
	case TT_OPT_CATEGORY:
		if (!*have_category)
			f->categories = 0;
		*have_category = true;
		bad = tt_parse_categories(arg, &f->categories, &why);
		f->active = true;
		break;
	case TT_OPT_WINDOW:
		bad = tt_parse_count(arg, UINT32_MAX, &v, &why);
		f->window = (uint32_t)v;
		f->active = true;
		break;
	case TT_OPT_SPLIT_MB:
		bad = tt_parse_count(arg, 1000000, &v, &why);
		o->split_bytes = v * 1000000;
		break;
	default:
		break;
	}
	if (bad)
		tt_bad_value(name, arg, why);
}

/* OUTPUT without a final ".json": the parts are <base>.<n>.json */
static const char *tt_split_base(const char *output)
{
	size_t n = strlen(output);
	char *base;

	if (n > 5 && !strcmp(output + n - 5, ".json"))
		n -= 5;
	base = tt_xmalloc(n + 1);
	memcpy(base, output, n);
	base[n] = '\0';
	return base;
}

static const struct tt_sink *tt_parse_format(const char *s)
{
	if (!strcmp(s, "json"))
		return &tt_sink_json;
	if (!strcmp(s, "csv"))
		return &tt_sink_csv;
	if (!strcmp(s, "summary"))
		return &tt_sink_summary;
	if (!strcmp(s, "folded"))
		return &tt_sink_folded;
	if (!strcmp(s, "perfetto"))
		return &tt_sink_perfetto;
	if (!strcmp(s, "graph"))
		return &tt_sink_graph;
	if (!strcmp(s, "html"))
		return &tt_sink_html;
	tt_usage_error("unknown format '%s' (use json, perfetto, csv, summary, folded, graph or "
		       "html)",
		       s);
	return NULL;
}

/*
 * Inputs are mapped: if one shrinks while it is read (rewritten by someone), touching the
 * lost pages raises SIGBUS.  The output is then incomplete: say so and exit 2.
 */
static void tt_on_sigbus(int sig)
{
	static const char msg[] = "traceit-convert: an input file shrank while it was being "
				  "read; output incomplete\n";
	ssize_t n = write(STDERR_FILENO, msg, sizeof(msg) - 1);

	(void)n;
	(void)sig;
	_exit(2);
}

/* An output named *.gz is written compressed. */
static bool tt_gz_name(const char *path)
{
	size_t n = strlen(path);

	return n > 3 && !strcmp(path + n - 3, ".gz");
}

static int tt_open_output(const char *path)
{
	int fd;

	if (!strcmp(path, "-"))
		return STDOUT_FILENO;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		tt_error("%s: cannot create: %s", path, strerror(errno));
		exit(2);
	}
	return fd;
}

int main(int argc, char **argv)
{
	/* clang-format off */
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, TT_OPT_VERSION },
		{ "from", required_argument, NULL, TT_OPT_FROM },
		{ "to", required_argument, NULL, TT_OPT_TO },
		{ "pid", required_argument, NULL, TT_OPT_PID },
		{ "tid", required_argument, NULL, TT_OPT_TID },
		{ "category", required_argument, NULL, TT_OPT_CATEGORY },
		{ "min-duration", required_argument, NULL, TT_OPT_MIN_DURATION },
		{ "window", required_argument, NULL, TT_OPT_WINDOW },
		{ "split-mb", required_argument, NULL, TT_OPT_SPLIT_MB },
		{ "weight", required_argument, NULL, TT_OPT_WEIGHT },
		{ "max-slices", required_argument, NULL, TT_OPT_MAX_SLICES },
		{ "full", no_argument, NULL, TT_OPT_FULL },
		{ "no-compress", no_argument, NULL, TT_OPT_NO_COMPRESS },
		{ "graph-interleave", no_argument, NULL, TT_OPT_GRAPH_INTERLEAVE },
		{ "lines", no_argument, NULL, TT_OPT_LINES },
		{ "follow", no_argument, NULL, TT_OPT_FOLLOW },
		{ "table", required_argument, NULL, TT_OPT_TABLE },
		{ "diff", no_argument, NULL, TT_OPT_DIFF },
		{ "fail-on", required_argument, NULL, TT_OPT_FAIL_ON },
		{ NULL, 0, NULL, 0 },
	};
	/* clang-format on */
	const struct tt_sink *sink = &tt_sink_json;
	const char *output = "-";
	struct tt_options opt;
	struct tt_file **files;
	struct tt_out out;
	bool have_category = false, have_weight = false, have_fit = false, have_compress = false;
	bool diff = false, have_format = false;
	struct tt_failon *fail = NULL;
	size_t nfail = 0;
	uint64_t total = 0;
	char **names = NULL;
	size_t n = 0;
	int c, fd, li, status;

	tt_filter_init(&opt.filter);
	opt.split_bytes = 0;
	opt.split_base = NULL;
	opt.progress = false;
	opt.weight = TT_WEIGHT_CALLS;
	opt.max_slices = TT_FIT_DEFAULT_SLICES;
	opt.no_compress = false;
	opt.graph_interleave = false;
	opt.lines = false;
	opt.follow = false;
	opt.table = TT_TABLE_PLAIN;
	opt.sink_arg = NULL;
	opterr = 0; /* our own one-line messages */
	while ((c = getopt_long(argc, argv, ":f:o:qh", longopts, &li)) != -1) {
		if (c == TT_OPT_WEIGHT) {
			static const char *const weights[] = { "calls", "bytes", "time", "leaked" };
			unsigned w;

			for (w = 0; w < 4 && strcmp(optarg, weights[w]); w++)
				;
			if (w == 4)
				tt_bad_value("weight", optarg,
					     "is not calls, bytes, time or leaked");
			opt.weight = w;
			have_weight = true;
			continue;
		}
		if (c == TT_OPT_MAX_SLICES || c == TT_OPT_FULL) {
			const char *why;

			if (c == TT_OPT_FULL)
				opt.max_slices = 0;
			else if (tt_parse_count(optarg, UINT64_MAX / 2, &opt.max_slices, &why))
				tt_bad_value("max-slices", optarg, why);
			have_fit = true;
			continue;
		}
		if (c == TT_OPT_TABLE) {
			int t = tt_table_find(optarg);

			if (t < 0)
				tt_bad_value("table", optarg, "is not a table: " TT_TABLE_NAMES);
			opt.table = (unsigned)t;
			continue;
		}
		if (c == TT_OPT_DIFF) {
			diff = true;
			continue;
		}
		if (c == TT_OPT_FAIL_ON) {
			char why[512];

			if (tt_failon_parse(optarg, &fail, &nfail, why, sizeof(why))) {
				fprintf(stderr, "traceit-convert: %s\n", why);
				exit(2);
			}
			continue;
		}
		if (c == TT_OPT_NO_COMPRESS) {
			opt.no_compress = true;
			have_compress = true;
			continue;
		}
		if (c == TT_OPT_GRAPH_INTERLEAVE) {
			opt.graph_interleave = true;
			continue;
		}
		if (c == TT_OPT_LINES) {
			opt.lines = true;
			continue;
		}
		if (c == TT_OPT_FOLLOW) {
			opt.follow = true;
			continue;
		}
		if (c >= TT_OPT_FROM) {
			tt_parse_filter(&opt, c, longopts[li].name, optarg, &have_category);
			continue;
		}
		switch (c) {
		case 'f':
			sink = tt_parse_format(optarg);
			have_format = true;
			break;
		case 'o':
			output = optarg;
			break;
		case 'q':
			tt_diag_quiet = true;
			break;
		case 'h':
			fputs(tt_usage, stdout);
			return 0;
		case TT_OPT_VERSION:
			printf("traceit-convert (traceit) %s\nreads stream format version %d\n",
			       TT_VERSION, TT_FORMAT_VERSION);
			return 0;
		case ':':
			/* optopt is also set for long options: tell them apart by the "--". */
			if (!strncmp(argv[optind - 1], "--", 2))
				tt_usage_error("option '%s' requires an argument",
					       argv[optind - 1]);
			tt_usage_error("option requires an argument -- '%c'", optopt);
			break;
		default:
			if (!strncmp(argv[optind - 1], "--", 2))
				tt_usage_error("unrecognized option '%s'", argv[optind - 1]);
			tt_usage_error("invalid option -- '%c'", optopt);
			break;
		}
	}
	if (optind >= argc)
		tt_usage_error("%s", "no input given");
	if (opt.filter.from_ns > opt.filter.to_ns)
		tt_usage_error("%s", "--from is after --to");
	if (have_weight && sink != &tt_sink_folded)
		tt_usage_error("%s", "--weight applies to the folded format only");
	if (have_fit && sink != &tt_sink_json && sink != &tt_sink_perfetto)
		tt_usage_error("%s",
			       "--max-slices and --full apply to the json and perfetto formats");
	if (have_compress && sink != &tt_sink_perfetto)
		tt_usage_error("%s", "--no-compress applies to the perfetto format only");
	if (nfail && !diff)
		tt_usage_error("%s", "--fail-on applies to --diff only");
	if (diff) {
		if (!have_format)
			sink = &tt_sink_summary;
		if (sink != &tt_sink_summary && sink != &tt_sink_csv && sink != &tt_sink_html)
			tt_usage_error("%s", "--diff writes the summary, csv or html format");
		if (opt.table != TT_TABLE_PLAIN)
			tt_usage_error("%s", "--table does not apply to --diff");
		if (argc - optind != 2)
			tt_usage_error("%s", "--diff compares two inputs: BASE NEW");
	}
	if (opt.table != TT_TABLE_PLAIN && sink != &tt_sink_csv)
		tt_usage_error("%s", "--table applies to the csv format only");
	if (opt.table > TT_TABLE_EVENTS)
		sink = &tt_sink_table;
	if (opt.graph_interleave && sink != &tt_sink_graph)
		tt_usage_error("%s", "--graph-interleave applies to the graph format only");
	if (opt.lines && sink != &tt_sink_folded)
		tt_usage_error("%s", "--lines applies to the folded format only");
	if (opt.follow && sink != &tt_sink_graph && sink != &tt_sink_csv &&
	    sink != &tt_sink_summary)
		tt_usage_error("%s", "--follow applies to the graph, csv and summary formats");
	if (opt.follow && diff)
		tt_usage_error("%s", "--follow does not apply to --diff");
	if (opt.follow && opt.split_bytes)
		tt_usage_error("%s", "--follow and --split-mb do not go together");
	if (opt.follow) {
		/* what is printed live cannot wait for a thread's end */
		opt.graph_interleave = true;
		fd = tt_open_output(output);
		tt_out_init(&out, fd, strcmp(output, "-") ? output : "standard output");
		if (tt_gz_name(output))
			tt_out_gzip(&out);
		status = tt_follow(argv + optind, argc - optind, sink, &out, &opt);
		tt_out_finish(&out);
		tt_out_free(&out);
		if (fd != STDOUT_FILENO && close(fd)) {
			tt_error("%s: cannot write: %s", output, strerror(errno));
			return 2;
		}
		tt_filter_free(&opt.filter);
		return status;
	}
	if (opt.split_bytes) {
		if (sink != &tt_sink_json)
			tt_usage_error("%s", "--split-mb applies to the json format only");
		if (!strcmp(output, "-"))
			tt_usage_error("%s", "--split-mb needs an output file name (-o)");
		if (tt_gz_name(output))
			tt_usage_error("%s", "--split-mb writes plain JSON parts: give an output "
					     "name without .gz");
		opt.split_base = tt_split_base(output);
	}

	signal(SIGBUS, tt_on_sigbus);
	/* With --split-mb the JSON output opens its parts itself. */
	fd = opt.split_bytes ? -1 : tt_open_output(output);
	/* --diff reads its two inputs itself, one after the other */
	if (!diff)
		names = tt_inputs_expand(argv + optind, argc - optind, &n);
	files = tt_inputs_open(names, n, &total);
	/* A progress bar only for someone watching a long conversion. */
	opt.progress = !tt_diag_quiet && total > TT_PROGRESS_MIN && isatty(STDERR_FILENO);
	tt_out_init(&out, fd, strcmp(output, "-") ? output : "standard output");
	if (fd >= 0 && tt_gz_name(output))
		tt_out_gzip(&out);
	if (diff) {
		status = tt_diff_run(argv[optind], argv[optind + 1],
				     sink == &tt_sink_csv    ? TT_DIFF_CSV
				     : sink == &tt_sink_html ? TT_DIFF_HTML
							     : TT_DIFF_TEXT,
				     &out, &opt, fail, nfail);
	} else {
		tt_convert(files, n, sink, &out, &opt);
		status = tt_diag_status;
	}
	tt_out_finish(&out);
	tt_out_free(&out);
	if (fd >= 0 && fd != STDOUT_FILENO && close(fd)) {
		tt_error("%s: cannot write: %s", output, strerror(errno));
		return 2;
	}
	tt_inputs_close(files, names, n);
	tt_filter_free(&opt.filter);
	free((char *)opt.split_base);
	tt_failon_free(fail, nfail);
	free(fail);
	return status;
}
