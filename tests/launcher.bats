#!/usr/bin/env bats
# The traceit launcher: options, output folder, exit status, the closing message.

load helpers

@test "--help and --version" {
	run "$TRACEIT" --help
	[ "$status" -eq 0 ]
	[[ "$output" == Usage:* ]]
	run "$TRACEIT" --version
	[ "$status" -eq 0 ]
	[[ "$output" == "traceit "[0-9]* ]]
}

@test "bad usage: one clear line, status 125" {
	run "$TRACEIT"
	[ "$status" -eq 125 ]
	[[ "${lines[0]}" == *"no program to run"* ]]
	run "$TRACEIT" -e memory,bogus -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *"unknown category 'bogus'"* ]]
	run "$TRACEIT" --frobnicate true
	[ "$status" -eq 125 ]
}

@test "runs the program, returns its status, says where the trace is" {
	cd "$BATS_TEST_TMPDIR"
	run "$TRACEIT" -o D -- "$T/t_exit" exit
	[ "$status" -eq 7 ]
	[[ "$output" == *"1 trace file in D"* ]]
	[[ "$output" == *"traceit-convert -f perfetto -o D.pftrace D"* ]]
	ls D/t_exit.*.trc
}

@test "default output folder is named after the program, never reused" {
	cd "$BATS_TEST_TMPDIR"
	run "$TRACEIT" -- "$T/t_exit" return
	[ "$status" -eq 7 ]
	[ -d traceit-t_exit ]
	run "$TRACEIT" -- "$T/t_exit" return
	[ -d traceit-t_exit.2 ]
	[ "$(ls traceit-t_exit | wc -l)" -eq 1 ]
}

@test "-e restricts the categories recorded" {
	cd "$BATS_TEST_TMPDIR"
	run "$TRACEIT" -q -o D -e io -- "$T/t_io" "$BATS_TEST_TMPDIR/f" 3
	[ "$status" -eq 0 ]
	to_json D
	expect_eq "no memory events" 0 "$(count '.cat == "memory"')"
	[ "$(count '.cat == "io"')" -gt 0 ]
}

@test "signals: 128+N; missing program: 127" {
	run "$TRACEIT" -q -o "$OUT" -- "$T/t_exit" signal
	[ "$status" -eq 143 ]
	run "$TRACEIT" -q -o "$OUT" -- /nonexistent/program
	[ "$status" -eq 127 ]
	[[ "$output" == *"cannot run /nonexistent/program"* ]]
}

@test "LD_PRELOAD the user had is kept, after ours" {
	run env LD_PRELOAD=libm.so.6 "$TRACEIT" -q -o "$OUT" -- sh -c 'echo "$LD_PRELOAD"'
	[ "$status" -eq 0 ]
	[[ "$output" == *libtraceit.so:libm.so.6 ]]
}

@test "a statically linked program: said plainly, run untraced, status kept" {
	run "$TRACEIT" -o "$OUT" -- "$T/t_static" exit
	[ "$status" -eq 7 ]
	[[ "$output" == *"t_static is statically linked"*"cannot be traced"* ]]
	[[ "$output" != *"no trace was written"* ]]
}
