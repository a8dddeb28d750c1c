/*
 * clock.h - the recorder's time source.
 *
 * On x86_64 with an invariant TSC, a timestamp is one rdtsc, a fraction of what a vDSO
 * clock_gettime costs; every call needs two of them, so this choice is most of the
 * difference between meeting the per-event budget or not.  The stream stores raw ticks plus
 * clock sync points, and the converter maps ticks to CLOCK_MONOTONIC nanoseconds (format.h).
 * Elsewhere, or with TRACEIT_CLOCK=monotonic, ticks are CLOCK_MONOTONIC nanoseconds.
 */
#ifndef TT_CLOCK_H
#define TT_CLOCK_H

#include <stdint.h>
#include <time.h>

extern int tt_clock_tsc; /* 1: ticks are TSC, 0: CLOCK_MONOTONIC ns */

static inline uint64_t tt_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t tt_now(void)
{
#if defined(__x86_64__)
	if (__builtin_expect(tt_clock_tsc, 1))
		return __builtin_ia32_rdtsc();
#endif
	return tt_mono_ns();
}

/* Chooses the clock (want_tsc: -1 auto, 0 no, 1 yes) and takes the first sync point. */
void tt_clock_init(int want_tsc);

/* Reads a sync point: a tick and CLOCK_MONOTONIC ns at the same moment. */
void tt_clock_sync(uint64_t *tick, uint64_t *ns);

/* Converts a duration in ms to ticks, with the rate estimated since tt_clock_init. */
uint64_t tt_clock_ms_to_ticks(uint64_t ms);

#endif /* TT_CLOCK_H */
