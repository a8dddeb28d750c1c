/*
 * pf_user.c - the Perfetto output's tracks for the program's annotations (traceit.h): a
 * counter track per counter name of a process, and async tracks for async spans (begun and
 * ended by id, on any threads).  All on sequence 1, with absolute times.
 *
 * Async spans of one name share a track while they do not overlap; one that begins while
 * all its name's tracks are busy gets another, so that slices on a track always nest.
 */
#include <stdlib.h>
#include <string.h>

#include "perfetto.h"

/* The counter or async tracks of a process image, by name. */
struct pf_utrack {
	const char *name;
	uint64_t uuid;
	bool async;
	bool busy;   /* async: a span is open on it */
	uint64_t id; /* async: the span's id */
};

static struct pf_utrack *pf_utrack_new(struct pf *p, struct pf_file *pf, const char *name,
				       bool async, uint64_t parent, size_t fidx)
{
	struct pf_utrack *u;
	size_t at, d;

	tt_grow((void **)&pf->utracks, &pf->utracks_cap, pf->nutracks + 1, sizeof(*pf->utracks));
	u = &pf->utracks[pf->nutracks];
	*u = (struct pf_utrack){ .name = name,
				 .async = async,
				 .uuid = pf_uuid(PF_UUID_USER, fidx, pf->nutracks) };
	pf->nutracks++;
	if (!async) {
		pf_counter_track(p, u->uuid, parent, name, 0);
		return u;
	}
	at = pf_meta_begin(p, 0);
	d = tt_pb_begin(&p->grp, PF_P_TRACK_DESCRIPTOR);
	tt_pb_uint(&p->grp, 1, u->uuid);
	tt_pb_uint(&p->grp, 5, parent);
	tt_pb_str(&p->grp, 2, name);
	tt_pb_end(&p->grp, d);
	pf_packet_end(p, at);
	return u;
}

static void pf_uevent(struct pf *p, uint64_t uuid, uint64_t ts, unsigned type, const char *name,
		      const char *cat)
{
	size_t at = pf_meta_begin(p, ts), e;

	e = tt_pb_begin(&p->grp, PF_P_TRACK_EVENT);
	tt_pb_uint(&p->grp, PF_TE_TYPE, type);
	tt_pb_uint(&p->grp, PF_TE_TRACK_UUID, uuid);
	if (type != PF_END) {
		tt_pb_str(&p->grp, PF_TE_NAME, name);
		if (cat)
			tt_pb_str(&p->grp, PF_TE_CATEGORIES, cat);
	}
	tt_pb_end(&p->grp, e);
	pf_packet_end(p, at);
}

bool pf_user_event(struct pf *p, const struct tt_event *ev, uint64_t parent)
{
	struct pf_file *pf = &p->files[ev->file->index];
	const char *name = ev->args[0].str ? ev->args[0].str : "(unnamed)";
	const char *cat = ev->args[1].str;
	struct pf_utrack *u = NULL;
	size_t i;

	switch (ev->type) {
	case TT_EV_COUNTER:
	case TT_EV_COUNTER_F: {
		size_t at, e;

		for (i = 0; i < pf->nutracks && !u; i++)
			if (!pf->utracks[i].async && !strcmp(pf->utracks[i].name, name))
				u = &pf->utracks[i];
		if (!u)
			u = pf_utrack_new(p, pf, name, false, parent, ev->file->index);
		at = pf_meta_begin(p, pf_abs(p, ev->end_ns));
		e = tt_pb_begin(&p->grp, PF_P_TRACK_EVENT);
		tt_pb_uint(&p->grp, PF_TE_TYPE, PF_COUNTER);
		tt_pb_uint(&p->grp, PF_TE_TRACK_UUID, u->uuid);
		if (ev->type == TT_EV_COUNTER) {
			tt_pb_int(&p->grp, PF_TE_COUNTER_VALUE, ev->args[1].s);
		} else {
			double v;

			memcpy(&v, &ev->args[1].u, sizeof(v));
			tt_pb_double(&p->grp, PF_TE_DOUBLE_COUNTER_VALUE, v);
		}
		tt_pb_end(&p->grp, e);
		pf_packet_end(p, at);
		return true;
	}
	case TT_EV_ASYNC_BEGIN:
		/* the first of its name's tracks that is free, else a new one */
		for (i = 0; i < pf->nutracks && !u; i++)
			if (pf->utracks[i].async && !pf->utracks[i].busy &&
			    !strcmp(pf->utracks[i].name, name))
				u = &pf->utracks[i];
		if (!u)
			u = pf_utrack_new(p, pf, name, true, parent, ev->file->index);
		u->busy = true;
		u->id = ev->args[2].u;
		pf_uevent(p, u->uuid, pf_abs(p, ev->end_ns), PF_BEGIN, name, cat);
		return true;
	case TT_EV_ASYNC_INSTANT:
	case TT_EV_ASYNC_END:
		for (i = 0; i < pf->nutracks && !u; i++)
			if (pf->utracks[i].async && pf->utracks[i].busy &&
			    pf->utracks[i].id == ev->args[2].u)
				u = &pf->utracks[i];
		if (!u)
			return false; /* never begun: an instant of its thread (annot.c said so) */
		pf_uevent(p, u->uuid, pf_abs(p, ev->end_ns),
			  ev->type == TT_EV_ASYNC_END ? PF_END : PF_INSTANT, name, cat);
		if (ev->type == TT_EV_ASYNC_END)
			u->busy = false;
		return true;
	default:
		return false;
	}
}

void pf_user_free(struct pf_file *pf)
{
	free(pf->utracks);
	pf->utracks = NULL;
	pf->nutracks = pf->utracks_cap = 0;
}
