#!/usr/bin/env bats
# Threads: creation, start and end recorded in the new thread, joins, names.

load helpers

@test "thread lifecycle: create, start, end, join, pthread_exit" {
	run traced "$T/t_threads" 6
	[ "$status" -eq 0 ]
	to_json
	expect_eq pthread_create 6 "$(count '.name == "pthread_create" and .args.result == 0')"
	expect_eq pthread_join 6 "$(count '.name == "pthread_join"')"
	expect_eq pthread_exit 1 "$(count '.name == "pthread_exit"')"
	expect_eq thread_start 6 "$(count '.name == "thread_start"')"
	expect_eq thread_end 6 "$(count '.name == "thread_end"')"
	# start and end are on the new threads, not on the creator
	main=$(jqj '[.traceEvents[] | select(.name == "pthread_create")][0].tid')
	expect_eq "starts on main" 0 "$(count ".name == \"thread_start\" and .tid == $main")"
	# each worker's allocation is on its own thread
	expect_eq "worker threads allocating" 6 "$(jqj '[.traceEvents[] | select(.name == "malloc" and .args.size == 4001) | .tid] | unique | length')"
}

@test "short threads share chunks: every event kept, in order, at a few bytes per event" {
	run traced "$T/t_threads" 60
	[ "$status" -eq 0 ]
	to_json
	expect_eq thread_start 60 "$(count '.name == "thread_start"')"
	expect_eq thread_end 60 "$(count '.name == "thread_end"')"
	expect_eq "worker threads allocating" 60 "$(jqj '[.traceEvents[] | select(.name == "malloc" and .args.size == 4001) | .tid] | unique | length')"
	# on each worker: start, then its block allocated and freed, then end
	expect_eq "workers in order" 60 "$(jqj '[.traceEvents[] | select(.ph != "M" and (.name == "thread_start" or .name == "thread_end" or (.name == "malloc" and .args.size == 4001)))]
		| group_by(.tid) | map(select(length == 3 and .[0].name == "thread_start" and .[1].name == "malloc" and .[2].name == "thread_end")) | length')"
	# the workers' few events each went into a shared chunk (EVENTS_MULTI), not a chunk
	# header of 64 bytes per thread
	read -r multi events bytes < <(python3 - "$OUT"/*.trc <<-'EOF'
		import struct, sys
		d = open(sys.argv[1], "rb").read()
		off, multi, events, size = 16, 0, 0, 0
		while off + 64 <= len(d):
		    _, kind, _, plen, _, _, nev = struct.unpack_from("<IHHIIII", d, off)
		    multi += kind == 7
		    if kind in (3, 7):
		        events += nev
		        size += 64 + plen
		    off += 64 + plen
		print(multi, events, size)
	EOF
	)
	[ "$multi" -ge 1 ]
	echo "$events events in $bytes bytes of event chunks" >&2
	[ "$((bytes / events))" -lt 10 ] # 17 with a chunk per thread
}

@test "a thread's few events kept in the shared chunk come before its later ones" {
	run traced "$T/t_latecomer"
	[ "$status" -eq 0 ]
	"$CONVERT" -f csv -o "$BATS_TEST_TMPDIR/t.csv" "$OUT"
	# per worker, its allocations in time order: 1000..1009, then 2000, 2001...
	run python3 - "$BATS_TEST_TMPDIR/t.csv" <<-'EOF'
		import csv, sys
		by = {}
		for r in csv.DictReader(open(sys.argv[1], newline="")):
		    if r["name"] == "malloc" and r["size"] and int(r["size"]) < 3000:
		        by.setdefault(r["tid"], []).append((int(r["ts_ns"]), int(r["size"])))
		ok = sum(1 for v in by.values()
		         if [s for _, s in v] == [s for _, s in sorted(v)] and
		         [s for _, s in v][:11] == list(range(1000, 1010)) + [2000] and len(v) == 30010)
		print(len(by), ok)
	EOF
	expect_eq "workers, workers in order" "4 4" "$output"
	# the case this is about happened: the workers' first events went into shared chunks
	read -r multi_events < <(python3 - "$OUT"/*.trc <<-'EOF'
		import struct, sys
		d = open(sys.argv[1], "rb").read()
		off, events = 16, 0
		while off + 64 <= len(d):
		    _, kind, _, plen, _, _, nev = struct.unpack_from("<IHHIIII", d, off)
		    events += nev if kind == 7 else 0
		    off += 64 + plen
		print(events)
	EOF
	)
	[ "$multi_events" -ge 80 ]
}

@test "every thread is named: pthread_setname_np and prctl(PR_SET_NAME)" {
	run traced "$T/t_threads" 6
	[ "$status" -eq 0 ]
	to_json
	names=$(jqj '[.traceEvents[] | select(.ph == "M" and .name == "thread_name") | .args.name] | sort | join(",")')
	expect_eq names "main-thread,worker-0,worker-1,worker-2,worker-3,worker-4,worker-5" "$names"
	# every tid with events has a name
	unnamed=$(jqj '([.traceEvents[] | select(.ph == "M" and .name == "thread_name") | .tid]) as $n
		| [.traceEvents[] | select(.ph != "M") | .tid | select(. as $t | $n | index($t) | not)] | length')
	expect_eq "threads without a name" 0 "$unnamed"
}

@test "main ends with pthread_exit, another thread later: the process ends as untraced (status 0), the trace is complete" {
	run timeout -s KILL 20 "$T/t_exit" pthread_exit
	expect_eq "untraced status" 0 "$status"
	run timeout -s KILL 20 env TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_exit" pthread_exit
	# the writer thread must not keep the process alive once the program's threads are gone
	expect_eq status 0 "$status"
	to_json
	expect_eq "the last thread's block" 1 "$(count '.name == "malloc" and .args.size == 3002')"
}

@test "a fork child whose leader (the thread that forked) returns before its other thread: it ends as untraced" {
	run timeout -s KILL 20 env TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_forkleader"
	expect_eq status 0 "$status"
	expect_eq output "child status 0" "$output"
	to_json
	expect_eq "the child's last thread's block" 1 "$(count '.name == "malloc" and .args.size == 3003')"
}
