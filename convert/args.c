/*
 * args.c - the table of where each role sits in each event type's arguments, and the size
 * an allocation asked for.
 */
#include "args.h"

uint8_t tt_role_slot[TT_EV_COUNT][TT_ROLE_COUNT];

void tt_args_init(void)
{
	for (unsigned t = 1; t < TT_EV_COUNT; t++)
		for (int i = TT_MAX_ARGS - 1; i >= 0; i--)
			if (tt_events[t].args[i] != TT_ROLE_NONE)
				tt_role_slot[t][tt_events[t].args[i]] = (uint8_t)(i + 1);
}

uint64_t tt_alloc_size(const struct tt_event *ev)
{
	const union tt_value *size = tt_arg(ev, TT_ROLE_SIZE), *nmemb = tt_arg(ev, TT_ROLE_NMEMB);
	uint64_t bytes = size ? size->u : 0;

	if (nmemb && __builtin_mul_overflow(bytes, nmemb->u, &bytes))
		bytes = UINT64_MAX;
	return bytes;
}
