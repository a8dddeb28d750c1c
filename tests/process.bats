#!/usr/bin/env bats
# Processes: fork (one stream per child, parent recorded), exec (drained before, the new
# image traced too), and every exit path drains the trace.

load helpers

@test "fork: each child writes its own stream, naming its parent" {
	run traced "$T/t_fork" 3
	[ "$status" -eq 0 ]
	[ "$(ls "$OUT" | wc -l)" -eq 4 ]
	to_json
	parent=$(jqj '[.traceEvents[] | select(.name == "fork")][0].pid')
	expect_eq forks 3 "$(count '.name == "fork" and .args.pid > 0')"
	expect_eq "processes" 4 "$(jqj '[.traceEvents[] | select(.ph == "X") | .pid] | unique | length')"
	# the child's allocation is in the child, once each; the parent's own only in the parent
	expect_eq "child mallocs" 3 "$(count ".name == \"malloc\" and .args.size == 2001 and .pid != $parent")"
	expect_eq "parent malloc once" 1 "$(count '.name == "malloc" and .args.size == 2000')"
	# the children's pids are the fork results
	kids=$(jqj '[.traceEvents[] | select(.name == "fork") | .args.pid] | sort | join(",")')
	seen=$(jqj "[.traceEvents[] | select(.name == \"malloc\" and .args.size == 2001) | .pid] | sort | join(\",\")")
	expect_eq "children" "$kids" "$seen"
}

@test "exec family: recorded before the exec, the new image traced, failures kept" {
	for how in execve execv execvp execvpe execl execlp execle; do
		rm -rf "$OUT"; mkdir -p "$OUT"
		run traced "$T/t_exec" "$how" /bin/echo "hello $how"
		[ "$status" -eq 0 ]
		[ "$output" = "hello $how" ]
		ls "$OUT"/t_exec.*.trc
		ls "$OUT"/echo.*.trc
		to_json
		expect_eq "$how" 1 "$(count ".name == \"$how\" and .args.path == \"/bin/echo\" and .args.errno == null")"
		expect_eq "$how failed execv" 1 "$(count '.name == "execv" and .args.errno == "ENOENT"')"
		# the marker allocation made before the exec reached the trace
		expect_eq "$how marker" 1 "$(count '.name == "malloc" and .args.size == 5001')"
	done
}

@test "every exit path drains the trace and keeps the status" {
	for how in return exit _exit _Exit quick_exit; do
		for where in main thread; do
			rm -rf "$OUT"; mkdir -p "$OUT"
			run traced "$T/t_exit" "$how" "$where"
			expect_eq "$how/$where status" 7 "$status"
			to_json
			expect_eq "$how/$where marker" 1 "$(count '.name == "malloc" and .args.size == 3001')"
		done
	done
}

@test "a program killed by a signal still dies of it" {
	run traced "$T/t_exit" signal
	expect_eq status 143 "$status"
}

@test "a crash (SIGSEGV, abort) drains the trace first and still dies of its signal" {
	for how in segv:139 abort:134; do
		for where in main thread; do
			rm -rf "$OUT"; mkdir -p "$OUT"
			run traced "$T/t_exit" "${how%:*}" "$where"
			expect_eq "$how/$where status" "${how#*:}" "$status"
			# a complete stream: no warning from the converter
			to_json
			expect_eq "$how/$where marker" 1 "$(count '.name == "malloc" and .args.size == 3001')"
		done
	done
}

@test "the program sees its own signal dispositions, not the crash handler" {
	run traced /usr/bin/python3 -c 'import signal; print(signal.getsignal(signal.SIGSEGV), signal.getsignal(signal.SIGABRT))'
	[ "$status" -eq 0 ]
	native=$(/usr/bin/python3 -c 'import signal; print(signal.getsignal(signal.SIGSEGV), signal.getsignal(signal.SIGABRT))')
	[ "$output" = "$native" ]
}
