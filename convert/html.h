/*
 * html.h - the HTML report (-f html): one self-contained page whose own script draws its
 * charts and tables from a JSON block of the run's figures.
 *
 * emit_html.c collects the figures in the one pass over the events: the summary's
 * statistics through the summary's own code, plus what a page of charts needs that the text
 * does not (time series in fixed bins, each thread's strip, size histograms).
 * html_page.c writes the page and its data block, html_flame.c the flame graph's tree,
 * html_json.c is their JSON writer; the style and the script are the project's own files
 * convert/html_report.css and .js, made into C strings at build time (html_assets.c).
 */
#ifndef TT_HTML_H
#define TT_HTML_H

#include "folded.h"
#include "summary.h"

#define TT_HTML_BINS 500  /* time bins of the charts over the run */
#define TT_HTML_TBINS 200 /* time bins of each thread's strip */

/* What a thread is doing in a call, for its strip. */
enum tt_hstate { TT_HS_BUSY, TT_HS_WAIT, TT_HS_IO, TT_NHS };

/* A thread's own state (in tt_thread.out). */
struct tt_hthread {
	/* its strip: ns in each state per bin, bins [bin0, bin0 + nbins) of TT_HTML_TBINS */
	uint32_t bin0, nbins, cap;
	float (*bins)[TT_NHS];
	uint32_t last;	  /* the bin its last call ended in, */
	uint64_t last_lo; /* and where that bin begins */
};

/* An image's heap as the series last counted it. */
struct tt_hseen {
	uint64_t bytes, blocks;
	bool gone; /* the process has ended: its heap went with it */
};

/* When a process image ended (relative ns), by its tt_file.index. */
struct tt_hend {
	uint64_t at;
	unsigned file;
};

struct tt_html {
	struct tt_summary *sum;
	struct tt_fstacks fs; /* the traced functions' stacks, for a trace without stacks */
	struct tt_run *run;
	uint64_t t0, t1;	  /* the time the bins cover, relative ns */
	uint64_t bin_ns, tbin_ns; /* width of a bin, of a strip's bin */
	uint64_t bin_lo;	  /* where the bin of the last event begins, */
	size_t bin_at;		  /* and its index */

	/* series over time, per bin */
	uint64_t events[TT_HTML_BINS][TT_CAT_COUNT];
	uint64_t heap[TT_HTML_BINS], blocks[TT_HTML_BINS]; /* highest in the bin */
	uint64_t io_read[TT_HTML_BINS], io_write[TT_HTML_BINS];
	uint64_t lock_wait_ns[TT_HTML_BINS]; /* the waits' time in the bin */
	uint64_t lock_waits[TT_HTML_BINS];   /* contended acquisitions that ended in it */
	/* bytes per read and write, by power of two: [0] none, [k] 2^(k-1) to 2^k - 1 */
	uint64_t read_sizes[65], write_sizes[65];

	/* the heap of all processes together, as the events go by */
	uint64_t heap_now, blocks_now, heap_peak, heap_peak_at;
	size_t heap_bin;       /* the last bin the heap series has reached */
	struct tt_hseen *seen; /* by tt_file.index */
	struct tt_hend *ends;  /* by time */
	size_t nends, next_end;
};

/* One row of the runtime table: a wrapped call, or (function tracing) a function. */
enum tt_rt_kind { TT_RT_CALL, TT_RT_FUNCTION };

struct tt_rt_row {
	const char *name;
	unsigned kind; /* enum tt_rt_kind */
	uint64_t calls, errors;
	uint64_t total_ns;
	uint64_t self_ns; /* total less the time in the calls made inside */
	uint64_t min_ns, max_ns;
};

/* The rows of the runtime table (free() them). */
struct tt_rt_row *tt_html_runtime(const struct tt_html *h, size_t *n);

/* Writes the page (html_page.c). */
void tt_html_page(struct tt_html *h, struct tt_run *run);

/* A JSON writer that keeps the commas: values in objects take a key, in arrays NULL. */
struct tt_hj {
	struct tt_out *o;
	unsigned depth;
	uint64_t has; /* bit d: the container at depth d has a value already */
};

void tt_hj_open(struct tt_hj *j, const char *key, char bracket);
void tt_hj_close(struct tt_hj *j, char bracket);
void tt_hj_u64(struct tt_hj *j, const char *key, uint64_t v);
void tt_hj_f(struct tt_hj *j, const char *key, double v);
void tt_hj_bool(struct tt_hj *j, const char *key, bool v);
void tt_hj_str(struct tt_hj *j, const char *key, const char *s); /* NULL: null */
void tt_hj_u64s(struct tt_hj *j, const char *key, const uint64_t *v, size_t n);

/* "flame": the tree of the folded stacks, each node weighed by enum tt_weight; or null. */
void tt_html_flame(struct tt_hj *j, const struct tt_fline *lines, size_t n);

/* The page's own style and script (html_assets.c, made from html_report.css and .js). */
extern const char tt_html_css[];
extern const char tt_html_js[];

#endif /* TT_HTML_H */
