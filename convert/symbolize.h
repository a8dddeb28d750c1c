/*
 * symbolize.h - code addresses of a traced process to functions, source files and lines,
 * inlined calls included, read from the ELF files and their DWARF (elfutils).
 *
 * Modules are declared as the process mapped them (path, load bias, build id) and opened only
 * when an address in them is first resolved.  A file that is gone, or no longer the one the
 * process ran (its build id differs), is never read: its addresses stay "module+offset".
 * Results are cached, and stay valid until tt_sym_free().  Not thread-safe.
 *
 * Separate debug files are found by build id and .gnu_debuglink under the debuginfo path
 * (elfutils' default is ":.debug:/usr/lib/debug").  If DEBUGINFOD_URLS is set in the
 * environment, libdwfl also asks those servers for the debug files it cannot find locally.
 */
#ifndef TT_SYMBOLIZE_H
#define TT_SYMBOLIZE_H

#include <stddef.h>
#include <stdint.h>

struct tt_symbolizer;

struct tt_sym_frame {
	const char *function; /* demangled name, or NULL when unknown */
	const char *file;     /* source file (full path as in DWARF), or NULL */
	unsigned line;	      /* 0 when unknown */
	unsigned inlined;     /* 1 if this frame was inlined into the next (outer) one */
};

/* NULL on out of memory. */
struct tt_symbolizer *tt_sym_new(void);
void tt_sym_free(struct tt_symbolizer *s);

/*
 * Replaces elfutils' debuginfo path (the same syntax as eu-addr2line --debuginfo-path), for the
 * modules opened from now on.  NULL restores the default.  Returns 0, or -1 on out of memory.
 */
int tt_sym_set_debuginfo_path(struct tt_symbolizer *s, const char *path);

/*
 * At most n files are kept open (each holds up to three descriptors and its parsed DWARF);
 * opening one more closes the least recently used, which is reopened if needed again.  The
 * default is derived from RLIMIT_NOFILE.  Results already cached are kept either way.
 */
void tt_sym_set_max_open(struct tt_symbolizer *s, unsigned n);

/*
 * Declares a module mapped in the traced process: path as the process saw it (dl_iterate_phdr
 * dlpi_name, or /proc/self/exe's target for the main program), bias = dlpi_addr (load bias),
 * build_id = lowercase hex of NT_GNU_BUILD_ID as found in memory, or NULL/"" if none.
 * Returns a module handle >= 0, or -1 on out of memory (resolving -1 gives unknown frames).
 * Adding the same (path, bias, build_id) again returns the same handle.  Opens nothing.
 * Modules of one file at different biases (other processes) share the opened file and cache.
 */
int tt_sym_add_module(struct tt_symbolizer *s, const char *path, uint64_t bias,
		      const char *build_id);

/*
 * Resolves one code address of module m (absolute address in the traced process; the caller
 * already subtracted 1 from return addresses).  Sets *frames to an array of n >= 1 frames,
 * innermost first: the inlined frames (inlined = 1) then the function that contains the address.
 * Results are cached per (file, address); arrays and strings stay owned by the symbolizer and
 * valid until tt_sym_free.  Never fails: if nothing is known, one frame with function NULL.
 */
unsigned tt_sym_resolve(struct tt_symbolizer *s, int m, uint64_t addr,
			const struct tt_sym_frame **frames);

/*
 * Text for a frame that has no function name: "libfoo.so.1+0x1234" (basename of the module
 * path, offset of addr from the bias in hex).  Writes into buf, returns buf.
 */
const char *tt_sym_fallback(struct tt_symbolizer *s, int m, uint64_t addr, char *buf, size_t len);

/*
 * 0 if module m turned out unusable (missing, not ELF, build id mismatch...) when an address in
 * it was resolved; 1 if usable or not tried yet.  For one warning per module, not per address.
 */
int tt_sym_module_ok(struct tt_symbolizer *s, int m);
/* Why module m is unusable, for that warning; NULL if it is not (or not known yet). */
const char *tt_sym_module_error(struct tt_symbolizer *s, int m);

#endif /* TT_SYMBOLIZE_H */
