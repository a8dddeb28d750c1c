/*
 * traceit.h - annotate a program for traceit: spans, async spans, instants, counters,
 * thread names, and switching tracing on and off.  See traceit.h(3).
 *
 * Header only, no link-time dependency: the first call looks the traceit_* functions up with
 * dlsym(RTLD_DEFAULT, ...), which finds them only when libtraceit.so is preloaded (traceit --
 * PROGRAM, or LD_PRELOAD).  Without it every call is a predictable branch and nothing else.
 * No weak symbols: they resolve differently from one linker to the next.
 *
 *	#include <traceit.h>
 *
 *	void handle(struct request *r)
 *	{
 *		TRACEIT_SCOPE("http", "handle");	// a span until the end of the block
 *		traceit_counter("queue", queue_len);
 *		...
 *	}
 *
 * Strings are copied when the call is made; NULL is allowed wherever a string is taken.
 * Link with -ldl on glibc older than 2.34 (dlsym moved into libc then).
 */
#ifndef TRACEIT_H
#define TRACEIT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_DEFAULT */
#endif
#include <dlfcn.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library's entry points, found once (traceit_api_); all NULL without the library. */
struct traceit_api_ {
	int resolved; /* 0 not yet, 1 looked up */
	void (*span_begin)(const char *, const char *);
	void (*span_end)(void);
	uint64_t (*span_start)(const char *, const char *);
	void (*span_finish)(uint64_t);
	void (*async_begin)(const char *, const char *, uint64_t);
	void (*async_instant)(const char *, const char *, uint64_t);
	void (*async_end)(const char *, const char *, uint64_t);
	void (*instant)(const char *, const char *);
	void (*instant_args)(const char *, const char *, int, const char *const *,
			     const long long *);
	void (*counter)(const char *, long long);
	void (*counter_double)(const char *, double);
	void (*thread_name)(const char *);
	void (*enable)(void);
	void (*disable)(void);
	int (*is_enabled)(void);
	void (*new_window)(void);
};

static struct traceit_api_ traceit_api_state_;

/*
 * Looks the functions up on the first call.  Two threads may do it at once: they store the
 * same values, and a thread that sees resolved set sees them (release/acquire).
 */
static inline const struct traceit_api_ *traceit_api_(void)
{
	struct traceit_api_ *a = &traceit_api_state_;

	if (__builtin_expect(!__atomic_load_n(&a->resolved, __ATOMIC_ACQUIRE), 0)) {
#define TRACEIT_FIND_(field, name) *(void **)&a->field = dlsym(RTLD_DEFAULT, name)
		TRACEIT_FIND_(span_begin, "traceit_span_begin");
		TRACEIT_FIND_(span_end, "traceit_span_end");
		TRACEIT_FIND_(span_start, "traceit_span_start");
		TRACEIT_FIND_(span_finish, "traceit_span_finish");
		TRACEIT_FIND_(async_begin, "traceit_async_begin");
		TRACEIT_FIND_(async_instant, "traceit_async_instant");
		TRACEIT_FIND_(async_end, "traceit_async_end");
		TRACEIT_FIND_(instant, "traceit_instant");
		TRACEIT_FIND_(instant_args, "traceit_instant_args");
		TRACEIT_FIND_(counter, "traceit_counter");
		TRACEIT_FIND_(counter_double, "traceit_counter_double");
		TRACEIT_FIND_(thread_name, "traceit_thread_name");
		TRACEIT_FIND_(enable, "traceit_enable");
		TRACEIT_FIND_(disable, "traceit_disable");
		TRACEIT_FIND_(is_enabled, "traceit_is_enabled");
		TRACEIT_FIND_(new_window, "traceit_new_window");
#undef TRACEIT_FIND_
		__atomic_store_n(&a->resolved, 1, __ATOMIC_RELEASE);
	}
	return a;
}

/* A span on the calling thread, until the matching traceit_span_end of the same thread. */
static inline void traceit_span_begin(const char *category, const char *name)
{
	const struct traceit_api_ *a = traceit_api_();

	if (a->span_begin)
		a->span_begin(category, name);
}

static inline void traceit_span_end(void)
{
	const struct traceit_api_ *a = traceit_api_();

	if (a->span_end)
		a->span_end();
}

/* A span that may end on another thread: pass the id to traceit_span_finish.  0 untraced. */
static inline uint64_t traceit_span_start(const char *category, const char *name)
{
	const struct traceit_api_ *a = traceit_api_();

	return a->span_start ? a->span_start(category, name) : 0;
}

static inline void traceit_span_finish(uint64_t id)
{
	const struct traceit_api_ *a = traceit_api_();

	if (a->span_finish && id)
		a->span_finish(id);
}

/* Async work by the program's own id (below 2^63): begin, steps, end, on any threads. */
static inline void traceit_async_begin(const char *category, const char *name, uint64_t id)
{
	const struct traceit_api_ *a = traceit_api_();

	if (a->async_begin)
		a->async_begin(category, name, id);
}

static inline void traceit_async_instant(const char *category, const char *name, uint64_t id)
{
	const struct traceit_api_ *a = traceit_api_();

	if (a->async_instant)
		a->async_instant(category, name, id);
}

static inline void traceit_async_end(const char *category, const char *name, uint64_t id)
{
	const struct traceit_api_ *a = traceit_api_();

	if (a->async_end)
		a->async_end(category, name, id);
}

/* A moment, with up to 8 integer arguments named by keys. */
static inline void traceit_instant(const char *category, const char *name)
{
	const struct traceit_api_ *a = traceit_api_();

	if (a->instant)
		a->instant(category, name);
}

static inline void traceit_instant_args(const char *category, const char *name, int n,
					const char *const *keys, const long long *values)
{
	const struct traceit_api_ *a = traceit_api_();

	if (a->instant_args)
		a->instant_args(category, name, n, keys, values);
}

/* A value over time: one counter track per name. */
static inline void traceit_counter(const char *name, long long value)
{
	const struct traceit_api_ *a = traceit_api_();

	if (a->counter)
		a->counter(name, value);
}

static inline void traceit_counter_double(const char *name, double value)
{
	const struct traceit_api_ *a = traceit_api_();

	if (a->counter_double)
		a->counter_double(name, value);
}

/* The calling thread's name in the trace (any length; the kernel's is not changed). */
static inline void traceit_thread_name(const char *name)
{
	const struct traceit_api_ *a = traceit_api_();

	if (a->thread_name)
		a->thread_name(name);
}

/*
 * Tracing on and off (TRACEIT_START=off starts it off); each time it comes on a new window
 * begins, which traceit-convert --window=N keeps alone.  traceit_new_window starts one now.
 */
static inline void traceit_enable(void)
{
	const struct traceit_api_ *a = traceit_api_();

	if (a->enable)
		a->enable();
}

static inline void traceit_disable(void)
{
	const struct traceit_api_ *a = traceit_api_();

	if (a->disable)
		a->disable();
}

static inline int traceit_is_enabled(void)
{
	const struct traceit_api_ *a = traceit_api_();

	return a->is_enabled ? a->is_enabled() : 0;
}

static inline void traceit_new_window(void)
{
	const struct traceit_api_ *a = traceit_api_();

	if (a->new_window)
		a->new_window();
}

/* A span from here to the end of the enclosing block (GCC and clang: cleanup attribute). */
static inline void traceit_scope_end_(int *unused)
{
	(void)unused;
	traceit_span_end();
}

#define TRACEIT_CAT2_(a, b) a##b
#define TRACEIT_CAT_(a, b) TRACEIT_CAT2_(a, b)
#define TRACEIT_SCOPE(category, name)                                                              \
	int TRACEIT_CAT_(traceit_scope_, __LINE__)                                                 \
		__attribute__((cleanup(traceit_scope_end_), unused)) =                             \
			(traceit_span_begin((category), (name)), 0)

#ifdef __cplusplus
}
#endif

#endif /* TRACEIT_H */
