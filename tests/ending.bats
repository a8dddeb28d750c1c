#!/usr/bin/env bats
# However a process ends, the trace says how, with everything it recorded: the status main
# returns, two threads ending the process at once; and the recorder's descriptors stay out of
# the program's way as it closes what it finds open.

load helpers

@test "the status main returns is the one recorded" {
	run "$TRACEIT" -q -o "$OUT/f" -- false
	[ "$status" -eq 1 ]
	run "$CONVERT" -f summary "$OUT/f"
	[[ "$output" == *"exit 1        false (complete)"* ]]
	run traced "$T/t_ending" return 100
	[ "$status" -eq 3 ]
	run "$CONVERT" -f summary "$OUT"
	[[ "$output" == *"exit 3 "*"t_ending return 100 (complete)"* ]]
}

@test "two threads calling _exit at once: the second waits for the first one's drain" {
	for i in 1 2 3; do
		rm -rf "$OUT"; mkdir -p "$OUT"
		# a 64 MB buffer: the drain takes long enough for the second _exit to come during it
		run env TRACEIT_BUFFER_KB=65536 TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_ending" race 500000
		[ "$status" -eq 0 ]
		run "$CONVERT" -f summary "$OUT"
		expect_eq "run $i converts cleanly" 0 "$status"
		[[ "$output" == *"_exit 0 "*"(complete)"* ]]
		expect_eq "run $i mallocs" 500000 "$("$CONVERT" -f csv -o - "$OUT" | awk -F, '$7 == "malloc"' | wc -l)"
	done
}

@test "closing every descriptor /proc/self/fd lists succeeds as it does untraced" {
	run "$T/t_ending" listfd
	expect_eq native 0 "$status"
	run traced "$T/t_ending" listfd
	expect_eq traced 0 "$status"
	[ -z "$output" ]
	# and the trace is intact
	run "$CONVERT" -f summary "$OUT"
	[ "$status" -eq 0 ]
}

@test "the recorder's descriptors: not listed in /proc/self/fd, fstatat(AT_EMPTY_PATH) as fstat" {
	native=$(/usr/bin/python3 -c 'import os; print(len(os.listdir("/proc/self/fd")))')
	expect_eq "listed" "$native" "$(traced /usr/bin/python3 -c 'import os; print(len(os.listdir("/proc/self/fd")))')"
	expect_eq "ls" "$(ls /proc/self/fd | wc -l)" "$(traced ls /proc/self/fd | wc -l)"
	# a listing by the raw system call shows it: fstat and fstatat agree that it is not there
	run traced "$T/t_ending" probe
	[ "$status" -eq 0 ] && [ -z "$output" ]
}
