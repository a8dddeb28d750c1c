/*
 * wrap_dl.c - loading libraries: dlopen, dlclose.
 *
 * dlsym is not wrapped (dlfcn/dlsym.c hands its caller's address to _dl_sym).  So
 * does dlopen, which is wrapped anyway, so it has to put back what the wrapper hides.  glibc
 * takes the calling object (found from the return address) for two things:
 *  - a name without a slash is searched in that object's DT_RPATH (when it has no DT_RUNPATH),
 *    LD_LIBRARY_PATH, that object's DT_RUNPATH, ld.so.cache, then the system directories;
 *  - $ORIGIN in the name is that object's directory.
 * Called from here, the caller would be libtraceit: a program that loads its plugins through
 * its RUNPATH or $ORIGIN would fail under traceit (the fate of other preloads, google/
 * sanitizers#1219, libTAS#399).  So the wrapper searches the directories the caller has and
 * libtraceit has not (dlinfo RTLD_DI_SERINFO tells both lists) before handing the name to
 * glibc, and expands $ORIGIN itself.  What stays different: an object found in such a
 * directory that then fails to load (a missing dependency) makes the search go on where
 * glibc would stop with that error, and a caller in another link-map namespace (dlmopen) is
 * served in the base namespace.
 *
 * dlopen reports errors through dlerror, not errno: a failed dlopen records errno 0.
 */
#include "wrap.h"
#include "sys.h"

#include <dlfcn.h>
#include <link.h>
#include <string.h>
#include <sys/auxv.h>

TT_REAL(dlclose, NULL);

#define TT_DL_PATH 4096

/* The search list of a loaded object, in buf when it fits, else mapped (*mapped its size). */
static Dl_serinfo *search_list(void *handle, void *buf, size_t len, size_t *mapped)
{
	Dl_serinfo size, *si = buf;

	*mapped = 0;
	if (dlinfo(handle, RTLD_DI_SERINFOSIZE, &size) != 0)
		return NULL;
	if (size.dls_size > len) {
		si = tt_mmap(size.dls_size);
		if (!si)
			return NULL;
		*mapped = size.dls_size;
	}
	si->dls_size = size.dls_size;
	si->dls_cnt = size.dls_cnt;
	if (dlinfo(handle, RTLD_DI_SERINFO, si) != 0) {
		if (*mapped)
			tt_munmap(si, *mapped);
		return NULL;
	}
	return si;
}

/* dir + "/" + name into path; 0 if it does not fit */
static int join(char *path, const char *dir, size_t dlen, const char *name)
{
	size_t nlen = strlen(name);

	if (dlen + 1 + nlen >= TT_DL_PATH)
		return 0;
	memcpy(path, dir, dlen);
	path[dlen] = '/';
	memcpy(path + dlen + 1, name, nlen + 1);
	return 1;
}

static int exists(const char *path)
{
	return tt_sys4(SYS_faccessat, -100 /* AT_FDCWD */, path, 0 /* F_OK */, 0) == 0;
}

/*
 * A name without a slash, from caller (its link map): first what is loaded already (glibc
 * matches loaded objects by name before any search), then the directories of the caller's
 * list that libtraceit's list lacks, up to the system directories the two lists end with;
 * NULL when not found there, and glibc's own search takes over.  Not inlined (nor is
 * expand_origin): their buffers are never live at the same time, the stack holds one set.
 */
__attribute__((noinline)) static void *open_from_callers_path(struct link_map *caller,
							      const char *file, int mode)
{
	union {
		Dl_serinfo si;
		char bytes[2048];
	} cbuf, obuf;
	struct link_map *own = NULL;
	Dl_info info;
	size_t cmap, omap;
	void *h = NULL;

	if (!dladdr1((void *)open_from_callers_path, &info, (void **)&own, RTLD_DL_LINKMAP) ||
	    own == caller)
		return NULL;
	Dl_serinfo *cs = search_list(caller, &cbuf, sizeof(cbuf), &cmap);
	Dl_serinfo *os = cs ? search_list(own, &obuf, sizeof(obuf), &omap) : NULL;

	if (os) {
		unsigned nc = cs->dls_cnt, no = os->dls_cnt, common = 0;

		while (common < nc && common < no &&
		       !strcmp(cs->dls_serpath[nc - 1 - common].dls_name,
			       os->dls_serpath[no - 1 - common].dls_name))
			common++;
		if (common < nc)
			h = tt_real.dlopen(file, mode | RTLD_NOLOAD);
		for (unsigned i = 0; !h && i < nc - common; i++) {
			const char *dir = cs->dls_serpath[i].dls_name;
			char path[TT_DL_PATH];

			if (join(path, dir, strlen(dir), file) && exists(path))
				h = tt_real.dlopen(path, mode);
		}
		if (omap)
			tt_munmap(os, omap);
	}
	if (cs && cmap)
		tt_munmap(cs, cmap);
	return h;
}

/* The directory $ORIGIN stands for in the caller: 0 if unknown */
static size_t origin_of(struct link_map *caller, char *dir)
{
	size_t len;

	if (caller->l_name && caller->l_name[0] == '/') {
		len = strlen(caller->l_name);
		if (len >= TT_DL_PATH)
			return 0;
		memcpy(dir, caller->l_name, len);
	} else if (caller->l_name && caller->l_name[0] == '\0') {
		/* the main program: glibc takes /proc/self/exe */
		long r = tt_sys4(SYS_readlinkat, -100, "/proc/self/exe", dir, TT_DL_PATH - 1);

		if (r <= 0 || dir[0] != '/')
			return 0;
		len = (size_t)r;
	} else {
		return 0;
	}
	while (len > 1 && dir[len - 1] != '/')
		len--;
	return len > 1 ? len - 1 : 1;
}

/* Length of an $ORIGIN or ${ORIGIN} token at s (which points at the '$'), else 0 */
static size_t origin_token(const char *s)
{
	if (!strncmp(s, "${ORIGIN}", 9))
		return 9;
	if (!strncmp(s, "$ORIGIN", 7)) {
		char c = s[7];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return 7;
	}
	return 0;
}

/* file with every $ORIGIN replaced by the caller's directory into out; 0 if not done */
__attribute__((noinline)) static int expand_origin(struct link_map *caller, const char *file,
						   char *out)
{
	char dir[TT_DL_PATH];
	size_t dlen = 0, o = 0;

	for (const char *s = file; *s;) {
		size_t tok = *s == '$' ? origin_token(s) : 0;

		if (!tok) {
			if (o + 1 >= TT_DL_PATH)
				return 0;
			out[o++] = *s++;
			continue;
		}
		if (!dlen && !(dlen = origin_of(caller, dir)))
			return 0;
		if (o + dlen >= TT_DL_PATH)
			return 0;
		memcpy(out + o, dir, dlen);
		o += dlen;
		s += tok;
	}
	out[o] = '\0';
	return 1;
}

/* dlopen as the caller would have done it */
static void *open_as(const void *ret_addr, const char *file, int mode)
{
	struct link_map *caller = NULL;
	Dl_info info;

	/* The common case, a path without $: glibc takes it as it is, whoever calls. */
	if (!file || (strchr(file, '/') && !strchr(file, '$')) ||
	    !dladdr1(ret_addr, &info, (void **)&caller, RTLD_DL_LINKMAP) || !caller)
		return tt_real.dlopen(file, mode);
	/*
	 * In secure mode glibc allows $ORIGIN only in trusted directories: leave the expansion to
	 * it.  Its search lists (used below) are already filtered for secure mode.
	 */
	if (strchr(file, '$') && !getauxval(AT_SECURE)) {
		char path[TT_DL_PATH];

		if (expand_origin(caller, file, path) && strcmp(path, file))
			return tt_real.dlopen(path, mode);
	}
	if (!strchr(file, '/')) {
		void *h = open_from_callers_path(caller, file, mode);

		if (h)
			return h;
	}
	return tt_real.dlopen(file, mode);
}

/* The module list for symbolising stacks (modules.c); errno is the program's. */
static void modules_changed(void)
{
	int e = errno;

	tt_modules_snapshot(tt_now());
	errno = e;
}

TT_EXPORT void *dlopen(const char *file, int mode)
{
	const void *ret_addr = __builtin_extract_return_addr(__builtin_return_address(0));

	TT_NEED_OR(dlopen, NULL);
	struct tt_thread *t = tt_enter(TT_CAT_PROCESS);

	if (!t) {
		void *h = open_as(ret_addr, file, mode);

		if (tt_stack_mask)
			modules_changed();
		return h;
	}
	uint64_t t0 = tt_now();
	void *h = open_as(ret_addr, file, mode);
	uint64_t t1 = tt_now();
	int e = errno;

	if (tt_stack_mask)
		modules_changed();
	uint64_t args[TT_MAX_ARGS] = { 0, (unsigned)mode, 0, 0, 0 };
	const char *strs[TT_MAX_ARGS] = { file, NULL, NULL, NULL, NULL };

	tt_record_args(t, TT_EV_DLOPEN, t0, t1, h == NULL, 0, TT_U(h), args, strs);
	errno = e;
	return h;
}

TT_EXPORT int dlclose(void *handle)
{
	TT_NEED_REAL(dlclose, -1);
	struct tt_thread *t = tt_enter(TT_CAT_PROCESS);

	if (!t) {
		int ret = real_dlclose(handle);

		if (tt_stack_mask)
			modules_changed();
		return ret;
	}
	uint64_t t0 = tt_now();
	int ret = real_dlclose(handle);
	uint64_t t1 = tt_now();
	int e = errno;

	if (tt_stack_mask)
		modules_changed();

	tt_record(t, TT_EV_DLCLOSE, t0, t1, ret != 0, 0, 2, TT_S(ret), TT_U(handle), 0, 0, 1);
	errno = e;
	return ret;
}
