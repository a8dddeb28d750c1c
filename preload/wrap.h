/*
 * wrap.h - what every wrapper file needs.
 *
 * The shape of a wrapper:
 *	t = tt_enter(category)	  NULL: not recording (tracer busy on this thread, category
 *				  off, not ACTIVE) -> call the real function and return
 *	t0 = tt_now(); real call; t1 = tt_now(); saved = errno
 *	record, restore errno, return
 * tt_record leaves errno as it was, so the restore only guards what a wrapper does besides
 * it.  The heap and lock wrappers, which run the most, read errno only on failure and do
 * not restore it; the function hooks (wrap_func.c) do not touch it.
 * Calls that glibc makes through public symbols while serving the program (the malloc inside
 * fopen) reach the wrappers too and are recorded, nested in time inside the outer call: they
 * are real work of the program.  Only the tracer's own calls are hidden, by t->busy.
 */
#ifndef TT_WRAP_H
#define TT_WRAP_H

#include <errno.h>

#include "tt.h"

#include <dirent.h>
#include "real.h"

/*
 * Whether a heap call is timed from entry to exit, or is one timestamp taken after it.  Most
 * take less time than the two clock reads would, and no one asks how long a 16-byte malloc
 * took: only calls asking for TT_TIMED_BYTES or more (which may map memory or fault pages in)
 * are timed, unless TRACEIT_DURATIONS names memory.
 */
#define TT_TIMED_BYTES (64u << 10)
/* The entry time of a heap call for bytes that is timed, else 0 (no clock read) */
static inline uint64_t tt_mem_start(size_t bytes)
{
	if (bytes >= TT_TIMED_BYTES || tt_unlikely(tt_cfg.durations & (1u << TT_CAT_MEMORY)))
		return tt_now();
	return 0;
}
/* The start to record: the entry time, or for a call of one timestamp its end */
static inline uint64_t tt_mem_t0(uint64_t t0, uint64_t t1)
{
	return t0 ? t0 : t1;
}

/* Makes sure the real pointer exists (a wrapper can run before our constructor). */
#define TT_NEED(fn)                                                                                \
	do {                                                                                       \
		if (tt_unlikely(!tt_real.fn))                                                      \
			tt_resolve_all();                                                          \
	} while (0)

/* For wrappers whose real function could not be found */
#define TT_NEED_OR(fn, fail)                                                                       \
	do {                                                                                       \
		TT_NEED(fn);                                                                       \
		if (tt_unlikely(!tt_real.fn)) {                                                    \
			errno = ENOSYS;                                                            \
			return fail;                                                               \
		}                                                                                  \
	} while (0)

/* For TT_REAL functions: resolve if needed, fail with ENOSYS if the symbol does not exist */
#define TT_NEED_REAL(fn, fail)                                                                     \
	do {                                                                                       \
		if (tt_unlikely(!real_##fn)) {                                                     \
			tt_resolve_all();                                                          \
			if (!real_##fn) {                                                          \
				errno = ENOSYS;                                                    \
				return fail;                                                       \
			}                                                                          \
		}                                                                                  \
	} while (0)

/*
 * For calls that create descriptors: when the program hits its descriptor limit and the
 * trace holds one of them, the trace gives its descriptor up (tt_stream_yield_fd) and the
 * call is made again, so that the program gets as many descriptors as it would untraced.
 * TT_FD_CALL for calls returning -1 on failure, TT_FD_CALLP for those returning NULL.
 */
/*
 * The recorder's own descriptors (the trace, libunwind's pipe) do not exist for the program:
 * calls that probe a descriptor get EBADF for them, as close does, so that a program listing
 * its open descriptors (fstat over a range, as Python's subprocess tests do) sees only its own.
 */
#define TT_NOT_OURS(fd, call)                                                                      \
	(tt_unlikely((fd) >= tt_fd_min) && tt_fd_hidden(fd) ? (errno = EBADF, -1) : (call))

/* libunwind, running for the tracer (busy, or while it loads), does use its own pipe */
static inline int tt_fd_hidden(int fd)
{
	struct tt_thread *self = tt_self;

	return tt_fd_is_ours(fd) && !(self && self->busy) && !tt_stack_fd_pending;
}

/* wrap_dir.c: streams that list this process's descriptors, whose readdir skips ours */
void tt_fddir_opened(DIR *dir, const char *path);
void tt_fddir_closing(DIR *dir);
static inline DIR *tt_fddir_note(DIR *dir, const char *path)
{
	int e = errno;

	tt_fddir_opened(dir, path);
	errno = e;
	return dir;
}

#define TT_FD_CALL(call)                                                                           \
	({                                                                                         \
		__typeof__(call) r_ = (call);                                                      \
		if (tt_unlikely(r_ == -1) && errno == EMFILE && tt_stream_yield_fd())              \
			r_ = (call);                                                               \
		r_;                                                                                \
	})
#define TT_FD_CALLP(call)                                                                          \
	({                                                                                         \
		__typeof__(call) r_ = (call);                                                      \
		if (tt_unlikely(!r_) && errno == EMFILE && tt_stream_yield_fd())                   \
			r_ = (call);                                                               \
		r_;                                                                                \
	})

/*
 * The common shape of a wrapper whose real function comes from TT_REAL: pass through when not
 * recording, else time the call, keep its errno, record with rec (which sees t, t0, t1, ret
 * and e), give errno back.  Each family file binds it to its category as TT_BODY.
 */
#define TT_WRAP_BODY(cat, fn, fail, rtype, call, rec)                                              \
	TT_NEED_REAL(fn, fail);                                                                    \
	struct tt_thread *t = tt_enter(cat);                                                       \
	if (!t)                                                                                    \
		return call;                                                                       \
	uint64_t t0 = tt_now();                                                                    \
	rtype ret = call;                                                                          \
	uint64_t t1 = tt_now();                                                                    \
	int e = errno;                                                                             \
	rec;                                                                                       \
	errno = e;                                                                                 \
	return ret;

#define TT_U(x) ((uint64_t)(uintptr_t)(x))
#define TT_S(x) ((uint64_t)(int64_t)(x))

/* argv as one space-separated string, cut to fit */
void tt_join_argv(char *buf, size_t len, char *const argv[]);

void tt_record_exec(struct tt_thread *t, unsigned type, uint64_t t0, uint64_t t1, int failed,
		    int err, const char *path, char *const argv[]);

/* wrap_signal.c: a jump to target (a stack pointer) leaves the handlers it lies outside of */
void tt_signal_jump(struct tt_thread *t, uint64_t target);

/*
 * api.c: the annotation events (category USER, THREAD for a name), for traceit.h's calls and
 * the ITT collector (itt.c).  Nothing is recorded when tracing is off; errno is kept.
 */
void tt_user_record(unsigned type, const char *name, const char *cat, uint64_t a2, const char *a2s);
void tt_user_span_end(void);
void tt_user_counter(const char *name, long long value);
void tt_user_counter_double(const char *name, double value);
void tt_user_thread_name(const char *name);

#endif /* TT_WRAP_H */
