## tests/targets/proc.mk - targets of the process, signal and thread tests
PROC_TARGETS = tests/targets/t_proc2
tests_targets_t_proc2_CFLAGS = $(TT_TARGET_CFLAGS)
tests_targets_t_proc2_LDADD = -lpthread
PROC_TARGETS += tests/targets/t_unshare
tests_targets_t_unshare_CFLAGS = $(TT_TARGET_CFLAGS)
tests_targets_t_unshare_LDADD = -lpthread
PROC_TARGETS += tests/targets/t_closeall
tests_targets_t_closeall_CFLAGS = $(TT_TARGET_CFLAGS)
PROC_TARGETS += tests/targets/t_churn
tests_targets_t_churn_CFLAGS = $(TT_TARGET_CFLAGS)
tests_targets_t_churn_LDADD = -lpthread
PROC_TARGETS += tests/targets/t_stress
tests_targets_t_stress_CFLAGS = $(TT_TARGET_CFLAGS)
tests_targets_t_stress_LDADD = -lpthread
PROC_TARGETS += tests/targets/t_ctor tests/targets/t_sigwork tests/targets/libttearly.so
tests_targets_t_ctor_CFLAGS = $(TT_TARGET_CFLAGS)
tests_targets_t_ctor_LDADD = $(DL_LIBS)
tests_targets_t_sigwork_CFLAGS = $(TT_TARGET_CFLAGS)
# another preload, built as a program linked -shared (see libttdl.so in net.mk)
tests_targets_libttearly_so_SOURCES = tests/targets/t_early_lib.c
tests_targets_libttearly_so_CFLAGS = $(TT_TARGET_CFLAGS) -fPIC
tests_targets_libttearly_so_LDFLAGS = -Xcompiler -shared -Wl,-soname,libttearly.so
tests_targets_libttearly_so_LDADD = $(DL_LIBS) -lpthread
PROC_TARGETS += tests/targets/t_fdlimit
tests_targets_t_fdlimit_CFLAGS = $(TT_TARGET_CFLAGS)
PROC_TARGETS += tests/targets/t_vforksig
tests_targets_t_vforksig_CFLAGS = $(TT_TARGET_CFLAGS)
