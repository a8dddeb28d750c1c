/*
 * fields.c - the (key, length, bytes) field lists of PROCESS and END chunks.
 *
 * Unknown keys are skipped, as format.h asks, so that a newer recorder can add fields
 * without a format version bump.
 */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "scan.h"

typedef void (*tt_field_fn)(struct tt_file *f, uint64_t key, const uint8_t *v, size_t len);

static int tt_fields(struct tt_file *f, const uint8_t *p, size_t len, tt_field_fn fn)
{
	const uint8_t *end = p + len;

	while (p < end) {
		uint64_t key, flen;

		if (tt_get_varint(&p, end, &key) || tt_get_varint(&p, end, &flen) ||
		    flen > (uint64_t)(end - p))
			return -1;
		fn(f, key, p, (size_t)flen);
		p += flen;
	}
	return 0;
}

/* A numeric field: one varint filling its bytes.  Returns 0 and sets *out, or -1. */
static int tt_field_num(const uint8_t *v, size_t len, uint64_t *out)
{
	const uint8_t *p = v;

	return tt_get_varint(&p, v + len, out) ? -1 : 0;
}

static const char *tt_field_str(struct tt_file *f, const uint8_t *v, size_t len)
{
	return tt_arena_strndup(&f->arena, v, len);
}

/* "<fd> <target>" */
static void tt_add_fd_seed(struct tt_file *f, const uint8_t *v, size_t len)
{
	size_t i = 0;
	long fd = 0;

	while (i < len && v[i] >= '0' && v[i] <= '9' && fd < 1 << 24)
		fd = fd * 10 + (v[i++] - '0');
	if (!i || i >= len || v[i] != ' ')
		return;
	i++;
	tt_grow((void **)&f->fd_seeds, &f->fd_seeds_cap, f->nfd_seeds + 1, sizeof(*f->fd_seeds));
	f->fd_seeds[f->nfd_seeds].fd = (int)fd;
	f->fd_seeds[f->nfd_seeds].target = tt_arena_strndup(&f->arena, v + i, len - i);
	f->nfd_seeds++;
}

static void tt_process_field(struct tt_file *f, uint64_t key, const uint8_t *v, size_t len)
{
	uint64_t n = 0;
	int bad = 0;

	switch (key) {
	case TT_P_PID:
	case TT_P_PPID:
	case TT_P_START_NS:
	case TT_P_START_REALTIME:
	case TT_P_CLOCK:
	case TT_P_CATEGORIES:
	case TT_P_FORKED:
	case TT_P_STACKS:
	case TT_P_FLUSH_MS:
	case TT_P_DURATIONS:
		bad = tt_field_num(v, len, &n);
		break;
	default:
		break;
	}
	if (bad) {
		tt_problem(&f->problems, TT_PB_BAD_FIELDS, "bad process field %llu",
			   (unsigned long long)key);
		return;
	}
	switch (key) {
	case TT_P_PID:
		f->pid = (uint32_t)n;
		break;
	case TT_P_PPID:
		f->ppid = (uint32_t)n;
		break;
	case TT_P_START_NS:
		f->start_ns = n;
		break;
	case TT_P_START_REALTIME:
		f->start_realtime = n;
		break;
	case TT_P_CLOCK:
		f->clock = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
		break;
	case TT_P_CATEGORIES:
		f->categories = n;
		break;
	case TT_P_FORKED:
		f->forked = n != 0;
		break;
	case TT_P_STACKS:
		f->stack_categories = n;
		break;
	case TT_P_FLUSH_MS:
		f->flush_ms = n > 3600000 ? 3600000 : (uint32_t)n;
		break;
	case TT_P_DURATIONS:
		f->untimed = ~n & ((1u << TT_CAT_COUNT) - 1);
		break;
	case TT_P_EXE:
		f->exe = tt_field_str(f, v, len);
		break;
	case TT_P_ARGV: {
		/* Each argument ends with a NUL: shown space-separated. */
		size_t alen = len && !v[len - 1] ? len - 1 : len;
		char *s = tt_arena_strndup(&f->arena, v, alen);

		for (size_t i = 0; i < alen; i++)
			if (!s[i])
				s[i] = ' ';
		f->argv = s;
		break;
	}
	case TT_P_HOSTNAME:
		f->hostname = tt_field_str(f, v, len);
		break;
	case TT_P_COMM:
		f->comm = tt_field_str(f, v, len);
		break;
	case TT_P_BOOT_ID:
		f->boot_id = tt_field_str(f, v, len);
		break;
	case TT_P_RUN_ID:
		f->run_id = tt_field_str(f, v, len);
		break;
	case TT_P_TRACER:
		f->tracer = tt_field_str(f, v, len);
		break;
	case TT_P_FD:
		tt_add_fd_seed(f, v, len);
		break;
	default:
		break;
	}
}

static void tt_end_field(struct tt_file *f, uint64_t key, const uint8_t *v, size_t len)
{
	uint64_t n;

	if (key < TT_E_EVENTS || key > TT_E_EXIT_STATUS)
		return;
	if (tt_field_num(v, len, &n)) {
		tt_problem(&f->problems, TT_PB_BAD_FIELDS, "bad end field %llu",
			   (unsigned long long)key);
		return;
	}
	switch (key) {
	case TT_E_EVENTS:
		f->end_events = n;
		break;
	case TT_E_LOST:
		f->lost = n;
		break;
	case TT_E_END_NS:
		f->end_ns = n;
		break;
	case TT_E_CHUNKS:
		f->end_chunks = n;
		break;
	case TT_E_THREADS:
		f->end_threads = n;
		break;
	case TT_E_EXIT_KIND:
		f->exit_kind = n;
		break;
	case TT_E_EXIT_STATUS:
		/* An int status: its low 32 bits, however the writer extended it. */
		f->exit_status = (int32_t)(uint32_t)n;
		f->has_exit_status = true;
		break;
	}
}

int tt_parse_process(struct tt_file *f, const uint8_t *p, size_t len)
{
	return tt_fields(f, p, len, tt_process_field);
}

int tt_parse_end(struct tt_file *f, const uint8_t *p, size_t len)
{
	return tt_fields(f, p, len, tt_end_field);
}
