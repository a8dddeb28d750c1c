/*
 * floor.c - the floor of the hot path: a bare interposer of bench_noop.
 *
 * It forwards the call to the real function (found with dlsym(RTLD_NEXT)) and records the
 * least an event can be: one timestamp and a 16-byte store into a thread-local ring.  No
 * arguments, no encoding, no writer.  Built three times: with the CPU's time stamp counter
 * (the default on x86-64), with -DFLOOR_MONOTONIC (clock_gettime(CLOCK_MONOTONIC)), and with
 * -DFLOOR_FORWARD_ONLY (no recording at all: the cost of the interposition alone).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#define RING 4096 /* entries, a power of two */

struct floor_event {
	uint64_t tick;
	uint32_t arg;
	uint32_t result;
};

static __thread struct floor_event ring[RING] __attribute__((tls_model("initial-exec")));
static __thread unsigned int ring_pos __attribute__((tls_model("initial-exec")));
static int (*real_noop)(int);

static inline uint64_t floor_tick(void)
{
#if (defined(__x86_64__) || defined(__i386__)) && !defined(FLOOR_MONOTONIC)
	return __rdtsc();
#else
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

__attribute__((visibility("default"))) int bench_noop(int x)
{
	struct floor_event *ev;
	int ret;

	if (__builtin_expect(!real_noop, 0))
		real_noop = (int (*)(int))dlsym(RTLD_NEXT, "bench_noop");
	ret = real_noop(x);
#ifdef FLOOR_FORWARD_ONLY
	return ret;
#endif
	ev = &ring[ring_pos++ & (RING - 1)];
	ev->tick = floor_tick();
	ev->arg = (uint32_t)x;
	ev->result = (uint32_t)ret;
	return ret;
}
