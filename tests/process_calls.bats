#!/usr/bin/env bats
# Processes beyond fork and exec: spawn, system, popen, the wait family, signals delivered to
# the program's handlers, and the other thread calls; each counted exactly.

load helpers

@test "spawn, system, popen and the wait family, counted exactly" {
	run timeout 60 env TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_proc2"
	[ "$status" -eq 0 ]
	to_json
	main=$(jqj '[.traceEvents[] | select(.name == "posix_spawn")][0].pid')
	mine() { count ".pid == $main and $1"; }
	expect_eq posix_spawn 2 "$(mine '.name == "posix_spawn"')"
	expect_eq "posix_spawn failed" 1 "$(mine '.name == "posix_spawn" and .args.errno == "ENOENT"')"
	expect_eq "posix_spawn child pid" 1 "$(mine '.name == "posix_spawn" and .args.path == "/bin/true" and .args.pid > 0')"
	expect_eq posix_spawnp 1 "$(mine '.name == "posix_spawnp" and .args.argv == "true"')"
	expect_eq waitpid 2 "$(mine '.name == "waitpid"')"
	expect_eq "waitpid ECHILD" 1 "$(mine '.name == "waitpid" and .args.errno == "ECHILD"')"
	expect_eq wait 1 "$(mine '.name == "wait"')"
	expect_eq wait3 1 "$(mine '.name == "wait3" and .args.status == 1280')"
	expect_eq wait4 1 "$(mine '.name == "wait4" and .args.status == 1536')"
	expect_eq waitid 1 "$(mine '.name == "waitid" and .args.status == 7')"
	expect_eq system 1 "$(mine '.name == "system" and .args.command == "exit 3" and .args.result == 768')"
	expect_eq popen 1 "$(mine '.name == "popen" and .args.command == "echo popen-output"')"
	expect_eq pclose 1 "$(mine '.name == "pclose"')"
	# the spawned and forked children are traced processes of their own
	[ "$(jqj '[.traceEvents[] | select(.name == "process_name")] | length')" -ge 6 ]
}

@test "signals: kill, raise, and every delivery to the program's handlers" {
	run timeout 60 env TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_proc2"
	[ "$status" -eq 0 ]
	to_json
	main=$(jqj '[.traceEvents[] | select(.name == "posix_spawn")][0].pid')
	expect_eq raise 2 "$(count ".pid == $main and .name == \"raise\"")"
	expect_eq kill 3 "$(count ".pid == $main and .name == \"kill\"")"
	expect_eq "kill ESRCH" 1 "$(count ".pid == $main and .name == \"kill\" and .args.errno == \"ESRCH\"")"
	expect_eq "SIGUSR1 delivered" 2 "$(count ".pid == $main and .name == \"signal_delivered\" and .args.signal == 10")"
	expect_eq "SIGUSR2 delivered" 2 "$(count ".pid == $main and .name == \"signal_delivered\" and .args.signal == 12")"
	# deliveries are instants on the receiving thread
	expect_eq "as instants" 4 "$(count ".name == \"signal_delivered\" and .ph == \"i\" and .tid == $main")"
}

@test "thread calls: tryjoin, timedjoin, detach, cancel" {
	run timeout 60 env TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_proc2"
	[ "$status" -eq 0 ]
	to_json
	expect_eq tryjoin 1 "$(count '.name == "pthread_tryjoin_np" and .args.errno == "EBUSY"')"
	expect_eq timedjoin 1 "$(count '.name == "pthread_timedjoin_np" and .args.result == 0')"
	expect_eq detach 1 "$(count '.name == "pthread_detach" and .args.result == 0')"
	expect_eq cancel 1 "$(count '.name == "pthread_cancel" and .args.result == 0')"
	# the joined threads (the cancelled one among them) have ended before their join returned;
	# the detached one may still be finishing when main exits, untraced as well
	ends=$(count '.name == "thread_end"')
	[ "$ends" -ge 2 ] && [ "$ends" -le 3 ]
}

@test "fexecve and execveat: recorded before the exec, the new image traced" {
	for how in fexecve execveat; do
		rm -rf "$OUT"; mkdir -p "$OUT"
		run timeout 60 env TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_proc2" "$how" /bin/echo "hello $how"
		[ "$status" -eq 0 ]
		[ "$output" = "hello $how" ]
		ls "$OUT"/echo.*.trc
		to_json
		expect_eq "$how" 1 "$(count ".name == \"$how\" and .args.errno == null")"
	done
}

@test "a program's own signal handling is unchanged under the preload" {
	native=$("$T/t_proc2" 2>&1)
	traced_out=$(timeout 60 env TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_proc2" 2>&1)
	[ "$native" = "$traced_out" ]
}

@test "unshare(CLONE_NEWUSER) still succeeds although the tracer had a thread" {
	run "$T/t_unshare"
	[ "$status" -eq 0 ] || skip "user namespaces are not available here: $output"
	run traced "$T/t_unshare"
	[ "$status" -eq 0 ]
	[ "$output" = "unshare: ok" ]
	to_json
	expect_eq "after unshare" 1 "$(count '.name == "malloc" and .args.size == 6001')"
}

@test "a vfork child that resets the parent's signal handlers does not take them from the parent" {
	run "$T/t_vforksig"
	expect_eq "untraced" "1" "$output"
	run traced "$T/t_vforksig"
	expect_eq status 0 "$status"
	expect_eq "handler ran" "1" "$output"
}

@test "a signal handler on a small alternate stack (SA_ONSTACK, as CPython's) makes traced calls: no overflow, the call recorded" {
	run "$T/t_altstack"
	expect_eq "untraced" "ok" "$output"
	# a 1 ms flush interval: the first flush is due when the signal comes, in the handler
	TRACEIT_FLUSH_MS=1 run traced "$T/t_altstack"
	expect_eq status 0 "$status"
	expect_eq output "ok" "$output"
	to_json
	expect_eq "the handler's malloc" 1 "$(count '.name == "malloc" and .args.size == 7001')"
	expect_eq "the handler's write" 1 "$(count '.name == "write" and .args.count == 1')"
	expect_eq "the delivery" 1 "$(count '.name == "signal_delivered" and .args.signal == 14')"
}

# PROG MODE MAIN: a handler that PROG MODE leaves before its loop of 20000 malloc/free pairs,
# run untraced, then traced with 64 KiB buffers and memory stacks: every malloc recorded,
# none lost, and main's frame under the loop's calls (MAIN: a pattern of their count)
handler_left_intact() {
	local prog=$1 mode=$2 main=$3 mallocs folded

	run "$T/$prog" "$mode" 20000
	expect_eq "$prog $mode untraced" ok "$output"
	rm -rf "$OUT"; mkdir -p "$OUT"
	TRACEIT_BUFFER_KB=64 TRACEIT_STACKS=memory run traced "$T/$prog" "$mode" 20000
	expect_eq "$prog $mode status" 0 "$status"
	expect_eq "$prog $mode output" ok "$output"
	run "$CONVERT" -f summary "$OUT"
	expect_eq "$prog $mode converts" 0 "$status"
	[[ "$output" == *"lost by the recorder: 0"* ]]
	mallocs=$("$CONVERT" -f csv -o - "$OUT" | awk -F, '$7 == "malloc"' | wc -l)
	[ "$mallocs" -ge 20000 ] || { echo "$prog $mode: $mallocs mallocs"; false; }
	folded=$("$CONVERT" -f folded -o - "$OUT")
	[[ "$folded" =~ \;main\ $main($'\n'|$) ]] || { echo "$prog $mode: $folded"; false; }
}

@test "a handler left by siglongjmp (main stack, alternate stack, nested, within): nothing lost after it, stacks still taken" {
	# before the fix, the thread stayed "in a signal handler": no writer started, no stacks,
	# and its events lost once its 64 KiB ring was full
	for mode in main alt nested inner; do
		handler_left_intact t_sigjump "$mode" 40000
	done
}

@test "a C++ exception thrown out of a handler (main stack, alternate stack, caught within): nothing lost after it" {
	# before the fix, the catch left the thread "in a signal handler", as a jump did; main
	# also frees the exception it caught
	for mode in main alt; do
		handler_left_intact t_sigthrow "$mode" 40001
	done
	handler_left_intact t_sigthrow inner 40000
}

@test "signals that land in the tracer's own code: their handlers run after it, traced, and may jump" {
	# before the fix, a handler that ran inside a wrapper's or a hook's recording had its
	# calls pass untraced, and its siglongjmp left the thread marked busy: untraced for good
	run "$T/t_sigjump" busy 100
	expect_eq "untraced" "ok 300" "$output"
	for prog in t_sigjump t_sigjump_func; do
		for stacks in "" io; do
			rm -rf "$OUT"; mkdir -p "$OUT"
			TRACEIT_STACKS=$stacks run traced "$T/$prog" busy 20000
			expect_eq "$prog $stacks status" 0 "$status"
			expect_eq "$prog $stacks output" "ok 300" "$output"
			run "$CONVERT" -f summary "$OUT"
			expect_eq "$prog $stacks converts" 0 "$status"
			[[ "$output" == *"lost by the recorder: 0"* ]]
			"$CONVERT" -f csv -o "$BATS_TEST_TMPDIR/c.csv" "$OUT"
			expect_eq "$prog $stacks: the handlers' writes" 300 \
				"$(awk -F, '$7 == "write" && $12 == 3' "$BATS_TEST_TMPDIR/c.csv" | wc -l)"
			expect_eq "$prog $stacks: the deliveries" 300 \
				"$(awk -F, '$7 == "signal_delivered"' "$BATS_TEST_TMPDIR/c.csv" | wc -l)"
			expect_eq "$prog $stacks: the writes after them" 20000 \
				"$(awk -F, '$7 == "write" && $12 == 5' "$BATS_TEST_TMPDIR/c.csv" | wc -l)"
		done
	done
	# the handler's function, entered 300 times, each left by the jump
	expect_eq "tick_out's calls" 300 \
		"$(awk -F, '$6 == "function" && $7 == "tick_out"' "$BATS_TEST_TMPDIR/c.csv" | wc -l)"
}

@test "exit() from a handler, and a crash, on a small alternate stack: drained on the tracer's stack" {
	# the drain compresses (tens of KB of stack): on the program's 16 KB stack it overflowed
	run "$T/t_altstack" exit
	expect_eq "untraced exit" 7 "$status"
	run traced "$T/t_altstack" exit
	expect_eq "exit status" 7 "$status"
	to_json
	expect_eq "every malloc of the exit run" 50000 "$(count '.name == "malloc"')"
	rm -rf "$OUT"; mkdir -p "$OUT"
	run traced "$T/t_altstack" crash
	expect_eq "crash status" 139 "$status"
	to_json
	expect_eq "every malloc of the crash run" 50000 "$(count '.name == "malloc"')"
}
