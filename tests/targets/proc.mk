## tests/targets/proc.mk - targets of the proc family tests
PROC_TARGETS =
