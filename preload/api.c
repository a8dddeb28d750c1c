/*
 * api.c - the calls of traceit.h, the public annotation API: spans, async spans, instants,
 * counters, thread names, and tracing on and off.
 *
 * A program finds these with dlsym(RTLD_DEFAULT) when the library is preloaded, and calls
 * nothing otherwise (traceit.h).  Each becomes one event of the USER category (THREAD for a
 * name), recorded like a wrapper's, its strings copied into the buffer: the program's
 * strings need not outlive the call.  A span's begin and end are two records; the converter
 * pairs them, and tells a span ended twice or never.  The ITT collector (itt.c) records
 * through the same functions (tt_user_*, wrap.h).
 */
#include "wrap.h"

#include <string.h>

/* The entry points, as traceit.h's lookups call them (that header defines inline callers of
 * the same names, so it is not included here). */
TT_EXPORT void traceit_span_begin(const char *category, const char *name);
TT_EXPORT void traceit_span_end(void);
TT_EXPORT uint64_t traceit_span_start(const char *category, const char *name);
TT_EXPORT void traceit_span_finish(uint64_t id);
TT_EXPORT void traceit_async_begin(const char *category, const char *name, uint64_t id);
TT_EXPORT void traceit_async_instant(const char *category, const char *name, uint64_t id);
TT_EXPORT void traceit_async_end(const char *category, const char *name, uint64_t id);
TT_EXPORT void traceit_instant(const char *category, const char *name);
TT_EXPORT void traceit_instant_args(const char *category, const char *name, int n,
				    const char *const *keys, const long long *values);
TT_EXPORT void traceit_counter(const char *name, long long value);
TT_EXPORT void traceit_counter_double(const char *name, double value);
TT_EXPORT void traceit_thread_name(const char *name);
TT_EXPORT void traceit_enable(void);
TT_EXPORT void traceit_disable(void);
TT_EXPORT int traceit_is_enabled(void);
TT_EXPORT void traceit_new_window(void);

/* Ids of spans that end on another thread: apart from the ids a program gives async spans */
static _Atomic uint64_t next_span_id = 1;
#define TT_SPAN_ID_BIT (1ull << 63)
#define MAX_PAIRS 8 /* key/value pairs an instant keeps */

/* One annotation event (itt.c records the ITT calls with these too). */
void tt_user_record(unsigned type, const char *name, const char *cat, uint64_t a2, const char *a2s)
{
	struct tt_thread *t = tt_enter(TT_CAT_USER);

	if (!t)
		return;
	int e = errno;
	uint64_t now = tt_now(), args[TT_MAX_ARGS] = { 0, 0, a2 };
	const char *strs[TT_MAX_ARGS] = { name, cat, a2s };

	tt_record_args(t, type, now, now, 0, 0, 0, args, strs);
	errno = e;
}

TT_EXPORT void traceit_span_begin(const char *category, const char *name)
{
	tt_user_record(TT_EV_SPAN_BEGIN, name, category, 0, NULL);
}

void tt_user_span_end(void)
{
	struct tt_thread *t = tt_enter(TT_CAT_USER);

	if (!t)
		return;
	int e = errno;
	uint64_t now = tt_now();

	tt_record(t, TT_EV_SPAN_END, now, now, 0, 0, 0, 0, 0, 0, 0, 1);
	errno = e;
}

TT_EXPORT uint64_t traceit_span_start(const char *category, const char *name)
{
	uint64_t id = TT_SPAN_ID_BIT | atomic_fetch_add(&next_span_id, 1);

	tt_user_record(TT_EV_ASYNC_BEGIN, name, category, id, NULL);
	return id;
}

TT_EXPORT void traceit_span_finish(uint64_t id)
{
	tt_user_record(TT_EV_ASYNC_END, NULL, NULL, id, NULL);
}

TT_EXPORT void traceit_async_begin(const char *category, const char *name, uint64_t id)
{
	tt_user_record(TT_EV_ASYNC_BEGIN, name, category, id & ~TT_SPAN_ID_BIT, NULL);
}

TT_EXPORT void traceit_async_instant(const char *category, const char *name, uint64_t id)
{
	tt_user_record(TT_EV_ASYNC_INSTANT, name, category, id & ~TT_SPAN_ID_BIT, NULL);
}

TT_EXPORT void traceit_async_end(const char *category, const char *name, uint64_t id)
{
	tt_user_record(TT_EV_ASYNC_END, name, category, id & ~TT_SPAN_ID_BIT, NULL);
}

TT_EXPORT void traceit_instant(const char *category, const char *name)
{
	tt_user_record(TT_EV_MARK, name, category, 0, NULL);
}

TT_EXPORT void traceit_instant_args(const char *category, const char *name, int n,
				    const char *const *keys, const long long *values)
{
	char buf[512], *p = buf, *end = buf + sizeof(buf) - 1;

	/* "key=value,key=value": a key keeps to letters, digits, '_', '.' and '-' */
	for (int i = 0; keys && values && i < n && i < MAX_PAIRS; i++) {
		if (p > buf && p < end)
			*p++ = ',';
		for (const char *k = keys[i] ? keys[i] : "arg"; *k && p < end - 24; k++) {
			char c = *k;
			int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				 (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';

			*p++ = ok ? c : '_';
		}
		if (p < end)
			*p++ = '=';
		/* no stdio here, which may allocate */
		p = tt_fmt_num(p, end,
			       values[i] < 0 ? 0 - (unsigned long long)values[i]
					     : (unsigned long long)values[i],
			       values[i] < 0, 10);
	}
	*p = 0;
	tt_user_record(TT_EV_MARK, name, category, 0, buf);
}

void tt_user_counter(const char *name, long long value)
{
	struct tt_thread *t = tt_enter(TT_CAT_USER);

	if (!t)
		return;
	int e = errno;
	uint64_t now = tt_now(), args[TT_MAX_ARGS] = { 0, (uint64_t)value };
	const char *strs[TT_MAX_ARGS] = { name };

	tt_record_args(t, TT_EV_COUNTER, now, now, 0, 0, 0, args, strs);
	errno = e;
}

void tt_user_counter_double(const char *name, double value)
{
	struct tt_thread *t = tt_enter(TT_CAT_USER);

	if (!t)
		return;
	int e = errno;
	uint64_t now = tt_now(), bits, args[TT_MAX_ARGS] = { 0 };
	const char *strs[TT_MAX_ARGS] = { name };

	memcpy(&bits, &value, sizeof(bits));
	args[1] = bits;
	tt_record_args(t, TT_EV_COUNTER_F, now, now, 0, 0, 0, args, strs);
	errno = e;
}

void tt_user_thread_name(const char *name)
{
	struct tt_thread *t = tt_enter(TT_CAT_THREAD);

	if (!t)
		return;
	int e = errno;
	uint64_t now = tt_now(), args[TT_MAX_ARGS] = { t->tid };
	const char *strs[TT_MAX_ARGS] = { NULL, name };

	tt_record_args(t, TT_EV_THREAD_NAME, now, now, 0, 0, 0, args, strs);
	errno = e;
}

/* traceit.h's names for the recordings itt.c shares */
TT_EXPORT void traceit_span_end(void)
{
	tt_user_span_end();
}

TT_EXPORT void traceit_counter(const char *name, long long value)
{
	tt_user_counter(name, value);
}

TT_EXPORT void traceit_counter_double(const char *name, double value)
{
	tt_user_counter_double(name, value);
}

TT_EXPORT void traceit_thread_name(const char *name)
{
	tt_user_thread_name(name);
}

TT_EXPORT void traceit_enable(void)
{
	tt_control_set(1, 0);
}

TT_EXPORT void traceit_disable(void)
{
	tt_control_set(0, 0);
}

TT_EXPORT int traceit_is_enabled(void)
{
	return tt_control_enabled();
}

TT_EXPORT void traceit_new_window(void)
{
	tt_control_set(1, 1);
}
