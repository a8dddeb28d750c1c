#!/usr/bin/env bats
# File I/O: open/openat/close/read/write with exact counts and bytes, whichever entry point
# (open64, __open_2, __read_chk) the program's build used.

load helpers

check_io() {
	local target=$1 f="$BATS_TEST_TMPDIR/data.bin"
	run traced "$T/$target" "$f" 100
	[ "$status" -eq 0 ]
	[ "$output" = "read 6400 bytes" ]
	to_json
	expect_eq "writes" 100 "$(count ".name == \"write\" and .args.path == \"$f\"")"
	expect_eq "bytes written" 6400 "$(jqj "[.traceEvents[] | select(.name == \"write\" and .args.path == \"$f\") | .args.bytes] | add")"
	# 100 reads of 64 bytes and the read that finds the end
	expect_eq "reads" 101 "$(count ".name == \"read\" and .args.path == \"$f\"")"
	expect_eq "bytes read" 6400 "$(jqj "[.traceEvents[] | select(.name == \"read\" and .args.path == \"$f\") | .args.bytes] | add")"
	expect_eq "open" 2 "$(count ".name == \"open\" and .args.path == \"$f\"")"
	expect_eq "openat" 1 "$(count ".name == \"openat\" and .args.path == \"$f\"")"
	expect_eq "close" 3 "$(count ".name == \"close\" and .args.path == \"$f\"")"
	expect_eq "failed open" 1 "$(count '.name == "open" and .args.path == "/nonexistent/traceit-test" and .args.errno == "ENOENT"')"
	expect_eq "failed close" 1 "$(count '.name == "close" and .args.fd == -1 and .args.errno == "EBADF"')"
}

@test "plain build: exact counts and bytes per path" {
	check_io t_io
}

@test "_FORTIFY_SOURCE=2 build (__open_2, __read_chk) counts the same" {
	run nm -D "$T/t_io_fortify"
	[[ "$output" == *"__read_chk"* ]]
	[[ "$output" == *"__open_2"* ]]
	check_io t_io_fortify
}

@test "_FILE_OFFSET_BITS=64 build (open64, openat64) counts the same" {
	run nm -D "$T/t_io_lfs"
	[[ "$output" == *"open64"* ]]
	check_io t_io_lfs
}

@test "errno seen by the program is the real one" {
	# t_io checks errno after a failing open (ENOENT) and close (EBADF): status 5 or 6 if not
	run traced "$T/t_io" "$BATS_TEST_TMPDIR/x" 1
	[ "$status" -eq 0 ]
}
