/*
 * args.h - an event's arguments by their role (events.def), whatever their position: what
 * every part of the converter reads an event by.
 */
#ifndef TT_ARGS_H
#define TT_ARGS_H

#include "model.h"

/* Where each role sits in each event's arguments, +1 (0: absent): made by tt_args_init. */
extern uint8_t tt_role_slot[TT_EV_COUNT][TT_ROLE_COUNT];

/* Fills tt_role_slot from the events table (once; before any event is read). */
void tt_args_init(void);

/* The argument of ev that has the given role (enum tt_role), or NULL */
static inline const union tt_value *tt_arg(const struct tt_event *ev, unsigned role)
{
	unsigned slot = tt_role_slot[ev->type][role];

	return slot ? &ev->args[slot - 1] : NULL;
}

/* Bytes requested by an allocation: SIZE, times NMEMB when there is one (saturating). */
uint64_t tt_alloc_size(const struct tt_event *ev);

#endif /* TT_ARGS_H */
