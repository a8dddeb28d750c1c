/*
 * t_itt: a program with an ITT static part of its own, as the ITT API's static part does it:
 * INTEL_LIBITTNOTIFY64 names the collector, which is dlopened and handed our table through
 * its __itt_api_init.  Objects made before that are in the table's lists, their domains off
 * (flags 0, as old static parts make them): the collector must switch them on.  Every call
 * is guarded like the ITTNOTIFY macros (a NULL pointer or a domain off: no call), so that
 * without a collector the program runs the same and prints the same.
 *	t_itt all N	N tasks "request" (domain "app") around a malloc and a task "parse";
 *			a task named by a handle made after the attach; 2 frames, 2 markers,
 *			a thread name; counter samples 3 2 1 2 1 6 ("queue") and 0.25 0.5
 *			("ratio"); a sync object ("the lock") two threads take 5 times each,
 *			holding it 2 ms and leaving it 1 ms, so that they wait for each
 *			other; a wait given up; a
 *			malloc, a task and a marker between __itt_pause and __itt_resume, and
 *			a malloc after __itt_detach (none of them recorded)
 *	t_itt bad	what a collector must survive: a NULL table, one with a foreign magic,
 *			unknown, empty and slotless entries, an entry outside the groups asked
 *			for, objects without names, calls on objects never made, NULL
 *			arguments, ends without begins, 5000-byte names
 * The layouts are those of intel/ittapi (src/ittnotify/ittnotify_config.h, include/ittnotify.h).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct domain {
	volatile int flags;
	const char *name;
	void *wname;
	int extra1;
	void *extra2;
	struct domain *next;
};

struct string {
	const char *str;
	void *wstr;
	int extra1;
	void *extra2;
	struct string *next;
};

struct counter {
	const char *name;
	void *wname;
	const char *domain;
	void *wdomain;
	int type;
	long index;
	int extra1;
	void *extra2;
	struct counter *next;
};

struct id {
	unsigned long long d1, d2, d3;
};

struct api {
	const char *name;
	void **slot;
	void *init_func;
	void *null_func;
	int group;
};

struct global {
	unsigned char magic[8];
	unsigned long major, minor, build;
	volatile long initialized, mutex_initialized, atomic_counter;
	pthread_mutex_t mutex;
	void *lib;
	void *error_handler;
	const char **dll_path;
	struct api *api_list;
	struct global *next;
	void *threads;
	struct domain *domains;
	struct string *strings;
	int state;
	struct counter *counters;
	unsigned ipt;
	void *histograms;
	void *counter_metadata;
};

/* enum __itt_group_id, enum __itt_metadata_type */
#define G_CONTROL 2
#define G_THREAD 4
#define G_SYNC 16
#define G_FSYNC 32
#define G_COUNTER 256
#define G_STRUCTURE 4096
#define G_ALL (-1)
#define M_U64 1
#define M_DOUBLE 8

static const struct id null_id;

/* The slots, NULL until a collector fills them */
static struct domain *(*domain_create)(const char *);
static struct string *(*string_create)(const char *);
static struct counter *(*counter_create)(const char *, const char *);
static struct counter *(*counter_create_typed)(const char *, const char *, int);
static void (*task_begin)(const struct domain *, struct id, struct id, struct string *);
static void (*task_end)(const struct domain *);
static void (*frame_begin)(const struct domain *, struct id *);
static void (*frame_end)(const struct domain *, struct id *);
static void (*marker)(const struct domain *, struct id, struct string *, int);
static void (*thread_set_name)(const char *);
static void (*counter_set_value)(struct counter *, void *);
static void (*counter_inc)(struct counter *);
static void (*counter_inc_delta)(struct counter *, unsigned long long);
static void (*counter_dec)(struct counter *);
static void (*sync_create)(void *, const char *, const char *, int);
static void (*sync_rename)(void *, const char *);
static void (*sync_destroy)(void *);
static void (*sync_prepare)(void *);
static void (*sync_cancel)(void *);
static void (*sync_acquired)(void *);
static void (*sync_releasing)(void *);
static void (*itt_pause)(void);
static void (*itt_resume)(void);
static void (*itt_detach)(void);
static void *unknown_slot, *empty_slot, *outside_slot; /* the bad table's */

#define ENTRY(fn, slot, group)                                                                     \
	{                                                                                          \
		"__itt_" #fn, (void **)&slot, NULL, NULL, group                                    \
	}
static struct api api_list[] = {
	ENTRY(domain_create, domain_create, G_STRUCTURE),
	ENTRY(string_handle_create, string_create, G_STRUCTURE),
	ENTRY(counter_create, counter_create, G_COUNTER),
	ENTRY(counter_create_typed, counter_create_typed, G_COUNTER),
	ENTRY(task_begin, task_begin, G_STRUCTURE),
	ENTRY(task_end, task_end, G_STRUCTURE),
	ENTRY(frame_begin_v3, frame_begin, G_STRUCTURE),
	ENTRY(frame_end_v3, frame_end, G_STRUCTURE),
	ENTRY(marker, marker, G_STRUCTURE),
	ENTRY(thread_set_name, thread_set_name, G_THREAD),
	ENTRY(counter_set_value, counter_set_value, G_COUNTER),
	ENTRY(counter_inc, counter_inc, G_COUNTER),
	ENTRY(counter_inc_delta, counter_inc_delta, G_COUNTER),
	ENTRY(counter_dec, counter_dec, G_COUNTER),
	ENTRY(sync_create, sync_create, G_SYNC | G_FSYNC),
	ENTRY(sync_rename, sync_rename, G_SYNC | G_FSYNC),
	ENTRY(sync_destroy, sync_destroy, G_SYNC | G_FSYNC),
	ENTRY(sync_prepare, sync_prepare, G_SYNC),
	ENTRY(sync_cancel, sync_cancel, G_SYNC),
	ENTRY(sync_acquired, sync_acquired, G_SYNC),
	ENTRY(sync_releasing, sync_releasing, G_SYNC),
	ENTRY(pause, itt_pause, G_CONTROL),
	ENTRY(resume, itt_resume, G_CONTROL),
	ENTRY(detach, itt_detach, G_CONTROL),
	{ NULL, NULL, NULL, NULL, 0 },
};

/* The same, with entries a collector must pass over */
static struct api bad_list[] = {
	{ "__itt_no_such_function", &unknown_slot, NULL, NULL, G_ALL },
	{ "", &empty_slot, NULL, NULL, G_ALL },
	{ "__itt_task_begin", NULL, NULL, NULL, G_ALL },
	ENTRY(counter_inc, outside_slot, 0), /* in no group: left alone */
	ENTRY(marker, marker, G_STRUCTURE),
	ENTRY(marker, marker, G_STRUCTURE),
	ENTRY(domain_create, domain_create, G_STRUCTURE),
	ENTRY(string_handle_create, string_create, G_STRUCTURE),
	ENTRY(counter_create, counter_create, G_COUNTER),
	ENTRY(task_begin, task_begin, G_STRUCTURE),
	ENTRY(task_end, task_end, G_STRUCTURE),
	ENTRY(frame_end_v3, frame_end, G_STRUCTURE),
	ENTRY(thread_set_name, thread_set_name, G_THREAD),
	ENTRY(counter_set_value, counter_set_value, G_COUNTER),
	ENTRY(sync_create, sync_create, G_SYNC),
	ENTRY(sync_rename, sync_rename, G_SYNC),
	ENTRY(sync_destroy, sync_destroy, G_SYNC),
	ENTRY(sync_prepare, sync_prepare, G_SYNC),
	ENTRY(sync_cancel, sync_cancel, G_SYNC),
	ENTRY(sync_acquired, sync_acquired, G_SYNC),
	ENTRY(sync_releasing, sync_releasing, G_SYNC),
	{ NULL, NULL, NULL, NULL, 0 },
};

static struct global global = {
	.magic = { 0xED, 0xAB, 0xAB, 0xEC, 0x0D, 0xEE, 0xDA, 0x30 },
	.major = 3,
	.minor = 0,
	.build = 20250807,
	.mutex = PTHREAD_MUTEX_INITIALIZER,
	.api_list = api_list,
};

/* Guarded like the ITTNOTIFY macros */
#define CALL(fn, ...) ((fn) ? (void)(fn)(__VA_ARGS__) : (void)0)
#define CALL_D(fn, d, ...) ((d)->flags && (fn) ? (void)(fn)((d), __VA_ARGS__) : (void)0)
#define CALL_D0(fn, d) ((d)->flags && (fn) ? (void)(fn)(d) : (void)0)

static struct domain no_domain; /* what a static part hands out without a collector */

static struct domain *make_domain(const char *name)
{
	return domain_create ? domain_create(name) : &no_domain;
}

static struct string *make_string(const char *name)
{
	return string_create ? string_create(name) : NULL;
}

/* The static part's first call: find the collector, hand it the table. */
static void attach(struct global *g)
{
	const char *lib = getenv("INTEL_LIBITTNOTIFY64");
	void *h = lib && *lib ? dlopen(lib, RTLD_LAZY) : NULL;
	void (*init)(struct global *, int) = NULL;

	if (h)
		*(void **)&init = dlsym(h, "__itt_api_init");
	if (init)
		init(g, G_ALL);
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

static void mallocs(size_t size)
{
	void *volatile p = malloc(size);

	free(p);
}

/* A spin lock that tells ITT, like tbb::spin_mutex */
static atomic_int lock_word;
static pthread_barrier_t start;

static void lock(void)
{
	CALL(sync_prepare, &lock_word);
	while (atomic_exchange(&lock_word, 1))
		sleep_us(100);
	CALL(sync_acquired, &lock_word);
}

static void unlock(void)
{
	CALL(sync_releasing, &lock_word);
	atomic_store(&lock_word, 0);
}

static void *contender(void *arg)
{
	if (arg)
		CALL(thread_set_name, "itt worker");
	pthread_barrier_wait(&start);
	for (int i = 0; i < 5; i++) {
		lock();
		sleep_us(2000);
		unlock();
		sleep_us(1000);
	}
	return NULL;
}

static int all(int n)
{
	struct domain app = { .flags = 0, .name = "app" };
	struct string request = { .str = "request" }, parse = { .str = "parse", .next = &request };
	struct counter queue = { .name = "queue", .domain = "app", .type = M_U64 };
	int other_word;
	pthread_t th;

	global.domains = &app;
	global.strings = &parse;
	global.counters = &queue;
	attach(&global);

	struct string *late = make_string("late"), *tick = make_string("tick");
	struct domain *frames = make_domain("app");
	struct counter *ratio =
		counter_create_typed ? counter_create_typed("ratio", NULL, M_DOUBLE) : NULL;

	CALL(thread_set_name, "itt main");
	for (int i = 0; i < n; i++) {
		CALL_D(task_begin, &app, null_id, null_id, &request);
		mallocs(1000);
		CALL_D(task_begin, &app, null_id, null_id, &parse);
		mallocs(2000);
		CALL_D0(task_end, &app);
		CALL_D0(task_end, &app);
	}
	CALL_D(task_begin, &app, null_id, null_id, late);
	CALL_D0(task_end, &app);
	for (int i = 0; i < 2; i++) {
		CALL_D(frame_begin, frames, NULL);
		sleep_us(1000);
		CALL_D(frame_end, frames, NULL);
		CALL_D(marker, &app, null_id, tick, 2);
	}
	for (unsigned long long v = 3; v > 0; v--)
		CALL(counter_set_value, &queue, &v);
	CALL(counter_inc, &queue);
	CALL(counter_dec, &queue);
	CALL(counter_inc_delta, &queue, 5);
	for (double r = 0.25; r <= 0.5; r += 0.25)
		CALL(counter_set_value, ratio, &r);

	/* two threads take the lock in turns, each waiting while the other holds it */
	CALL(sync_create, &lock_word, "t_itt::spin", "", 2);
	pthread_barrier_init(&start, NULL, 2);
	pthread_create(&th, NULL, contender, "named");
	contender(NULL);
	pthread_join(th, NULL);
	CALL(sync_rename, &lock_word, "the lock");
	CALL(sync_prepare, &other_word);
	sleep_us(1000);
	CALL(sync_cancel, &other_word);

	CALL(itt_pause);
	mallocs(2222);
	CALL_D(task_begin, &app, null_id, null_id, &request);
	CALL_D0(task_end, &app);
	CALL_D(marker, &app, null_id, tick, 2);
	CALL(itt_resume);
	mallocs(3333);
	CALL(sync_destroy, &lock_word);
	CALL(itt_detach);
	mallocs(4444);
	printf("itt %d done\n", n);
	return 0;
}

static int bad(void)
{
	static char longname[5001];
	struct domain unnamed = { .name = NULL }, ok = { .name = "ok", .next = &unnamed };
	struct string nostr = { .str = NULL };
	struct counter nameless = { .name = NULL, .type = M_U64 };
	struct global foreign = global;
	void *tables_slot = NULL;
	struct api foreign_list[] = { { "__itt_domain_create", &tables_slot, NULL, NULL, G_ALL },
				      { NULL, NULL, NULL, NULL, 0 } };
	int never[6];
	long long v = 7;
	const char *lib = getenv("INTEL_LIBITTNOTIFY64");
	void *h = lib && *lib ? dlopen(lib, RTLD_LAZY) : NULL;
	void (*init)(struct global *, int) = NULL;

	if (h)
		*(void **)&init = dlsym(h, "__itt_api_init");
	memset(longname, 'n', sizeof(longname) - 1);
	/* no table, then one whose magic is not ITT's: nothing is touched */
	if (init) {
		init(NULL, G_ALL);
		foreign.magic[7] ^= 0xff;
		foreign.api_list = foreign_list;
		init(&foreign, G_ALL);
	}
	printf("foreign table %s\n", tables_slot ? "used" : "left alone");
	global.api_list = bad_list;
	global.domains = &ok;
	global.strings = &nostr;
	global.counters = &nameless;
	if (init)
		init(&global, G_STRUCTURE | G_THREAD | G_SYNC | G_COUNTER);
	printf("unknown %s, empty %s, outside the groups %s\n", unknown_slot ? "set" : "unset",
	       empty_slot ? "set" : "unset", outside_slot ? "set" : "unset");
	printf("NULL names: domain %s, string %s\n",
	       domain_create && domain_create(NULL) ? "made" : "none",
	       string_create && string_create(NULL) ? "made" : "none");

	struct domain *longd = make_domain(longname);
	struct string *longs = make_string(longname);

	CALL_D(task_begin, &ok, null_id, null_id, NULL);
	CALL_D0(task_end, &ok);
	CALL_D0(task_end, &ok); /* once too often */
	CALL_D(task_begin, &unnamed, null_id, null_id, &nostr);
	CALL_D0(task_end, &unnamed);
	CALL_D(task_begin, longd, null_id, null_id, longs);
	CALL_D0(task_end, longd);
	CALL(task_begin, NULL, null_id, null_id, NULL); /* what a macro would not let through */
	CALL(task_end, NULL);
	CALL(marker, NULL, null_id, NULL, 0);
	CALL(frame_end, &ok, NULL); /* never begun */
	CALL(thread_set_name, NULL);
	CALL(counter_set_value, NULL, &v);
	CALL(counter_set_value, &nameless, NULL);
	CALL(counter_set_value, &nameless, &v);
	CALL(counter_create, NULL, NULL);
	CALL(sync_create, NULL, NULL, NULL, 0);
	CALL(sync_rename, &never[0], NULL);
	CALL(sync_releasing, &never[1]);
	CALL(sync_acquired, &never[2]);
	CALL(sync_cancel, &never[3]);
	CALL(sync_destroy, &never[4]);
	CALL(sync_prepare, NULL);
	CALL(sync_acquired, NULL);
	CALL(sync_releasing, NULL);
	for (int i = 0; i < 6; i++) /* more waits than a thread keeps */
		CALL(sync_prepare, &never[i]);
	for (int i = 5; i >= 0; i--)
		CALL(sync_acquired, &never[i]);
	printf("bad done\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "";

	if (!strcmp(how, "all") && argc > 2)
		return all(atoi(argv[2]));
	if (!strcmp(how, "bad"))
		return bad();
	fprintf(stderr, "usage: t_itt all N | bad\n");
	return 2;
}
