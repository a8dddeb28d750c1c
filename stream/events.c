/*
 * events.c - the event and role tables, expanded from events.def for both the recorder and
 * the converter.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

const struct tt_role_info tt_roles[TT_ROLE_COUNT] = {
#define TT_ROLE(sym, str, knd) [TT_ROLE_##sym] = { .name = str, .kind = knd },
#include "events.def"
#undef TT_ROLE
};

const struct tt_event_info tt_events[TT_EV_COUNT] = {
	[TT_EV_INVALID] = { .name = "invalid" },
#define TT_EVENT(sym, str, cat, fx, res, a0, a1, a2, a3, a4)                                       \
	[TT_EV_##sym] = { .name = str,                                                             \
			  .category = TT_CAT_##cat,                                                \
			  .effect = TT_FX_##fx,                                                    \
			  .result = TT_ROLE_##res,                                                 \
			  .args = { TT_ROLE_##a0, TT_ROLE_##a1, TT_ROLE_##a2, TT_ROLE_##a3,        \
				    TT_ROLE_##a4 } },
#include "events.def"
#undef TT_EVENT
};

const char *const tt_category_names[TT_CAT_COUNT] = {
#define TT_CAT_NAME(sym, str) [TT_CAT_##sym] = str,
	TT_CATEGORIES(TT_CAT_NAME)
#undef TT_CAT_NAME
};

int tt_parse_category_list(const char *s, uint32_t *mask, const char **bad, size_t *badlen)
{
	for (const char *p = s; *p;) {
		size_t len = strcspn(p, ",");
		int found = len == 3 && !strncmp(p, "all", 3);

		if (found)
			*mask |= (1u << TT_CAT_COUNT) - 1;
		for (int c = 0; c < TT_CAT_COUNT && !found; c++)
			if (strlen(tt_category_names[c]) == len &&
			    !strncmp(p, tt_category_names[c], len)) {
				*mask |= 1u << c;
				found = 1;
			}
		if (!found && len) {
			*bad = p;
			*badlen = len;
			return -1;
		}
		p += len + (p[len] == ',');
	}
	return 0;
}

/*
 * The signals TRACEIT_RING_SIGNAL and TRACEIT_TOGGLE_SIGNAL name, for the recorder and the
 * launcher: "USR2", "SIGUSR2", "RTMIN+N" or a number; 0 if it is none we can catch.
 */
int tt_parse_signal(const char *s)
{
	static const struct {
		const char *name;
		int sig;
	} names[] = { { "USR1", SIGUSR1 },   { "USR2", SIGUSR2 }, { "HUP", SIGHUP },
		      { "INT", SIGINT },     { "QUIT", SIGQUIT }, { "TERM", SIGTERM },
		      { "WINCH", SIGWINCH }, { "PWR", SIGPWR },	  { "URG", SIGURG } };
	char *end;

	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name))
			return names[i].sig;
	if (!strncmp(s, "RTMIN+", 6)) {
		long n = strtol(s + 6, &end, 10);

		return *end || n < 0 || SIGRTMIN + n > SIGRTMAX ? 0 : (int)(SIGRTMIN + n);
	}
	long n = strtol(s, &end, 10);

	if (*end || n < 1 || n > 64 || n == SIGKILL || n == SIGSTOP)
		return 0;
	return (int)n;
}
