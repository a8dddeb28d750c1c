#!/usr/bin/env bats
# Call stacks (TRACEIT_STACKS): captured in the program, symbolised by the converter, shown
# in the JSON args, the folded output and the summary.

load helpers

SRC="$TT_SRCDIR/tests/targets"

# line MARK FILE: the line number of the MARK comment in a target's source
line() {
	grep -n "$1" "$SRC/$2" | cut -d: -f1
}

# folded WEIGHT: the folded output of $OUT, a frame per source line, failing on any warning
folded() {
	local err="$BATS_TEST_TMPDIR/folded.err"
	"$CONVERT" -f folded --lines --weight="$1" "$OUT" 2>"$err" || { cat "$err" >&2; return 1; }
	if [ -s "$err" ]; then cat "$err" >&2; return 1; fi
}

@test "stacks are off by default: no stack in the trace" {
	traced "$T/t_stacks" >/dev/null
	to_json
	expect_eq "events with a stack" 0 "$(count '.args.stack != null')"
	run "$CONVERT" -f folded "$OUT"
	expect_eq status 0 "$status"
	expect_eq output "" "$output"
}

@test "folded output names the functions and lines of allocations, weighted by calls, bytes and leaks" {
	TRACEIT_STACKS=memory traced "$T/t_stacks" >/dev/null
	local site="main (t_stacks.c:$(line MARK_MAIN t_stacks.c));level1 (t_stacks.c:$(line MARK_LEVEL1 t_stacks.c));level2 (t_stacks.c:$(line MARK_LEVEL2 t_stacks.c));level3_alloc (t_stacks.c:$(line MARK_ALLOC t_stacks.c))"
	run folded calls
	expect_eq status 0 "$status"
	# the whole stack from _start, in order, then the weight
	echo "$output" | grep -F "$site 5"
	echo "$output" | grep -E "^_start;__libc_start_main[^;]*;__libc_start_call_main[^;]*;$(printf '%s' "$site" | sed 's/[][().*]/\\&/g') 5$"
	run folded bytes
	echo "$output" | grep -F "$site 3885"
	run folded leaked
	echo "$output" | grep -F "$site 1554"
	# only memory was asked for: no lock or I/O frames
	run folded time
	! echo "$output" | grep -F "lock_site (t_stacks.c:$(line MARK_LOCK t_stacks.c))"
	! echo "$output" | grep -F "read_site"
}

@test "JSON: each event carries its stack, innermost frame first" {
	TRACEIT_STACKS=all traced "$T/t_stacks" >/dev/null
	to_json
	expect_eq "malloc stacks" "level3_alloc (t_stacks.c:$(line MARK_ALLOC t_stacks.c))" \
		"$(jqj '[.traceEvents[] | select(.name == "malloc" and .args.size == 777)][0].args.stack[0]')"
	expect_eq "second frame" "level2 (t_stacks.c:$(line MARK_LEVEL2 t_stacks.c))" \
		"$(jqj '[.traceEvents[] | select(.name == "malloc" and .args.size == 777)][0].args.stack[1]')"
	expect_eq "all five" 5 "$(count '.name == "malloc" and .args.size == 777 and (.args.stack | length) >= 4')"
	expect_eq "read" "read_site (t_stacks.c:$(line MARK_READ t_stacks.c))" \
		"$(jqj '[.traceEvents[] | select(.name == "read" and .args.bytes == 4096)][0].args.stack[0]')"
}

@test "summary: top allocation, leak, lock-wait and I/O sites with their frames" {
	TRACEIT_STACKS=all traced "$T/t_stacks" >/dev/null
	run "$CONVERT" -f summary "$OUT"
	expect_eq status 0 "$status"
	alloc="level3_alloc (t_stacks.c:$(line MARK_ALLOC t_stacks.c))"
	echo "$output" | sed -n '/^Allocation sites (by bytes/,/^$/p' | grep -F "3.79 KiB in 5 allocations"
	echo "$output" | sed -n '/^Allocation sites (by bytes/,/^$/p' | grep -F "$alloc"
	echo "$output" | sed -n '/^Leak sites/,/^$/p' | grep -F "1.52 KiB in 2 blocks"
	echo "$output" | sed -n '/^Leak sites/,/^$/p' | grep -F "$alloc"
	echo "$output" | sed -n '/^Lock-wait sites/,/^$/p' | grep -F "lock_site (t_stacks.c:$(line MARK_LOCK t_stacks.c))"
	echo "$output" | sed -n '/^I\/O sites (by bytes/,/^$/p' | grep -F "8.00 KiB"
	echo "$output" | sed -n '/^I\/O sites (by bytes/,/^$/p' | grep -F "read_site (t_stacks.c:$(line MARK_READ t_stacks.c))"
}

@test "C++: demangled names of a class template method in a namespace" {
	TRACEIT_STACKS=memory traced "$T/t_stacks_cxx" >/dev/null
	run folded bytes
	expect_eq status 0 "$status"
	echo "$output" | grep -F "shapes::Grid<int>::grow(int) (t_stacks_cxx.cc:$(line MARK_CXX t_stacks_cxx.cc))"
	# 4 times new int[333]
	echo "$output" | grep -E "shapes::Grid<int>::grow\(int\) \(t_stacks_cxx.cc:[0-9]+\)(;[^;]*)* 5328$"
}

@test "folded frames are functions by default: one box per function, not per line" {
	TRACEIT_STACKS=memory traced "$T/t_stacks" >/dev/null
	run "$CONVERT" -f folded "$OUT"
	expect_eq status 0 "$status"
	echo "$output" | grep -E "(^|;)main;level1;level2;level3_alloc 5$"
	! echo "$output" | grep -F "(t_stacks.c:"
	run "$CONVERT" -f csv --lines "$OUT"
	expect_eq "--lines with csv" 2 "$status"
	echo "$output" | grep -F -- "--lines applies to the folded format only"
}

@test "a library loaded with dlopen: its frames resolve, and dlclose does not lose them" {
	TRACEIT_STACKS=memory traced "$T/t_stacks" "$T/libttstk.so" >/dev/null
	run folded bytes
	expect_eq status 0 "$status"
	echo "$output" | grep -E "plugin_alloc[^;]*;plugin_inner \(t_stacks_plugin.c:$(line MARK_PLUGIN t_stacks_plugin.c)\) 555$"
}

@test "a fork child's stream has its own stack table" {
	TRACEIT_STACKS=memory traced "$T/t_stacks" "$T/libttstk.so" fork >/dev/null
	expect_eq "files" 2 "$(ls "$OUT" | wc -l)"
	child="main (t_stacks.c:$(line MARK_CHILD t_stacks.c));level2 (t_stacks.c:$(line MARK_LEVEL2 t_stacks.c));level3_alloc"
	found=0
	# each file on its own: the child's must not need its parent's stacks
	for f in "$OUT"/*.trc; do
		run "$CONVERT" -f folded --lines "$f"
		expect_eq "status $f" 0 "$status"
		if echo "$output" | grep -qF "$child"; then found=$((found + 1)); fi
	done
	expect_eq "files with the child's stack" 1 "$found"
}

@test "libunwind's descriptors stay out of the program's way and survive closing everything" {
	plain=$(ls /proc/self/fd | sort -n | tr '\n' ' ')
	run env TRACEIT_STACKS=all TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" ls /proc/self/fd
	below=$(echo "$output" | sort -n | awk '$1 < 512' | wc -l)
	expect_eq "descriptors below 512" "$(ls /proc/self/fd | wc -l)" "$below"
	for how in close_range closefrom loop; do
		rm -rf "$OUT"; mkdir -p "$OUT"
		f="$BATS_TEST_TMPDIR/$how.txt"
		run bash -c "ulimit -n 1024; TRACEIT_STACKS=all TRACEIT_OUTPUT='$OUT' LD_PRELOAD='$LIB' '$T/t_closeall' '$how' '$f'"
		expect_eq "$how status" 0 "$status"
		expect_eq "$how stderr" "" "$output"
		[ "$(cat "$f")" = "$(printf 'before\nafter')" ]
		to_json
		expect_eq "$how events after, with stacks" 1000 "$(count '.name == "malloc" and .args.size == 7002 and .args.stack != null')"
	done
}

@test "bad --weight and --weight without -f folded are usage errors" {
	run "$CONVERT" -f folded --weight=heavy "$OUT"
	expect_eq status 2 "$status"
	expect_eq message "traceit-convert: --weight: 'heavy' is not calls, bytes, time or leaked" "$output"
	run "$CONVERT" -f json --weight=calls "$OUT"
	expect_eq status 2 "$status"
	[[ "$output" == *"--weight applies to the folded format only"* ]]
}

@test "launcher: -s records stacks, --stack-depth limits them" {
	run "$TRACEIT" -q -s --stack-depth=2 -o "$OUT" "$T/t_stacks"
	expect_eq status 0 "$status"
	to_json
	expect_eq "depth" 2 "$(jqj '[.traceEvents[] | select(.name == "malloc" and .args.size == 777)][0].args.stack | length')"
	run "$TRACEIT" -s --stack-depth=500 true
	expect_eq status 125 "$status"
}

@test "a signal handler that allocates while the thread is inside a traced call: no unwinding there, nothing breaks" {
	run env TRACEIT_STACKS=all TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_sigwork" 20000
	expect_eq status 0 "$status"
	to_json
}

@test "a library replaced since the run: one warning, its frames as module+offset, the rest resolved" {
	cp "$T/libttstk.so" "$BATS_TEST_TMPDIR/libttstk.so"
	TRACEIT_STACKS=memory traced "$T/t_stacks" "$BATS_TEST_TMPDIR/libttstk.so" >/dev/null
	# a different file under the same name: its build id no longer matches the recorded one
	cp "$T/t_stacks" "$BATS_TEST_TMPDIR/libttstk.so"
	run "$CONVERT" -f folded --lines --weight=bytes "$OUT"
	expect_eq status 0 "$status"
	[[ "$output" == *"libttstk.so: cannot read its symbols (build id differs"* ]]
	echo "$output" | grep -E ";libttstk\.so\+0x[0-9a-f]+;libttstk\.so\+0x[0-9a-f]+ 555$"
	echo "$output" | grep -F "level3_alloc (t_stacks.c:$(line MARK_ALLOC t_stacks.c)) 3885"
	expect_eq "warnings" 1 "$(echo "$output" | grep -c 'cannot read its symbols')"
}
