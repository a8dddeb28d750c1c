#!/usr/bin/env bats
# Waits and time: every sleep, poll, select, epoll wait, yield and futex call once, with the
# requested time in nanoseconds, whichever entry point (poll or __poll_chk) the build used.
# sleep and usleep sleep through glibc's internal nanosleep: one event each, no nanosleep.
# syscall() records futex only, and passes every other call through with its errno.

load helpers

K=6

check_wait() {
	local target=$1
	run traced "$T/$target" $K
	[ "$status" -eq 0 ]
	local word
	word=$(sed -n 's/^futex_word //p' <<<"$output")
	[ -n "$word" ]
	to_json

	expect_eq nanosleep $K "$(count '.name == "nanosleep"')"
	expect_eq "nanosleep 1 ms" $K "$(count '.name == "nanosleep" and .args.request_ns == 1000000 and .args.result == 0')"
	expect_eq clock_nanosleep 2 "$(count '.name == "clock_nanosleep"')"
	expect_eq "clock_nanosleep 1 us" 1 "$(count '.name == "clock_nanosleep" and .args.clock == 1 and .args.flags == "0x0" and .args.request_ns == 1000 and .args.result == 0')"
	# it returns the error number; the trace shows it as both result and errno
	expect_eq "clock_nanosleep EINVAL" 1 "$(count '.name == "clock_nanosleep" and .args.clock == 3 and .args.result == 22 and .args.errno == "EINVAL"')"
	expect_eq "sleep(0)" 1 "$(count '.name == "sleep" and .args.request_ns == 0 and .args.result == 0')"
	expect_eq sleep 1 "$(count '.name == "sleep"')"
	expect_eq "usleep(1000)" 1 "$(count '.name == "usleep" and .args.request_ns == 1000000 and .args.result == 0')"
	expect_eq usleep 1 "$(count '.name == "usleep"')"

	expect_eq poll $K "$(count '.name == "poll"')"
	expect_eq "poll ready" $K "$(count '.name == "poll" and .args.nfds == 1 and .args.timeout_ms == 0 and .args.result == 1')"
	expect_eq ppoll 2 "$(count '.name == "ppoll"')"
	expect_eq "ppoll zero" 1 "$(count '.name == "ppoll" and .args.request_ns == 0 and .args.result == 1')"
	expect_eq "ppoll no timeout" 1 "$(count '.name == "ppoll" and .args.request_ns == -1 and .args.result == 1')"
	expect_eq select $((K + 1)) "$(count '.name == "select"')"
	expect_eq "select zero" $K "$(count '.name == "select" and .args.request_ns == 0 and .args.result == 1')"
	expect_eq "select no timeout" 1 "$(count '.name == "select" and .args.request_ns == -1 and .args.result == 1')"
	expect_eq "pselect 2 us" 1 "$(count '.name == "pselect" and .args.request_ns == 2000 and .args.result == 1')"
	expect_eq pselect 1 "$(count '.name == "pselect"')"
	expect_eq epoll_wait $K "$(count '.name == "epoll_wait" and .args.maxevents == 4 and .args.timeout_ms == 0 and .args.result == 1')"
	expect_eq epoll_pwait 1 "$(count '.name == "epoll_pwait" and .args.maxevents == 4 and .args.timeout_ms == 0 and .args.result == 1')"
	expect_eq sched_yield $K "$(count '.name == "sched_yield" and .args.result == 0')"

	expect_eq "futex wake" $K "$(count ".name == \"futex\" and .args.lock == \"$word\" and .args.op == 129 and .args.val == 1 and .args.result == 0")"
	expect_eq "futex wait EAGAIN" 1 "$(count ".name == \"futex\" and .args.lock == \"$word\" and .args.op == 128 and .args.errno == \"EAGAIN\"")"
	expect_eq futex $((K + 1)) "$(count '.name == "futex"')"
	# nothing else: getpid and close through syscall() are not recorded
	expect_eq "wait events" $((6 * K + 10)) "$(count '.cat == "wait"')"
}

@test "waits: exact counts and requested times" {
	check_wait t_wait
}

@test "_FORTIFY_SOURCE=2 build (__poll_chk, __ppoll_chk) counts the same" {
	run nm -D "$T/t_wait_fortify"
	[[ "$output" == *"__poll_chk"* ]]
	[[ "$output" == *"__ppoll_chk"* ]]
	check_wait t_wait_fortify
}

@test "wait events are off when the wait category is" {
	export TRACEIT_EVENTS=io
	run traced "$T/t_wait" 2
	[ "$status" -eq 0 ]
	to_json
	expect_eq "wait events" 0 "$(count '.cat == "wait"')"
	[ "$(count '.name == "close"')" -gt 0 ]
}
