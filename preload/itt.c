/*
 * itt.c - libtraceit.so as an ITT collector: a program's ITT notifications as traceit events.
 *
 * ITT is Intel's instrumentation API ("ittnotify").  A program or library annotated with it
 * (PyTorch, oneDNN, oneTBB...) carries the API's "static part", which on its first call
 * dlopens the library named by INTEL_LIBITTNOTIFY64 (the launcher names this one, already
 * loaded by LD_PRELOAD, so the same copy answers) and, since we export __itt_api_init, hands
 * it its table: one entry per function of the API, by name, with the pointer its calls go
 * through.  We point the entries we implement at our functions and leave the others as the
 * static part set them (its stubs do nothing); every static part in the process (the
 * program's, libtbb's...) attaches on its own.  Objects the program created before that
 * (domains, string handles, counters, kept in the table's lists) are taken over: their
 * domains are switched on, since the ITTNOTIFY macros skip every call on a domain whose flags
 * are 0 (and old static parts create them so).
 *
 * What each call becomes:
 *	__itt_task_begin, _begin_fn, _end	a span of the thread: category the domain's name,
 *						name the string handle's (the function's address)
 *	__itt_task_begin/end_overlapped		an async span by (domain, id)
 *	__itt_frame_begin_v3, _end_v3		an async span named by the domain, category "frame"
 *	__itt_marker				an instant, like a task
 *	__itt_thread_set_name			the thread's name
 *	__itt_counter_set_value(_v3), _inc,	a counter sample named by the counter (its value
 *	  _inc_delta, _dec, _dec_delta		kept here for inc and dec)
 *	__itt_sync_create, _rename, _destroy	events that name the object (the summary's lock
 *						table shows the name)
 *	__itt_sync_prepare, _acquired		one acquisition of the LOCK category, as a pthread
 *						mutex's: from the prepare when it waited for another
 *						thread, with the thread it waited for
 *	__itt_sync_releasing			a release; __itt_sync_cancel a wait given up
 *	__itt_pause, _resume (_scoped), _detach	tracing off and on (control.c)
 * Not implemented (left to the static part, whose stubs record nothing): regions, metadata, ids and
 * relations, the _ex calls (clock domains, timestamps of the program's), frame_submit_v3,
 * the _v3 counter inc and dec by string handle, histograms, heap and Advisor (model) calls,
 * thread_ignore, suppress, the legacy marks and events, module loads, JIT profiling.
 * Strings are copied into the buffer: none is kept past the call but the objects' names.
 * Every call does nothing when tracing is off (the counters' values and the sync objects'
 * holders still follow), keeps errno, and never calls the program's malloc: our objects live
 * in mmap'd memory and are never freed (a program creates a bounded number of names).
 */
#include "wrap.h"
#include "sys.h"

#include <string.h>

/*
 * The ABI, as laid out by intel/ittapi: struct ___itt_global, ___itt_api_info and
 * __itt_counter_info in src/ittnotify/ittnotify_config.h, ___itt_domain, ___itt_string_handle
 * and ___itt_id in include/ittnotify.h (their #pragma pack(8) changes nothing on LP64).  Wide
 * names exist on Windows only.  The static part links the objects of each kind through next.
 */
struct tt_itt_domain {
	volatile int flags; /* 0: the program's macros skip the calls on it */
	const char *name;
	void *wname;
	int extra1;
	void *extra2;
	struct tt_itt_domain *next;
};

struct tt_itt_string {
	const char *str;
	void *wstr;
	int extra1;
	void *extra2;
	struct tt_itt_string *next;
};

struct tt_itt_counter {
	const char *name;
	void *wname;
	const char *domain;
	void *wdomain;
	int type;   /* enum __itt_metadata_type */
	long index; /* unused by the static part: the value inc and dec move */
	int extra1;
	void *extra2;
	struct tt_itt_counter *next;
};

struct tt_itt_id {
	unsigned long long d1, d2, d3;
};

struct tt_itt_api {
	const char *name; /* "__itt_task_begin" */
	void **slot;	  /* the pointer the program's calls go through */
	void *init_func;  /* the static part's stub */
	void *null_func;  /* what it falls back to without a collector */
	int group;	  /* enum __itt_group_id */
};

struct tt_itt_global {
	unsigned char magic[8];
	unsigned long version_major, version_minor, version_build;
	volatile long api_initialized, mutex_initialized, atomic_counter;
	pthread_mutex_t mutex;
	void *lib;
	void *error_handler;
	const char **dll_path;
	struct tt_itt_api *api_list; /* ends with a NULL name */
	struct tt_itt_global *next;
	void *thread_list;
	struct tt_itt_domain *domain_list;
	struct tt_itt_string *string_list;
	int state;
	struct tt_itt_counter *counter_list; /* not in the oldest static parts: see below */
	/* more lists follow in newer versions; none is read here */
};

#if defined(__x86_64__) && defined(__LP64__)
_Static_assert(offsetof(struct tt_itt_global, api_list) == 120, "ittnotify_config.h layout");
_Static_assert(offsetof(struct tt_itt_global, counter_list) == 168, "ittnotify_config.h layout");
_Static_assert(sizeof(struct tt_itt_counter) == 72, "ittnotify_config.h layout");
#endif

static const unsigned char tt_itt_magic[8] = { 0xED, 0xAB, 0xAB, 0xEC, 0x0D, 0xEE, 0xDA, 0x30 };

/*
 * counter_list follows state since counters came (build 20151119 has it, 20111111 ends at
 * state): an older table is not read past state.
 */
#define TT_ITT_COUNTERS_SINCE 20151119ul

/* enum __itt_metadata_type, the types of a counter's values */
#define TT_ITT_U64 1
#define TT_ITT_S64 2
#define TT_ITT_U32 3
#define TT_ITT_S32 4
#define TT_ITT_U16 5
#define TT_ITT_S16 6
#define TT_ITT_FLOAT 7
#define TT_ITT_DOUBLE 8

#define TT_ITT_SCOPE_HOST 1 /* __itt_collection_scope_host */

/*
 * Our objects: the public part first (the program holds a pointer to it), found again by
 * name in a hash table whose chains only grow, so that lookups take no lock: the program
 * creates the same names over and over (PyTorch, one string handle per range it pushes).
 */
enum { TT_ITT_DOMAIN, TT_ITT_STRING, TT_ITT_COUNTER };

struct tt_itt_obj {
	union {
		struct tt_itt_domain domain;
		struct tt_itt_string string;
		struct tt_itt_counter counter;
	} pub;
	struct tt_itt_obj *chain;
	uint64_t hash;
	int kind, type;
	uint32_t nlen, dlen;
	char text[]; /* the name, then a counter's domain */
};

#define TT_ITT_BUCKETS 4096
static struct tt_itt_obj *_Atomic tt_itt_table[TT_ITT_BUCKETS];

/* Handed out when there is no memory: flags 0, so the program's calls on it are skipped. */
static struct tt_itt_domain tt_itt_no_domain;

/* A bump allocator in mmap'd blocks, lock free: a block that is full is simply replaced. */
#define TT_ITT_BLOCK (64u << 10)

struct tt_itt_block {
	_Atomic size_t used;
	size_t size;
	_Alignas(16) char mem[];
};

static struct tt_itt_block *_Atomic tt_itt_blocks;

static void *tt_itt_alloc(size_t n)
{
	n = (n + 15) & ~(size_t)15;
	for (;;) {
		struct tt_itt_block *b = atomic_load_explicit(&tt_itt_blocks, memory_order_acquire);

		if (b) {
			size_t at = atomic_fetch_add(&b->used, n);

			if (at + n <= b->size)
				return b->mem + at;
		}
		size_t size = n > TT_ITT_BLOCK ? n : TT_ITT_BLOCK;
		struct tt_itt_block *nb = tt_mmap(sizeof(*nb) + size);

		if (!nb)
			return NULL;
		nb->size = size;
		if (!atomic_compare_exchange_strong(&tt_itt_blocks, &b, nb))
			tt_munmap(nb, sizeof(*nb) + size);
	}
}

static uint64_t tt_itt_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t tt_itt_hash(uint64_t h, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ull; /* FNV-1a */
	return h;
}

/* Names are compared as far as the records keep them. */
static int tt_itt_same(const struct tt_itt_obj *o, int kind, uint64_t hash, const char *name,
		       size_t nlen, const char *domain, size_t dlen, int type)
{
	if (o->hash != hash || o->kind != kind || o->type != type || o->nlen != nlen ||
	    memcmp(o->text, name, nlen))
		return 0;
	if (kind != TT_ITT_COUNTER)
		return 1;
	const char *d = o->pub.counter.domain;

	return d && domain ? o->dlen == dlen && !memcmp(d, domain, dlen) : d == domain;
}

/* The object of that kind and name (a counter's: and domain and type), made if new. */
static struct tt_itt_obj *tt_itt_intern(int kind, const char *name, const char *domain, int type)
{
	size_t nlen = strnlen(name, TT_STR_MAX), dlen = domain ? strnlen(domain, TT_STR_MAX) : 0;
	uint64_t hash = tt_itt_hash(1469598103934665603ull ^ (uint64_t)kind, name, nlen);

	if (kind == TT_ITT_COUNTER)
		hash = tt_itt_hash(hash ^ (domain ? 0xff : 0), domain, dlen) ^ (uint64_t)type << 56;
	struct tt_itt_obj *_Atomic *bucket = &tt_itt_table[tt_itt_mix(hash) % TT_ITT_BUCKETS];
	struct tt_itt_obj *head = atomic_load_explicit(bucket, memory_order_acquire), *o;

	for (o = head; o; o = o->chain)
		if (tt_itt_same(o, kind, hash, name, nlen, domain, dlen, type))
			return o;
	o = tt_itt_alloc(sizeof(*o) + nlen + 1 + (domain ? dlen + 1 : 0));
	if (!o)
		return NULL;
	o->hash = hash;
	o->kind = kind;
	o->type = type;
	o->nlen = (uint32_t)nlen;
	o->dlen = (uint32_t)dlen;
	/* the memory is zeroed: the terminators are there; a longer name is cut where the
	 * records would cut it */
	memcpy(o->text, name, nlen);
	switch (kind) {
	case TT_ITT_DOMAIN:
		o->pub.domain.flags = 1;
		o->pub.domain.name = o->text;
		break;
	case TT_ITT_STRING:
		o->pub.string.str = o->text;
		break;
	default:
		o->pub.counter.name = o->text;
		o->pub.counter.type = type;
		if (domain) {
			memcpy(o->text + nlen + 1, domain, dlen);
			o->pub.counter.domain = o->text + nlen + 1;
		}
		break;
	}
	/* another thread may have put the same name in first: then its object is the one */
	for (;;) {
		struct tt_itt_obj *seen = head;

		o->chain = head;
		if (atomic_compare_exchange_strong(bucket, &head, o))
			return o;
		for (struct tt_itt_obj *p = head; p != seen; p = p->chain)
			if (tt_itt_same(p, kind, hash, name, nlen, domain, dlen, type))
				return p;
	}
}

/*
 * Domains, string handles, counters
 */
static struct tt_itt_domain *tt_itt_domain_create(const char *name)
{
	if (!name)
		return NULL;
	int e = errno;
	struct tt_itt_obj *o = tt_itt_intern(TT_ITT_DOMAIN, name, NULL, 0);

	errno = e;
	return o ? &o->pub.domain : &tt_itt_no_domain;
}

static struct tt_itt_string *tt_itt_string_create(const char *name)
{
	if (!name)
		return NULL;
	int e = errno;
	struct tt_itt_obj *o = tt_itt_intern(TT_ITT_STRING, name, NULL, 0);

	errno = e;
	return o ? &o->pub.string : NULL;
}

static struct tt_itt_counter *tt_itt_counter_create_typed(const char *name, const char *domain,
							  int type)
{
	if (!name)
		return NULL;
	int e = errno;
	struct tt_itt_obj *o = tt_itt_intern(TT_ITT_COUNTER, name, domain, type);

	errno = e;
	return o ? &o->pub.counter : NULL;
}

static struct tt_itt_counter *tt_itt_counter_create(const char *name, const char *domain)
{
	return tt_itt_counter_create_typed(name, domain, TT_ITT_U64);
}

static struct tt_itt_counter *tt_itt_counter_create_v3(const struct tt_itt_domain *d,
						       const char *name, int type)
{
	return tt_itt_counter_create_typed(name, d ? d->name : NULL, type);
}

/*
 * Tasks, frames, markers, thread names
 */
static const char *tt_itt_dname(const struct tt_itt_domain *d)
{
	return d ? d->name : NULL;
}

static const char *tt_itt_sname(const struct tt_itt_string *s)
{
	return s ? s->str : NULL;
}

static void tt_itt_task_begin(const struct tt_itt_domain *d, struct tt_itt_id id,
			      struct tt_itt_id parent, struct tt_itt_string *name)
{
	tt_user_record(TT_EV_SPAN_BEGIN, tt_itt_sname(name), tt_itt_dname(d), 0, NULL);
}

/* A task named by a function: its address, which is all the call says */
static void tt_itt_task_begin_fn(const struct tt_itt_domain *d, struct tt_itt_id id,
				 struct tt_itt_id parent, void *fn)
{
	static const char hex[] = "0123456789abcdef";
	char name[2 + 16 + 1], *p = name + sizeof(name) - 1;
	uintptr_t v = (uintptr_t)fn;

	*p = 0;
	do
		*--p = hex[v & 15];
	while (v >>= 4);
	*--p = 'x';
	*--p = '0';
	tt_user_record(TT_EV_SPAN_BEGIN, p, tt_itt_dname(d), 0, NULL);
}

static void tt_itt_task_end(const struct tt_itt_domain *d)
{
	tt_user_span_end();
}

/* The id of an async span: the domain and the program's id (below 2^63, as async ids are) */
static uint64_t tt_itt_async_id(const struct tt_itt_domain *d, const struct tt_itt_id *id,
				uint64_t salt)
{
	uint64_t h = tt_itt_mix(TT_U(d) ^ salt);

	if (id)
		h = tt_itt_mix(h ^ id->d1) ^ tt_itt_mix(id->d2 + 0x9e3779b97f4a7c15ull) ^ id->d3;
	return h & ~(1ull << 63);
}

#define TT_ITT_SALT_TASK 0x7461736bull /* overlapped tasks and frames of one domain apart */
#define TT_ITT_SALT_FRAME 0x6672616dull

static void tt_itt_task_begin_overlapped(const struct tt_itt_domain *d, struct tt_itt_id id,
					 struct tt_itt_id parent, struct tt_itt_string *name)
{
	tt_user_record(TT_EV_ASYNC_BEGIN, tt_itt_sname(name), tt_itt_dname(d),
		       tt_itt_async_id(d, &id, TT_ITT_SALT_TASK), NULL);
}

static void tt_itt_task_end_overlapped(const struct tt_itt_domain *d, struct tt_itt_id id)
{
	/* the converter names an end from its begin */
	tt_user_record(TT_EV_ASYNC_END, NULL, NULL, tt_itt_async_id(d, &id, TT_ITT_SALT_TASK),
		       NULL);
}

/* A frame may end on another thread than the one that began it: an async span. */
static void tt_itt_frame_begin(const struct tt_itt_domain *d, struct tt_itt_id *id)
{
	tt_user_record(TT_EV_ASYNC_BEGIN, tt_itt_dname(d), "frame",
		       tt_itt_async_id(d, id, TT_ITT_SALT_FRAME), NULL);
}

static void tt_itt_frame_end(const struct tt_itt_domain *d, struct tt_itt_id *id)
{
	tt_user_record(TT_EV_ASYNC_END, tt_itt_dname(d), "frame",
		       tt_itt_async_id(d, id, TT_ITT_SALT_FRAME), NULL);
}

static void tt_itt_marker(const struct tt_itt_domain *d, struct tt_itt_id id,
			  struct tt_itt_string *name, int scope)
{
	tt_user_record(TT_EV_MARK, tt_itt_sname(name), tt_itt_dname(d), 0, NULL);
}

static void tt_itt_thread_set_name(const char *name)
{
	tt_user_thread_name(name);
}

/*
 * Counters: a sample per call.  inc and dec move a value kept in the counter itself (the
 * field the static part leaves alone), which set_value sets too; it follows while tracing is
 * off, so that the samples after are right.
 */
static void tt_itt_counter_move(struct tt_itt_counter *c, long delta)
{
	if (!c)
		return;
	long v = __atomic_add_fetch(&c->index, delta, __ATOMIC_RELAXED);

	tt_user_counter(c->name, v);
}

static void tt_itt_counter_inc(struct tt_itt_counter *c)
{
	tt_itt_counter_move(c, 1);
}

static void tt_itt_counter_inc_delta(struct tt_itt_counter *c, unsigned long long delta)
{
	tt_itt_counter_move(c, (long)delta);
}

static void tt_itt_counter_dec(struct tt_itt_counter *c)
{
	tt_itt_counter_move(c, -1);
}

static void tt_itt_counter_dec_delta(struct tt_itt_counter *c, unsigned long long delta)
{
	tt_itt_counter_move(c, -(long)delta);
}

static void tt_itt_counter_set_value(struct tt_itt_counter *c, void *value)
{
	long long v;

	if (!c || !value)
		return;
	switch (c->type) {
	case TT_ITT_FLOAT:
		tt_user_counter_double(c->name, *(const float *)value);
		return;
	case TT_ITT_DOUBLE:
		tt_user_counter_double(c->name, *(const double *)value);
		return;
	case TT_ITT_S64:
		v = *(const int64_t *)value;
		break;
	case TT_ITT_U32:
		v = *(const uint32_t *)value;
		break;
	case TT_ITT_S32:
		v = *(const int32_t *)value;
		break;
	case TT_ITT_U16:
		v = *(const uint16_t *)value;
		break;
	case TT_ITT_S16:
		v = *(const int16_t *)value;
		break;
	default: /* u64, and "unknown", which the static part never gives */
		v = (long long)*(const uint64_t *)value;
		break;
	}
	__atomic_store_n(&c->index, (long)v, __ATOMIC_RELAXED);
	tt_user_counter(c->name, v);
}

/*
 * Synchronisation objects.  ITT says when a thread starts waiting for an object (prepare),
 * gets it (acquired), gives up (cancel) and lets it go (releasing), and nothing of who holds
 * it.  A table of the objects seen keeps that: the thread that holds each (set at acquired,
 * cleared at releasing, whoever releases: semaphores and barriers too), the last that
 * acquired it and how many acquisitions it had.  An acquisition waited for another thread if
 * the object was held by one at the prepare, or was acquired by one since: only then does
 * the event last from the prepare, and name that thread as the holder (what wrap_lock.c
 * reads from a busy mutex).  Otherwise the time between prepare and acquired is the
 * notification's own (a spin lock's first exchange), and the event is a moment, as an
 * uncontended pthread mutex's is.  An object the full table cannot follow gets its whole
 * prepare-to-acquired time and no holder.
 */
struct tt_itt_sync {
	_Atomic uint64_t addr;	 /* 0: free slot (slots are never freed) */
	_Atomic uint32_t holder; /* tid that acquired it and has not released it, 0 none */
	_Atomic uint32_t last;	 /* tid of the latest acquisition */
	_Atomic uint32_t gen;	 /* acquisitions so far */
	uint32_t pad;
};

#define TT_ITT_SYNCS (1u << 17) /* objects followed: 3 MiB of address space, touched as used */
#define TT_ITT_PROBES 16
static struct tt_itt_sync *_Atomic tt_itt_syncs;

static struct tt_itt_sync *tt_itt_sync_slot(uint64_t addr, int add)
{
	struct tt_itt_sync *tab = atomic_load_explicit(&tt_itt_syncs, memory_order_acquire);

	if (!addr)
		return NULL;
	if (!tab) {
		struct tt_itt_sync *none = NULL;

		if (!add || !(tab = tt_mmap(TT_ITT_SYNCS * sizeof(*tab))))
			return NULL;
		if (!atomic_compare_exchange_strong(&tt_itt_syncs, &none, tab)) {
			tt_munmap(tab, TT_ITT_SYNCS * sizeof(*tab));
			tab = none;
		}
	}
	size_t i = tt_itt_mix(addr) & (TT_ITT_SYNCS - 1);

	for (unsigned k = 0; k < TT_ITT_PROBES; k++, i = (i + 1) & (TT_ITT_SYNCS - 1)) {
		uint64_t a = atomic_load_explicit(&tab[i].addr, memory_order_acquire);

		if (a == addr)
			return &tab[i];
		if (a)
			continue;
		if (!add)
			return NULL;
		if (atomic_compare_exchange_strong(&tab[i].addr, &a, addr) || a == addr)
			return &tab[i];
	}
	return NULL;
}

/* The waits a thread announced and has not ended yet, innermost last. */
#define TT_ITT_WAITS 4

struct tt_itt_wait {
	uint64_t addr;
	uint64_t t0;	 /* the prepare */
	uint32_t holder; /* the object's holder then, 0 none */
	uint32_t gen;	 /* its acquisitions then */
	int followed;	 /* it has a slot in the table */
};

static __thread struct {
	struct tt_itt_wait w[TT_ITT_WAITS];
	unsigned n;
} tt_itt_waits __attribute__((tls_model("initial-exec")));

/* Takes the thread's latest wait for addr out: 1 if there was one. */
static int tt_itt_wait_take(uint64_t addr, struct tt_itt_wait *out)
{
	unsigned n = tt_itt_waits.n;

	for (unsigned i = n; i-- > 0;) {
		if (tt_itt_waits.w[i].addr != addr)
			continue;
		*out = tt_itt_waits.w[i];
		memmove(&tt_itt_waits.w[i], &tt_itt_waits.w[i + 1],
			(n - i - 1) * sizeof(tt_itt_waits.w[0]));
		tt_itt_waits.n = n - 1;
		return 1;
	}
	return 0;
}

static void tt_itt_sync_prepare(void *obj)
{
	struct tt_thread *t = tt_enter(TT_CAT_LOCK);

	if (!t || !obj)
		return;
	int e = errno;
	struct tt_itt_sync *s = tt_itt_sync_slot(TT_U(obj), 1);

	/* a thread that never ends its waits loses the oldest */
	if (tt_itt_waits.n == TT_ITT_WAITS) {
		memmove(&tt_itt_waits.w[0], &tt_itt_waits.w[1],
			(TT_ITT_WAITS - 1) * sizeof(tt_itt_waits.w[0]));
		tt_itt_waits.n--;
	}
	tt_itt_waits.w[tt_itt_waits.n++] = (struct tt_itt_wait){
		.addr = TT_U(obj),
		.holder = s ? atomic_load_explicit(&s->holder, memory_order_relaxed) : 0,
		.gen = s ? atomic_load_explicit(&s->gen, memory_order_relaxed) : 0,
		.followed = s != NULL,
		.t0 = tt_now(),
	};
	errno = e;
}

static void tt_itt_sync_acquired(void *obj)
{
	struct tt_thread *t = tt_enter(TT_CAT_LOCK);

	if (!t || !obj)
		return;
	int e = errno;
	uint64_t addr = TT_U(obj), now = tt_now(), t0 = now, who = 0;
	struct tt_itt_wait w;
	int waited = tt_itt_wait_take(addr, &w);
	struct tt_itt_sync *s = tt_itt_sync_slot(addr, 1);

	if (s) {
		uint32_t gen = atomic_fetch_add(&s->gen, 1);
		uint32_t last = atomic_exchange(&s->last, t->tid);

		atomic_store(&s->holder, t->tid);
		if (waited && w.followed && w.holder && w.holder != t->tid) {
			t0 = w.t0;
			who = w.holder;
		} else if (waited && w.followed && gen != w.gen) {
			t0 = w.t0;
			who = last != t->tid ? last : 0;
		} else if (waited && !w.followed) {
			t0 = w.t0;
		}
	} else if (waited) {
		t0 = w.t0;
	}
	tt_record(t, TT_EV_ITT_SYNC_ACQUIRED, t0, now, 0, 0, 2, addr, who, 0, 0, 1);
	errno = e;
}

static void tt_itt_sync_cancel(void *obj)
{
	struct tt_thread *t = tt_enter(TT_CAT_LOCK);

	if (!t || !obj)
		return;
	int e = errno;
	uint64_t addr = TT_U(obj), now = tt_now();
	struct tt_itt_wait w;

	tt_record(t, TT_EV_ITT_SYNC_CANCEL, tt_itt_wait_take(addr, &w) ? w.t0 : now, now, 0, 0, 1,
		  addr, 0, 0, 0, 1);
	errno = e;
}

/*
 * The object is no longer held.  Done while tracing is off too (a lookup, once tracing has
 * followed objects at all), so that no wait after is blamed on a holder long gone.
 */
static void tt_itt_unhold(uint64_t addr)
{
	struct tt_itt_sync *s = tt_itt_sync_slot(addr, 0);

	if (s)
		atomic_store_explicit(&s->holder, 0, memory_order_relaxed);
}

static void tt_itt_sync_releasing(void *obj)
{
	int e = errno;
	struct tt_thread *t = tt_enter(TT_CAT_LOCK);

	tt_itt_unhold(TT_U(obj));
	if (t && obj) {
		uint64_t now = tt_now();

		tt_record(t, TT_EV_ITT_SYNC_RELEASING, now, now, 0, 0, 1, TT_U(obj), 0, 0, 0, 1);
	}
	errno = e;
}

static void tt_itt_sync_create(void *obj, const char *objtype, const char *objname, int attr)
{
	struct tt_thread *t = tt_enter(TT_CAT_LOCK);

	if (!t)
		return;
	int e = errno;
	uint64_t now = tt_now(), args[TT_MAX_ARGS] = { TT_U(obj) };
	const char *strs[TT_MAX_ARGS] = { NULL, objtype, objname };

	tt_record_args(t, TT_EV_ITT_SYNC_CREATE, now, now, 0, 0, 0, args, strs);
	errno = e;
}

static void tt_itt_sync_rename(void *obj, const char *name)
{
	struct tt_thread *t = tt_enter(TT_CAT_LOCK);

	if (!t)
		return;
	int e = errno;
	uint64_t now = tt_now(), args[TT_MAX_ARGS] = { TT_U(obj) };
	const char *strs[TT_MAX_ARGS] = { NULL, name };

	tt_record_args(t, TT_EV_ITT_SYNC_RENAME, now, now, 0, 0, 0, args, strs);
	errno = e;
}

static void tt_itt_sync_destroy(void *obj)
{
	int e = errno;
	struct tt_thread *t = tt_enter(TT_CAT_LOCK);

	tt_itt_unhold(TT_U(obj));
	if (t) {
		uint64_t now = tt_now();

		tt_record(t, TT_EV_ITT_SYNC_DESTROY, now, now, 0, 0, 1, TT_U(obj), 0, 0, 0, 1);
	}
	errno = e;
}

/*
 * Collection control: ITT's pause and resume are tracing off and on, as traceit.h's
 * disable and enable; detach ends the collection, so tracing goes off for good unless the
 * program resumes it.
 */
static void tt_itt_pause(void)
{
	tt_control_set(0, 0);
}

static void tt_itt_resume(void)
{
	tt_control_set(1, 0);
}

static void tt_itt_pause_scoped(int scope)
{
	if (scope & TT_ITT_SCOPE_HOST)
		tt_control_set(0, 0);
}

static void tt_itt_resume_scoped(int scope)
{
	if (scope & TT_ITT_SCOPE_HOST)
		tt_control_set(1, 0);
}

/*
 * The table the static parts' entries are matched against, by the names they give (the
 * fsync_* entries carry the sync_* names; the legacy notify_sync_* and sync_set_name take the
 * same arguments as their successors).
 */
static const struct {
	const char *name;
	void *fn;
} tt_itt_impl[] = {
	{ "__itt_domain_create", (void *)tt_itt_domain_create },
	{ "__itt_string_handle_create", (void *)tt_itt_string_create },
	{ "__itt_counter_create", (void *)tt_itt_counter_create },
	{ "__itt_counter_create_typed", (void *)tt_itt_counter_create_typed },
	{ "__itt_counter_create_v3", (void *)tt_itt_counter_create_v3 },
	{ "__itt_counter_set_value", (void *)tt_itt_counter_set_value },
	{ "__itt_counter_set_value_v3", (void *)tt_itt_counter_set_value },
	{ "__itt_counter_inc", (void *)tt_itt_counter_inc },
	{ "__itt_counter_inc_delta", (void *)tt_itt_counter_inc_delta },
	{ "__itt_counter_dec", (void *)tt_itt_counter_dec },
	{ "__itt_counter_dec_delta", (void *)tt_itt_counter_dec_delta },
	{ "__itt_task_begin", (void *)tt_itt_task_begin },
	{ "__itt_task_begin_fn", (void *)tt_itt_task_begin_fn },
	{ "__itt_task_end", (void *)tt_itt_task_end },
	{ "__itt_task_begin_overlapped", (void *)tt_itt_task_begin_overlapped },
	{ "__itt_task_end_overlapped", (void *)tt_itt_task_end_overlapped },
	{ "__itt_frame_begin_v3", (void *)tt_itt_frame_begin },
	{ "__itt_frame_end_v3", (void *)tt_itt_frame_end },
	{ "__itt_marker", (void *)tt_itt_marker },
	{ "__itt_thread_set_name", (void *)tt_itt_thread_set_name },
	{ "__itt_sync_create", (void *)tt_itt_sync_create },
	{ "__itt_sync_set_name", (void *)tt_itt_sync_create },
	{ "__itt_sync_rename", (void *)tt_itt_sync_rename },
	{ "__itt_sync_destroy", (void *)tt_itt_sync_destroy },
	{ "__itt_sync_prepare", (void *)tt_itt_sync_prepare },
	{ "__itt_notify_sync_prepare", (void *)tt_itt_sync_prepare },
	{ "__itt_sync_acquired", (void *)tt_itt_sync_acquired },
	{ "__itt_notify_sync_acquired", (void *)tt_itt_sync_acquired },
	{ "__itt_sync_cancel", (void *)tt_itt_sync_cancel },
	{ "__itt_notify_sync_cancel", (void *)tt_itt_sync_cancel },
	{ "__itt_sync_releasing", (void *)tt_itt_sync_releasing },
	{ "__itt_notify_sync_releasing", (void *)tt_itt_sync_releasing },
	{ "__itt_pause", (void *)tt_itt_pause },
	{ "__itt_resume", (void *)tt_itt_resume },
	{ "__itt_pause_scoped", (void *)tt_itt_pause_scoped },
	{ "__itt_resume_scoped", (void *)tt_itt_resume_scoped },
	{ "__itt_detach", (void *)tt_itt_pause },
};

/* A list longer than this is not a list (a cycle, or no terminator): read no further. */
#define TT_ITT_LIST_MAX (1u << 16)

TT_EXPORT void __itt_api_init(struct tt_itt_global *g, int groups);

/*
 * Called by a static part, with its mutex held, the first time one of its functions runs:
 * binds its entries in the groups it asks for, and takes over the objects it made so far.
 */
TT_EXPORT void __itt_api_init(struct tt_itt_global *g, int groups)
{
	if (!g || memcmp(g->magic, tt_itt_magic, sizeof(tt_itt_magic)))
		return; /* not a table laid out as we know it */
	int e = errno;
	unsigned n = 0;

	for (struct tt_itt_api *a = g->api_list; a && a->name && n < TT_ITT_LIST_MAX; a++, n++) {
		if (!a->slot || !(a->group & groups))
			continue;
		for (size_t i = 0; i < sizeof(tt_itt_impl) / sizeof(tt_itt_impl[0]); i++) {
			if (!strcmp(a->name, tt_itt_impl[i].name)) {
				__atomic_store_n(a->slot, tt_itt_impl[i].fn, __ATOMIC_RELEASE);
				break;
			}
		}
	}
	n = 0;
	for (struct tt_itt_domain *d = g->domain_list; d && n < TT_ITT_LIST_MAX; d = d->next, n++) {
		d->flags = 1;
		tt_itt_domain_create(d->name);
	}
	n = 0;
	for (struct tt_itt_string *s = g->string_list; s && n < TT_ITT_LIST_MAX; s = s->next, n++)
		tt_itt_string_create(s->str);
	n = 0;
	if (g->version_build >= TT_ITT_COUNTERS_SINCE)
		for (struct tt_itt_counter *c = g->counter_list; c && n < TT_ITT_LIST_MAX;
		     c = c->next, n++)
			tt_itt_counter_create_typed(c->name, c->domain, c->type);
	errno = e;
}
