#!/usr/bin/env bats
# traceit-convert: golden outputs from checked-in streams, damaged and foreign inputs, usage.

load helpers

GOLDEN="$DATA/golden"

@test "golden: CSV of a checked-in set of streams" {
	run "$CONVERT" -f csv -o - "$GOLDEN"
	[ "$status" -eq 0 ]
	diff -u "$DATA/golden.csv" <(printf '%s\n' "$output")
}

@test "golden: summary of a checked-in set of streams" {
	run "$CONVERT" -f summary "$GOLDEN"
	[ "$status" -eq 0 ]
	diff -u "$DATA/golden.summary" <(printf '%s\n' "$output")
}

@test "golden: JSON of a checked-in set of streams" {
	"$CONVERT" -f json -o "$JSON" "$GOLDEN"
	diff -u "$DATA/golden.json" "$JSON"
	# one Perfetto process per traced process, every thread named, only known phases:
	# counters, flow arrows (fork -> child, pthread_create -> thread start), slices, instants
	expect_eq processes 5 "$(jqj '[.traceEvents[] | select(.name == "process_name")] | length')"
	expect_eq phases "C,M,X,f,i,s" "$(jqj '[.traceEvents[].ph] | unique | join(",")')"
}

# golden_t_threads_memory NAME: the streams of t_threads 6 and t_memory 60 in $DATA/NAME,
# converted to the summary, CSV and JSON kept next to them
golden_t_threads_memory() {
	run "$CONVERT" -f summary "$DATA/$1"
	[ "$status" -eq 0 ]
	diff -u "$DATA/$1.summary" <(printf '%s\n' "$output")
	run "$CONVERT" -f csv -o - "$DATA/$1"
	[ "$status" -eq 0 ]
	diff -u "$DATA/$1.csv" <(printf '%s\n' "$output")
	"$CONVERT" -f json -o "$JSON" "$DATA/$1"
	diff -u "$DATA/$1.json" "$JSON"
	# every free names a block seen allocated (through the address history): none unknown
	expect_eq "unknown frees" "0 0" "$(awk '/^Memory per process/ {m = 1; next} m && $1 ~ /^[0-9]+$/ {printf "%s%s", s, $4; s = " "} /^  \(unknown/ {m = 0}' "$DATA/$1.summary")"
	# the six workers, each a part of the chunk threads share
	expect_eq "worker threads" 6 "$(jqj '[.traceEvents[] | select(.name == "thread_start") | .tid] | unique | length')"
}

@test "golden: format 3 streams (columns, address history, threads sharing a chunk)" {
	golden_t_threads_memory golden3
}

@test "golden: format 4 streams (threads sharing a chunk laid out by column)" {
	golden_t_threads_memory golden4
}

@test "golden: format 7 streams (the shared chunk's part headers by field)" {
	golden_t_threads_memory golden7
}

@test "CSV loads as a table: header, one row per event, quoting" {
	"$CONVERT" -f csv -o "$BATS_TEST_TMPDIR/t.csv" "$GOLDEN"
	head -1 "$BATS_TEST_TMPDIR/t.csv" | grep -qx 'pid,tid,thread,ts_ns,dur_ns,category,name,result,errno,fd,path,bytes,size,addr,details,window,depth,self_ns'
	"$CONVERT" -f json -o "$JSON" "$GOLDEN"
	# the calls and moments: slices and instants (not counters, arrows or names)
	events=$(jqj '[.traceEvents[] | select(.ph == "X" or .ph == "i")] | length')
	rows=$(/usr/bin/python3 -c 'import csv,sys; print(sum(1 for _ in csv.DictReader(open(sys.argv[1], newline=""))))' "$BATS_TEST_TMPDIR/t.csv")
	expect_eq rows "$events" "$rows"
}

@test "CSV quoting of paths with commas, quotes and newlines" {
	weird="$BATS_TEST_TMPDIR/a,b \"c\""$'\n'"d"
	run traced "$T/t_io" "$weird" 1
	[ "$status" -eq 0 ]
	"$CONVERT" -f csv -o "$BATS_TEST_TMPDIR/t.csv" "$OUT"
	n=$(/usr/bin/python3 -c 'import csv,sys; print(sum(1 for r in csv.DictReader(open(sys.argv[1], newline="")) if r["path"] == sys.argv[2] and r["name"] == "write"))' "$BATS_TEST_TMPDIR/t.csv" "$weird")
	expect_eq "writes to the weird path" 1 "$n"
}

@test "usage errors: one line, status 2" {
	run "$CONVERT"
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == *"no input"* ]]
	run "$CONVERT" -f xml "$GOLDEN"
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == *"unknown format 'xml'"* ]]
	run "$CONVERT" --bogus "$GOLDEN"
	[ "$status" -eq 2 ]
	run "$CONVERT" -o /nonexistent/dir/out.json "$GOLDEN"
	[ "$status" -eq 2 ]
	[[ "$output" == *"/nonexistent/dir/out.json"* ]]
}

@test "unreadable, empty, foreign and future-version inputs: clear error, status 1" {
	run "$CONVERT" -o "$JSON" /nonexistent/x.trc
	[ "$status" -eq 1 ]
	[[ "$output" == *"/nonexistent/x.trc"*"No such file"* ]]
	: > "$BATS_TEST_TMPDIR/empty.trc"
	run "$CONVERT" -o "$JSON" "$BATS_TEST_TMPDIR/empty.trc"
	[ "$status" -eq 1 ]
	[[ "$output" == *"not a traceit stream"* ]]
	echo "just text" > "$BATS_TEST_TMPDIR/text.trc"
	run "$CONVERT" -o "$JSON" "$BATS_TEST_TMPDIR/text.trc"
	[ "$status" -eq 1 ]
	[[ "$output" == *"text.trc: not a traceit stream"* ]]
	# a stream from the future: version 9, readable only by readers of version 9
	f="$BATS_TEST_TMPDIR/future.trc"
	cp "$GOLDEN"/t_io.*.trc "$f"
	printf '\x09\x00\x09\x00' | dd of="$f" bs=1 seek=8 conv=notrunc 2>/dev/null
	run "$CONVERT" -o "$JSON" "$f"
	[ "$status" -eq 1 ]
	[[ "$output" == *"version 9"* ]]
	# the good inputs given alongside are still converted
	run "$CONVERT" -o "$JSON" "$f" "$GOLDEN"
	[ "$status" -eq 1 ]
	[ "$(count '.ph == "X"')" -gt 0 ]
}

@test "a stream cut at every offset converts what precedes the cut, never crashes" {
	src=$(ls "$GOLDEN"/t_threads.*.trc)
	size=$(stat -c %s "$src")
	full=$("$CONVERT" -f csv "$src" | wc -l)
	prev=0
	for ((off = 0; off < size; off += 7)); do
		head -c "$off" "$src" > "$BATS_TEST_TMPDIR/cut.trc"
		set +e
		"$CONVERT" -f csv -o "$BATS_TEST_TMPDIR/cut.csv" "$BATS_TEST_TMPDIR/cut.trc" 2>"$BATS_TEST_TMPDIR/err"
		rc=$?
		set -e
		if [ "$rc" -ne 1 ]; then
			echo "offset $off: status $rc" >&2
			return 1
		fi
		[ "$(wc -l < "$BATS_TEST_TMPDIR/err")" -eq 1 ] || { echo "offset $off: not one line:" >&2; cat "$BATS_TEST_TMPDIR/err" >&2; return 1; }
		rows=$(wc -l < "$BATS_TEST_TMPDIR/cut.csv")
		# the longer the prefix, the more is recovered
		[ "$rows" -ge "$prev" ] || { echo "offset $off: $rows rows < $prev" >&2; return 1; }
		prev=$rows
	done
	[ "$prev" -le "$full" ]
	# JSON of a cut stream is still valid JSON
	head -c $((size / 2)) "$src" > "$BATS_TEST_TMPDIR/cut.trc"
	"$CONVERT" -q -o "$JSON" "$BATS_TEST_TMPDIR/cut.trc" || true
	"$JQ" -e . "$JSON" >/dev/null
}

@test "a damaged chunk is skipped with a warning naming the offset; the rest converts" {
	src=$(ls "$GOLDEN"/t_threads.*.trc)
	f="$BATS_TEST_TMPDIR/damaged.trc"
	cp "$src" "$f"
	size=$(stat -c %s "$f")
	full=$("$CONVERT" -f csv "$src" | wc -l)
	# flip one byte of the last events chunk (the main thread's, written last before END)
	off=$((size - 150))
	byte=$(od -An -tu1 -j "$off" -N1 "$f" | tr -d ' ')
	printf "\\$(printf %03o $((byte ^ 0xff)))" | dd of="$f" bs=1 seek="$off" conv=notrunc 2>/dev/null
	run "$CONVERT" -f csv -o "$BATS_TEST_TMPDIR/d.csv" "$f"
	[ "$status" -eq 1 ]
	[[ "$output" == *"damaged.trc"*"offset"* ]]
	rows=$(wc -l < "$BATS_TEST_TMPDIR/d.csv")
	[ "$rows" -gt 1 ]
	[ "$rows" -lt "$full" ]
}

@test "-o - writes to standard output; folders and files mix" {
	run "$CONVERT" -f csv -o - "$GOLDEN"/t_io.*.trc "$GOLDEN"/t_fork.*.trc
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == pid,tid,* ]]
}
