#!/usr/bin/env bats
# A process that dies without its last drain (SIGKILL, a raw exit_group, as Go programs end)
# leaves its buffers in a shared-memory file; the launcher or the converter reads them back,
# and nothing recorded up to the death is lost.  When that file cannot be had, the program
# runs as before, told once.

load helpers

# mallocs in the CSV of $OUT
mallocs() {
	"$CONVERT" -f csv -o - "$OUT" 2>/dev/null | awk -F, '$7 == "malloc"' | wc -l
}

# shared-buffer files of the pid in $1 left in shared memory
leftovers() {
	ls "${TRACEIT_SHM_DIR:-/dev/shm}" 2>/dev/null | grep -c "^traceit-$1-" || true
}

@test "SIGKILL during heavy allocation in four threads: every event up to the kill" {
	run "$TRACEIT" -o "$OUT" -- "$T/t_ending" kill 200000 3
	[ "$status" -eq 137 ]
	[[ "$output" == *"ended without writing out its buffers; kept in t_ending."*".rings"* ]]
	# the launcher moved the file into the folder: a file now, not a link
	rings=$(ls "$OUT"/*.rings)
	[ -f "$rings" ] && [ ! -L "$rings" ]
	run "$CONVERT" -f summary "$OUT"
	expect_eq "converts (a kill is not damage)" 0 "$status"
	[[ "$output" == *"(recovered)"* ]]
	[[ "$output" == *"events it had not written were recovered from t_ending."*".rings"* ]]
	expect_eq mallocs 800000 "$(mallocs)"
	expect_eq frees 800000 "$("$CONVERT" -f csv -o - "$OUT" 2>/dev/null | awk -F, '$7 == "free"' | wc -l)"
}

# "offset kind payload_len tid" of each whole chunk of the stream $1 (stream/format.h)
chunks() {
	local size pos=16 kind len tid
	size=$(stat -c %s "$1")
	while [ $((pos + 64)) -le "$size" ]; do
		kind=$(od -An -t u2 -j $((pos + 4)) -N 2 "$1" | tr -d ' ')
		len=$(od -An -t u4 -j $((pos + 8)) -N 4 "$1" | tr -d ' ')
		tid=$(od -An -t u4 -j $((pos + 16)) -N 4 "$1" | tr -d ' ')
		[ $((pos + 64 + len)) -le "$size" ] || return 0
		echo "$pos $kind $len $tid"
		pos=$((pos + 64 + len))
	done
}

# Gives every ring of the shared-buffer file $1 back the room of its written chunks, as if
# none had been released: each tail to 0, for rings that never wrapped (stream/rings.h).
rewind_rings() {
	local at=4096 size len tail_off
	size=$(stat -c %s "$1")
	while [ $((at + 64)) -le "$size" ] &&
		[ "$(od -An -t x4 -j "$at" -N 4 "$1" | tr -d ' ')" = 4e475254 ]; do
		len=$(od -An -t u8 -j $((at + 8)) -N 8 "$1" | tr -d ' ')
		tail_off=$(od -An -t u4 -j $((at + 36)) -N 4 "$1" | tr -d ' ')
		dd if=/dev/zero of="$1" bs=1 seek=$((at + tail_off)) count=8 conv=notrunc 2>/dev/null
		at=$((at + len))
	done
}

# A killed run in $OUT, its stream $trc and its shared buffers $rings; traceit's options in $@
killed_run() {
	run "$TRACEIT" -q -o "$OUT" "$@" -- "$T/t_ending" kill "$PAIRS" 3
	[ "$status" -eq 137 ]
	trc=$(ls "$OUT"/*.trc)
	rings=$(ls "$OUT"/*.rings)
}

@test "a kill in the middle of writing a chunk: the cut chunk comes back from the buffers" {
	# A kill ends a write at a page boundary, and the rings give room back only once a chunk
	# is in the file.  Made here: the file's last chunk of events (one thread's or several)
	# is cut in half, and the rings are given back the room of the chunks written, as if
	# the chunk had been cut before its room was released.  The rings (16 MiB) never wrap,
	# and the writer drains them every millisecond.
	PAIRS=100000 TRACEIT_FLUSH_MS=1 TRACEIT_BUFFER_KB=16384 killed_run
	set -- $(chunks "$trc" | awk '$2 == 3 || $2 == 7' | tail -n 1)
	[ -n "$1" ]
	rewind_rings "$rings"
	truncate -s $(($1 + 64 + $3 / 2)) "$trc"
	run "$CONVERT" -f summary "$OUT"
	expect_eq "converts (a cut by the kill is not damage)" 0 "$status"
	[[ "$output" == *"the chunk the kill cut short among them"* ]]
	[[ "$output" == *"(recovered)"* ]]
	expect_eq mallocs 400000 "$(mallocs)"
	# without the buffers, the same cut is damage
	rm "$rings"
	run "$CONVERT" -f summary "$OUT"
	expect_eq "a cut without the buffers" 1 "$status"
	[[ "$output" == *"truncated at offset"* ]]
}

@test "a file cut after the run, its buffers beside it: the cut is damage, not the kill's" {
	# the first chunk of events cut in half: its records, and those of the chunks after it,
	# are in no buffer any more.  The rings (1 MiB) are drained as they fill.
	PAIRS=20000 killed_run
	set -- $(chunks "$trc" | awk '$2 == 3 || $2 == 7' | head -n 1)
	[ -n "$1" ]
	truncate -s $(($1 + 64 + $3 / 2)) "$trc"
	run "$CONVERT" -f summary "$OUT"
	expect_eq "a cut older than the kill" 1 "$status"
	[[ "$output" == *"truncated at offset"* ]]
	[[ "$output" != *"the chunk the kill cut short"* ]]
	[ "$(mallocs)" -lt 80000 ]
}

@test "a raw exit_group (no atexit, no destructor): the whole trace" {
	run "$TRACEIT" -q -o "$OUT" -- "$T/t_ending" exitgroup 5000
	[ "$status" -eq 0 ]
	expect_eq mallocs 5000 "$(mallocs)"
	run "$CONVERT" -f summary "$OUT"
	[ "$status" -eq 0 ]
	[[ "$output" == *"raw exit_group"*": 10000 events it had not written were recovered"* ]]
}

# ring_words of the first thread region of the shared-buffer file $1 (stream/rings.h)
ring_words() {
	od -An -t u8 -j $((4096 + 24)) -N 8 "$1" | tr -d ' '
}

@test "a ring that grew (it had to wait for the writer): recovered whole, the reader told its size" {
	# TRACEIT_BUFFER_MAX_KB, TRACEIT_BUFFER_TOTAL_MB, the ring's KiB at the end: growing
	# takes half of the total at most (1008 KiB more would fit the 1 MiB, not its half)
	for case in "16 2048 16" "64 2048 64" "512 1 512" "1024 1 16"; do
		set -- $case
		rm -rf "$OUT"
		TRACEIT_BUFFER_KB=16 TRACEIT_BUFFER_MAX_KB=$1 TRACEIT_BUFFER_TOTAL_MB=$2 \
			run "$TRACEIT" -q -o "$OUT" -- "$T/t_ending" exitgroup 50000
		[ "$status" -eq 0 ]
		expect_eq "ring words ($case)" $(($3 * 128)) "$(ring_words "$OUT"/*.rings)"
		expect_eq "mallocs ($case)" 50000 "$(mallocs)"
	done
}

@test "without the launcher: the converter moves the file out of shared memory itself" {
	run traced "$T/t_ending" exitgroup 3000
	[ "$status" -eq 0 ]
	link=$(ls "$OUT"/*.rings)
	[ -L "$link" ]
	pid=$(basename "$link" .rings)
	pid=${pid##*.}
	expect_eq "in shared memory" 1 "$(leftovers "$pid")"
	expect_eq mallocs 3000 "$(mallocs)"
	[ -f "$link" ] && [ ! -L "$link" ]
	expect_eq "moved out" 0 "$(leftovers "$pid")"
	# and again: the same events, from the moved file
	expect_eq "mallocs again" 3000 "$(mallocs)"
}

@test "a normal end leaves no shared-buffer file behind" {
	run traced "$T/t_ending" exit 1000
	[ "$status" -eq 0 ]
	[ -z "$(ls "$OUT"/*.rings 2>/dev/null)" ]
	run "$CONVERT" -f summary "$OUT"
	[[ "$output" == *"(complete)"* ]]
	expect_eq leftovers 0 "$(ls /dev/shm | grep -c "^traceit-$(ls "$OUT" | sed 's/.*\.\([0-9]*\)\.trc/\1/')-" || true)"
}

@test "ring mode: the flight recorder survives SIGKILL" {
	run env TRACEIT_MODE=ring "$TRACEIT" -q -o "$OUT" -- "$T/t_ending" kill 200000 1
	[ "$status" -eq 137 ]
	n=$(mallocs)
	[ "$n" -gt 1000 ] && [ "$n" -lt 400000 ]
	run "$CONVERT" -f summary "$OUT"
	[ "$status" -eq 0 ]
	[[ "$output" == *"(recovered)"* ]]
}

@test "a fork child killed: its own buffers are recovered, the parent's trace is whole" {
	run "$TRACEIT" -q -o "$OUT" -- "$T/t_ending" forkkill 20000
	[ "$status" -eq 0 ]
	expect_eq streams 2 "$(ls "$OUT"/*.trc | wc -l)"
	expect_eq "rings files" 1 "$(ls "$OUT"/*.rings | wc -l)"
	run "$CONVERT" -f summary "$OUT"
	[ "$status" -eq 0 ]
	[[ "$output" == *"exit 0 "*"(complete)"* ]]
	[[ "$output" == *"(recovered)"* ]]
	expect_eq mallocs 40000 "$(mallocs)"
}

@test "no shared memory to be had: one line, the program as untraced, the trace complete" {
	native=$("$T/t_ending" exit 1000; echo "rc=$?")
	run env TRACEIT_SHM_DIR=/nonexistent/dir TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_ending" exit 1000
	expect_eq status 0 "$status"
	expect_eq "one line" 1 "$(grep -c "cannot keep the buffers in /nonexistent/dir (no such folder" <<<"$output")"
	[ "$native" = "rc=0" ]
	expect_eq mallocs 1000 "$(mallocs)"
	run "$CONVERT" -f summary "$OUT"
	[[ "$output" == *"(complete)"* ]]
	# TRACEIT_SHM_DIR=off: private buffers, nothing said
	rm -rf "$OUT"; mkdir -p "$OUT"
	run env TRACEIT_SHM_DIR=off TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_ending" exit 1000
	[ "$status" -eq 0 ] && [ -z "$output" ]
	expect_eq "mallocs, private" 1000 "$(mallocs)"
	# private rings that grow: all of the room is the thread's, nothing said either
	rm -rf "$OUT"; mkdir -p "$OUT"
	run env TRACEIT_SHM_DIR=off TRACEIT_BUFFER_KB=16 TRACEIT_BUFFER_MAX_KB=64 \
		TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_ending" exit 50000
	[ "$status" -eq 0 ] && [ -z "$output" ]
	expect_eq "mallocs, private rings grown" 50000 "$(mallocs)"
}

@test "a file size limit below a buffer: no SIGBUS, no SIGXFSZ, one line, the run as untraced" {
	# 512 KB: enough for this trace, not for a 1 MB buffer's blocks
	native=$(bash -c "ulimit -f 512; '$T/t_ending' kill 1000 2" 2>&1; echo "rc=$?")
	run bash -c "ulimit -f 512; TRACEIT_OUTPUT='$OUT' LD_PRELOAD='$LIB' '$T/t_ending' exit 1000; echo rc=\$?"
	[[ "$output" == *"cannot reserve "*" KB in /dev/shm for a thread's buffer (file size limit"* ]]
	[[ "$output" == *"rc=0" ]]
	expect_eq "said once" 1 "$(grep -c "cannot reserve" <<<"$output")"
	expect_eq mallocs 1000 "$(mallocs)"
	[[ "$native" == *"rc=137" ]]
}

@test "Go (cgo): a complete trace although the runtime ends with a raw exit_group" {
	command -v go >/dev/null || skip "go is not installed (Debian: golang-go)"
	export GOCACHE="$BATS_TEST_TMPDIR/gocache" GOPATH="$BATS_TEST_TMPDIR/gopath" CGO_ENABLED=1
	go build -o "$BATS_TEST_TMPDIR/cgo_work" "$TT_SRCDIR/tests/go/cgo_work.go"
	native=$("$BATS_TEST_TMPDIR/cgo_work" 20000; echo "rc=$?")
	traced_out=$(TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$BATS_TEST_TMPDIR/cgo_work" 20000; echo "rc=$?")
	expect_eq "same output" "$native" "$traced_out"
	expect_eq "12345-byte mallocs" 20000 \
		"$("$CONVERT" -f csv -o - "$OUT" 2>/dev/null | awk -F, '$7 == "malloc" && $13 == 12345' | wc -l)"
	run "$CONVERT" -f summary "$OUT"
	[ "$status" -eq 0 ]
	[[ "$output" == *"raw exit_group"*"recovered"* ]]
}
