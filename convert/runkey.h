/*
 * runkey.h - the keys that keep the rows of many runs and hosts apart in the tables: the host
 * name, the boot id (pids are unique within a boot only) and the run id.
 */
#ifndef TT_RUNKEY_H
#define TT_RUNKEY_H

#include "emit.h"

/*
 * Gives every usable input of run a run_id: the one recorded (TRACEIT_RUN_ID), else one
 * derived from the earliest process of its tree among the inputs (host, boot id, pid, start
 * time), the same for every process of one launch however its streams are converted.
 */
void tt_run_keys(struct tt_run *run);

#endif /* TT_RUNKEY_H */
