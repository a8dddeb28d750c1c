/*
 * stream.c - the output file of this process image: creating it safely, the preamble and
 * PROCESS chunk, writing chunks, and the END chunk.  Everything but tt_stream_open runs with
 * the writer lock held.
 */
#include "config.h"
#include "tt.h"
#include "shm.h"
#include "sys.h"
#include "codec.h"

#include <fcntl.h>
#include <limits.h>
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <zlib.h>
#ifdef HAVE_ISAL
#include <isa-l/crc.h>
#endif

static int out_fd = -1;

/* Scratch for the PROCESS and END payloads: only used with the writer lock held. */
static uint8_t field_buf[65536];

int tt_stream_fd(void)
{
	return out_fd;
}

/*
 * Descriptors libunwind keeps for itself (its memory-validation pipe), moved high like the
 * trace's own and hidden from the program the same way.  libunwind remembers the numbers, so
 * unlike the trace they cannot be moved again: if the program dup2s onto one, stacks stop.
 */
/* up to two pipes: libunwind's local and generic unwinders each open one */
#define TT_PRIVATE_FDS (TT_OUR_FDS - 2)
static int private_fd[TT_PRIVATE_FDS] = { [0 ... TT_PRIVATE_FDS - 1] = -1 };

/* The lowest of our descriptors (INT_MAX: none): one compare keeps the read and write
 * wrappers' check off the program's own descriptors. */
int tt_fd_min = INT_MAX;

static void refresh_fd_min(void)
{
	int m = out_fd >= 0 ? out_fd : INT_MAX;

	if (tt_shm_fd() >= 0 && tt_shm_fd() < m)
		m = tt_shm_fd();

	for (int i = 0; i < TT_PRIVATE_FDS; i++)
		if (private_fd[i] >= 0 && private_fd[i] < m)
			m = private_fd[i];
	tt_fd_min = m;
}

void tt_private_fd_add(int fd)
{
	for (int i = 0; i < TT_PRIVATE_FDS; i++)
		if (private_fd[i] < 0) {
			private_fd[i] = fd;
			refresh_fd_min();
			return;
		}
}

/* libunwind closed one of them (it reopens its pipe when it finds it broken) */
void tt_private_fd_remove(int fd)
{
	for (int i = 0; i < TT_PRIVATE_FDS; i++)
		if (private_fd[i] == fd)
			private_fd[i] = -1;
	refresh_fd_min();
}

int tt_private_fd_is(int fd)
{
	for (int i = 0; fd >= 0 && i < TT_PRIVATE_FDS; i++)
		if (fd == private_fd[i])
			return 1;
	return 0;
}

int tt_fd_is_ours(int fd)
{
	return fd >= 0 && (fd == out_fd || fd == tt_shm_fd() || tt_private_fd_is(fd));
}

/* The descriptors above in increasing order, for splitting close ranges; returns how many. */
int tt_fds_ours(int fds[TT_OUR_FDS])
{
	int all[TT_OUR_FDS] = { out_fd, tt_shm_fd() }, n = 0;

	memcpy(all + 2, private_fd, sizeof(private_fd));
	for (int i = 0; i < TT_OUR_FDS; i++) {
		if (all[i] < 0)
			continue;
		int j = n++;

		while (j > 0 && fds[j - 1] > all[i]) {
			fds[j] = fds[j - 1];
			j--;
		}
		fds[j] = all[i];
	}
	return n;
}

/* In a fork child or after an error: drop the fd without writing to it again. */
void tt_stream_forget(void)
{
	if (out_fd >= 0)
		tt_close(out_fd);
	out_fd = -1;
	refresh_fd_min();
}

static uint8_t *put_num(uint8_t *p, unsigned key, uint64_t v)
{
	uint8_t tmp[TT_VARINT_MAX];
	size_t n = (size_t)(tt_put_varint(tmp, v) - tmp);

	p = tt_put_varint(p, key);
	p = tt_put_varint(p, n);
	memcpy(p, tmp, n);
	return p + n;
}

static uint8_t *put_bytes(uint8_t *p, const uint8_t *end, unsigned key, const void *s, size_t n)
{
	if (p + n + 2 * TT_VARINT_MAX > end)
		return p; /* does not fit: leave it out */
	p = tt_put_varint(p, key);
	p = tt_put_varint(p, n);
	memcpy(p, s, n);
	return p + n;
}

static long read_file(const char *path, char *buf, size_t len)
{
	int fd = tt_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
	long n, total = 0;

	if (fd < 0)
		return fd;
	while ((size_t)total < len && (n = tt_read(fd, buf + total, len - (size_t)total)) > 0)
		total += n;
	tt_close(fd);
	return total;
}

static long read_link(const char *path, char *buf, size_t len)
{
	long n = tt_sys4(SYS_readlinkat, AT_FDCWD, path, buf, len - 1);

	buf[n > 0 ? n : 0] = 0;
	return n;
}

/* v in decimal at p, NUL-terminated; returns the end (the NUL).  p has room for 21 bytes. */
static char *fmt_uint(char *p, unsigned long v)
{
	p = tt_fmt_num(p, p + 20, v, 0, 10);
	*p = 0;
	return p;
}

/* Calls fn for every descriptor open in the process but the recorder's own. */
int tt_each_fd(void (*fn)(void *ctx, int fd, const char *target), void *ctx)
{
	int dfd = tt_openat(AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	char dents[4096];
	long n;

	if (dfd < 0)
		return dfd;
	while ((n = tt_sys3(SYS_getdents64, dfd, dents, sizeof(dents))) > 0) {
		for (long off = 0; off < n;) {
			struct {
				uint64_t ino;
				int64_t off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *d = (void *)(dents + off);
			char path[64] = "/proc/self/fd/", target[4096];
			long fd = 0;

			off += d->reclen;
			if (d->name[0] < '0' || d->name[0] > '9')
				continue;
			for (const char *c = d->name; *c; c++)
				fd = fd * 10 + (*c - '0');
			if (fd == dfd || tt_fd_is_ours((int)fd))
				continue;
			strcat(path, d->name);
			if (read_link(path, target, sizeof(target)) <= 0)
				continue;
			fn(ctx, (int)fd, target);
		}
	}
	tt_close(dfd);
	return 0;
}

struct fd_fields {
	uint8_t *p;
	const uint8_t *end;
};

static void put_fd(void *ctx, int fd, const char *target)
{
	struct fd_fields *f = ctx;
	char entry[4200], *q = fmt_uint(entry, (unsigned long)fd);

	*q++ = ' ';
	strncpy(q, target, sizeof(entry) - (size_t)(q - entry) - 1);
	entry[sizeof(entry) - 1] = 0;
	f->p = put_bytes(f->p, f->end, TT_P_FD, entry, strlen(entry));
}

/* The fds open at stream start, so that the converter can name inherited descriptors. */
static uint8_t *put_fds(uint8_t *p, const uint8_t *end)
{
	struct fd_fields f = { p, end };

	tt_each_fd(put_fd, &f);
	return f.p;
}

static int write_all(const void *a, size_t alen, const void *b, size_t blen)
{
	struct iovec iov[2] = { { (void *)a, alen }, { (void *)b, blen } };
	int cnt = blen ? 2 : 1;
	struct iovec *v = iov;

	while (cnt > 0) {
		long n = tt_sys3(SYS_writev, out_fd, v, cnt);

		if (n == -EINTR)
			continue;
		if (n < 0)
			return (int)n;
		if (n == 0)
			return -EIO;
		while (cnt > 0 && (size_t)n >= v->iov_len) {
			n -= (long)v->iov_len;
			v++;
			cnt--;
		}
		if (cnt > 0) {
			v->iov_base = (char *)v->iov_base + n;
			v->iov_len -= (size_t)n;
		}
	}
	return 0;
}

/*
 * The program is about to make fd (the trace's descriptor) name one of its own files (dup2,
 * dup3): move the trace to another descriptor first, so that the program gets exactly the
 * descriptor it asked for and the trace never writes into its file.
 */
void tt_stream_relocate(int fd)
{
	if (!tt_fd_is_ours(fd))
		return;
	/* a vfork child has its own descriptor table but our memory: leave out_fd alone */
	if (tt_getpid() != tt_owner_pid)
		return;
	if (tt_private_fd_is(fd))
		tt_stacks_disable("the program reused a descriptor of libunwind's");
	if (fd >= 0 && fd == tt_shm_fd()) {
		tt_registry_lock(); /* no state is being mapped from it meanwhile */
		tt_shm_set_fd(tt_fd_move_high(fd, 1));
		tt_registry_unlock();
		refresh_fd_min();
		return;
	}
	if (fd < 0 || fd != out_fd)
		return;
	tt_writer_lock();
	if (fd == out_fd) {
		struct rlimit rl;
		long nfd = tt_sys3(SYS_fcntl, out_fd, F_DUPFD_CLOEXEC, out_fd + 1);

		/* nothing free above: any free number, as far from the low ones as we can */
		if (nfd < 0 && tt_sys2(SYS_getrlimit, RLIMIT_NOFILE, &rl) == 0)
			nfd = tt_sys3(SYS_fcntl, out_fd, F_DUPFD_CLOEXEC, (long)rl.rlim_cur / 2);
		if (nfd < 0)
			nfd = tt_sys3(SYS_fcntl, out_fd, F_DUPFD_CLOEXEC, 3);
		if (nfd >= 0) {
			out_fd = (int)nfd;
			refresh_fd_min();
		} else {
			/* every descriptor is taken: write out what we have, then give ours up
			 * rather than write into the program's file */
			atomic_store(&tt_mask, 0);
			tt_drain_locked_final();
			out_fd = -1;
			refresh_fd_min();
			atomic_store(&tt_state, TT_DEAD);
			tt_log("the program reused the trace's descriptor and none is free to move "
			       "it to; tracing stopped, the trace so far stays readable");
		}
	}
	tt_writer_unlock();
}

/*
 * The program ran out of descriptors (EMFILE) while one of them is the trace's: write out
 * what was recorded, close the trace and stop tracing, so that the program can have the
 * descriptor; the caller then retries the call.  Returns 1 if a descriptor was given back.
 */
int tt_stream_yield_fd(void)
{
	if (out_fd < 0 || atomic_load(&tt_state) != TT_ACTIVE || tt_getpid() != tt_owner_pid)
		return 0;
	atomic_store(&tt_mask, 0);
	tt_writer_lock();
	if (out_fd < 0) {
		tt_writer_unlock();
		return 0;
	}
	tt_drain_locked_final();
	tt_close(out_fd);
	out_fd = -1;
	/* the shared buffers' too: the trace is whole, nothing is left to recover */
	tt_registry_lock();
	if (tt_shm_fd() >= 0)
		tt_close(tt_shm_fd());
	tt_shm_set_fd(-1);
	tt_registry_unlock();
	refresh_fd_min();
	atomic_store(&tt_state, TT_DEAD);
	tt_writer_unlock();
	tt_log("the program reached its descriptor limit; tracing stopped to give it the trace's "
	       "descriptors, the trace so far stays readable");
	return 1;
}

/* zlib's crc32; isa-l's is the same function, three times faster (carry-less multiply) */
static uint32_t chunk_crc(const void *p, size_t len)
{
#ifdef HAVE_ISAL
	return crc32_gzip_refl(0, p, len);
#else
	return (uint32_t)crc32(0, p, (uInt)len);
#endif
}

int tt_stream_write_chunk(struct tt_chunk_header *h, const void *payload)
{
	if (out_fd < 0)
		return -EBADF;
	h->magic = TT_CHUNK_MAGIC;
	h->payload_crc = chunk_crc(payload, h->payload_len);
	h->header_crc = chunk_crc(h, offsetof(struct tt_chunk_header, header_crc));
	return write_all(h, sizeof(*h), payload, h->payload_len);
}

static void exe_basename(const char *exe, char *name, size_t len)
{
	const char *b = strrchr(exe, '/');

	b = b ? b + 1 : exe;
	if (!*b)
		b = "process";
	size_t n = strlen(b);

	if (n >= len)
		n = len - 1;
	memcpy(name, b, n);
	name[n] = 0;
	/* A name that would make a strange file name is replaced character by character. */
	for (char *c = name; *c; c++)
		if (*c == '/' || (unsigned char)*c < 0x20)
			*c = '_';
}

/* Creates <dir>/<program>.<pid>[.<n>].trc: never follows a symlink, never overwrites. */
static int create_file(const char *exe, int pid, char path[4400])
{
	char name[256], *p;

	exe_basename(exe, name, sizeof(name));
	for (unsigned seq = 0; seq < 1000; seq++) {
		size_t dl = strlen(tt_cfg.output);

		memcpy(path, tt_cfg.output, dl);
		p = path + dl;
		*p++ = '/';
		memcpy(p, name, strlen(name));
		p += strlen(name);
		*p++ = '.';
		p = fmt_uint(p, (unsigned long)pid);
		if (seq) {
			*p++ = '.';
			p = fmt_uint(p, seq);
		}
		memcpy(p, ".trc", 5);

		int fd = tt_openat(AT_FDCWD, path,
				   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

		if (fd == -17 /* EEXIST */)
			continue;
		if (fd < 0) {
			tt_log("cannot create trace file %s (error %d); tracing disabled", path,
			       -fd);
			return fd;
		}
		return fd;
	}
	tt_log("cannot create a trace file in %s: too many exist; tracing disabled", tt_cfg.output);
	return -17;
}

/*
 * Moves one of our descriptors high, away from 0-2 and from the low numbers a program expects
 * to get from its next open(), with close-on-exec.  Returns the new number, or with must, -1
 * if there is none (else fd is kept where it is).
 */
int tt_fd_move_high(int fd, int must)
{
	struct rlimit rl;
	long base = 512;

	if (tt_sys2(SYS_getrlimit, RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (long)rl.rlim_cur / 2 < base)
		base = (long)rl.rlim_cur / 2;
	if (base < 3)
		base = 3;
	long nfd = tt_sys3(SYS_fcntl, fd, F_DUPFD_CLOEXEC, base);

	if (nfd < 0 && must)
		nfd = tt_sys3(SYS_fcntl, fd, F_DUPFD_CLOEXEC, fd + 1);
	if (nfd < 0 && !must)
		return fd;
	tt_close(fd);
	return nfd < 0 ? -1 : (int)nfd;
}

int tt_stream_open(int forked)
{
	static char exe[4096], buf[32768];
	uint8_t *p = field_buf, *end = field_buf + sizeof(field_buf);
	struct utsname un;
	struct timespec rt;
	uint64_t sync_tick, sync_ns;
	int pid = tt_getpid();
	long n;

	read_link("/proc/self/exe", exe, sizeof(exe));
	/*
	 * Everything the process record says is gathered before the file exists, so that the
	 * file is created and written in a few system calls: a process killed at its start
	 * (test suites do that) leaves a stream with its process record, rarely an empty file.
	 */
	tt_clock_sync(&sync_tick, &sync_ns);
	clock_gettime(CLOCK_REALTIME, &rt);
	p = put_num(p, TT_P_PID, (uint64_t)pid);
	p = put_num(p, TT_P_PPID, (uint64_t)tt_sys0(SYS_getppid));
	p = put_num(p, TT_P_START_NS, sync_ns);
	p = put_num(p, TT_P_START_REALTIME,
		    (uint64_t)rt.tv_sec * 1000000000u + (uint64_t)rt.tv_nsec);
	p = put_num(p, TT_P_CLOCK, tt_clock_tsc ? TT_CLOCK_TSC : TT_CLOCK_MONOTONIC);
	p = put_num(p, TT_P_CATEGORIES, tt_cfg.categories);
	p = put_num(p, TT_P_FORKED, (uint64_t)forked);
	p = put_num(p, TT_P_FLUSH_MS, tt_cfg.flush_ms);
	p = put_num(p, TT_P_BUFFER_KB, tt_cfg.buffer_kb);
	p = put_num(p, TT_P_DURATIONS, tt_cfg.durations);
	if (tt_cfg.stacks) {
		p = put_num(p, TT_P_STACKS, tt_cfg.stacks);
		p = put_num(p, TT_P_STACK_DEPTH, tt_cfg.stack_depth);
	}
	p = put_bytes(p, end, TT_P_EXE, exe, strlen(exe));
	n = read_file("/proc/self/cmdline", buf, sizeof(buf));
	if (n > 0)
		p = put_bytes(p, end, TT_P_ARGV, buf, (size_t)n);
	if (tt_sys1(SYS_uname, &un) == 0)
		p = put_bytes(p, end, TT_P_HOSTNAME, un.nodename, strlen(un.nodename));
	/* pids are unique within a boot only: with the boot id they key rows of many hosts */
	n = read_file("/proc/sys/kernel/random/boot_id", buf, 64);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	if (n > 0)
		p = put_bytes(p, end, TT_P_BOOT_ID, buf, (size_t)n);
	if (tt_cfg.run_id[0])
		p = put_bytes(p, end, TT_P_RUN_ID, tt_cfg.run_id, strlen(tt_cfg.run_id));
	if (tt_sys2(SYS_prctl, PR_GET_NAME, buf) == 0) {
		buf[16] = 0;
		p = put_bytes(p, end, TT_P_COMM, buf, strlen(buf));
	}
	p = put_bytes(p, end, TT_P_TRACER, "traceit " TT_VERSION, strlen("traceit " TT_VERSION));
	p = put_fds(p, end);

	uint8_t pre[TT_PREAMBLE_LEN] = { 0 };

	memcpy(pre, TT_MAGIC, TT_MAGIC_LEN);
	pre[8] = TT_FORMAT_VERSION & 0xff;
	pre[9] = TT_FORMAT_VERSION >> 8;
	pre[10] = TT_FORMAT_MIN_READER & 0xff; /* EVENTS chunks in columns */
	pre[11] = TT_FORMAT_MIN_READER >> 8;

	struct tt_chunk_header h = {
		.kind = TT_CHUNK_PROCESS,
		.payload_len = (uint32_t)(p - field_buf),
		.raw_len = (uint32_t)(p - field_buf),
		.sync_tick = sync_tick,
		.sync_ns = sync_ns,
	};
	static char path[4400];
	int fd = create_file(exe, pid, path);

	if (fd < 0)
		return fd;
	/* before the first state of the stream is made (a fork child's, just below) */
	tt_shm_create(path);
	refresh_fd_min();
	if (forked)
		tt_thread_share();
	out_fd = tt_fd_move_high(fd, 0);
	refresh_fd_min();

	int err = write_all(pre, sizeof(pre), NULL, 0);

	if (!err)
		err = tt_stream_write_chunk(&h, field_buf);
	if (err) {
		tt_log("cannot write the trace file (error %d); tracing disabled", -err);
		tt_stream_forget();
	}
	return err;
}

void tt_stream_write_end(int exit_kind, int status, uint64_t events, uint64_t lost, uint64_t chunks,
			 uint64_t threads)
{
	uint8_t *p = field_buf;
	uint64_t tick, ns;

	tt_clock_sync(&tick, &ns);
	p = put_num(p, TT_E_EVENTS, events);
	p = put_num(p, TT_E_LOST, lost);
	p = put_num(p, TT_E_END_NS, ns);
	p = put_num(p, TT_E_CHUNKS, chunks);
	p = put_num(p, TT_E_THREADS, threads);
	p = put_num(p, TT_E_EXIT_KIND, (uint64_t)exit_kind);
	p = put_num(p, TT_E_EXIT_STATUS, (uint64_t)(uint32_t)status);
	if (tt_cfg.stacks)
		p = put_num(p, TT_E_STACK_MASK, tt_stack_mask);

	struct tt_chunk_header h = {
		.kind = TT_CHUNK_END,
		.payload_len = (uint32_t)(p - field_buf),
		.raw_len = (uint32_t)(p - field_buf),
		.sync_tick = tick,
		.sync_ns = ns,
	};

	tt_stream_write_chunk(&h, field_buf);
}
