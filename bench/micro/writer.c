/*
 * writer.c - the writer thread's work per event, without a program beside it.
 *
 * Ring records as traceit's heap wrappers write them (one timestamp, collector/tt.h's
 * tt_record layout) are made from a loop shaped as bench/workloads/malloc_churn.c's, with
 * the blocks malloc really returns and the recorder's clock (collector/clock.c) read as the
 * wrappers read it; then the writer's code itself, linked from collector/encode.c and
 * collector/chunks.c, encodes them into
 * columns and writes EVENTS chunks (deflate or stored columns, CRC) after every half ring,
 * as drain.c does; the chunks are counted and dropped.  The records are in memory before the
 * clock starts: what is timed is what the writer adds per event once a program has made it.
 *
 * Prints "events=N encode_ns=E write_ns=W bytes_per_event=B": the best of the passes, E
 * for encoding alone, W for encoding and writing chunks.
 *
 * Usage: writer [EVENTS] [PASSES] [steady]
 *
 * With "steady", the timestamps step by a fixed pattern instead of the clock's, and the
 * addresses count from the first block's: two builds then encode the same bytes, for
 * comparing the writer's code.  The clock's steps vary with the host's speed, and so do the
 * tick-delta column's bytes and deflate's time on them.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chunks.h"
#include "clock.h"
#include "encode.h"
#include "tt.h"

/* What chunks.c calls in the rest of the library: the output is counted. */
struct tt_config tt_cfg;
static uint64_t out_bytes, out_chunks;

void tt_fail(const char *what, long err)
{
	fprintf(stderr, "writer: %s (%ld)\n", what, err);
	exit(1);
}

void tt_ring_release(struct tt_thread *t, uint64_t pos, int partial)
{
	(void)t, (void)pos, (void)partial;
}

int tt_stream_write_chunk(struct tt_chunk_header *h, const void *payload)
{
	(void)payload;
	out_bytes += TT_CHUNK_HEADER_LEN + h->payload_len;
	out_chunks++;
	return 0;
}

uint32_t tt_strtab_intern(const char *s, size_t len, int *is_new)
{
	(void)s, (void)len;
	*is_new = 0;
	return 1;
}

#define WINDOW 4096

static bool steady; /* main: timestamps from a fixed pattern, addresses from a fixed base */

static uint64_t stamp(void)
{
	static uint64_t t;

	return steady ? (t += 37 + (t >> 3 & 31)) : tt_now();
}

/*
 * A block's address as recorded.  Steady, it is taken from the first block's, since the
 * heap's place moves from run to run (address space randomisation) and the address column's
 * bytes with it: the blocks' places relative to each other do not.
 */
static uint64_t address(const void *p)
{
	static uint64_t base;

	if (!steady)
		return (uint64_t)(uintptr_t)p;
	if (!base)
		base = (uint64_t)(uintptr_t)p;
	return (uint64_t)(uintptr_t)p - base + 0x55d0c0de0000ull;
}

/* malloc_churn's loop, one thread: n records (a free, then a malloc) into ring. */
static size_t make_records(uint64_t *ring, size_t n)
{
	unsigned char *live[WINDOW];
	unsigned int seed = 1;
	size_t w = 0, made = 0;

	/* a malloc per step, then a free and a malloc: n even (main), the last makes the nth */
	for (size_t i = 0; made < n; i++) {
		unsigned char **slot = &live[i % WINDOW];
		uint64_t t;
		size_t size;

		if (i >= WINDOW) {
			uint64_t addr = address(*slot);

			free(*slot);
			t = stamp();
			ring[w++] = TT_W0(TT_EV_FREE, 3, 0, 0) | TT_W0_ONE_TICK;
			ring[w++] = t;
			ring[w++] = addr;
			made++;
		}
		seed = seed * 1103515245u + 12345u;
		size = 16 + (seed >> 16) % 1008;
		*slot = malloc(size);
		if (!*slot)
			abort();
		t = stamp();
		ring[w++] = TT_W0(TT_EV_MALLOC, 4, 0, 0) | TT_W0_ONE_TICK;
		ring[w++] = t;
		ring[w++] = address(*slot);
		ring[w++] = size;
		made++;
		for (size_t off = 0; off < size; off += 4)
			(*slot)[off] = (unsigned char)i;
	}
	for (size_t i = 0; i < WINDOW; i++)
		free(live[i]); /* every slot was filled: n is far above WINDOW */
	return w;
}

/* One pass over the records as drain.c makes it; chunks written unless encode_only. */
static double pass(const uint64_t *ring, size_t words, bool encode_only)
{
	/* a chunk after half of the default 1 MiB ring, as drain_thread's span */
	const size_t span = (1024 * 1024 / 8) / 2;
	struct tt_thread t;
	struct tt_enc c;
	uint64_t pos = 0, from = 0;
	double start;

	memset(&t, 0, sizeof(t));
	tt_enc_begin(&c, &t);
	start = (double)tt_mono_ns();
	while (pos < words) {
		uint64_t stop = words - from > span ? from + span : words, refused = 0;

		/* one array: a mask of all ones makes it a ring that never wraps */
		pos = tt_enc_ring(&c, ring, UINT64_MAX, pos, stop, words, &refused);
		if (refused) {
			fprintf(stderr, "writer: a record was refused\n");
			exit(1);
		}
		if (pos < stop || pos - from >= span) {
			if (encode_only)
				tt_enc_begin(&c, &t);
			else if (tt_chunk_events(&c) < 0)
				exit(1);
			from = pos;
		}
	}
	if (!encode_only && tt_chunk_events(&c) < 0)
		exit(1);
	return (double)tt_mono_ns() - start;
}

int main(int argc, char **argv)
{
	char *end = NULL;
	unsigned long long n = argc > 1 ? strtoull(argv[1], &end, 10) : 4000000;
	long passes = argc > 2 ? strtol(argv[2], NULL, 10) : 5;
	uint64_t *ring;
	double enc = 0, all = 0;
	size_t words;

	steady = argc > 3 && !strcmp(argv[3], "steady");
	if ((end && *end) || n < 2 * WINDOW || n > 100000000 || n % 2 || passes < 1 ||
	    (argc > 3 && !steady) || argc > 4) {
		fprintf(stderr,
			"usage: writer [EVENTS: even, %d to 100000000] [PASSES >= 1] [steady]\n",
			2 * WINDOW);
		return 2;
	}
	tt_clock_init(-1);
	ring = malloc(n * 5 * sizeof(*ring));
	if (!ring || tt_enc_setup() || tt_chunks_setup()) {
		fprintf(stderr, "writer: out of memory\n");
		return 1;
	}
	words = make_records(ring, n);
	for (long i = 0; i < passes; i++) {
		double e = pass(ring, words, true), a;

		out_bytes = 0;
		a = pass(ring, words, false);
		enc = i && enc < e ? enc : e;
		all = i && all < a ? all : a;
	}
	printf("events=%llu encode_ns=%.2f write_ns=%.2f bytes_per_event=%.2f chunks=%llu\n", n,
	       enc / (double)n, all / (double)n, (double)out_bytes / (double)n,
	       (unsigned long long)out_chunks / (unsigned long long)passes);
	free(ring);
	return 0;
}
