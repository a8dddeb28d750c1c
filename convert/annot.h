/*
 * annot.h - the program's annotations (traceit.h) as the state sees them (annot.c).
 */
#ifndef TT_ANNOT_H
#define TT_ANNOT_H

#include "model.h"

/* A USER event: async ends named from their begins, unknown ids reported. */
void tt_annot_event(struct tt_event *ev);
/* Forgets every async span: before a new pass over the inputs. */
void tt_annot_reset(void);

#endif /* TT_ANNOT_H */
