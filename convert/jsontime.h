/*
 * jsontime.h - ts and dur of a slice, written so that viewers reading them as floating-point
 * microseconds nest slices exactly as the integer nanoseconds do.
 *
 * "ts":4650.336,"dur":0.011 is exact for Perfetto, which rounds each number to integer ns.
 * DevTools, catapult and speedscope add them up as doubles instead (speedscope after
 * subtracting the thread's first ts), and 4650.336 + 0.011 is 4650.347000000001: past a
 * slice that starts at 4650.347.  A slice that starts exactly where its sibling ended, or
 * ends exactly where its parent ends, then seems to overlap it: DevTools drops it,
 * speedscope leaves a frame open to the end of the profile.
 *
 * So in those two cases only (a fraction of a percent of the slices), the later slice gets
 * a ts a few ulps after the float end of the slice it touches, or a dur that ends a few ulps
 * after the float end of the slice inside it, written as a 17-digit double.  A few ulps
 * (about 1e-12 us) cover the rounding of any of those readers' sums; Perfetto rounds such a
 * number to the same integer ns.  Every other ts and dur stays a 3-decimal integer ns value.
 */
#ifndef TT_JSONTIME_H
#define TT_JSONTIME_H

#include <stdbool.h>
#include <stdint.h>

#define TT_JTIME_RING 8

/* A slice end as float readers see it: computed from start and end unless written as a double. */
struct tt_jend {
	uint64_t start;
	uint64_t end;
	double fe; /* valid if !natural */
	bool natural;
	bool used;
};

/* Per thread. */
struct tt_jtime {
	struct tt_jend ends[TT_JTIME_RING]; /* recent slice ends, for slices that start there */
	unsigned last;			    /* index of the thread's last slice in ends[] */
};

/*
 * Writes the ts value, ",\"dur\":" and the dur value of slice [start, end] ns at p (at most
 * 72 bytes); returns the end.  Slices of one thread must come in end order.
 */
char *tt_jtime_slice(char *p, struct tt_jtime *t, uint64_t start, uint64_t end);

#endif /* TT_JSONTIME_H */
