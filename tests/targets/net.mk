## tests/targets/net.mk - targets of the net family tests
NET_TARGETS =
