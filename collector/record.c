/*
 * record.c - recording an event that carries strings (paths, names, argv): copied into the
 * ring after the argument words, interned later by the writer.  Not on the hottest paths
 * (malloc, free, read, write use tt_record in tt.h).
 */
#include "tt.h"

#include <errno.h>
#include <string.h>

void tt_record_strs(struct tt_thread *t, unsigned type, uint64_t t0, uint64_t t1, int failed,
		    int err, uint64_t result, const uint64_t *args, const char *const *strs,
		    bool peek)
{
	const struct tt_event_info *ev = &tt_events[type];
	const char *str[TT_MAX_ARGS] = { 0 };
	size_t lens[TT_MAX_ARGS] = { 0 };
	unsigned nfields = ev->result != TT_ROLE_NONE, nw, nfixed;

	for (int i = 0; i < TT_MAX_ARGS; i++)
		nfields += ev->args[i] != TT_ROLE_NONE;
	nw = nfixed = tt_record_len(t0, t1, nfields);
	for (int i = 0; i < TT_MAX_ARGS && strs && !(failed && err == EFAULT); i++) {
		if (ev->args[i] == TT_ROLE_NONE || tt_roles[ev->args[i]].kind != TT_KIND_STR ||
		    !strs[i])
			continue;
		if (peek) {
			long l = tt_peek_strlen(strs[i], TT_STR_MAX);

			if (l < 0)
				continue;
			lens[i] = (size_t)l;
		} else {
			lens[i] = strnlen(strs[i], TT_STR_MAX);
		}
		str[i] = strs[i];
		nw += (unsigned)((lens[i] + 7) / 8);
	}

	if (t->pending)
		tt_pending_flush(t);
	tt_busy_hold(t);
	uint32_t sid = 0;

	if (tt_unlikely(tt_stack_mask & (1u << ev->category)))
		sid = tt_stack_capture(t, t1);
	nw += sid != 0;
	uint64_t *r = tt_reserve(t, nw);

	if (r) {
		uint64_t *p = tt_record_head(r, type, nw, failed, err, t0, t1);
		unsigned w = 0;
		char *s = (char *)(r + nfixed);

		if (ev->result != TT_ROLE_NONE)
			p[w++] = result;
		/* strings go after the argument words, in argument order */
		for (int i = 0; i < TT_MAX_ARGS; i++) {
			if (ev->args[i] == TT_ROLE_NONE)
				continue;
			if (tt_roles[ev->args[i]].kind != TT_KIND_STR) {
				p[w++] = args ? args[i] : 0;
				continue;
			}
			if (!str[i]) {
				p[w++] = 0;
				continue;
			}
			p[w++] = lens[i] + 1;
			memcpy(s, str[i], lens[i]);
			s += (lens[i] + 7) & ~(size_t)7;
		}
		if (sid) {
			r[0] |= TT_W0_HAS_STACK;
			r[nw - 1] = sid;
		}
		tt_commit(t, nw, t1, 1);
	}
	tt_unbusy(t);
}

/*
 * Recorded after the call, a string the program passed was read by the kernel first (a
 * path: getname, fs/namei.c), and is readable, unless the kernel says a pointer was bad
 * (EFAULT: none is read, where reading would crash the program), or refused the call for
 * flags it checks before reading it (EINVAL: build_open_flags in fs/open.c, and the *at
 * calls' flag checks, come first): then each is read through tt_peek first.  A call refused
 * as unknown (ENOSYS) is read as it is: a seccomp filter answers so, and the filter may not
 * let tt_peek's system call through either.
 */
void tt_record_args(struct tt_thread *t, unsigned type, uint64_t t0, uint64_t t1, int failed,
		    int err, uint64_t result, const uint64_t *args, const char *const *strs)
{
	tt_record_strs(t, type, t0, t1, failed, err, result, args, strs, failed && err == EINVAL);
}
