## tests/targets/net.mk - targets of the net family tests: sockets, waits, dlopen.
## t_net and t_wait are also built with _FORTIFY_SOURCE (recv -> __recv_chk, recvfrom ->
## __recvfrom_chk, poll -> __poll_chk, ppoll -> __ppoll_chk): the counts must not change.
## libttdl.so is the library t_dl opens; t_dl finds it by bare name through its RUNPATH
## ($ORIGIN, the directory both are built in), which is what the dlopen wrapper must keep.
NET_TARGETS = \
	tests/targets/t_net tests/targets/t_net_fortify \
	tests/targets/t_wait tests/targets/t_wait_fortify \
	tests/targets/t_dl tests/targets/libttdl.so
TT_NET_FORTIFY_CFLAGS = -O2 -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2
tests_targets_t_net_CFLAGS = $(TT_TARGET_CFLAGS)
tests_targets_t_net_LDADD = -lpthread
tests_targets_t_net_fortify_SOURCES = tests/targets/t_net.c
tests_targets_t_net_fortify_CFLAGS = $(TT_TARGET_CFLAGS) $(TT_NET_FORTIFY_CFLAGS)
tests_targets_t_net_fortify_LDADD = -lpthread
tests_targets_t_wait_CFLAGS = $(TT_TARGET_CFLAGS)
tests_targets_t_wait_fortify_SOURCES = tests/targets/t_wait.c
tests_targets_t_wait_fortify_CFLAGS = $(TT_TARGET_CFLAGS) $(TT_NET_FORTIFY_CFLAGS)
tests_targets_t_dl_CFLAGS = $(TT_TARGET_CFLAGS)
tests_targets_t_dl_LDADD = $(DL_LIBS)
tests_targets_t_dl_LDFLAGS = -Wl,--enable-new-dtags -Wl,-rpath,'$$ORIGIN'
## A shared library built as a program: libtool would take a bare -shared as its own option.
tests_targets_libttdl_so_SOURCES = tests/targets/t_dl_lib.c
tests_targets_libttdl_so_CFLAGS = $(TT_TARGET_CFLAGS) -fPIC
tests_targets_libttdl_so_LDFLAGS = -Xcompiler -shared -Wl,-soname,libttdl.so
