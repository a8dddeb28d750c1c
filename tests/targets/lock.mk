## tests/targets/lock.mk - targets of the lock family tests
LOCK_TARGETS =
