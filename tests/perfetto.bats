#!/usr/bin/env bats
# traceit-convert -f perfetto: the protobuf output decoded with the project's own schema
# (tests/perfetto/traceit-perfetto.proto) and checked against the CSV, JSON and summary of
# the same streams; what does not fit the slice budget folds; damaged inputs.

load helpers

PY=/usr/bin/python3
CHECK="$TT_SRCDIR/tests/perfetto/check-pftrace.py"

setup() {
	OUT="$BATS_TEST_TMPDIR/out"
	JSON="$BATS_TEST_TMPDIR/t.json"
	PF="$BATS_TEST_TMPDIR/t.pftrace"
	mkdir -p "$OUT"
	command -v protoc >/dev/null || skip "protoc is missing (Debian: protobuf-compiler)"
	"$PY" -c 'import google.protobuf' 2>/dev/null ||
		skip "python3's protobuf module is missing (Debian: python3-protobuf)"
	MOD="$BATS_TEST_TMPDIR/pb"
	mkdir -p "$MOD"
	protoc -I "$TT_SRCDIR/tests/perfetto" --python_out="$MOD" traceit-perfetto.proto
}

# check [ARGS...]: the checker on $PF
check() {
	"$PY" "$CHECK" "$MOD" "$PF" "$@"
}

# csv_events INPUT: the CSV's events as the checker's --events lines
csv_events() {
	"$CONVERT" -f csv -o "$BATS_TEST_TMPDIR/t.csv" "$1"
	"$PY" -c '
import csv, sys
rows = [",".join(r[k] for k in ("pid", "tid", "ts_ns", "dur_ns", "name", "errno", "fd", "path", "addr"))
        for r in csv.DictReader(open(sys.argv[1], newline=""))]
sys.stdout.write("".join(x + "\n" for x in sorted(rows)))' "$BATS_TEST_TMPDIR/t.csv"
}

# summary_json: the checker's --summary, one key
sj() {
	check --summary | "$JQ" -r "$1"
}

# same_as_csv INPUT [OPTIONS...]: every event once, at its time, with its arguments
same_as_csv() {
	local in="$1"
	shift
	"$CONVERT" -f perfetto "$@" -o "$PF" "$in"
	check --events "$BATS_TEST_TMPDIR/pf.ev"
	diff -u <(csv_events "$in") "$BATS_TEST_TMPDIR/pf.ev"
}

@test "golden streams: every event once, with its time, duration and arguments" {
	for g in golden golden4 contend; do
		same_as_csv "$DATA/$g"
	done
}

@test "uncompressed packets hold the same events" {
	same_as_csv "$DATA/golden4" --no-compress
	# no compressed_packets: the file starts with a plain packet
	expect_eq "first packet" "0a" "$(head -c 1 "$PF" | od -An -tx1 | tr -d ' ')"
}

@test "arrows: as many as the JSON draws (fork, exec, spawn, thread, lock, condvar)" {
	for g in golden contend; do
		"$CONVERT" -f perfetto -o "$PF" "$DATA/$g"
		"$CONVERT" -f json -o "$JSON" "$DATA/$g"
		expect_eq "$g flows" "$(count '.ph == "s"')" "$(sj .flows)"
	done
	# the lock hand-offs and wake-ups are among them
	[ "$(sj .flows)" -ge 10 ]
}

@test "tracks: one sequence per thread, processes and threads as in the JSON" {
	"$CONVERT" -f perfetto -o "$PF" "$DATA/golden"
	"$CONVERT" -f json -o "$JSON" "$DATA/golden"
	expect_eq sequences "$(jqj '[.traceEvents[] | select(.ph != "M" and .ph != "C") | "\(.pid)/\(.tid)"] | unique | length')" "$(sj .sequences)"
	expect_eq slices "$(count '.ph == "X" or .ph == "i"')" "$(sj .slices)"
	# every thread named as in the JSON, with its final name (pthread_setname_np, prctl)
	expect_eq "thread names" \
		"$(jqj '[.traceEvents[] | select(.name == "thread_name") | "\(.pid)/\(.tid)=\(.args.name)"] | sort | join(" ")')" \
		"$(sj '[.threads | to_entries[] | "\(.key)=\(.value)"] | sort | join(" ")')"
}

@test "the heap counter's highest value is the summary's peak" {
	"$CONVERT" -f perfetto -o "$PF" "$DATA/golden"
	got=$(check --summary | "$PY" -c '
import json, sys
c = json.load(sys.stdin)["counters"]
def fmt(n):
    if n < 1024:
        return "%d B" % n
    v = n / 1024
    return ("%.2f" if v < 10 else "%.1f" if v < 100 else "%.0f") % v + " KiB"
for k in sorted(c):
    if k.endswith("/heap"):
        print(k.split("/")[0], fmt(c[k]))')
	want=$("$CONVERT" -f summary "$DATA/golden" | awk '/^Memory per process/ {m = 1; getline; next} m && $1 ~ /^[0-9]+$/ {print $1, $8, $9} /^  \(unknown/ {m = 0}' | sort)
	expect_eq "peaks" "$want" "$got"
}

@test "filters select the same events as for JSON" {
	for f in "--category=memory" "--from=5ms --to=8ms" "--min-duration=10us"; do
		# shellcheck disable=SC2086
		"$CONVERT" -f perfetto $f -o "$PF" "$DATA/golden"
		# shellcheck disable=SC2086
		"$CONVERT" -f json $f -o "$JSON" "$DATA/golden"
		expect_eq "$f" "$(count '.ph == "X" or .ph == "i"')" "$(sj .slices)"
	done
}

@test "over the slice budget: fast calls fold into counters, the counts add up, stderr says so" {
	run "$CONVERT" -f perfetto --max-slices=300 -o "$PF" "$DATA/golden4"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q 'do not fit the budget of 300 slices'
	[ "$(echo "$output" | wc -l)" -eq 1 ]
	folded=$(echo "$output" | sed -n 's/.*: \([0-9]*\) of \([0-9]*\) events folded.*/\1/p')
	total=$(echo "$output" | sed -n 's/.*: \([0-9]*\) of \([0-9]*\) events folded.*/\2/p')
	expect_eq total 1205 "$total"
	slices=$(sj .slices)
	# kept + folded = all, plus the note that says what was folded
	expect_eq "kept + folded" "$total" "$((slices + folded))"
	[ "$slices" -le 300 ]
	[ "$(sj '.names["traceit: calls folded to fit the viewer"]')" = 1 ]
	# every thread, process, I/O and lifecycle event stays; only memory calls went here
	[ "$(sj '.names.thread_start')" = 6 ]
	[ "$(sj '.names.pthread_create')" = 6 ]
	# the folded calls are counted per thread: calls, bytes allocated and freed
	calls=$(check --summary | "$JQ" '[.counters | to_entries[] | select(.key | test("folded calls"))] | length')
	[ "$calls" -ge 1 ]
	# --full, or a budget that fits: nothing folds, nothing said
	run "$CONVERT" -f perfetto --full -o "$PF" "$DATA/golden4"
	[ "$status" -eq 0 ] && [ -z "$output" ]
	expect_eq slices 1205 "$(sj .slices)"
}

@test "the JSON folds the same way" {
	run "$CONVERT" -f json --max-slices=300 -o "$JSON" "$DATA/golden4"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q 'do not fit the budget of 300 slices'
	folded=$(echo "$output" | sed -n 's/.*: \([0-9]*\) of \([0-9]*\) events folded.*/\1/p')
	expect_eq "kept + folded" 1205 "$(($(count '(.ph == "X" or .ph == "i") and .cat != "traceit"') + folded))"
	[ "$(count '.ph == "C" and (.name | test("folded"))')" -gt 0 ]
	[ "$(count '.name == "traceit: calls folded to fit the viewer"')" = 1 ]
}

@test "usage: --no-compress and --max-slices belong to their formats; bad values" {
	run "$CONVERT" -f csv --no-compress "$DATA/golden"
	[ "$status" -eq 2 ] && [[ "$output" == *"--no-compress applies to the perfetto format only"* ]]
	run "$CONVERT" -f summary --full "$DATA/golden"
	[ "$status" -eq 2 ] && [[ "$output" == *"apply to the json and perfetto formats"* ]]
	run "$CONVERT" -f perfetto --max-slices=lots "$DATA/golden"
	[ "$status" -eq 2 ] && [[ "$output" == *"--max-slices: 'lots'"* ]]
}

@test "a truncated or damaged input still gives a well-formed trace" {
	f=$(ls "$DATA/golden"/*.trc | head -1)
	size=$(stat -c %s "$f")
	mkdir -p "$BATS_TEST_TMPDIR/bad"
	head -c $((size * 2 / 3)) "$f" >"$BATS_TEST_TMPDIR/bad/cut.trc"
	cp "$f" "$BATS_TEST_TMPDIR/bad/flip.trc"
	printf '\xff\xff\xff\xff' | dd of="$BATS_TEST_TMPDIR/bad/flip.trc" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
	for b in cut flip; do
		run "$CONVERT" -f perfetto -o "$PF" "$BATS_TEST_TMPDIR/bad/$b.trc"
		[ "$status" -eq 1 ]
		check
	done
}

@test "a traced run with stacks: interned callstacks, weighted" {
	TRACEIT_STACKS=memory traced "$T/t_memory" 20
	"$CONVERT" -f perfetto -o "$PF" "$OUT"
	check
	"$PY" - "$MOD" "$PF" <<'EOF'
import sys, zlib
sys.path.insert(0, sys.argv[1])
import traceit_perfetto_pb2 as pb2
t = pb2.Trace(); t.ParseFromString(open(sys.argv[2], "rb").read())
pk = []
for p in t.packet:
    if p.HasField("compressed_packets"):
        i = pb2.Trace(); i.ParseFromString(zlib.decompress(p.compressed_packets)); pk += i.packet
    else:
        pk.append(p)
ev = [p.track_event for p in pk if p.HasField("track_event") and p.track_event.type == 1]
with_stack = [e for e in ev if e.HasField("callstack_iid")]
weighted = [e for e in with_stack if e.HasField("callstack_weight") and e.callstack_weight > 0]
frames = sum(len(p.interned_data.function_names) for p in pk)
assert with_stack and weighted and frames, (len(with_stack), len(weighted), frames)
EOF
}

@test "processes: the parent pid, the name, one track across exec" {
	traced "$T/t_exec" >/dev/null 2>&1 || true
	"$CONVERT" -f perfetto --no-compress -o "$PF" "$OUT"
	check
	"$CONVERT" -f json -o "$JSON" "$OUT"
	# the JSON's processes (by pid) are the perfetto trace's process tracks
	expect_eq "pids" "$(jqj '[.traceEvents[] | select(.name == "process_name") | .pid] | unique | length')" \
		"$(protoc -I "$TT_SRCDIR/tests/perfetto" --decode=Trace traceit-perfetto.proto <"$PF" 2>/dev/null | grep -c 'process_name' || true)"
}

@test "with stacks, folded calls become weighted callstack samples" {
	TRACEIT_STACKS=memory traced "$T/t_memory" 60
	run "$CONVERT" -f perfetto --max-slices=100 --no-compress -o "$PF" "$OUT"
	[ "$status" -eq 0 ]
	folded=$(echo "$output" | sed -n 's/.*: \([0-9]*\) of \([0-9]*\) events folded.*/\1/p')
	[ "$folded" -gt 0 ]
	check
	"$PY" - "$MOD" "$PF" "$folded" <<'PYEOF'
import sys
sys.path.insert(0, sys.argv[1])
import traceit_perfetto_pb2 as pb2
t = pb2.Trace(); t.ParseFromString(open(sys.argv[2], "rb").read())
stack_tracks = {p.track_descriptor.uuid for p in t.packet
                if p.HasField("track_descriptor") and p.track_descriptor.name == "folded call stacks"}
calls = 0
for p in t.packet:
    e = p.track_event
    if p.HasField("track_event") and e.track_uuid in stack_tracks:
        assert e.type == 3 and e.HasField("callstack_iid") and e.callstack_weight > 0
        calls += e.debug_annotations[0].uint_value  # "calls" comes first
folded = int(sys.argv[3])
# every folded call that had a stack is in a sample (an unwinding that failed has none)
assert stack_tracks and 0.9 * folded <= calls <= folded, (calls, folded)
PYEOF
}
