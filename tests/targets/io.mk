## tests/targets/io.mk - targets of the io family tests (fileio.bats, stdio.bats)
#
# t_fileio and t_stdio are each built four or three ways: plainly, with _FORTIFY_SOURCE
# (pread -> __pread_chk, fread -> __fread_chk, printf -> __printf_chk), with 64-bit offsets
# (pread -> pread64, fopen -> fopen64, stat -> stat64) and, for t_fileio, with both
# (pread -> __pread64_chk).  The trace must count the same calls whichever entry point the
# build uses.  t_xstat calls the pre-2.33 stat entry points (__xstat...) directly.
IO_TARGETS = \
	tests/targets/t_fileio tests/targets/t_fileio_fortify tests/targets/t_fileio_lfs \
	tests/targets/t_fileio_fortify_lfs \
	tests/targets/t_stdio tests/targets/t_stdio_fortify tests/targets/t_stdio_lfs \
	tests/targets/t_xstat

TT_FORTIFY_CFLAGS = -O2 -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2
TT_LFS_CFLAGS = -D_FILE_OFFSET_BITS=64

tests_targets_t_fileio_CFLAGS = $(TT_TARGET_CFLAGS)
tests_targets_t_fileio_fortify_SOURCES = tests/targets/t_fileio.c
tests_targets_t_fileio_fortify_CFLAGS = $(TT_TARGET_CFLAGS) $(TT_FORTIFY_CFLAGS)
tests_targets_t_fileio_lfs_SOURCES = tests/targets/t_fileio.c
tests_targets_t_fileio_lfs_CFLAGS = $(TT_TARGET_CFLAGS) $(TT_LFS_CFLAGS)
tests_targets_t_fileio_fortify_lfs_SOURCES = tests/targets/t_fileio.c
tests_targets_t_fileio_fortify_lfs_CFLAGS = \
	$(TT_TARGET_CFLAGS) $(TT_FORTIFY_CFLAGS) $(TT_LFS_CFLAGS)

tests_targets_t_stdio_CFLAGS = $(TT_TARGET_CFLAGS)
tests_targets_t_stdio_fortify_SOURCES = tests/targets/t_stdio.c
tests_targets_t_stdio_fortify_CFLAGS = $(TT_TARGET_CFLAGS) $(TT_FORTIFY_CFLAGS)
tests_targets_t_stdio_lfs_SOURCES = tests/targets/t_stdio.c
tests_targets_t_stdio_lfs_CFLAGS = $(TT_TARGET_CFLAGS) $(TT_LFS_CFLAGS)

tests_targets_t_xstat_CFLAGS = $(TT_TARGET_CFLAGS)
