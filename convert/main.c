/*
 * main.c - traceit-convert: turns traceit stream files into a Chrome trace (JSON), a CSV
 * table or a text summary.
 *
 *	traceit-convert [-f json|csv|summary] [-o OUTPUT] [-q] [--help] [--version] INPUT...
 *
 * INPUT is a stream file or a directory (its regular files named *.trc, sorted by name, not
 * recursive).  All inputs merge into one timeline; time 0 is the start of the earliest
 * process.  OUTPUT "-" (the default) is standard output; a file is written in place.
 *
 * Exit status:
 *	0  every input converted cleanly.
 *	1  some input was damaged, truncated, lacked its end record (process killed or still
 *	   running), could not be read, was not a traceit stream or had an unsupported format
 *	   version.  Everything recoverable was still converted and the output written.
 *	2  usage error, or the output could not be written.
 *
 * Messages go to standard error, one line each, "traceit-convert: " first and naming the
 * file (and the byte offset for damage).  One line per kind of problem per file: further
 * occurrences are counted on it.  -q hides these warnings but not errors (unreadable input,
 * usage, output failures).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input.h"
#include "run.h"
#include "scan.h"

#ifndef TT_VERSION
#define TT_VERSION "unknown"
#endif

static const char tt_usage[] =
	"Usage: traceit-convert [OPTION]... INPUT...\n"
	"Convert traceit stream files to a Chrome/Perfetto trace, CSV or a text summary.\n"
	"\n"
	"INPUT is a stream file or a directory of them (*.trc).  All inputs are merged\n"
	"into one timeline; time 0 is the start of the earliest process.\n"
	"\n"
	"  -f, --format=FORMAT  json (default): Chrome Trace Event JSON, for\n"
	"                         ui.perfetto.dev, chrome://tracing, speedscope\n"
	"                       csv: one row per call\n"
	"                       summary: time per function, I/O per file, memory,\n"
	"                         threads and processes, as text\n"
	"  -o, --output=FILE    write to FILE instead of standard output ('-')\n"
	"  -q, --quiet          do not warn about damaged or incomplete inputs\n"
	"  -h, --help           show this help and exit\n"
	"      --version        show the version and exit\n"
	"\n"
	"Exit status: 0 if every input converted cleanly, 1 if an input was damaged,\n"
	"incomplete or unreadable (what could be read is still converted), 2 on a usage\n"
	"error or if the output could not be written.\n";

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

static const struct tt_sink *tt_parse_format(const char *s)
{
	if (!strcmp(s, "json"))
		return &tt_sink_json;
	if (!strcmp(s, "csv"))
		return &tt_sink_csv;
	if (!strcmp(s, "summary"))
		return &tt_sink_summary;
	tt_usage_error("unknown format '%s' (use json, csv or summary)", s);
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
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	/* clang-format on */
	const struct tt_sink *sink = &tt_sink_json;
	const char *output = "-";
	struct tt_file **files;
	struct tt_out out;
	char **names;
	size_t n;
	int c, fd;

	opterr = 0; /* our own one-line messages */
	while ((c = getopt_long(argc, argv, ":f:o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			sink = tt_parse_format(optarg);
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
		case 'V':
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

	signal(SIGBUS, tt_on_sigbus);
	fd = tt_open_output(output);
	names = tt_inputs_expand(argv + optind, argc - optind, &n);
	files = tt_xcalloc(n, sizeof(*files));
	for (size_t i = 0; i < n; i++) {
		files[i] = tt_xcalloc(1, sizeof(**files));
		files[i]->name = names[i];
		tt_input_map(files[i]);
	}
	tt_out_init(&out, fd, strcmp(output, "-") ? output : "standard output");
	tt_convert(files, n, sink, &out);
	tt_out_free(&out);
	if (fd != STDOUT_FILENO && close(fd)) {
		tt_error("%s: cannot write: %s", output, strerror(errno));
		return 2;
	}
	for (size_t i = 0; i < n; i++) {
		tt_input_unmap(files[i]);
		tt_file_release(files[i]);
		free(files[i]);
	}
	free(files);
	tt_inputs_free(names, n);
	return tt_diag_status;
}
