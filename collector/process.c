/*
 * process.c - the process the recorder belongs to: which pid owns the stream, and the status
 * exit() was called with.
 */
#include "tt.h"

int tt_owner_pid;
static int exit_status, exit_status_known;

void tt_note_exit_status(int status)
{
	exit_status = status;
	exit_status_known = 1;
}

int tt_exit_status(void)
{
	return exit_status_known ? exit_status : 0;
}
