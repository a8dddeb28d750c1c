/*
 * runkey.c - run ids for the streams that recorded none (older recorders, a bare LD_PRELOAD).
 *
 * The id is a hash of the tree's root rather than the input's name: converting the same
 * streams again, alone or with others, gives the same id, so that tables written at
 * different times still join.
 */
#include <stdio.h>
#include <string.h>

#include "hashmap.h"
#include "runkey.h"

static bool tt_same_str(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

/* The earliest image of pid on f's host and boot, NULL if none is among the inputs. */
static struct tt_file *tt_first_image(struct tt_run *run, const struct tt_file *f, uint32_t pid)
{
	struct tt_file *best = NULL;

	for (size_t i = 0; i < run->nfiles; i++) {
		struct tt_file *g = run->files[i];

		if (!g->usable || g->pid != pid || !tt_same_str(g->hostname, f->hostname) ||
		    !tt_same_str(g->boot_id, f->boot_id))
			continue;
		if (!best || g->start_ns < best->start_ns)
			best = g;
	}
	return best;
}

void tt_run_keys(struct tt_run *run)
{
	for (size_t i = 0; i < run->nfiles; i++) {
		struct tt_file *f = run->files[i], *root = f, *up;
		char id[24];
		uint64_t h;

		if (!f->usable || f->run_id)
			continue;
		/*
		 * Up the tree while the parent is traced and started first (a pid is reused only
		 * after its process ended); bounded, as a chain of ppids could loop in garbage.
		 */
		for (size_t steps = 0; steps <= run->nfiles; steps++) {
			if ((up = tt_first_image(run, root, root->pid)) && up != root) {
				root = up;
				continue;
			}
			up = tt_first_image(run, root, root->ppid);
			if (!up || up == root || up->start_ns > root->start_ns)
				break;
			root = up;
		}
		h = tt_hash_str(0, root->hostname ? root->hostname : "");
		h = tt_hash_str(h, root->boot_id ? root->boot_id : "");
		h = tt_hash_mix(h ^ root->pid);
		h = tt_hash_mix(h ^ (root->start_realtime ? root->start_realtime : root->start_ns));
		snprintf(id, sizeof(id), "%016llx", (unsigned long long)h);
		f->run_id = tt_arena_strndup(&f->arena, id, strlen(id));
	}
}
