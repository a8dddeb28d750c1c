#!/usr/bin/env bats
# The program's own annotations (traceit.h, the Python module) and tracing switched on and
# off while it runs: what each call records, how each output shows it, what misuse gives,
# and that an untraced run behaves the same.

load helpers

PY=/usr/bin/python3

# csv_count AWK-CONDITION: CSV rows of $OUT matching it
csv_count() {
	"$CONVERT" -f csv -o - "$OUT" 2>/dev/null | awk -F, "$1" | wc -l
}

@test "C: every call of traceit.h, the same run untraced, every output" {
	native=$("$T/t_annot" all 3; echo "rc=$?")
	[ "$native" = "enabled 0
rc=0" ]
	run traced "$T/t_annot" all 3
	[ "$status" -eq 0 ] && [ "$output" = "enabled 1" ]
	to_json
	# spans: slices named by the program, nested like calls, in its own category
	expect_eq requests 3 "$(count '.name == "request" and .cat == "req" and .ph == "X"')"
	expect_eq parses 3 "$(count '.name == "parse" and .ph == "X"')"
	expect_eq "parse inside request" 3 "$(jqj '[.traceEvents[] | select(.name == "request")] as $r |
		[.traceEvents[] | select(.name == "parse") | . as $p |
		 select(any($r[]; .ts <= $p.ts and $p.ts + $p.dur <= .ts + .dur))] | length')"
	expect_eq "malloc inside parse" 3 "$(jqj '[.traceEvents[] | select(.name == "parse")] as $r |
		[.traceEvents[] | select(.name == "malloc" and .args.size == 1000) | . as $p |
		 select(any($r[]; .ts <= $p.ts and $p.ts + $p.dur <= .ts + .dur))] | length')"
	# counters, instants with their arguments, async spans by id across threads
	expect_eq "queue samples" "3 2 1" "$(jqj '[.traceEvents[] | select(.name == "queue" and .ph == "C") | .args.value] | map(tostring) | join(" ")')"
	expect_eq "ratio samples" "0 0.25 0.5" "$(jqj '[.traceEvents[] | select(.name == "ratio" and .ph == "C") | .args.value] | map(tostring) | join(" ")')"
	expect_eq "marks" "0/100 1/101 2/102" "$(jqj '[.traceEvents[] | select(.name == "mark" and .ph == "i") | "\(.args.id)/\(.args.size)"] | join(" ")')"
	expect_eq "done" 1 "$(count '.name == "done" and .ph == "i"')"
	expect_eq "handoff b/e" "b e" "$(jqj '[.traceEvents[] | select(.name == "handoff") | .ph] | join(" ")')"
	[ "$(jqj '[.traceEvents[] | select(.name == "handoff") | .tid] | unique | length')" = 2 ]
	expect_eq "batch b/n/e" "b n e" "$(jqj '[.traceEvents[] | select(.name == "batch") | .ph] | join(" ")')"
	expect_eq "batch id" '"0x2a"' "$(jqj '[.traceEvents[] | select(.name == "batch") | .id2.local] | unique | map(tojson) | join(" ")')"
	# the thread name, whole (the kernel keeps 15 bytes)
	[[ "$(jqj '[.traceEvents[] | select(.ph == "M" and .name == "thread_name") | .args.name] | join("|")')" == *"a worker with a name longer than the kernel's fifteen"* ]]
	# CSV: rows of their own category; summary: its tables
	expect_eq "csv user rows" 24 "$(csv_count '$6 == "user"')"
	run "$CONVERT" -f summary "$OUT"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Spans (the program's annotations, by name)"* ]]
	[[ "$output" =~ \ 3\ +[0-9.]+\ .s\ +[0-9.]+\ .s\ +[0-9.]+\ .s\ +0\ request ]]
	[[ "$output" =~ \ 1\ +[0-9.]+\ .s\ +[0-9.]+\ .s\ +[0-9.]+\ .s\ +0\ handoff ]]
	[[ "$output" =~ \ 3\ +1\ +1\ +3\ queue ]]
	[[ "$output" =~ \ 3\ +0.5\ +0\ +0.5\ ratio ]]
	# Perfetto: the same slices named by the program, async spans and counters on tracks of
	# the process (decoded with the project's schema when protoc and python3-protobuf exist)
	"$CONVERT" -f perfetto -o "$BATS_TEST_TMPDIR/t.pftrace" "$OUT"
	command -v protoc >/dev/null && "$PY" -c 'import google.protobuf' 2>/dev/null ||
		skip "protoc or python3-protobuf missing: the Perfetto output is not decoded"
	mkdir -p "$BATS_TEST_TMPDIR/pb"
	protoc -I "$TT_SRCDIR/tests/perfetto" --python_out="$BATS_TEST_TMPDIR/pb" traceit-perfetto.proto
	"$PY" "$TT_SRCDIR/tests/perfetto/check-pftrace.py" "$BATS_TEST_TMPDIR/pb" \
		"$BATS_TEST_TMPDIR/t.pftrace" --summary >"$BATS_TEST_TMPDIR/s.json"
	expect_eq "perfetto spans (batch: its begin and its step)" "3 3 3 1 2" "$("$JQ" -r '[.names.request, .names.parse, .names.reply, .names.handoff, .names.batch] | map(tostring) | join(" ")' "$BATS_TEST_TMPDIR/s.json")"
	expect_eq "perfetto counters" "3 0.5" "$("$JQ" -r '.counters | to_entries | map(select(.key | test("/(queue|ratio)$"))) | sort_by(.key) | map(.value | tostring) | join(" ")' "$BATS_TEST_TMPDIR/s.json")"
}

@test "misuse: a span ended twice or never, an unknown id, NULL and long strings" {
	native=$("$T/t_annot" misuse; echo "rc=$?")
	traced_out=$(traced "$T/t_annot" misuse; echo "rc=$?")
	expect_eq "same as untraced" "$native" "$traced_out"
	run "$CONVERT" -f json -o "$JSON" "$OUT"
	# not damage: the stream is whole; one line says what the program did
	expect_eq "convert status" 0 "$status"
	expect_eq "one line" 1 "$(grep -c "ended a span it had not begun" <<<"$output")"
	[[ "$output" == *"(3 annotation problems in all)"* ]]
	expect_eq "spans kept" 4 "$(count '.ph == "X" and .cat != "memory" and .cat != "io" and .cat != "process" and .cat != "thread"')"
	expect_eq "left open" 1 "$(count '.name == "left open" and .args.unfinished == 1')"
	expect_eq "unnamed" 1 "$(count '.name == "(unnamed)" and .ph == "X"')"
	expect_eq "cut at 4096" 4096 "$(jqj '[.traceEvents[] | select(.ph == "X" and (.name | startswith("nnnn"))) | .name | length] | first')"
}

@test "windows: enable, disable, new window; --window=N keeps one" {
	run traced "$T/t_annot" windows
	[ "$status" -eq 0 ]
	expect_eq "recorded" 30 "$(csv_count '$7 == "malloc" && $13 == 1111')"
	expect_eq "off: not recorded" 0 "$(csv_count '$7 == "malloc" && $13 == 2222')"
	expect_eq "switches" "0/1 1/2 0/2 1/3 0/3 1/4" "$("$CONVERT" -f csv -o - "$OUT" | awk -F, '$7 == "tracing" { split($15, a, /[= ]/); printf "%s%s/%s", n++ ? " " : "", a[2], a[4] }')"
	for w in 1 2 3; do
		expect_eq "window $w" 10 "$("$CONVERT" -f csv --window=$w -o - "$OUT" | awk -F, '$7 == "malloc"' | wc -l)"
		expect_eq "window column $w" 10 "$(csv_count "\$7 == \"malloc\" && \$(NF-2) == $w")"
	done
	expect_eq "window 4" 0 "$("$CONVERT" -f csv --window=4 -o - "$OUT" | awk -F, '$7 == "malloc"' | wc -l)"
	run "$CONVERT" -f csv --window=0 -o - "$OUT"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--window: '0' is not a positive whole number"* ]]
}

@test "a window begins knowing the descriptors opened and closed while tracing was off" {
	printf 'abcdefgh' >"$BATS_TEST_TMPDIR/data"
	run traced "$T/t_annot" fds "$BATS_TEST_TMPDIR/data"
	[ "$status" -eq 0 ] && [ "$output" = "read 8" ]
	# the read names its file, opened while off; the fd closed while off is not open
	expect_eq "read names the file" "$BATS_TEST_TMPDIR/data" "$("$CONVERT" -f csv -o - "$OUT" | awk -F, '$7 == "read" { print $11 }')"
	expect_eq "the window's descriptors" 1 "$("$CONVERT" -f csv -o - "$OUT" | awk -F, -v p="$BATS_TEST_TMPDIR/data" '$7 == "fd_open" && $11 == p' | wc -l)"
	expect_eq resyncs 1 "$(csv_count '$7 == "fds_resync"')"
}

@test "TRACEIT_TOGGLE_SIGNAL: each delivery switches, the program's own handler still runs" {
	native=$("$T/t_annot" signal 12)
	run env TRACEIT_TOGGLE_SIGNAL=USR2 TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_annot" signal 12
	expect_eq "same output" "$native" "$output"
	expect_eq "before" 100 "$(csv_count '$7 == "malloc" && $13 == 3333')"
	expect_eq "off" 0 "$(csv_count '$7 == "malloc" && $13 == 4444')"
	expect_eq "on again" 100 "$(csv_count '$7 == "malloc" && $13 == 5555')"
	# started off (the launcher's --start-off): the first delivery switches on
	rm -rf "$OUT"; mkdir -p "$OUT"
	run "$TRACEIT" -q --start-off --toggle=USR2 -o "$OUT" -- "$T/t_annot" signal 12
	expect_eq "same output, started off" "$native" "$output"
	expect_eq "off at start" 0 "$(csv_count '$7 == "malloc" && $13 == 3333')"
	expect_eq "on" 100 "$(csv_count '$7 == "malloc" && $13 == 4444')"
	expect_eq "off again" 0 "$(csv_count '$7 == "malloc" && $13 == 5555')"
}

@test "the launcher's --delay and --duration: one window, in the middle of the run" {
	run "$TRACEIT" -q --delay=150ms --duration=200ms -o "$OUT" -- "$T/t_annot" slow
	[ "$status" -eq 0 ]
	sizes=$("$CONVERT" -f csv -o - "$OUT" | awk -F, '$7 == "malloc" && $13 >= 100 && $13 < 160 { print $13 }')
	n=$(wc -l <<<"$sizes")
	# 60 allocations 10 ms apart: about 20 in the window, none of the first and last ones
	[ "$n" -ge 5 ] && [ "$n" -le 40 ]
	[ "$(head -1 <<<"$sizes")" -gt 100 ] && [ "$(tail -1 <<<"$sizes")" -lt 159 ]
	expect_eq windows "1/1 0/1" "$("$CONVERT" -f csv -o - "$OUT" | awk -F, '$7 == "tracing" { split($15, a, /[= ]/); printf "%s%s/%s", n++ ? " " : "", a[2], a[4] }')"
	run "$TRACEIT" --delay=soon -- true
	[ "$status" -eq 125 ] && [[ "$output" == *"--delay takes a time"* ]]
	run "$TRACEIT" --duration=0 -- true
	[ "$status" -eq 125 ] && [[ "$output" == *"--duration takes a time above 0"* ]]
}

@test "a bad TRACEIT_TOGGLE_SIGNAL or TRACEIT_START: one line, the default kept" {
	native=$("$T/t_annot" signal 12)
	run env TRACEIT_TOGGLE_SIGNAL=BOGUS TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_annot" signal 12
	expect_eq output "traceit: TRACEIT_TOGGLE_SIGNAL='BOGUS' is not a signal (USR1, USR2, or a number from 1 to 64 other than KILL and STOP); no toggling by signal
$native" "$output"
	expect_eq "all recorded" 100 "$(csv_count '$7 == "malloc" && $13 == 4444')"
	rm -rf "$OUT"; mkdir -p "$OUT"
	run env TRACEIT_START=maybe TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_annot" windows
	expect_eq output "traceit: TRACEIT_START='maybe' is not on or off; starting on" "$output"
	expect_eq "started on" 30 "$(csv_count '$7 == "malloc" && $13 == 1111')"
	run "$TRACEIT" --toggle=NOPE -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--toggle"*"NOPE"* ]]
}

@test "Python: a context manager, a decorated coroutine, a span across threads" {
	[ -x "$PY" ] || skip "no $PY"
	prog='import asyncio, threading, traceit
with traceit.span("outer", category="py"):
    with traceit.span("inner"):
        data = [bytearray(70001) for _ in range(2)]
@traceit.trace_function(category="aio")
async def fetch(i):
    await asyncio.sleep(0.01)
    return i
async def main():
    return await asyncio.gather(fetch(1), fetch(2))
print(asyncio.run(main()), traceit.loaded)
sid = traceit.begin_span("across")
t = threading.Thread(target=lambda: traceit.end_span(sid))
t.start(); t.join()
traceit.instant("mark", category="py", a=1)
traceit.counter("n", 3); traceit.counter("f", 0.5)'
	untraced=$(PYTHONPATH="$TT_SRCDIR/python" "$PY" -c "$prog")
	[ "$untraced" = "[1, 2] False" ]
	run env PYTHONPATH="$TT_SRCDIR/python" TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$PY" -c "$prog"
	[ "$status" -eq 0 ] && [ "$output" = "[1, 2] True" ]
	to_json
	expect_eq "outer, inner" 2 "$(count '(.name == "outer" or .name == "inner") and .ph == "X"')"
	expect_eq "inner inside outer" 1 "$(jqj '[.traceEvents[] | select(.name == "outer")][0] as $o |
		[.traceEvents[] | select(.name == "inner" and $o.ts <= .ts and .ts + .dur <= $o.ts + $o.dur)] | length')"
	# bytearray(70001) asks for one byte more
	expect_eq "the allocations inside inner" 2 "$(jqj '[.traceEvents[] | select(.name == "inner")][0] as $o |
		[.traceEvents[] | select(.cat == "memory" and .args.size == 70002 and $o.ts <= .ts and .ts + .dur <= $o.ts + $o.dur)] | length')"
	expect_eq "the coroutine, twice, as async spans" "b b e e" "$(jqj '[.traceEvents[] | select(.name == "fetch") | .ph] | sort | join(" ")')"
	expect_eq "across threads" 2 "$(jqj '[.traceEvents[] | select(.name == "across") | .tid] | unique | length')"
	expect_eq "mark" 1 "$(count '.name == "mark" and .args.a == 1')"
	expect_eq counters "3 0.5" "$(jqj '[.traceEvents[] | select((.name == "n" or .name == "f") and .ph == "C") | .args.value | tostring] | join(" ")')"
}

@test "while off, frees of a window's blocks are noted; threads are counted again when on" {
	run traced "$T/t_annot" heap
	expect_eq status 0 "$status"
	run "$CONVERT" -f summary "$OUT"
	expect_eq status 0 "$status"
	# 10 blocks of window 1: 4 freed and 1 realloc'ed while off, 5 freed in window 2;
	# the 5 allocated while off (and the realloc'ed one) are unknown frees in window 2
	row=$(echo "$output" | sed -n '/^Memory per process/,/^$/p' | awk '$NF == "t_annot"')
	expect_eq "allocs frees unknown" "10 11 6" "$(echo "$row" | awk '{print $2, $3, $4}')"
	expect_eq leaked "0 B 0" "$(echo "$row" | awk '{print $(NF-5), $(NF-4), $(NF-3)}')"
	# the noted frees are bookkeeping, not calls
	expect_eq "no rows" 0 "$(csv_count '$7 == "free_while_off"')"
	expect_eq "threads resync" 1 "$(csv_count '$7 == "threads_resync" && $15 == "threads=2"')"
	# untraced, the same
	run "$T/t_annot" heap
	expect_eq "untraced" 0 "$status"
}
