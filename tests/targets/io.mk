## tests/targets/io.mk - targets of the io family tests
IO_TARGETS =
