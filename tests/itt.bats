#!/usr/bin/env bats
# libtraceit.so as an ITT collector (preload/itt.c): a program with its own ITT static part,
# the launcher's INTEL_LIBITTNOTIFY64, tables and calls a collector must survive, and
# oneTBB's tbb::spin_mutex, whose ITT notifications must give lock rows like a pthread mutex's.

load helpers

# csv_count AWK-CONDITION: CSV rows of $OUT matching it
csv_count() {
	"$CONVERT" -f csv -o - "$OUT" 2>/dev/null | awk -F, "$1" | wc -l
}

# itt CMD...: CMD traced, its ITT static part pointed at the preloaded library
itt() {
	INTEL_LIBITTNOTIFY64="$LIB" traced "$@"
}

# lock_row NAME: the summary's lock table row of the lock named NAME
lock_row() {
	"$CONVERT" -f summary "$OUT" 2>/dev/null | sed -n '/^Locks/,/^$/p' | grep " $1\$"
}

@test "a static part of the program's own: tasks, frames, markers, counters, a contended lock, pause" {
	native=$(env -u INTEL_LIBITTNOTIFY64 "$T/t_itt" all 3; echo "rc=$?")
	expect_eq untraced "itt 3 done
rc=0" "$native"
	run itt "$T/t_itt" all 3
	expect_eq "traced, same output" "$native" "$output
rc=$status"
	to_json
	# tasks: spans named by the string handle, in the domain's category, nested like calls;
	# "app" and two of the handles were made before the collector attached
	expect_eq requests 3 "$(count '.name == "request" and .cat == "app" and .ph == "X"')"
	expect_eq "parse inside request" 3 "$(jqj '[.traceEvents[] | select(.name == "request")] as $r |
		[.traceEvents[] | select(.name == "parse" and .cat == "app") | . as $p |
		 select(any($r[]; .ts <= $p.ts and $p.ts + $p.dur <= .ts + .dur))] | length')"
	expect_eq "malloc inside request" 3 "$(jqj '[.traceEvents[] | select(.name == "request")] as $r |
		[.traceEvents[] | select(.name == "malloc" and .args.size == 1000) | . as $p |
		 select(any($r[]; .ts <= $p.ts and $p.ts + $p.dur <= .ts + .dur))] | length')"
	expect_eq "malloc inside parse" 3 "$(jqj '[.traceEvents[] | select(.name == "parse")] as $r |
		[.traceEvents[] | select(.name == "malloc" and .args.size == 2000) | . as $p |
		 select(any($r[]; .ts <= $p.ts and $p.ts + $p.dur <= .ts + .dur))] | length')"
	expect_eq "a handle made after the attach" 1 "$(count '.name == "late" and .cat == "app" and .ph == "X"')"
	# frames: async spans named by the domain; markers: instants
	expect_eq frames "b e b e" "$(jqj '[.traceEvents[] | select(.name == "app" and .cat == "frame") | .ph] | join(" ")')"
	expect_eq "frame length" 2 "$(jqj '[.traceEvents[] | select(.name == "app" and .cat == "frame")] as $f |
		[range(0; $f | length; 2) | select($f[. + 1].ts - $f[.].ts >= 900)] | length')"
	expect_eq markers 2 "$(count '.name == "tick" and .cat == "app" and .ph == "i"')"
	# counters: set, inc, dec, inc by 5 on one made before the attach; a double one after
	expect_eq "queue samples" "3 2 1 2 1 6" "$(jqj '[.traceEvents[] | select(.name == "queue" and .ph == "C") | .args.value] | map(tostring) | join(" ")')"
	expect_eq "ratio samples" "0.25 0.5" "$(jqj '[.traceEvents[] | select(.name == "ratio" and .ph == "C") | .args.value] | map(tostring) | join(" ")')"
	expect_eq "thread names" "itt main|itt worker" "$(jqj '[.traceEvents[] | select(.ph == "M" and .name == "thread_name") | .args.name | select(startswith("itt"))] | sort | join("|")')"
	# the sync object: acquisitions and releases of the lock category, waits from the
	# prepare naming the other thread, hand-off arrows, a row of the lock table by its name
	expect_eq acquisitions 10 "$(count '.name == "__itt_sync_acquired" and .cat == "lock"')"
	expect_eq releases 10 "$(count '.name == "__itt_sync_releasing" and .args.held_ns >= 1900000')"
	waits=$(count '.name == "__itt_sync_acquired" and .dur > 0')
	[ "$waits" -ge 1 ]
	expect_eq "each wait names the other thread" "$waits" "$(jqj '[.traceEvents[] | select(.name == "__itt_sync_acquired" and .dur > 0 and .args.holder > 0 and .args.holder != .tid)] | length')"
	[ "$(count '.name == "__itt_sync_releasing -> __itt_sync_acquired" and .ph == "s"')" -ge 1 ]
	row=$(lock_row "the lock")
	[[ "$row" =~ ^\ +10\ +([0-9]+)\ .*\ 2\ +[0-9]+\ 0x[0-9a-f]+\ the\ lock$ ]]
	expect_eq contended "$waits" "${BASH_REMATCH[1]}"
	expect_eq "the name it was created with" 1 "$(count '.name == "__itt_sync_create" and .args.objtype == "t_itt::spin"')"
	expect_eq "a wait given up" 1 "$(count '.name == "__itt_sync_cancel" and .dur >= 900')"
	# nothing between pause and resume, nothing after detach
	expect_eq "tracing" "off on off" "$(jqj '[.traceEvents[] | select(.name | startswith("tracing ")) | .name | ltrimstr("tracing ")] | join(" ")')"
	expect_eq "paused malloc" 0 "$(count '.name == "malloc" and .args.size == 2222')"
	expect_eq "resumed malloc" 1 "$(count '.name == "malloc" and .args.size == 3333')"
	expect_eq "detached malloc" 0 "$(count '.name == "malloc" and .args.size == 4444')"
	expect_eq "paused task" 3 "$(count '.name == "request"')"
	# CSV rows, Perfetto
	expect_eq "csv acquisitions" 10 "$(csv_count '$6 == "lock" && $7 == "__itt_sync_acquired"')"
	expect_eq "csv spans" 7 "$(csv_count '$6 == "user" && $7 == "span"')"
	"$CONVERT" -f perfetto -o "$BATS_TEST_TMPDIR/t.pftrace" "$OUT"
}

@test "bad tables and calls: no crash, the same output untraced" {
	native=$(env -u INTEL_LIBITTNOTIFY64 "$T/t_itt" bad; echo "rc=$?")
	traced_out=$(itt "$T/t_itt" bad; echo "rc=$?")
	expect_eq "same as untraced" "$native" "$traced_out"
	expect_eq "untraced" "foreign table left alone
unknown unset, empty unset, outside the groups unset
NULL names: domain none, string none
bad done
rc=0" "$native"
	run "$CONVERT" -f json -o "$JSON" "$OUT"
	expect_eq "convert status" 0 "$status"
	# the end once too often and the frame never begun are the program's, said once
	[[ "$output" == *"(2 annotation problems in all)"* ]]
	expect_eq unnamed 3 "$(count '.name == "(unnamed)" and .ph == "X"')"
	expect_eq "cut at 4096" "4096 4096" "$(jqj '[.traceEvents[] | select(.ph == "X" and (.name | startswith("nnnn"))) | (.name | length), (.cat | length)] | map(tostring) | join(" ")')"
	expect_eq "acquisitions, none of them waits" 7 "$(count '.name == "__itt_sync_acquired" and .dur == 0')"
}

@test "tracing off, or the categories not recorded: the calls do nothing" {
	native=$(env -u INTEL_LIBITTNOTIFY64 "$T/t_itt" all 2)
	run env TRACEIT_EVENTS=memory INTEL_LIBITTNOTIFY64="$LIB" TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_itt" all 2
	expect_eq "same output" "$native" "$output"
	to_json
	expect_eq "user and lock events" 0 "$(count '.cat == "lock" or .cat == "app" or .cat == "frame" or .name == "queue"')"
	expect_eq mallocs 2 "$(count '.name == "malloc" and .args.size == 1000')"
	rm -rf "$OUT"; mkdir -p "$OUT"
	run env TRACEIT_START=off INTEL_LIBITTNOTIFY64="$LIB" TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_itt" all 2
	expect_eq "same output, started off" "$native" "$output"
	# __itt_resume switches it on: only what follows is there
	expect_eq "started off: before the resume" 0 "$(csv_count '$7 == "span" || $7 == "__itt_sync_acquired"')"
	expect_eq "after the resume" 1 "$(csv_count '$7 == "malloc" && $13 == 3333')"
}

@test "the launcher points INTEL_LIBITTNOTIFY64 at its library, unless the user chose one" {
	run "$TRACEIT" -q -o "$OUT" -- sh -c 'echo "$INTEL_LIBITTNOTIFY64"'
	expect_eq "set" "$(readlink -f "$LIB")" "$output"
	run env INTEL_LIBITTNOTIFY64=/opt/other/libcollector.so "$TRACEIT" -q -o "$OUT" -- sh -c 'echo "$INTEL_LIBITTNOTIFY64"'
	expect_eq "kept" /opt/other/libcollector.so "$output"
	rm -rf "$OUT"; mkdir -p "$OUT"
	run env -u INTEL_LIBITTNOTIFY64 "$TRACEIT" -q -o "$OUT" -- "$T/t_itt" all 2
	expect_eq output "itt 2 done" "$output"
	to_json
	expect_eq requests 2 "$(count '.name == "request" and .cat == "app"')"
}

@test "oneTBB: tbb::spin_mutex under contention, in the lock table with its waits" {
	hdr=/usr/include/oneapi/tbb/spin_mutex.h
	[ -f "$hdr" ] || skip "no oneTBB headers ($hdr; Debian: libtbb-dev)"
	command -v g++ >/dev/null || skip "no g++"
	src="$BATS_TEST_TMPDIR/spin.cc" prog="$BATS_TEST_TMPDIR/spin"
	cat >"$src" <<'EOF'
#include <oneapi/tbb/spin_mutex.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

int main()
{
	tbb::spin_mutex m;
	std::atomic<int> ready{0};
	long sum = 0;
	std::vector<std::thread> v;

	for (int t = 0; t < 4; t++)
		v.emplace_back([&] {
			ready++;
			while (ready < 4)
				std::this_thread::yield();
			for (int i = 0; i < 200; i++) {
				tbb::spin_mutex::scoped_lock l(m);
				// held long enough for the others to find it held, however busy the machine
				std::this_thread::sleep_for(std::chrono::microseconds(50));
				sum += i;
			}
		});
	for (auto &t : v)
		t.join();
	std::printf("%ld\n", sum);
	return 0;
}
EOF
	# spin_mutex notifies from the header: with TBB_USE_PROFILING_TOOLS (debug builds have it)
	g++ -O1 -pthread -DTBB_USE_PROFILING_TOOLS=1 -o "$prog" "$src" -ltbb
	libtbb=$(ldd "$prog" | awk '/libtbb/ { print $3 }')
	grep -qa INTEL_LIBITTNOTIFY64 "$libtbb" ||
		skip "$libtbb has no ITT static part (no INTEL_LIBITTNOTIFY64 in it)"
	run env -u INTEL_LIBITTNOTIFY64 "$TRACEIT" -q -o "$OUT" -- "$prog"
	expect_eq status 0 "$status"
	expect_eq output 79600 "$output"
	row=$(lock_row "tbb::spin_mutex")
	[[ "$row" =~ ^\ +800\ +([0-9]+)\ .*\ 4\ +[0-9]+\ 0x[0-9a-f]+\ tbb::spin_mutex$ ]]
	[ "${BASH_REMATCH[1]}" -ge 1 ]
	"$CONVERT" -f json -o "$JSON" "$OUT"
	[ "$(count '.name == "__itt_sync_acquired" and .dur > 0 and .args.holder > 0')" -ge 1 ]
	[ "$(count '.name == "__itt_sync_releasing -> __itt_sync_acquired" and .ph == "s"')" -ge 1 ]
}
