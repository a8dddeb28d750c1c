#!/usr/bin/env bats
# The malloc family: every call recorded exactly once, with its arguments and result.

load helpers

@test "each malloc-family function is counted exactly" {
	run traced "$T/t_memory" 25
	[ "$status" -eq 0 ]
	to_json
	expect_eq malloc 25 "$(count '.name == "malloc" and .args.size == 1001')"
	expect_eq calloc 25 "$(count '.name == "calloc" and .args.size == 1002 and .args.nmemb == 1')"
	expect_eq "realloc(NULL)" 25 "$(count '.name == "realloc" and .args.size == 1003')"
	expect_eq "realloc(p)" 25 "$(count '.name == "realloc" and .args.size == 1004')"
	expect_eq posix_memalign 25 "$(count '.name == "posix_memalign" and .args.size == 1005 and .args.alignment == 64')"
	expect_eq aligned_alloc 25 "$(count '.name == "aligned_alloc" and .args.size == 1024')"
	expect_eq memalign 25 "$(count '.name == "memalign" and .args.size == 1006')"
	expect_eq valloc 25 "$(count '.name == "valloc" and .args.size == 1007')"
	expect_eq pvalloc 25 "$(count '.name == "pvalloc" and .args.size == 1008')"
	expect_eq reallocarray 25 "$(count '.name == "reallocarray" and .args.size == 1009 and .args.nmemb == 3')"
	# glibc's reallocarray calls realloc through its public symbol: recorded, nested in it
	expect_eq "realloc of 3027" 25 "$(count '.name == "realloc" and .args.size == 3027')"
	expect_eq "nested" 25 "$(jqj '[.traceEvents[] | select(.name == "reallocarray")] as $ra
		| [.traceEvents[] | select(.name == "realloc" and .args.size == 3027) | . as $r
		| select([$ra[] | select(.tid == $r.tid and .ts <= $r.ts and .ts + .dur >= $r.ts + $r.dur)] | length == 1)]
		| length')"
	# and the heap counts its block once: no free of a block it did not know, nothing left
	run "$CONVERT" -f summary "$OUT"
	line=$(awk '/^Memory per process/ {getline; getline; print; exit}' <<<"$output")
	expect_eq "unknown frees" 0 "$(awk '{print $4}' <<<"$line")"
	expect_eq "live blocks at the end" 0 "$(awk '{print $(NF - 3)}' <<<"$line")"
}

@test "every block allocated is freed, once per allocation" {
	run traced "$T/t_memory" 25
	[ "$status" -eq 0 ]
	to_json
	# the addresses the marker allocations returned, and the frees of exactly those
	frees=$(jqj '[.traceEvents[] | select(.ph == "X" and (.args.size // 0) >= 1001 and (.args.size // 0) <= 1024)
		| if .name == "posix_memalign" then .args.addr else .args.result end] as $a
		| [.traceEvents[] | select(.name == "free" and (.args.addr as $x | $a | index($x)))] | length')
	# 9 blocks per round, all freed; free(NULL) is not recorded
	expect_eq frees 225 "$frees"
}

@test "addresses far apart survive the stream's address coding" {
	run traced "$T/t_memory" 3
	[ "$status" -eq 0 ]
	to_json
	expect_eq "munmap at the top of the range" 1 "$(count '.name == "munmap" and .args.addr == "0x7ffffffffffff000" and .args.errno == "EINVAL"')"
	expect_eq "munmap at the very top" 1 "$(count '.name == "munmap" and .args.addr == "0xfffffffffffff000"')"
	# the block allocated after them is the one freed
	expect_eq "malloc then free of the same block" 1 "$(jqj '[.traceEvents[] | select(.name == "malloc" and .args.size == 2010)][0] as $m
		| [.traceEvents[] | select(.name == "free" and .ts >= $m.ts and .args.addr == $m.args.result)] | length')"
}

# EVENTS chunks of the streams in $1 with a stored block of 4 KiB or more after a flush point
# of their deflate stream (collector/chunks.c, isal_events)
stored_chunks() {
	/usr/bin/python3 - "$1"/*.trc <<'PY'
import re, struct, sys
n = 0
for path in sys.argv[1:]:
    d = open(path, "rb").read()
    at = 16
    while at + 64 <= len(d):
        magic, kind, flags, plen = struct.unpack_from("<IHHI", d, at)
        if magic != 0x4B435454:
            break
        p = d[at + 64:at + 64 + plen]
        if kind == 3 and any(
                (p[m.end()] & 0xFE) == 0 and
                struct.unpack_from("<H", p, m.end() + 1)[0] ^ struct.unpack_from("<H", p, m.end() + 3)[0] == 0xFFFF and
                struct.unpack_from("<H", p, m.end() + 1)[0] >= 4096
                for m in re.finditer(re.escape(b"\x00\x00\xff\xff"), p) if m.end() + 5 <= len(p)):
            n += 1
        at += 64 + plen
print(n)
PY
}

@test "values that deflate would barely shrink are stored as they are, and read back exactly" {
	# sizes 16 to 79 in turn: 6 bits of entropy in every byte of the value column
	run traced "$T/t_churn" 200000 2
	[ "$status" -eq 0 ]
	[ "$(stored_chunks "$OUT")" -ge 1 ]
	"$CONVERT" -f csv -o "$BATS_TEST_TMPDIR/t.csv" "$OUT"
	expect_eq "mallocs, sizes added up" "400000 19000000" "$(awk -F, '$7 == "malloc" {n++; s += $13} END {print n, s}' "$BATS_TEST_TMPDIR/t.csv")"
	expect_eq frees 400000 "$(awk -F, '$7 == "free"' "$BATS_TEST_TMPDIR/t.csv" | wc -l)"
	run "$CONVERT" -f summary "$OUT"
	line=$(awk '/^Memory per process/ {getline; getline; print; exit}' <<<"$output")
	expect_eq "unknown frees" 0 "$(awk '{print $4}' <<<"$line")"
	# a program whose values compress well keeps them deflated: t_memory's sizes repeat
	rm -rf "$OUT"; mkdir -p "$OUT"
	run traced "$T/t_memory" 20000
	[ "$status" -eq 0 ]
	expect_eq "stored chunks of t_memory" 0 "$(stored_chunks "$OUT")"
}

@test "heap calls leave errno as it was, also with a full ring, stacks, drop and ring modes" {
	# t_memory exits 3 if a call that succeeded changed errno.  A 16 KiB ring makes the
	# thread wait for the writer; stacks call libunwind; drop and ring modes have their own
	# paths past a full ring.
	run "$T/t_memory" 2000
	[ "$status" -eq 0 ]
	for env in "TRACEIT_BUFFER_KB=16" "TRACEIT_BUFFER_KB=16 TRACEIT_STACKS=memory" \
		"TRACEIT_BUFFER_KB=16 TRACEIT_MODE=drop" "TRACEIT_BUFFER_KB=16 TRACEIT_MODE=ring"; do
		rm -rf "$OUT"; mkdir -p "$OUT"
		run env $env TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_memory" 2000
		[ "$status" -eq 0 ] || { echo "$env: $output" >&2; return 1; }
	done
}

@test "a failed allocation carries ENOMEM" {
	run traced "$T/t_memory" 1
	[ "$status" -eq 0 ]
	to_json
	expect_eq "failed malloc" 1 "$(count '.name == "malloc" and .args.errno == "ENOMEM"')"
}

@test "calls glibc makes for the program are recorded, nested in the outer call" {
	# python's startup allocates through glibc's public malloc: many events, all nested
	run traced /usr/bin/python3 -c 'import json; print(json.dumps([1,2]))'
	[ "$status" -eq 0 ]
	[ "$output" = "[1, 2]" ]
	to_json
	[ "$(count '.name == "malloc"')" -gt 1000 ]
}

@test "C++: new, new[], containers and strings allocate through malloc; delete frees" {
	run traced "$T/t_cxx" 20
	[ "$status" -eq 0 ]
	to_json
	# std::string(4004) asks for 4005 bytes: its terminating NUL
	for size in 4001 4002 4003 4005; do
		expect_eq "malloc $size" 20 "$(count ".name == \"malloc\" and .args.size == $size")"
	done
	# every one of those blocks is freed (an address can be reused by a later block of
	# another size, so frees of these addresses can only be more, never fewer)
	freed=$(jqj '[.traceEvents[] | select(.name == "malloc" and .args.size >= 4001 and .args.size <= 4005 and .args.size != 4004) | .args.result] as $a
		| [.traceEvents[] | select(.name == "free" and (.args.addr as $x | $a | index($x)))] | length')
	[ "$freed" -ge 80 ]
	# exceptions are allocated through malloc too (__cxa_allocate_exception)
	[ "$(count '.name == "malloc"')" -gt 90 ]
}

@test "heap calls: one timestamp under 64 KiB, timed above it, all timed with TRACEIT_DURATIONS=memory" {
	run traced "$T/t_heaponly" big 20
	[ "$status" -eq 0 ]
	"$CONVERT" -f csv -o "$BATS_TEST_TMPDIR/d.csv" "$OUT"
	# CSV columns: 5 dur_ns, 7 name, 13 size
	expect_eq "large mallocs timed" 20 "$(awk -F, '$7 == "malloc" && $13 == 1048576 && $5 > 0' "$BATS_TEST_TMPDIR/d.csv" | wc -l)"
	expect_eq "frees: one timestamp" 0 "$(awk -F, '$7 == "free" && $5 != 0' "$BATS_TEST_TMPDIR/d.csv" | wc -l)"
	run "$CONVERT" -f summary "$OUT"
	[[ "$output" == *"heap calls under 64 KiB were recorded without their time"* ]]

	rm -rf "$OUT"; mkdir -p "$OUT"
	TRACEIT_DURATIONS=memory traced "$T/t_heaponly" app 200 >/dev/null
	"$CONVERT" -f csv -o "$BATS_TEST_TMPDIR/d.csv" "$OUT"
	expect_eq "small calls timed" 401 "$(awk -F, '($7 == "malloc" || $7 == "free") && $5 > 0' "$BATS_TEST_TMPDIR/d.csv" | wc -l)"
	run "$CONVERT" -f summary "$OUT"
	[[ "$output" != *"recorded without their time"* ]]
}

@test "a program that only allocates: the writer starts from its own calls, never from libc's" {
	# half a ring of events from the program's own calls: the writer thread takes over
	run env TRACEIT_FLUSH_MS=1 TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_heaponly" app 100000
	[ "$status" -eq 0 ]
	expect_eq "writer from the program's malloc" "writer=1" "$output"
	run "$CONVERT" -f summary "$OUT"
	[[ "$output" == *" 100000        0 free"* ]]
	# glibc's qsort allocates for itself, maybe under its locks: drains stay in the thread
	rm -rf "$OUT"; mkdir -p "$OUT"
	run env TRACEIT_FLUSH_MS=1 TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_heaponly" libc 300
	[ "$status" -eq 0 ]
	expect_eq "no writer from libc's malloc" "writer=0" "$output"
	run "$CONVERT" -f summary "$OUT"
	[[ "$output" == *" 300        0 free"* ]]
}
