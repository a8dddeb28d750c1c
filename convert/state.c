/*
 * state.c - fd table and thread name tracking.
 */
#include "state.h"

/* RLIMIT_NOFILE cannot be raised above fs.nr_open, 2^20 by default: larger fds are garbage. */
#define TT_FD_MAX (1 << 20)

/* Order of first appearance over the whole run: thread_sort_index. */
static uint64_t tt_seen_seq;

const char *tt_fdtab_get(const struct tt_fdtab *t, int64_t fd)
{
	return fd >= 0 && (uint64_t)fd < t->cap ? t->path[fd] : NULL;
}

void tt_fdtab_set(struct tt_fdtab *t, int64_t fd, const char *path)
{
	size_t old = t->cap;

	if (fd < 0 || fd >= TT_FD_MAX)
		return;
	if ((uint64_t)fd >= t->cap) {
		if (!path)
			return;
		tt_grow((void **)&t->path, &t->cap, (size_t)fd + 1, sizeof(*t->path));
		for (size_t i = old; i < t->cap; i++)
			t->path[i] = NULL;
	}
	t->path[fd] = path;
}

void tt_state_init_file(struct tt_file *f)
{
	for (size_t i = 0; i < f->nfd_seeds; i++)
		tt_fdtab_set(&f->fds, f->fd_seeds[i].fd, f->fd_seeds[i].target);
}

static void tt_opened(struct tt_event *ev, const char *path)
{
	ev->fd_path = path;
	if (!ev->failed && ev->result.s >= 0)
		tt_fdtab_set(&ev->file->fds, ev->result.s, path);
}

void tt_state_event(struct tt_event *ev)
{
	struct tt_file *f = ev->file;
	struct tt_thread *t = ev->thread;

	if (!t->first_seen)
		t->first_seen = ++tt_seen_seq;
	f->decoded++;
	if (ev->end_ns > f->last_end_ns)
		f->last_end_ns = ev->end_ns;

	switch (ev->type) {
	case TT_EV_READ:
	case TT_EV_WRITE:
		ev->fd_path = tt_fdtab_get(&f->fds, ev->args[0].s);
		break;
	case TT_EV_CLOSE:
		ev->fd_path = tt_fdtab_get(&f->fds, ev->args[0].s);
		if (!ev->failed)
			tt_fdtab_set(&f->fds, ev->args[0].s, NULL);
		break;
	case TT_EV_OPEN:
		tt_opened(ev, ev->args[0].str);
		break;
	case TT_EV_OPENAT:
		tt_opened(ev, ev->args[1].str);
		break;
	case TT_EV_THREAD_START:
		t->started = true;
		if (ev->args[3].str)
			t->name = ev->args[3].str;
		break;
	case TT_EV_SETNAME:
		if (!ev->failed && ev->args[1].str && ev->args[0].u <= UINT32_MAX) {
			struct tt_thread *target = tt_file_thread(f, (uint32_t)ev->args[0].u);

			/* A thread that recorded nothing has no track to name. */
			if (target)
				target->name = ev->args[1].str;
		}
		break;
	case TT_EV_PRCTL:
		/* PR_SET_NAME names the calling thread. */
		if (!ev->failed && ev->args[0].s == 15 && ev->args[1].str)
			t->name = ev->args[1].str;
		break;
	case TT_EV_PTHREAD_CREATE:
		if (!ev->failed && ev->result.s == 0)
			f->pthread_created++;
		break;
	default:
		break;
	}
}
