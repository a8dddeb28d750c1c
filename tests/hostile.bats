#!/usr/bin/env bats
# Programs that do rude things to their process: the trace survives, the program does not
# notice the tracer.

load helpers

@test "closing every descriptor (loop, close_range, closefrom), dup2/dup3 onto every number: trace intact, files intact" {
	for how in loop close_range closefrom dup2 dup3; do
		rm -rf "$OUT"; mkdir -p "$OUT"
		f="$BATS_TEST_TMPDIR/$how.txt"
		# a usual descriptor limit, so that dup2 onto every number also takes the last free one
		run bash -c "ulimit -n 1024; TRACEIT_OUTPUT='$OUT' LD_PRELOAD='$LIB' '$T/t_closeall' '$how' '$f'"
		expect_eq "$how status" 0 "$status"
		[ "$(cat "$f")" = "$(printf 'before\nafter')" ]
		to_json
		expect_eq "$how marker before" 1 "$(count '.name == "malloc" and .args.size == 7001')"
		expect_eq "$how events after" 1000 "$(count '.name == "malloc" and .args.size == 7002')"
	done
}

@test "dup2 onto every descriptor there is: tracing stops with one line, the program's file is intact" {
	f="$BATS_TEST_TMPDIR/all.txt"
	run bash -c "ulimit -n 1024; TRACEIT_OUTPUT='$OUT' LD_PRELOAD='$LIB' '$T/t_closeall' dupall '$f'"
	expect_eq status 0 "$status"
	expect_eq message "traceit: the program reused the trace's descriptor and none is free to move it to; tracing stopped, the trace so far stays readable" "$output"
	[ "$(cat "$f")" = "$(printf 'before\nafter')" ]
	# what was recorded before is all there, in a complete stream
	to_json
	expect_eq "marker before" 1 "$(count '.name == "malloc" and .args.size == 7001')"
}

@test "TRACEIT_MODE=drop: never waits, and every dropped event is accounted where it happened" {
	# lossless reference run: how many events this program makes
	run traced "$T/t_churn" 300000 2
	[ "$status" -eq 0 ]
	to_json
	# calls and instants only: counters and flows are the converter's, not events
	total=$(jqj '[.traceEvents[] | select(.ph == "X" or .ph == "i")] | length')
	rm -rf "$OUT"; mkdir -p "$OUT"
	# a tiny buffer and two threads racing the writer: events must be dropped
	TRACEIT_MODE=drop TRACEIT_BUFFER_KB=16 run traced "$T/t_churn" 300000 2
	[ "$status" -eq 0 ]
	to_json
	kept=$(jqj '[.traceEvents[] | select((.ph == "X" or .ph == "i") and .name != "events_lost" and .name != "events lost")] | length')
	lost=$(jqj '[.traceEvents[] | select(.name == "events_lost") | .args.lost] | add // 0')
	[ "$lost" -gt 0 ]
	expect_eq "kept + lost" "$total" "$((kept + lost))"
	# the END counter agrees with the LOST records
	expect_eq "END counter" "$lost" "$(jqj '.metadata["events-lost"]')"
}

@test "TRACEIT_MODE=ring: the latest events of each thread are kept, the older ones accounted" {
	run traced "$T/t_churn" 300000 2
	to_json
	total=$(jqj '[.traceEvents[] | select(.ph == "X" or .ph == "i")] | length')
	rm -rf "$OUT"; mkdir -p "$OUT"
	TRACEIT_MODE=ring TRACEIT_BUFFER_KB=16 run traced "$T/t_churn" 300000 2
	expect_eq status 0 "$status"
	expect_eq stderr "" "$output"
	to_json
	kept=$(jqj '[.traceEvents[] | select((.ph == "X" or .ph == "i") and .name != "events_lost" and .name != "events lost")] | length')
	lost=$(jqj '[.traceEvents[] | select(.name == "events_lost") | .args.lost] | add // 0')
	# 16 KiB per thread: a few hundred events each, not 1.2 million
	[ "$kept" -lt 10000 ]
	expect_eq "kept + lost" "$total" "$((kept + lost))"
	expect_eq "END counter" "$lost" "$(jqj '.metadata["events-lost"]')"
	# the window is the end of the run: each churning thread's last call and its end are there
	expect_eq "thread ends" 2 "$(count '.name == "thread_end"')"
}

@test "TRACEIT_MODE=ring: written on the user's signal, and on a crash" {
	TRACEIT_MODE=ring TRACEIT_RING_SIGNAL=USR2 run traced "$T/t_churn" 100000 2 usr2
	expect_eq "killed" 137 "$status"
	run "$CONVERT" -f json -o "$JSON" "$OUT"
	# no END (SIGKILL): what the signal wrote is whole, what came after is read back from the
	# shared buffers (tests/recover.bats)
	expect_eq "convert status" 0 "$status"
	[[ "$output" == *"no end record"*"recovered"* ]]
	expect_eq "thread ends" 2 "$(count '.name == "thread_end"')"
	[ "$(count '.name == "events_lost"')" -ge 1 ]
	# the allocation made after the dump, before the kill, is read back too
	expect_eq "after the dump" 1 "$(count '.name == "malloc" and .args.size == 7777')"
	rm -rf "$OUT"; mkdir -p "$OUT"
	TRACEIT_MODE=ring run traced "$T/t_churn" 100000 2 abort
	expect_eq "aborted" 134 "$status"
	to_json
	expect_eq "the last allocation" 1 "$(count '.name == "malloc" and .args.size == 7777')"
}

@test "buffer memory is bounded in total (TRACEIT_BUFFER_TOTAL_MB): further threads are counted as lost" {
	run traced "$T/t_churn" 1000 8
	to_json
	total=$(jqj '[.traceEvents[] | select(.ph == "X" or .ph == "i")] | length')
	rm -rf "$OUT"; mkdir -p "$OUT"
	TRACEIT_BUFFER_TOTAL_MB=1 TRACEIT_BUFFER_KB=256 run traced "$T/t_churn" 1000 8
	expect_eq status 0 "$status"
	expect_eq message "traceit: the threads' buffers reached TRACEIT_BUFFER_TOTAL_MB (1 MB); events of threads started from now on while it lasts are counted as lost" "$output"
	to_json
	lost=$(jqj '.metadata["events-lost"]')
	# main + 3 threads fit in 1 MB; each of the others made 2000 calls plus its start and end
	[ "$lost" -ge 2000 ]
	kept=$(jqj '[.traceEvents[] | select((.ph == "X" or .ph == "i") and .name != "events lost")] | length')
	expect_eq "kept + lost" "$total" "$(( kept + lost ))"
}

@test "TRACEIT_MODE: a bad value gets one line and the default (block, lossless)" {
	TRACEIT_MODE=sometimes run traced "$T/t_churn" 1000 2
	[ "$status" -eq 0 ]
	[ "$output" = "traceit: TRACEIT_MODE='sometimes' is not block, drop or ring; using block" ]
	to_json
	expect_eq "no loss" 0 "$(jqj '.metadata["events-lost"]')"
}

@test "a file size limit: the program runs on (no SIGXFSZ), one line says why, the trace so far converts" {
	for target in "t_memory 20000" "t_churn 200000 2"; do
		rm -rf "$OUT"; mkdir -p "$OUT"
		run bash -c "ulimit -f 100; TRACEIT_OUTPUT='$OUT' LD_PRELOAD='$LIB' '$T/'$target"
		expect_eq "$target status" 0 "$status"
		# the shared buffers (a 1 MiB ring with room to grow to 2) do not fit either: private
		# ones, said once (tests/recover.bats)
		expect_eq "$target message" "traceit: cannot reserve 2052 KB in /dev/shm for a thread's buffer (file size limit, error 27): if the process is killed, what such threads had not written yet is lost
traceit: cannot write the trace file (file size limit reached, error 27); tracing stopped, the trace so far stays readable" "$output"
		run "$CONVERT" -f csv -o "$BATS_TEST_TMPDIR/t.csv" "$OUT"
		[ "$status" -eq 1 ]
		[[ "$output" == *"truncated at offset 102400"* ]]
		[ "$(wc -l < "$BATS_TEST_TMPDIR/t.csv")" -gt 1000 ]
	done
}

@test "short of address space (ulimit -v): the program runs as it does untraced; what the tracer gives up, one line says" {
	# Limits from where the untraced program starts, in 256 KB steps, then 64 and 96 MB,
	# where the tracer traces (under 64 MB it does not).  Below first_ok the library's own
	# mappings (its code, zlib, igzip) leave the program too little: inherent to any
	# preload, but bounded.
	native_min= first_ok=
	for kb in $(seq 1536 256 16384) 65536 98304; do
		# so low that bash itself cannot run: not a limit to try
		native=$(ulimit -v "$kb"; "$T/t_memory" 60 >/dev/null 2>&1; echo $?) || continue
		[ "$native" -eq 0 ] || continue
		: "${native_min:=$kb}"
		rm -rf "$OUT"; mkdir -p "$OUT"
		run bash -c "ulimit -v $kb; TRACEIT_OUTPUT='$OUT' LD_PRELOAD='$LIB' '$T/t_memory' 60 2>'$BATS_TEST_TMPDIR/err' >/dev/null"
		if [ -z "$first_ok" ]; then
			[ "$status" -eq 0 ] || continue
			first_ok=$kb
		fi
		expect_eq "status at $kb KB" 0 "$status"
		err=$(cat "$BATS_TEST_TMPDIR/err")
		[ "$(grep -c . <<<"$err")" -le 1 ] || { echo "at $kb KB: $err" >&2; return 1; }
		[[ -z "$err" || "$err" == "traceit: "* ]] || { echo "at $kb KB: $err" >&2; return 1; }
		if [[ "$err" == *"tracing disabled"* ]]; then
			expect_eq "no stream at $kb KB" "" "$(ls "$OUT")"
		elif [[ -z "$err" || "$err" == *"records into a"* ]]; then
			run "$CONVERT" -f csv -o "$BATS_TEST_TMPDIR/t.csv" "$OUT"
			expect_eq "convert at $kb KB" 0 "$status"
			expect_eq "events at $kb KB" 1206 "$(wc -l < "$BATS_TEST_TMPDIR/t.csv")"
		fi
	done
	[ -n "$first_ok" ]
	# the tracer's fixed cost in address space, before it gives up tracing
	[ $((first_ok - native_min)) -le 2048 ] || { echo "needs $((first_ok - native_min)) KB more" >&2; return 1; }
}

@test "trace files: never follow a symlink, never overwrite, mode 0600" {
	# in a new pid namespace the program is pid 1, so its trace file name is known ahead
	unshare -pf true 2>/dev/null || skip "cannot create a pid namespace here"
	echo victim > "$BATS_TEST_TMPDIR/victim"
	ln -s "$BATS_TEST_TMPDIR/victim" "$OUT/t_exit.1.trc"
	echo mine > "$OUT/t_exit.1.1.trc"
	run unshare -pf env TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_exit" exit
	[ "$status" -eq 7 ]
	[ "$(cat "$BATS_TEST_TMPDIR/victim")" = victim ]
	[ "$(cat "$OUT/t_exit.1.1.trc")" = mine ]
	[ "$(stat -c %a "$OUT/t_exit.1.2.trc")" = 600 ]
	"$CONVERT" -o "$JSON" "$OUT/t_exit.1.2.trc"
}

@test "the trace descriptor: close-on-exec, far from the program's own numbers" {
	# listed by the getdents64 system call: readdir leaves it out (tests/ending.bats)
	native=$("$T/t_ending" rawfds | sort -n | tr '\n' ' ')
	run traced "$T/t_ending" rawfds
	[ "$status" -eq 0 ]
	# the same low descriptors, plus two high ones: the trace's and its shared buffers'
	expect_eq "low fds" "$native" "$(awk '$1 < 500' <<<"$output" | sort -n | tr '\n' ' ')"
	expect_eq "high fds" 2 "$(awk '$1 >= 500' <<<"$output" | wc -l)"
	# close-on-exec: a program exec'd from it has its own (traced too), not the parent's
	run traced sh -c "exec '$T/t_ending' rawfds"
	expect_eq "high fds after exec" 2 "$(awk '$1 >= 500' <<<"$output" | wc -l)"
}

@test "2,000 threads alive at once: every one recorded and named" {
	run traced "$T/t_stress" threads-alive 2000
	[ "$status" -eq 0 ]
	to_json
	expect_eq "allocations" 2000 "$(count '.name == "malloc" and .args.size == 8001')"
	expect_eq "thread starts" 2000 "$(count '.name == "thread_start"')"
	expect_eq "distinct threads" 2000 "$(jqj '[.traceEvents[] | select(.name == "malloc" and .args.size == 8001) | .tid] | unique | length')"
	expect_eq "named" 2001 "$(jqj '[.traceEvents[] | select(.ph == "M" and .name == "thread_name")] | length')"
}

@test "20,000 short-lived threads: every one recorded" {
	run traced "$T/t_stress" threads-churn 20000
	[ "$status" -eq 0 ]
	to_json
	expect_eq "allocations" 20000 "$(count '.name == "malloc" and .args.size == 8002')"
	expect_eq "thread ends" 20000 "$(count '.name == "thread_end"')"
}

@test "a tree of 200 processes: 200 streams, each with its own events" {
	run traced "$T/t_stress" fork-tree 200
	[ "$status" -eq 0 ]
	[ "$(ls "$OUT" | wc -l)" -eq 200 ]
	to_json
	expect_eq "allocations" 200 "$(count '.name == "malloc" and .args.size == 8004')"
	expect_eq "processes" 200 "$(jqj '[.traceEvents[] | select(.name == "malloc" and .args.size == 8004) | .pid] | unique | length')"
	expect_eq "forks" 199 "$(count '.name == "fork" and .args.pid > 0')"
}

@test "fork from a program whose threads are allocating" {
	run traced "$T/t_stress" fork-mt
	[ "$status" -eq 0 ]
	to_json
	expect_eq "children" 20 "$(count '.name == "malloc" and .args.size == 8005')"
	[ "$(count '.name == "malloc" and .args.size == 8003')" -gt 0 ]
	# a child has none of the parent's events
	parent=$(jqj '[.traceEvents[] | select(.name == "fork")][0].pid')
	expect_eq "parent events in children" 0 "$(count ".args.size == 8003 and .pid != $parent")"
}

@test "vfork + exec: the child runs, is traced as its own process, the parent is not confused" {
	run traced "$T/t_stress" vfork-exec echo hi
	[ "$status" -eq 0 ]
	[ "$output" = hi ]
	ls "$OUT"/echo.*.trc
	to_json
	expect_eq "parent marker" 1 "$(count '.name == "malloc" and .args.size == 8006')"
	# the child's exec ran on the parent's memory: it must not appear as the parent's
	expect_eq "no exec in the parent" 0 "$(count '.name == "execlp"')"
}

@test "_exit from a thread while others allocate: status kept, stream complete" {
	run traced "$T/t_stress" exit-thread
	[ "$status" -eq 9 ]
	to_json
	expect_eq "_exit" 1 "$(count '.name == "_exit" and .args.status == 9')"
	[ "$(count '.name == "malloc" and .args.size == 8003')" -gt 0 ]
}

@test "SIGKILL from outside: everything up to the kill is recovered" {
	TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_stress" slow 100000 &
	pid=$!
	sleep 1.5
	kill -9 "$pid"
	wait "$pid" || true
	run "$CONVERT" -f csv -o "$BATS_TEST_TMPDIR/k.csv" "$OUT"
	[ "$status" -eq 0 ]
	[[ "$output" == *"no end record (the process was killed by SIGKILL"*"recovered"* ]]
	# killed after 1.5 s, with a flush every second: the last half second is there too
	last=$(grep ',malloc,' "$BATS_TEST_TMPDIR/k.csv" | tail -1 | cut -d, -f4)
	[ "$last" -gt 1300000000 ]
}

@test "a second preload calling wrapped functions from its constructor, in either order" {
	for order in "$LIB:$T/libttearly.so" "$T/libttearly.so:$LIB"; do
		rm -rf "$OUT"; mkdir -p "$OUT"
		run env TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$order" "$T/t_ctor" "$T/libttdl.so" 100
		[ "$status" -eq 0 ]
		[ "$output" = ok ]
		to_json
		# the program's own constructor runs after ours: seen
		expect_eq "$order: constructor malloc" 1 "$(count '.name == "malloc" and .args.size == 9003')"
		expect_eq "$order: dlopen" 100 "$(count '.name == "dlopen" and .args.result != "0x0"')"
		expect_eq "$order: dlclose" 100 "$(count '.name == "dlclose" and .args.result == 0')"
		expect_eq "$order: between" 100 "$(count '.name == "malloc" and .args.size == 9004')"
	done
	# listed before us in LD_PRELOAD, the other library is initialised after us: its
	# constructor's calls are seen
	expect_eq "early constructor's calls" 2 "$(count '.name == "malloc" and (.args.size == 9001 or .args.size == 9002)')"
}

@test "signal handlers that allocate and write while the thread is inside traced calls" {
	run timeout 60 env TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_sigwork" 200000
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^handled\ ([0-9]+)$ ]]
	handled=${BASH_REMATCH[1]}
	to_json
	expect_eq "main loop" 200000 "$(count '.name == "read" and .args.bytes == 64')"
	# every handler's calls, those of a signal that landed in the tracer's own code included
	# (held until it was done)
	expect_eq "the handlers' mallocs" "$handled" "$(count '.name == "malloc" and .args.size == 9005')"
	expect_eq "the deliveries" "$handled" "$(count '.name == "signal_delivered"')"
}

@test "real-time signals queued at a thread inside the tracer's code: each delivered once, its siginfo intact, recorded" {
	# a signal that lands in the tracer's code is queued again and blocked until that code
	# is done: the ones queued behind it wait too, then run with the thread traced (before,
	# the whole queue ran inside the tracer's code, and no delivery was recorded)
	run "$T/t_sigqueue" 20000
	expect_eq "untraced" "handled 20000 sum 200010000 bad 0" "$output"
	for stacks in "" memory; do
		rm -rf "$OUT"; mkdir -p "$OUT"
		TRACEIT_STACKS=$stacks run traced "$T/t_sigqueue" 20000
		expect_eq "$stacks status" 0 "$status"
		expect_eq "$stacks output" "handled 20000 sum 200010000 bad 0" "$output"
		"$CONVERT" -f csv -o "$BATS_TEST_TMPDIR/c.csv" "$OUT"
		expect_eq "$stacks deliveries" 20000 \
			"$(awk -F, '$7 == "signal_delivered"' "$BATS_TEST_TMPDIR/c.csv" | wc -l)"
	done
}

@test "setuid programs: the launcher says they run untraced" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to make a setuid copy"
	cp "$T/t_exit" "$BATS_TEST_TMPDIR/suid"
	chown nobody "$BATS_TEST_TMPDIR/suid"
	chmod u+s "$BATS_TEST_TMPDIR/suid"
	run "$TRACEIT" -o "$OUT" -- "$BATS_TEST_TMPDIR/suid" exit
	[ "$status" -eq 7 ]
	[[ "$output" == *"suid is setuid or setgid: the dynamic loader will not preload libtraceit.so into it, so it runs untraced"* ]]
}

@test "a secure-execution program that gets the library anyway (setuid, in a system directory): untraced, one notice" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to install a setuid library for the test"
	# ld.so preloads into a setuid program only a setuid library from a system directory,
	# named without a slash: the one way the library's own check is reached
	libdir=$(dirname "$(ldd "$T/t_exit" | awk '/libc\.so/ {print $3}')")
	name="libtraceit-sectest-$$.so"
	cp "$LIB" "$libdir/$name" 2>/dev/null && chmod 4755 "$libdir/$name" ||
		skip "cannot install a library in $libdir"
	cp "$T/t_exit" "$BATS_TEST_TMPDIR/suid"
	chown nobody "$BATS_TEST_TMPDIR/suid"
	chmod u+s "$BATS_TEST_TMPDIR/suid"
	run env LD_PRELOAD="$name" TRACEIT_OUTPUT="$OUT" "$BATS_TEST_TMPDIR/suid" exit
	rm -f "$libdir/$name"
	expect_eq status 7 "$status"
	expect_eq notice "traceit: secure-execution (setuid or file capabilities) program: tracing disabled" "$output"
	expect_eq "trace files" 0 "$(ls "$OUT" | wc -l)"
}

@test "the descriptor limit: the program gets as many descriptors as untraced; one line says why" {
	native=$(bash -c "ulimit -n 64; '$T/t_fdlimit'")
	run bash -c "ulimit -n 64; TRACEIT_OUTPUT='$OUT' LD_PRELOAD='$LIB' '$T/t_fdlimit' 2>'$BATS_TEST_TMPDIR/err'"
	[ "$status" -eq 0 ]
	[ "$output" = "$native" ]
	expect_eq message "traceit: the program reached its descriptor limit; tracing stopped to give it the trace's descriptors, the trace so far stays readable" "$(cat "$BATS_TEST_TMPDIR/err")"
	# the trace up to that point is complete and readable
	to_json
	[ "$(count '.name == "open" and .args.path == "/dev/null"')" -gt 40 ]
}

# mallocs N: the malloc events of the streams in $OUT
mallocs() {
	"$CONVERT" -q -f csv -o - "$OUT" | awk -F, '$7 == "malloc"' | wc -l
}

@test "every signal whose default action ends the process: drained, named, and the process dies of it" {
	ulimit -c 0
	# the default-terminating signals of signal(7), and the first and last real-time ones
	sigs="HUP INT QUIT ILL TRAP ABRT BUS FPE USR1 SEGV USR2 PIPE ALRM TERM STKFLT XCPU XFSZ VTALRM PROF IO PWR SYS RTMIN RTMAX"
	rm -rf "$OUT"; mkdir -p "$OUT"
	traced "$T/t_ending" exit 2000
	expect_eq "normal run" 2000 "$(mallocs)"
	for mode in block ring; do
		for name in $sigs; do
			sig=$(kill -l "$name")
			rm -rf "$OUT"; mkdir -p "$OUT"
			run env TRACEIT_MODE=$mode TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_ending" signal "$sig" 2000
			expect_eq "$mode $name: status" $((128 + sig)) "$status"
			# the end record names the signal, and the stream converts without a warning
			run "$CONVERT" -f summary "$OUT"
			expect_eq "$mode $name: converts cleanly" 0 "$status"
			[[ "$output" == *" SIG$name "*"(complete)"* || "$output" == *" signal $sig "*"(complete)"* ]] || {
				echo "$mode $name: no end record naming it" >&2
				echo "$output" | sed -n 3,6p >&2
				return 1
			}
			expect_eq "$mode $name: events" 2000 "$(mallocs)"
		done
	done
}

@test "a program that sets SIG_DFL itself still gets the drain, and sigaction reports SIG_DFL" {
	rm -rf "$OUT"; mkdir -p "$OUT"
	run env TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" /usr/bin/python3 -c '
import os, signal
signal.signal(signal.SIGTERM, lambda *a: None)
signal.signal(signal.SIGTERM, signal.SIG_DFL)
assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
os.kill(os.getpid(), signal.SIGTERM)'
	expect_eq status 143 "$status"
	run "$CONVERT" -f summary "$OUT"
	[ "$status" -eq 0 ]
	[[ "$output" == *"SIGTERM "*"(complete)"* ]]
}

@test "a pipeline whose writer dies of SIGPIPE: every stream complete" {
	run "$TRACEIT" -q -o "$OUT/p" -- sh -c 'yes | head -c 100000 >/dev/null'
	[ "$status" -eq 0 ]
	run "$CONVERT" -f summary "$OUT/p"
	expect_eq "converts cleanly" 0 "$status"
	[[ "$output" == *"SIGPIPE       yes (complete)"* ]]
	[[ "$output" != *"no end record"* ]]
}

@test "pointers the kernel cannot read (a path, argv, an address length): the same EFAULT, no crash" {
	# the wrappers read such arguments themselves, before the call or after its failure:
	# open, stat, rename, exec, posix_spawn and accept crashed the program before the fix
	cd "$BATS_TEST_TMPDIR"
	run "$T/t_badptr"
	expect_eq "untraced status" 0 "$status"
	native="$output"
	[[ "$native" == *"open -1 14"* ]]
	run traced "$T/t_badptr"
	expect_eq "traced status" 0 "$status"
	expect_eq "traced output" "$native" "$output"
	"$CONVERT" -f csv -o "$BATS_TEST_TMPDIR/c.csv" "$OUT"
	# the calls are recorded, failed with EFAULT, their unreadable paths left out
	expect_eq "opens" 1 "$(awk -F, '$7 == "open" && $9 == "EFAULT" && $11 == ""' c.csv | wc -l)"
	expect_eq "renames" 2 "$(awk -F, '$7 == "rename" && $9 == "EFAULT"' c.csv | wc -l)"
	# what can be read is kept: the argv before its unreadable entry
	grep -q '^.*,execve,-1,ENOENT,,/nonexistent/t_badptr,.*argv=x,' c.csv
	# refused for its flags before the kernel read the path: kept when it can be read
	expect_eq "openat EINVAL" 2 "$(awk -F, '$7 == "openat" && $9 == "EINVAL"' c.csv | wc -l)"
	grep -q ',openat,-1,EINVAL,,t_badptr.none,' c.csv
}
