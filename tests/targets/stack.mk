## tests/targets/stack.mk - targets of the call stack and function tracing tests (stacks.bats, functions.bats)
STACK_TARGETS = tests/targets/t_stacks tests/targets/t_stacks_cxx tests/targets/libttstk.so
tests_targets_t_stacks_CFLAGS = $(TT_TARGET_CFLAGS) -O1 -fno-omit-frame-pointer
tests_targets_t_stacks_LDADD = $(DL_LIBS) -lpthread
tests_targets_t_stacks_cxx_SOURCES = tests/targets/t_stacks_cxx.cc
tests_targets_t_stacks_cxx_CXXFLAGS = -g -O1 -fno-builtin
# the plugin, built as a program linked -shared (see libttdl.so in net.mk)
tests_targets_libttstk_so_SOURCES = tests/targets/t_stacks_plugin.c
tests_targets_libttstk_so_CFLAGS = $(TT_TARGET_CFLAGS) -fPIC
tests_targets_libttstk_so_LDFLAGS = -Xcompiler -shared -Wl,-soname,libttstk.so
# programs built for function tracing (tests/functions.bats)
FUNC_TARGETS = tests/targets/t_func tests/targets/t_func_cxx
tests_targets_t_func_CFLAGS = $(TT_TARGET_CFLAGS) -finstrument-functions
tests_targets_t_func_LDADD = -lpthread
tests_targets_t_func_cxx_SOURCES = tests/targets/t_func_cxx.cc
tests_targets_t_func_cxx_CXXFLAGS = -g -O1 -finstrument-functions
