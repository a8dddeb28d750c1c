/*
 * config.c - TRACEIT_* environment variables, read once at start.  A bad value gets one line
 * on stderr and the default.  secure_getenv: in a setuid program these are ignored (and the
 * preload is disabled altogether, see init.c).
 */
#include "tt.h"
#include "sys.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static uint32_t parse_categories(const char *var, const char *s, uint32_t fallback)
{
	uint32_t mask = 0;
	const char *bad;
	size_t badlen;

	if (tt_parse_category_list(s, &mask, &bad, &badlen) < 0) {
		char name[32];

		if (badlen >= sizeof(name))
			badlen = sizeof(name) - 1;
		memcpy(name, bad, badlen);
		name[badlen] = '\0';
		tt_log("%s: unknown category '%s' in '%s' (known: " TT_CATEGORY_LIST
		       "all); using %s",
		       var, name, s, fallback ? "all" : "none");
		return fallback;
	}
	if (!mask && fallback)
		tt_log("%s is empty; using all", var);
	return mask ? mask : fallback;
}

static uint32_t parse_number(const char *name, uint32_t def, uint32_t min, uint32_t max)
{
	const char *s = secure_getenv(name);
	char *end;

	if (!s || !*s)
		return def;
	unsigned long v = strtoul(s, &end, 10);

	if (*end || v < min || v > max || *s == '-') {
		tt_log("%s='%s' is not a number from %u to %u; using %u", name, s, min, max, def);
		return def;
	}
	return (uint32_t)v;
}

void tt_config_read(struct tt_config *cfg)
{
	const char *s;

	cfg->categories = (1u << TT_CAT_COUNT) - 1;
	s = secure_getenv("TRACEIT_EVENTS");
	if (s)
		cfg->categories = parse_categories("TRACEIT_EVENTS", s, (1u << TT_CAT_COUNT) - 1);

	/* Stacks: off unless asked; "1"/"yes" mean every recorded category. */
	cfg->stacks = 0;
	s = secure_getenv("TRACEIT_STACKS");
	if (s && (!strcmp(s, "1") || !strcmp(s, "yes") || !strcmp(s, "on")))
		cfg->stacks = cfg->categories;
	else if (s && *s && strcmp(s, "0") && strcmp(s, "no") && strcmp(s, "off"))
		cfg->stacks = parse_categories("TRACEIT_STACKS", s, 0) & cfg->categories;
	/* Durations: every category's but memory's, where only large calls are timed (wrap.h) */
	cfg->durations = cfg->categories & ~(1u << TT_CAT_MEMORY);
	s = secure_getenv("TRACEIT_DURATIONS");
	if (s && (!strcmp(s, "all") || !strcmp(s, "1") || !strcmp(s, "yes")))
		cfg->durations = cfg->categories;
	else if (s && *s)
		cfg->durations |= parse_categories("TRACEIT_DURATIONS", s, 0) & cfg->categories;
	cfg->stack_depth = parse_number("TRACEIT_STACK_DEPTH", 32, 1, 256);
	cfg->flush_ms = parse_number("TRACEIT_FLUSH_MS", 1000, 1, 3600000);
	cfg->func_depth = parse_number("TRACEIT_FUNC_DEPTH", TT_FUNC_STACK, 1, TT_FUNC_STACK);
	cfg->func_min_ns = parse_number("TRACEIT_FUNC_MIN_NS", 0, 0, 4000000000u);
	cfg->buffer_kb = parse_number("TRACEIT_BUFFER_KB", 1024, 16, 1048576);
	/* 0: twice TRACEIT_BUFFER_KB (tt_config_memory_limit may lower both) */
	cfg->buffer_max_kb = parse_number("TRACEIT_BUFFER_MAX_KB", 0, 16, 1048576);

	cfg->clock = -1;
	s = secure_getenv("TRACEIT_CLOCK");
	if (s && !strcmp(s, "tsc"))
		cfg->clock = 1;
	else if (s && !strcmp(s, "monotonic"))
		cfg->clock = 0;
	else if (s && *s)
		tt_log("TRACEIT_CLOCK='%s' is not tsc or monotonic; choosing automatically", s);

	cfg->drop = 0;
	cfg->ring = 0;
	s = secure_getenv("TRACEIT_MODE");
	if (s && !strcmp(s, "drop"))
		cfg->drop = 1;
	else if (s && !strcmp(s, "ring"))
		cfg->ring = 1;
	else if (s && *s && strcmp(s, "block"))
		tt_log("TRACEIT_MODE='%s' is not block, drop or ring; using block", s);
	cfg->buffer_total_mb = parse_number("TRACEIT_BUFFER_TOTAL_MB", 2048, 1, 1048576);
	cfg->ring_signal = 0;
	s = secure_getenv("TRACEIT_RING_SIGNAL");
	if (s && *s) {
		cfg->ring_signal = tt_parse_signal(s);
		if (!cfg->ring_signal)
			tt_log("TRACEIT_RING_SIGNAL='%s' is not a signal (USR1, USR2, or a number "
			       "from 1 to 64 other than KILL and STOP); no dump on a signal",
			       s);
		else if (!cfg->ring)
			tt_log("TRACEIT_RING_SIGNAL is for TRACEIT_MODE=ring; ignored");
	}

	s = secure_getenv("TRACEIT_START");
	cfg->start_off = s && !strcmp(s, "off");
	if (s && *s && strcmp(s, "off") && strcmp(s, "on"))
		tt_log("TRACEIT_START='%s' is not on or off; starting on", s);
	cfg->toggle_signal = 0;
	s = secure_getenv("TRACEIT_TOGGLE_SIGNAL");
	if (s && *s) {
		cfg->toggle_signal = tt_parse_signal(s);
		if (!cfg->toggle_signal)
			tt_log("TRACEIT_TOGGLE_SIGNAL='%s' is not a signal (USR1, USR2, or a "
			       "number "
			       "from 1 to 64 other than KILL and STOP); no toggling by signal",
			       s);
		else if (cfg->toggle_signal == cfg->ring_signal)
			cfg->ring_signal = 0; /* a toggle writes the ring out already */
	}

	/*
	 * The run: a name the streams of one launch share, so that tables from many runs and
	 * hosts keep their rows apart (traceit-convert --table).  It lands in CSV fields and
	 * file names of users' scripts: a plain word or it is left out.
	 */
	cfg->run_id[0] = 0;
	s = secure_getenv("TRACEIT_RUN_ID");
	if (s && *s) {
		size_t i = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				     "0123456789-_.:");

		if (s[i] || i >= sizeof(cfg->run_id))
			tt_log("TRACEIT_RUN_ID='%s' is not a word of at most 64 letters, digits, "
			       "'-', '_', '.' or ':'; the run is named by the converter",
			       s);
		else
			memcpy(cfg->run_id, s, i + 1);
	}

	/*
	 * Where the shared-buffer file goes (rings.h): "off" keeps the buffers private, as a
	 * relative directory would be once the program changes directory.
	 */
	s = secure_getenv("TRACEIT_SHM_DIR");
	if (!s || !*s)
		s = "/dev/shm";
	if (!strcmp(s, "off")) {
		cfg->shm_dir[0] = 0;
	} else if (s[0] != '/' || strlen(s) >= sizeof(cfg->shm_dir)) {
		tt_log("TRACEIT_SHM_DIR='%s' is not an absolute directory; using /dev/shm", s);
		strcpy(cfg->shm_dir, "/dev/shm");
	} else {
		strcpy(cfg->shm_dir, s);
	}

	/* The output directory, made absolute now: the program may chdir later. */
	s = secure_getenv("TRACEIT_OUTPUT");
	if (!s || !*s)
		s = ".";
	size_t len = strlen(s);

	if (s[0] == '/') {
		if (len >= sizeof(cfg->output))
			len = sizeof(cfg->output) - 1;
		memcpy(cfg->output, s, len);
		cfg->output[len] = 0;
		return;
	}
	long n = tt_sys2(SYS_getcwd, cfg->output, sizeof(cfg->output));

	if (n <= 0) {
		strcpy(cfg->output, ".");
		n = 2;
	}
	size_t cwd = strlen(cfg->output);

	if (!strcmp(s, ".") || cwd + 1 + len >= sizeof(cfg->output))
		return;
	cfg->output[cwd] = '/';
	memcpy(cfg->output + cwd + 1, s, len + 1);
}

/*
 * Under an address-space or data limit (ulimit -v, ulimit -d: both count anonymous
 * mappings), every megabyte the tracer maps is one the program cannot have: a program that
 * fits its limit untraced must still fit it traced.  The threads' buffers are kept to a
 * sixteenth of the limit in all, a 256th each, and under 64 MB, where the tracer's fixed
 * few megabytes would already be more than a sixteenth, it does not trace.  Returns 0, or
 * -1: do not trace.
 */
#define TT_MIN_LIMIT_MB 64

int tt_config_memory_limit(struct tt_config *cfg)
{
	struct rlimit rl;
	uint64_t limit = UINT64_MAX;

	if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		limit = rl.rlim_cur;
	if (getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < limit)
		limit = rl.rlim_cur;
	if (limit == UINT64_MAX) {
		if (!cfg->buffer_max_kb)
			cfg->buffer_max_kb =
				cfg->buffer_kb <= 524288 ? cfg->buffer_kb * 2 : 1048576;
		if (cfg->buffer_max_kb < cfg->buffer_kb)
			cfg->buffer_max_kb = cfg->buffer_kb;
		return 0;
	}
	if (limit < (uint64_t)TT_MIN_LIMIT_MB << 20) {
		tt_log("a memory limit of %lu KB (ulimit -v or -d) leaves no room for the tracer's "
		       "buffers beside the program (it traces under limits of %u MB or more); "
		       "tracing disabled",
		       (unsigned long)(limit >> 10), TT_MIN_LIMIT_MB);
		return -1;
	}
	if ((limit >> 24) < cfg->buffer_total_mb) {
		cfg->buffer_total_mb = (uint32_t)(limit >> 24);
		cfg->buffer_total_by_limit = 1;
	}
	/* and smaller per thread, so that sixteen threads have one (256 KB under 64 MB) */
	if ((limit >> 18) < cfg->buffer_kb)
		cfg->buffer_kb = (uint32_t)(limit >> 18);
	/* a ring's room to grow is mapped with it, which the limit would count */
	cfg->buffer_max_kb = cfg->buffer_kb;
	return 0;
}
