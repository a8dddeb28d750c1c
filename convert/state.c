/*
 * state.c - fd table and thread name tracking.
 */
#include "state.h"

#include <stdlib.h>
#include <string.h>

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

/* Where each role sits in each event's arguments, +1 (0: absent): built on first use. */
static uint8_t tt_role_slot[TT_EV_COUNT][TT_ROLE_COUNT];
static bool tt_role_slot_ready;

const union tt_value *tt_arg(const struct tt_event *ev, unsigned role)
{
	if (!tt_role_slot_ready) {
		for (unsigned t = 1; t < TT_EV_COUNT; t++)
			for (int i = TT_MAX_ARGS - 1; i >= 0; i--)
				if (tt_events[t].args[i] != TT_ROLE_NONE)
					tt_role_slot[t][tt_events[t].args[i]] = (uint8_t)(i + 1);
		tt_role_slot_ready = true;
	}
	unsigned slot = tt_role_slot[ev->type][role];

	return slot ? &ev->args[slot - 1] : NULL;
}

static const char *tt_socket_name(int64_t domain)
{
	switch (domain) {
	case 1:
		return "socket:unix";
	case 2:
		return "socket:inet";
	case 10:
		return "socket:inet6";
	case 16:
		return "socket:netlink";
	default:
		return "socket";
	}
}

/*
 * "dir/name" for an openat relative to a directory descriptor whose path is known.  Joined
 * once per distinct (directory, name) pair, so memory follows the distinct paths of the
 * run, not its number of opens; both inputs are interned strings that live as long.
 */
struct tt_join {
	const char *dir, *name, *path;
};

static struct tt_join *tt_joins;
static size_t tt_joins_cap, tt_joins_used;
static struct tt_arena tt_join_arena;

static const char *tt_join_path(const char *dir, const char *name)
{
	if (tt_joins_used * 2 >= tt_joins_cap) {
		size_t ncap = tt_joins_cap ? tt_joins_cap * 2 : 1024;
		struct tt_join *n = tt_xcalloc(ncap, sizeof(*n));

		for (size_t i = 0; i < tt_joins_cap; i++) {
			if (!tt_joins[i].path)
				continue;
			size_t j = (((uintptr_t)tt_joins[i].dir >> 3) ^ (uintptr_t)tt_joins[i].name) &
				   (ncap - 1);

			while (n[j].path)
				j = (j + 1) & (ncap - 1);
			n[j] = tt_joins[i];
		}
		free(tt_joins);
		tt_joins = n;
		tt_joins_cap = ncap;
	}
	size_t j = (((uintptr_t)dir >> 3) ^ (uintptr_t)name) & (tt_joins_cap - 1);

	while (tt_joins[j].path) {
		if (tt_joins[j].dir == dir && tt_joins[j].name == name)
			return tt_joins[j].path;
		j = (j + 1) & (tt_joins_cap - 1);
	}
	size_t dl = strlen(dir), nl = strlen(name);
	char *p = tt_arena_alloc(&tt_join_arena, dl + nl + 2);

	memcpy(p, dir, dl);
	p[dl] = '/';
	memcpy(p + dl + 1, name, nl + 1);
	tt_joins[j] = (struct tt_join){ dir, name, p };
	tt_joins_used++;
	return p;
}

/* The path an open names: PATH, made absolute against DIRFD when that is a known directory */
static const char *tt_open_path(struct tt_event *ev, const struct tt_fdtab *fds)
{
	const union tt_value *path = tt_arg(ev, TT_ROLE_PATH);
	const union tt_value *dirfd = tt_arg(ev, TT_ROLE_DIRFD);
	const char *dir;

	if (!path || !path->str)
		return NULL;
	if (!dirfd || dirfd->s == -100 /* AT_FDCWD */ || path->str[0] == '/')
		return path->str;
	dir = tt_fdtab_get(fds, dirfd->s);
	return dir ? tt_join_path(dir, path->str) : path->str;
}

/*
 * Keeps the table of what each descriptor is, from the effect column of events.def, and
 * names the file of every event that uses a descriptor.
 */
static void tt_track_fds(struct tt_event *ev)
{
	struct tt_fdtab *fds = &ev->file->fds;
	const union tt_value *fd = tt_arg(ev, TT_ROLE_FD);
	const union tt_value *path = tt_arg(ev, TT_ROLE_PATH);
	int64_t res = ev->result.s;
	bool ok = !ev->failed;

	if (fd)
		ev->fd_path = tt_fdtab_get(fds, fd->s);
	switch (tt_events[ev->type].effect) {
	case TT_FX_OPEN:
		ev->fd_path = tt_open_path(ev, fds);
		if (ok && res >= 0)
			tt_fdtab_set(fds, res, ev->fd_path);
		break;
	case TT_FX_FOPEN: {
		const union tt_value *cmd = tt_arg(ev, TT_ROLE_COMMAND);
		const char *name = path ? path->str : cmd ? cmd->str : NULL;

		if (ok && fd && fd->s >= 0 && name) {
			tt_fdtab_set(fds, fd->s, name);
			ev->fd_path = name;
		}
		break;
	}
	case TT_FX_CLOSE:
		if (ok && fd)
			tt_fdtab_set(fds, fd->s, NULL);
		break;
	case TT_FX_DUP:
	case TT_FX_FCNTL: {
		const union tt_value *newfd = tt_arg(ev, TT_ROLE_NEWFD);
		const union tt_value *cmd = tt_arg(ev, TT_ROLE_CMD);

		/* fcntl duplicates only for F_DUPFD (0) and F_DUPFD_CLOEXEC (1030) */
		if (cmd && cmd->s != 0 && cmd->s != 1030)
			break;
		if (ok && fd && res >= 0)
			tt_fdtab_set(fds, newfd ? newfd->s : res, ev->fd_path);
		break;
	}
	case TT_FX_PIPE: {
		const union tt_value *fd2 = tt_arg(ev, TT_ROLE_FD2);
		const char *name = tt_arg(ev, TT_ROLE_DOMAIN) ? "socketpair" : "pipe";

		if (ok && fd && fd2) {
			tt_fdtab_set(fds, fd->s, name);
			tt_fdtab_set(fds, fd2->s, name);
			ev->fd_path = name;
		}
		break;
	}
	case TT_FX_SOCKET: {
		const union tt_value *domain = tt_arg(ev, TT_ROLE_DOMAIN);

		if (ok && res >= 0) {
			ev->fd_path = tt_socket_name(domain ? domain->s : -1);
			tt_fdtab_set(fds, res, ev->fd_path);
		}
		break;
	}
	case TT_FX_CONNECT:
	case TT_FX_BIND: {
		const union tt_value *peer = tt_arg(ev, TT_ROLE_PEER);

		if (!peer)
			peer = tt_arg(ev, TT_ROLE_LOCAL);
		/* a non-blocking connect in progress (EINPROGRESS) still names its peer */
		if ((ok || ev->err == 115) && fd && peer && peer->str) {
			tt_fdtab_set(fds, fd->s, peer->str);
			ev->fd_path = peer->str;
		}
		break;
	}
	case TT_FX_ACCEPT: {
		const union tt_value *peer = tt_arg(ev, TT_ROLE_PEER);

		if (ok && res >= 0)
			tt_fdtab_set(fds, res, peer && peer->str ? peer->str : ev->fd_path);
		break;
	}
	default:
		break;
	}
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

	tt_track_fds(ev);
	switch (ev->type) {
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
