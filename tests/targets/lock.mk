## tests/targets/lock.mk - targets of the lock family tests
# t_lock: every lock function with forced contention; t_lock_oldcond: a program bound to the
# old condition variable ABI (pthread_cond_*@GLIBC_2.2.5 on x86_64).
LOCK_TARGETS = tests/targets/t_lock tests/targets/t_lock_oldcond
tests_targets_t_lock_CFLAGS = $(TT_TARGET_CFLAGS)
tests_targets_t_lock_LDADD = -lpthread
tests_targets_t_lock_oldcond_CFLAGS = $(TT_TARGET_CFLAGS)
tests_targets_t_lock_oldcond_LDADD = -lpthread
