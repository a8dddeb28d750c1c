/*
 * t_sigon.h - installs a program's handler with sigaction, for the signal targets (C and C++).
 */
#ifndef T_SIGON_H
#define T_SIGON_H

#include <signal.h>
#include <string.h>

static void on(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigaction(sig, &sa, 0);
}

#endif
