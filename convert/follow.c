/*
 * follow.c - --follow: the conversion of a run that is still being recorded, printed as the
 * streams grow, like ftrace's trace_pipe.
 *
 * Each round reads the inputs again as they are now (new processes' files included) and
 * merges them as an offline conversion would, but hands the output only the events past
 * those it already printed and older than a watermark: the time before which every process
 * still running has written all it recorded.  A process writes what it recorded at least
 * every TRACEIT_FLUSH_MS, and a part held for the shared chunk within half that again, so
 * the watermark is the present less two and a half flush intervals and a margin.  The events
 * come out in the order of the offline conversion, and the last round, once every process
 * has written its end record (or on SIGINT), prints the rest: the output is the offline one.
 *
 * A partly written last chunk only ends the round's reading: the rounds before the last
 * keep quiet about what is incomplete.  The summary, a table of the whole run, is printed by
 * the last round only.  Each round decodes the streams from their start, so
 * a round costs as much as converting the run so far.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "input.h"
#include "recover.h"
#include "run.h"
#include "scan.h"
#include "state.h"

static volatile sig_atomic_t tt_follow_stop;

static void tt_follow_on_sigint(int sig)
{
	(void)sig;
	tt_follow_stop = 1;
}

/* What the rounds hand the real output: the events not printed yet, up to the watermark. */
struct tt_fwd {
	const struct tt_sink *sink;
	void *self;
	uint64_t seen;	  /* events merged in this round */
	uint64_t printed; /* events handed to the output, all rounds */
	uint64_t limit;	  /* the watermark, relative to the run's time 0; UINT64_MAX at the end */
	bool past;	  /* this round reached the watermark */
};

static void tt_fwd_event(void *self, const struct tt_event *ev)
{
	struct tt_fwd *f = self;

	if (f->seen++ < f->printed || f->past)
		return;
	if (ev->end_ns > f->limit) {
		f->past = true; /* merged in end order: all that follows is past it too */
		return;
	}
	f->sink->event(f->self, ev);
	f->printed++;
}

static uint64_t tt_mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Whether an argument names at least one stream already (a directory may still be empty). */
static bool tt_follow_ready(char *const *inputs, int n)
{
	for (int i = 0; i < n; i++) {
		DIR *d = opendir(inputs[i]);
		struct dirent *e;
		bool found = false;

		if (!d) {
			if (errno == ENOTDIR && !access(inputs[i], R_OK))
				continue;
			return false;
		}
		while (!found && (e = readdir(d))) {
			size_t len = strlen(e->d_name);

			found = len > 4 && !strcmp(e->d_name + len - 4, ".trc");
		}
		closedir(d);
		if (!found)
			return false;
	}
	return true;
}

/*
 * Whether f's process is done writing: it wrote its end record, or it is gone.  An image
 * that ended by exec is followed by the new image's file: done once that file is there, or
 * after a few seconds (an exec that never started the library).
 */
static bool tt_follow_done(const struct tt_run *run, const struct tt_file *f, uint64_t now,
			   unsigned rounds)
{
	/* a file just created has no header yet: waited for, but not forever (10 s) */
	if (!f->usable)
		return f->size >= TT_PREAMBLE_LEN + TT_CHUNK_HEADER_LEN || rounds > 100;
	if (!f->has_end)
		return kill((pid_t)f->pid, 0) && errno == ESRCH;
	if (f->exit_kind != TT_EXIT_EXEC)
		return true;
	for (size_t i = 0; i < run->nfiles; i++)
		if (run->files[i] != f && run->files[i]->usable && run->files[i]->pid == f->pid &&
		    run->files[i]->start_ns >= f->start_ns)
			return true;
	return now > f->start_ns && now - f->start_ns > 5000000000ull && f->end_ns &&
	       now - f->end_ns > 5000000000ull;
}

/*
 * The watermark: now, less two and a half of the longest flush interval of the processes
 * still running (what each recorded with TRACEIT_FLUSH_MS), and a margin.  Relative to
 * the run's time 0.
 */
static uint64_t tt_follow_limit(const struct tt_run *run, uint64_t now)
{
	uint64_t lag = 0;

	for (size_t i = 0; i < run->nfiles; i++) {
		const struct tt_file *f = run->files[i];
		uint64_t ms = f->flush_ms ? f->flush_ms : 1000;

		if (f->usable && !f->has_end && ms * 2500000u > lag)
			lag = ms * 2500000u;
	}
	lag += 200000000u;
	return now - lag > run->base_ns ? now - lag - run->base_ns : 0;
}

int tt_follow(char *const *inputs, int ninputs, const struct tt_sink *sink, struct tt_out *out,
	      struct tt_options *opt)
{
	struct sigaction sa = { .sa_handler = tt_follow_on_sigint };
	struct tt_fwd fwd = { .sink = sink };
	struct tt_sink wrap = { .event = tt_fwd_event, .track = sink->track };
	bool quiet = tt_diag_quiet, begun = false;
	/* the summary is one table of the whole run: it waits for the end */
	bool live = sink != &tt_sink_summary;
	unsigned rounds = 0;

	tt_recover_not_live = true;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (;;) {
		bool stop = tt_follow_stop, final = stop;
		struct timespec pause = { 0, 100000000 };
		struct tt_file **files;
		struct tt_run run;
		char **names;
		size_t n;
		int status = tt_diag_status;

		if (!tt_follow_ready(inputs, ninputs)) {
			if (stop)
				break;
			nanosleep(&pause, NULL);
			continue;
		}
		names = tt_inputs_expand(inputs, ninputs, &n);
		tt_diag_quiet = true;
		files = tt_inputs_open(names, n, NULL);
		tt_run_prepare(&run, files, n, out, opt);
		uint64_t now = tt_mono_now();

		if (!final) {
			final = n > 0;
			for (size_t i = 0; i < n && final; i++)
				final = tt_follow_done(&run, files[i], now, rounds);
		}
		/* the last round speaks, unless it was cut short by the user */
		tt_diag_quiet = quiet || (final && stop) || !final;
		fwd.limit = final ? UINT64_MAX : tt_follow_limit(&run, now);
		fwd.seen = 0;
		fwd.past = false;

		if (!begun && (live || final)) {
			fwd.self = sink->begin(&run);
			begun = true;
		}
		if (begun) {
			tt_state_begin(sink->track);
			tt_merge(&run, &wrap, &fwd);
			tt_state_end();
		}
		if (final)
			sink->end(fwd.self, &run);
		tt_out_flush(out);
		if (final && !stop)
			tt_run_problems(&run);
		else
			free(run.procs);
		if (!final || stop)
			tt_diag_status = status; /* an incomplete tail is no damage */
		tt_inputs_close(files, names, n);
		if (final)
			break;
		rounds++;
		nanosleep(&pause, NULL);
	}
	tt_callstack_cleanup();
	tt_diag_quiet = quiet;
	return tt_diag_status;
}
