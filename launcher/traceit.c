/*
 * traceit - run a program under the traceit preload library.
 *
 *	traceit [-o DIR] [-e CATEGORIES] [-q] [--] PROGRAM [ARGS...]
 *
 * Runs PROGRAM with libtraceit.so prepended to LD_PRELOAD and TRACEIT_OUTPUT set to DIR, waits
 * for it, returns its exit status (128+N when it dies of signal N, as shells do), then tells
 * where the trace is and how to convert it.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "format.h"
#include "rings.h"

static const char *prog_name = "traceit";

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: traceit [-o DIR] [-e CATEGORIES] [-s] [-q] [--] PROGRAM [ARGS...]\n"
		"Run PROGRAM and record its thread, lock, memory and I/O calls, one trace file "
		"per\n"
		"process, into DIR.\n"
		"\n"
		"  -o, --output DIR        write the trace files into DIR (created if needed;\n"
		"                          default: a new folder traceit-PROGRAM[.N] here)\n"
		"  -e, --events LIST       categories to record, comma separated: memory, thread,\n"
		"                          lock, process, io, net, wait, user, function, or all\n"
		"                          (default: all)\n"
		"  -s, --stacks[=LIST]     record the call stack of each event (of the categories\n"
		"                          in LIST, default: all recorded ones); costs about\n"
		"                          0.2-1 us per event\n"
		"      --stack-depth=N     frames kept per stack (default 32, at most 256)\n"
		"      --start-off         start with tracing off (traceit_enable(), or the\n"
		"                          --toggle signal, switches it on)\n"
		"      --toggle=SIG        switch tracing on and off at each SIG (USR2...)\n"
		"      --delay=TIME        start with tracing off, switch it on after TIME\n"
		"      --duration=TIME     switch tracing off TIME after it came on (with\n"
		"                          these two the launcher sends the --toggle signal,\n"
		"                          RTMIN+7 if none is given, to PROGRAM only)\n"
		"  -q, --quiet             do not print where the trace went\n"
		"  -h, --help              show this help and exit\n"
		"  -V, --version           show the version and exit\n"
		"\n"
		"The exit status is PROGRAM's (128+N if it died of signal N); 125 if traceit "
		"itself\n"
		"failed, 126 if PROGRAM could not be executed, 127 if it was not found.\n"
		"Convert the trace with traceit-convert(1); see traceit(1) for the environment.\n");
}

static void die_usage(const char *msg, const char *arg)
{
	fprintf(stderr, "%s: %s%s%s\n", prog_name, msg, arg ? ": " : "", arg ? arg : "");
	fprintf(stderr, "Try 'traceit --help'.\n");
	exit(125);
}

static int check_categories(const char *list)
{
	const char *bad;
	size_t badlen;
	uint32_t mask = 0;

	if (tt_parse_category_list(list, &mask, &bad, &badlen) < 0) {
		fprintf(stderr, "%s: unknown category '%.*s' (known: " TT_CATEGORY_LIST "all)\n",
			prog_name, (int)badlen, bad);
		return 0;
	}
	return mask != 0;
}

static int is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * The preload library: $TRACEIT_LIBRARY, else the build tree when this launcher runs from it
 * (libtraceit.la beside it), else the installed one.
 */
static void find_library(char *lib, size_t len, char *bindir, size_t blen, int *in_tree)
{
	char self[PATH_MAX], probe[PATH_MAX + 64];
	const char *env = getenv("TRACEIT_LIBRARY");
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	*in_tree = 0;
	bindir[0] = 0;
	if (n > 0) {
		self[n] = 0;
		char *slash = strrchr(self, '/');

		if (slash)
			*slash = 0;
		snprintf(bindir, blen, "%s", self);
		snprintf(probe, sizeof(probe), "%s/libtraceit.la", self);
		if (is_file(probe)) {
			snprintf(probe, sizeof(probe), "%s/.libs/libtraceit.so", self);
			if (is_file(probe))
				*in_tree = 1;
		}
	}
	if (env && *env)
		snprintf(lib, len, "%s", env);
	else if (*in_tree)
		snprintf(lib, len, "%s/.libs/libtraceit.so", bindir);
	else
		snprintf(lib, len, "%s/libtraceit.so", TT_PKGLIBDIR);
}

/* A new folder named after the program: traceit-NAME, then traceit-NAME.2, .3 ... */
static void default_dir(char *dir, size_t len, const char *program)
{
	const char *base = strrchr(program, '/');

	base = base ? base + 1 : program;
	for (int i = 1; i < 10000; i++) {
		if (i == 1)
			snprintf(dir, len, "traceit-%s", base);
		else
			snprintf(dir, len, "traceit-%s.%d", base, i);
		if (mkdir(dir, 0700) == 0)
			return;
		if (errno != EEXIST)
			break;
	}
	fprintf(stderr, "%s: cannot create the output folder %s: %s\n", prog_name, dir,
		strerror(errno));
	exit(125);
}

/* PROGRAM as execvp will find it: a path with a slash as is, else the first hit in PATH */
static int find_program(const char *prog, char *out, size_t len)
{
	const char *path = getenv("PATH");

	if (strchr(prog, '/')) {
		snprintf(out, len, "%s", prog);
		return access(out, X_OK) == 0;
	}
	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		const char *e = strchr(p, ':');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		snprintf(out, len, "%.*s/%s", (int)n, n ? p : ".", prog);
		if (access(out, X_OK) == 0)
			return 1;
		p += n + (e != NULL);
	}
	return 0;
}

/*
 * 1 if file is an ELF executable without an interpreter (PT_INTERP): statically linked, so
 * the dynamic loader never runs and no preload can trace it.  0 otherwise (scripts, dynamic
 * executables, anything unreadable: let exec decide).
 */
static int is_static_elf(const char *file)
{
	unsigned char h[64];
	FILE *f = fopen(file, "rb");
	int result = 0;

	if (!f)
		return 0;
	if (fread(h, 1, sizeof(h), f) == sizeof(h) &&
	    !memcmp(h,
		    "\x7f"
		    "ELF",
		    4) &&
	    h[4] == 2 /* ELFCLASS64 */ && h[5] == 1 /* little endian */) {
		uint64_t phoff;
		uint16_t phentsize, phnum;

		memcpy(&phoff, h + 32, 8);
		memcpy(&phentsize, h + 54, 2);
		memcpy(&phnum, h + 56, 2);
		result = phnum > 0;
		for (unsigned i = 0; i < phnum && result; i++) {
			uint32_t type;

			if (fseek(f, (long)(phoff + (uint64_t)i * phentsize), SEEK_SET) != 0 ||
			    fread(&type, 4, 1, f) != 1) {
				result = 0;
				break;
			}
			if (type == 3 /* PT_INTERP */)
				result = 0;
		}
	}
	fclose(f);
	return result;
}

static int count_traces(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);

		n += l > 4 && !strcmp(e->d_name + l - 4, ".trc");
	}
	closedir(d);
	return n;
}

/*
 * --delay and --duration without --toggle: a real-time signal programs seldom use (glibc
 * keeps the first two for itself).
 */
#define TT_TIMED_SIGNAL "RTMIN+7"

/* "1.5", "1.5s", "200ms", "10us": seconds into *out.  Returns 0, or -1. */
static int parse_seconds(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v < 0 || v > 1e7)
		return -1;
	if (!strcmp(end, "") || !strcmp(end, "s"))
		*out = v;
	else if (!strcmp(end, "ms"))
		*out = v / 1e3;
	else if (!strcmp(end, "us"))
		*out = v / 1e6;
	else
		return -1;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Switches the program's tracing on after delay and off after duration more, with its
 * toggle signal.  Returns 1 with *status if the program ended first, else 0 (then the caller
 * waits for it as usual).
 */
static int toggle_at_times(pid_t pid, int sig, double delay, double duration, int *status)
{
	double t0 = now_s(),
	       at[2] = { delay > 0 ? delay : -1, duration > 0 ? delay + duration : -1 };

	for (int i = 0; i < 2; i++) {
		if (at[i] < 0)
			continue;
		while (now_s() - t0 < at[i]) {
			struct timespec ms = { 0, 2000000 };
			pid_t r = waitpid(pid, status, WNOHANG);

			if (r == pid)
				return 1;
			nanosleep(&ms, NULL);
		}
		kill(pid, sig);
	}
	return 0;
}

/*
 * Processes that died without a last drain (killed, or ended by a raw exit_group) left
 * their buffers in shared memory: moved into the folder beside their streams, where the
 * converter reads them and where they no longer hold the machine's memory.
 */
static void adopt_rings(const char *dir, int quiet)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX + 256];

	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		const char *why;
		int r;

		struct stat st;

		if ((e->d_type != DT_LNK && e->d_type != DT_UNKNOWN) || l < 7 ||
		    strcmp(e->d_name + l - 6, ".rings"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		/* some filesystems do not say a name's type in the listing */
		if (e->d_type == DT_UNKNOWN && (lstat(path, &st) || !S_ISLNK(st.st_mode)))
			continue;
		r = tt_rings_adopt(path, &why);
		if (r < 0)
			fprintf(stderr, "%s: cannot %s for %s: %s\n", prog_name, why, path,
				strerror(-r));
		else if (r > 0 && !quiet)
			fprintf(stderr,
				"%s: %.*s ended without writing out its buffers; kept in %s for "
				"traceit-convert\n",
				prog_name, (int)(l - 6), e->d_name, e->d_name);
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "events", required_argument, NULL, 'e' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "stacks", optional_argument, NULL, 's' },
		{ "stack-depth", required_argument, NULL, 'D' },
		{ "start-off", no_argument, NULL, 'F' },
		{ "toggle", required_argument, NULL, 'T' },
		{ "delay", required_argument, NULL, 'Y' },
		{ "duration", required_argument, NULL, 'U' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *events = NULL, *stacks = NULL, *depth = NULL, *toggle = NULL;
	char dir[PATH_MAX], absdir[PATH_MAX], lib[PATH_MAX], bindir[PATH_MAX];
	int quiet = 0, start_off = 0, c, in_tree;
	double delay = 0, duration = -1; /* seconds; duration < 0: no end */

	while ((c = getopt_long(argc, argv, "+o:e:sqhV", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'e':
			events = optarg;
			break;
		case 's':
			stacks = optarg ? optarg : "1";
			break;
		case 'D':
			depth = optarg;
			break;
		case 'F':
			start_off = 1;
			break;
		case 'Y':
			if (parse_seconds(optarg, &delay))
				die_usage("--delay takes a time (1.5, 1.5s, 200ms, 10us)", optarg);
			break;
		case 'U':
			if (parse_seconds(optarg, &duration) || duration <= 0)
				die_usage(
					"--duration takes a time above 0 (1.5, 1.5s, 200ms, 10us)",
					optarg);
			break;
		case 'T':
			if (!tt_parse_signal(optarg))
				die_usage("--toggle takes a signal (USR1, USR2, HUP, RTMIN+N or a "
					  "number other than KILL and STOP), not",
					  optarg);
			toggle = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("traceit %s\n", TT_VERSION);
			return 0;
		default:
			fprintf(stderr, "Try 'traceit --help'.\n");
			return 125;
		}
	}
	if (optind >= argc)
		die_usage("no program to run", NULL);
	if (events && !check_categories(events))
		exit(125);
	if (stacks && strcmp(stacks, "1") && !check_categories(stacks))
		exit(125);
	if (depth) {
		char *end;
		unsigned long d = strtoul(depth, &end, 10);

		if (*end || !*depth || *depth == '-' || d < 1 || d > 256)
			die_usage("--stack-depth is not a number from 1 to 256", depth);
	}

	char exe[PATH_MAX];
	struct stat st;
	int found = find_program(argv[optind], exe, sizeof(exe));
	int untraceable = found && is_static_elf(exe);

	if (untraceable)
		fprintf(stderr,
			"%s: %s is statically linked: it does not load libtraceit.so and cannot be "
			"traced (running it untraced)\n",
			prog_name, argv[optind]);
	/* ld.so(8): in secure-execution mode, preload paths with slashes are ignored */
	if (found && !untraceable && stat(exe, &st) == 0 &&
	    (((st.st_mode & S_ISUID) && st.st_uid != geteuid()) ||
	     ((st.st_mode & S_ISGID) && st.st_gid != getegid()))) {
		fprintf(stderr,
			"%s: %s is setuid or setgid: the dynamic loader will not preload "
			"libtraceit.so into it, so it runs untraced\n",
			prog_name, argv[optind]);
		untraceable = 1;
	}

	find_library(lib, sizeof(lib), bindir, sizeof(bindir), &in_tree);
	if (access(lib, R_OK) != 0) {
		fprintf(stderr, "%s: cannot find the preload library %s: %s\n", prog_name, lib,
			strerror(errno));
		return 125;
	}

	if (out) {
		snprintf(dir, sizeof(dir), "%s", out);
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			fprintf(stderr, "%s: cannot create the output folder %s: %s\n", prog_name,
				dir, strerror(errno));
			return 125;
		}
	} else {
		default_dir(dir, sizeof(dir), argv[optind]);
	}
	if (!realpath(dir, absdir) || access(absdir, W_OK | X_OK) != 0) {
		fprintf(stderr, "%s: cannot write into the output folder %s: %s\n", prog_name, dir,
			strerror(errno));
		return 125;
	}

	/* LD_PRELOAD: ours first, then whatever the user had. */
	const char *old = getenv("LD_PRELOAD");
	size_t plen = strlen(lib) + (old ? strlen(old) : 0) + 2;
	char *preload = malloc(plen);

	snprintf(preload, plen, "%s%s%s", lib, old && *old ? ":" : "", old && *old ? old : "");
	setenv("LD_PRELOAD", preload, 1);
	free(preload);
	setenv("TRACEIT_OUTPUT", absdir, 1);
	/*
	 * One name for every process of this launch, so that the converter's tables keep runs
	 * apart (pids repeat across runs and hosts); a name the user gave is kept.
	 */
	const char *run = getenv("TRACEIT_RUN_ID");

	if (!run || !*run) {
		uint8_t rnd[8];
		char id[17];

		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
			uint64_t t = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);

			memcpy(rnd, &t, sizeof(rnd));
		}
		for (size_t i = 0; i < sizeof(rnd); i++)
			snprintf(id + 2 * i, 3, "%02x", rnd[i]);
		setenv("TRACEIT_RUN_ID", id, 1);
	}
	/*
	 * The ITT static part in the program or its libraries (PyTorch, oneTBB...) loads the
	 * collector this names: the library already preloaded, by an absolute path that still
	 * holds after the program changes folder.  A collector the user chose is kept.
	 */
	const char *itt = getenv("INTEL_LIBITTNOTIFY64");

	if (!itt || !*itt) {
		char abslib[PATH_MAX];

		setenv("INTEL_LIBITTNOTIFY64", realpath(lib, abslib) ? abslib : lib, 1);
	}
	if (events)
		setenv("TRACEIT_EVENTS", events, 1);
	if (stacks)
		setenv("TRACEIT_STACKS", stacks, 1);
	if (depth)
		setenv("TRACEIT_STACK_DEPTH", depth, 1);
	/* --delay, --duration: the launcher sends the toggle signal when each time comes */
	if ((delay > 0 || duration > 0) && !toggle)
		toggle = TT_TIMED_SIGNAL;
	if (start_off || delay > 0)
		setenv("TRACEIT_START", "off", 1);
	if (toggle)
		setenv("TRACEIT_TOGGLE_SIGNAL", toggle, 1);

	pid_t pid = fork();

	if (pid < 0) {
		fprintf(stderr, "%s: cannot fork: %s\n", prog_name, strerror(errno));
		return 125;
	}
	if (pid == 0) {
		execvp(argv[optind], argv + optind);
		int e = errno;

		fprintf(stderr, "%s: cannot run %s: %s\n", prog_name, argv[optind], strerror(e));
		_exit(e == ENOENT ? 127 : 126);
	}

	/* Like a shell waiting for a foreground job: ^C and ^\ are for the program. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	int status, ret;

	if ((delay > 0 || duration > 0) &&
	    toggle_at_times(pid, tt_parse_signal(toggle), delay, duration, &status) == 1) {
		/* the program ended before the last switch */
	} else {
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR) {
				fprintf(stderr, "%s: waitpid: %s\n", prog_name, strerror(errno));
				return 125;
			}
		}
	}
	ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	adopt_rings(absdir, quiet || untraceable);

	if (!quiet && !untraceable) {
		int n = count_traces(absdir);

		if (n == 0) {
			fprintf(stderr,
				"%s: no trace was written into %s (was %s statically linked, "
				"setuid, "
				"or not run at all?)\n",
				prog_name, dir, argv[optind]);
		} else {
			fprintf(stderr, "%s: %d trace file%s in %s\n", prog_name, n,
				n > 1 ? "s" : "", dir);
			fprintf(stderr,
				"%s: for Perfetto UI (ui.perfetto.dev): %s%straceit-convert -f "
				"perfetto -o %s.pftrace %s\n",
				prog_name, in_tree ? bindir : "", in_tree ? "/" : "", dir, dir);
		}
	}
	return ret;
}
