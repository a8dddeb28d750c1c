/*
 * clock.c - choosing the tick source and reading clock sync points.
 */
#include "clock.h"

#include <cpuid.h>

int tt_clock_tsc;

static uint64_t first_tick, first_ns;

static int tsc_is_invariant(void)
{
#if defined(__x86_64__)
	unsigned a, b, c, d;

	/* CPUID 0x80000007, EDX bit 8: the TSC runs at a constant rate in every C/P state */
	if ((unsigned)__get_cpuid_max(0x80000000, 0) < 0x80000007u) /* int in clang's cpuid.h */
		return 0;
	__cpuid(0x80000007, a, b, c, d);
	return (d >> 8) & 1;
#else
	return 0;
#endif
}

void tt_clock_sync(uint64_t *tick, uint64_t *ns)
{
	if (!tt_clock_tsc) {
		*tick = *ns = tt_mono_ns();
		return;
	}
	/*
	 * Bracket the clock read with two tick reads and keep the tightest of a few tries: the
	 * midpoint is then within a few tens of ns of the moment the clock was read.
	 */
	uint64_t best_span = UINT64_MAX;

	for (int i = 0; i < 3; i++) {
		uint64_t a = tt_now();
		uint64_t n = tt_mono_ns();
		uint64_t b = tt_now();

		if (b - a < best_span) {
			best_span = b - a;
			*tick = a + (b - a) / 2;
			*ns = n;
		}
	}
}

void tt_clock_init(int want_tsc)
{
	tt_clock_tsc = want_tsc < 0 ? tsc_is_invariant() : (want_tsc && tsc_is_invariant());
	tt_clock_sync(&first_tick, &first_ns);
}

uint64_t tt_clock_ms_to_ticks(uint64_t ms)
{
	if (!tt_clock_tsc)
		return ms * 1000000u;

	uint64_t tick, ns;

	tt_clock_sync(&tick, &ns);
	/* A rough rate is enough here (flush deadlines): guard against a tiny interval. */
	if (ns - first_ns < 20000)
		return ms * 3000000u;
	return (uint64_t)((double)(tick - first_tick) / (double)(ns - first_ns) * 1e6 * (double)ms);
}
