/*
 * shm.c - the shared-buffer file (rings.h): thread states mapped from a file in shared
 * memory, so that what a process had not written yet outlives it, however it dies.
 *
 * Its descriptor is opened at start (a sandbox the program enters later may forbid opening
 * files) and kept high, hidden from the program like the trace's (stream.c).  Every block of a
 * region is reserved with fallocate before it is mapped, because a store into a shared
 * mapping whose blocks the filesystem cannot supply raises SIGBUS in the program
 * (Documentation/filesystems/tmpfs.rst); when that fails the state is private memory, as it
 * was before this file existed, and the program is told once.
 */
#include "tt.h"
#include "sys.h"
#include "rings.h"
#include "shm.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>

#define PAGE 4096

static char shm_path[512];	  /* the file, "" when there is none */
static char link_path[4400];	  /* the link beside the stream */
static uint64_t shm_size;	  /* bytes the file has: its header page, then the regions */
static int shm_full;		  /* a region could not be reserved: no more are tried */
static struct tt_rings_file *hdr; /* the file's first page, mapped */
static int shm_fd = -1;

int tt_shm_fd(void)
{
	return shm_fd;
}

/* The program took its number (dup2): fd is where it is now, -1 if nowhere. */
void tt_shm_set_fd(int fd)
{
	shm_fd = fd;
	if (fd < 0)
		shm_full = 1;
}

static char *put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n + 1);
	return p + n;
}

/*
 * Growing a file past RLIMIT_FSIZE (ftruncate, fallocate) queues SIGXFSZ, whose default
 * action would end the program: blocked meanwhile and taken back if it came.
 */
static long guarded(long nr, int fd, uint64_t a, uint64_t b)
{
	uint64_t set = 1ull << (SIGXFSZ - 1), old, before = 0, after = 0;
	long r;

	tt_sys4(SYS_rt_sigprocmask, SIG_BLOCK, &set, &old, 8);
	tt_sys2(SYS_rt_sigpending, &before, 8);
	r = nr == SYS_fallocate ? tt_sys4(SYS_fallocate, fd, 0, a, b)
				: tt_sys2(SYS_ftruncate, fd, a);
	tt_sys2(SYS_rt_sigpending, &after, 8);
	if ((after & set) && !(before & set)) {
		struct timespec zero = { 0, 0 };

		tt_sys4(SYS_rt_sigtimedwait, &set, NULL, &zero, 8);
	}
	tt_sys4(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, 8);
	return r;
}

static long reserve(int fd, uint64_t off, uint64_t len)
{
	return guarded(SYS_fallocate, fd, off, len);
}

static long set_size(int fd, uint64_t size)
{
	return guarded(SYS_ftruncate, fd, size, 0);
}

static const char *why(long err)
{
	return err == -ENOSPC			 ? "no space"
	       : err == -EFBIG			 ? "file size limit"
	       : err == -ENOENT			 ? "no such folder"
	       : err == -EACCES || err == -EPERM ? "permission denied"
	       : err == -EOPNOTSUPP		 ? "not supported there"
						 : "error";
}

void tt_shm_create(const char *stream_path)
{
	struct tt_rings_file head = { .magic = TT_RINGS_MAGIC, .version = TT_RINGS_VERSION };
	uint64_t tick, ns;
	char *p;
	long fd, err;
	size_t n = strlen(stream_path);

	shm_path[0] = 0;
	shm_size = 0;
	shm_full = 0;
	if (hdr) /* a fork child: the parent's */
		tt_munmap(hdr, PAGE);
	hdr = NULL;
	if (shm_fd >= 0)
		tt_close(shm_fd);
	shm_fd = -1;
	if (!tt_cfg.shm_dir[0] || n < 4 || n + 3 > sizeof(link_path))
		return;
	tt_clock_sync(&tick, &ns);
	p = put_str(shm_path, tt_cfg.shm_dir);
	p = put_str(p, "/traceit-");
	p = tt_fmt_num(p, p + 20, (uint64_t)tt_getpid(), 0, 10);
	p = put_str(p, "-");
	p = tt_fmt_num(p, p + 20, ns, 0, 10);
	put_str(p, ".rings");
	memcpy(link_path, stream_path, n - 4);
	put_str(link_path + n - 4, ".rings");

	fd = tt_openat(AT_FDCWD, shm_path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		       0600);
	if (fd < 0) {
		err = fd;
		goto fail;
	}
	head.pid = (uint32_t)tt_getpid();
	err = reserve((int)fd, 0, PAGE);
	if (!err && tt_sys4(SYS_pwrite64, fd, &head, sizeof(head), 0) != sizeof(head))
		err = -EIO;
	if (!err) {
		long r = tt_sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

		if (r < 0 && r > -4096)
			err = r;
		else
			hdr = (struct tt_rings_file *)r;
	}
	if (!err)
		err = tt_sys3(SYS_symlinkat, shm_path, AT_FDCWD, link_path);
	if (!err && (fd = tt_fd_move_high((int)fd, 0)) < 0)
		err = fd;
	if (err) {
		if (fd >= 0)
			tt_close((int)fd);
		tt_sys3(SYS_unlinkat, AT_FDCWD, shm_path, 0);
		if (hdr)
			tt_munmap(hdr, PAGE);
		hdr = NULL;
		goto fail;
	}
	shm_fd = (int)fd;
	shm_size = PAGE;
	return;
fail:
	tt_log("cannot keep the buffers in %s (%s, error %d): if the process is killed, what it "
	       "had not written yet is lost",
	       tt_cfg.shm_dir, why(err), (int)-err);
	shm_path[0] = 0;
}

/*
 * The region's bytes past rsv are a hole until the ring reaches them (tt_shm_reserve): a
 * thread that records little, as most of a thread-churning program's do, costs the memory it
 * uses, not its whole ring, as with private memory.
 */
void *tt_shm_map(size_t len, size_t rsv, uint64_t *off)
{
	long err, r;

	if (!shm_path[0] || shm_full || shm_fd < 0)
		return NULL;
	len = (len + PAGE - 1) & ~(size_t)(PAGE - 1);
	rsv = rsv > len ? len : (rsv + PAGE - 1) & ~(size_t)(PAGE - 1);
	err = set_size(shm_fd, shm_size + len);
	if (!err)
		err = reserve(shm_fd, shm_size, rsv);
	r = err ? -1
		: tt_sys6(SYS_mmap, 0, len, PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd, shm_size);
	if (err || (r < 0 && r > -4096)) {
		if (!err)
			err = r;
		/* blocks reserved in part go back: nothing maps them */
		set_size(shm_fd, shm_size);
		goto fail;
	}
	*off = shm_size;
	shm_size += len;
	return (void *)r;
fail:
	shm_full = 1;
	tt_log("cannot reserve %lu KB in %s for a thread's buffer (%s, error %d): if the "
	       "process is killed, what such threads had not written yet is lost",
	       (unsigned long)(len >> 10), tt_cfg.shm_dir, why(err), (int)-err);
	return NULL;
}

int tt_shm_on(void)
{
	return shm_path[0] && !shm_full && shm_fd >= 0;
}

long tt_shm_reserve(uint64_t off, uint64_t len)
{
	if (shm_fd < 0)
		return -EBADF;
	return reserve(shm_fd, off, len);
}

void tt_shm_sync(uint64_t tick, uint64_t ns)
{
	if (!hdr)
		return;
	uint32_t slot =
		atomic_load_explicit((_Atomic uint32_t *)&hdr->sync_idx, memory_order_relaxed) ^ 1;

	hdr->sync[slot].tick = tick;
	hdr->sync[slot].ns = ns;
	atomic_store_explicit((_Atomic uint32_t *)&hdr->sync_idx, slot, memory_order_release);
}

void tt_shm_remove(void)
{
	if (!shm_path[0])
		return;
	tt_sys3(SYS_unlinkat, AT_FDCWD, link_path, 0);
	tt_sys3(SYS_unlinkat, AT_FDCWD, shm_path, 0);
	shm_path[0] = 0;
}

/*
 * A fork child shares its parent's file mappings: every state it keeps gets memory of its
 * own at the same address before anything is written there, holding keep bytes of content
 * (else of the region itself); the ring's contents are the parent's to write.  private:
 * anonymous memory, else a region of the child's own file.  Returns 0, or -1 if the region
 * could not be replaced.
 */
int tt_shm_rebind(void *region, size_t len, const void *content, size_t keep, int private,
		  size_t rsv, uint64_t *off)
{
	uint8_t save[PAGE]; /* a thread's state: RING_OFF (thread.c) */
	long r;

	if (keep > sizeof(save))
		return -1;
	memcpy(save, content ? content : region, keep);
	if (private) {
		r = tt_sys6(SYS_mmap, region, len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	} else {
		len = (len + PAGE - 1) & ~(size_t)(PAGE - 1);
		rsv = rsv > len ? len : (rsv + PAGE - 1) & ~(size_t)(PAGE - 1);
		if (!tt_shm_on() || set_size(shm_fd, shm_size + len) ||
		    reserve(shm_fd, shm_size, rsv))
			return -1;
		r = tt_sys6(SYS_mmap, region, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			    shm_fd, shm_size);
		if (r >= 0 || r <= -4096) {
			*off = shm_size;
			shm_size += len;
		}
	}
	if (r < 0 && r > -4096)
		return -1;
	memcpy(region, save, keep);
	return 0;
}
