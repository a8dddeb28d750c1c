/*
 * events.c - the event and role tables, expanded from events.def for both the recorder and
 * the converter.
 */
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
