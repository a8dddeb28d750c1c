#!/usr/bin/env bats
# traceit-convert: arrows (flows), counters, filters, split output, the summary's lock table
# and process tree.  Timing-dependent cases read the checked-in streams of
# tests/data/contend (made by tests/data/src/contend.c, see tests/data/src/README); live runs
# check only what does not depend on timing.

load helpers

CONTEND="$DATA/contend"
GOLDEN="$DATA/golden"

# py SCRIPT ARGS...: a python check on $JSON (loaded as t); prints what it prints
py() {
	local script=$1
	shift
	/usr/bin/python3 - "$JSON" "$@" <<EOF
import json, sys
t = json.load(open(sys.argv[1]))
ev = t["traceEvents"]
args = sys.argv[2:]
$script
EOF
}

# arrows NAME: "s_pid:s_tid>f_pid:f_tid" for every arrow of that name, sorted
arrows() {
	jqj --arg n "$1" '[.traceEvents[] | select(.cat == "flow" and .name == $n)]
		| group_by(.id) | map((.[] | select(.ph == "s") | "\(.pid):\(.tid)") + ">"
		+ (.[] | select(.ph == "f") | "\(.pid):\(.tid)")) | sort | join(" ")'
}

@test "golden: JSON and summary of the contention streams" {
	"$CONVERT" -f json -o "$JSON" "$CONTEND"
	diff -u "$DATA/contend.json" "$JSON"
	run "$CONVERT" -f summary "$CONTEND"
	[ "$status" -eq 0 ]
	diff -u "$DATA/contend.summary" <(printf '%s\n' "$output")
}

@test "arrows: every one an s and an f, the s no later, both on slices of their threads" {
	to_json "$CONTEND"
	out=$(py '
slices = {}
for e in ev:
    if e["ph"] == "X":
        slices.setdefault((e["pid"], e["tid"]), []).append((e["ts"], e["ts"] + e["dur"]))
ids = {}
for e in ev:
    if e["ph"] in "sf" and e.get("cat") == "flow":
        ids.setdefault(e["id"], {})[e["ph"]] = e
bad = 0
for i, p in ids.items():
    s, f = p.get("s"), p.get("f")
    if not s or not f or s["name"] != f["name"] or s["ts"] > f["ts"] or f.get("bp") != "e":
        bad += 1
        continue
    for x in (s, f):
        if not any(a <= x["ts"] <= b for a, b in slices.get((x["pid"], x["tid"]), [])):
            bad += 1
print(len(ids), bad)')
	expect_eq "arrows, bad ones" "16 0" "$out"
}

@test "arrows: fork and posix_spawn to the child, exec to the new image, parents sorted first" {
	to_json "$CONTEND"
	expect_eq "fork" "20821:20821>20829:20829 20821:20821>20830:20830" "$(arrows 'fork -> child')"
	expect_eq "exec" "20830:20830>20830:20830" "$(arrows 'execl -> new image')"
	expect_eq "spawn" "20821:20821>20831:20831" "$(arrows 'posix_spawn -> child')"
	# the exec arrow goes from the execl call to the first call of the new image
	out=$(py '
f = [e for e in ev if e.get("name") == "execl -> new image"]
s = [e for e in f if e["ph"] == "s"][0]; g = [e for e in f if e["ph"] == "f"][0]
ex = [e for e in ev if e.get("name") == "execl"][0]
first = min((e for e in ev if e["ph"] == "X" and e["pid"] == 20830 and e["ts"] > ex["ts"]),
            key=lambda e: e["ts"])
print(s["ts"] == ex["ts"], g["ts"] == first["ts"], first["name"])')
	expect_eq "exec arrow ends" "True True malloc" "$out"
	# process_sort_index: every parent before its children
	order=$(jqj '[.traceEvents[] | select(.name == "process_sort_index")] | sort_by(.args.sort_index) | map(.pid) | join(",")')
	expect_eq "process order" "20821,20829,20830,20831" "$order"
}

@test "arrows: pthread_create to the new thread's start, a zero-length slice" {
	to_json "$CONTEND"
	out=$(py '
starts = {(e["tid"], e["ts"]) for e in ev if e.get("name") == "thread_start" and e["ph"] == "X" and e["dur"] == 0}
creates = {e["ts"] for e in ev if e.get("name") == "pthread_create" and e["ph"] == "X"}
fl = [e for e in ev if e.get("name") == "pthread_create -> new thread"]
s = [e for e in fl if e["ph"] == "s"]; f = [e for e in fl if e["ph"] == "f"]
print(len(starts), len(s), all(e["ts"] in creates for e in s),
      sorted((e["tid"], e["ts"]) for e in f) == sorted(starts))')
	expect_eq "starts, arrows, from creates, onto every start" "6 6 True True" "$out"
}

@test "arrows: live fork and pthread_create, one per child and per thread" {
	run traced "$T/t_fork" 3
	[ "$status" -eq 0 ]
	to_json
	expect_eq "fork arrows" 3 "$(count '.ph == "f" and .name == "fork -> child"')"
	expect_eq "onto the children" "$(jqj '[.traceEvents[] | select(.name == "fork") | .args.pid] | sort | join(",")')" \
		"$(jqj '[.traceEvents[] | select(.ph == "f" and .name == "fork -> child") | .pid] | sort | join(",")')"
	rm -rf "$OUT"
	mkdir -p "$OUT"
	run traced "$T/t_threads" 6
	[ "$status" -eq 0 ]
	to_json
	expect_eq "thread arrows" 6 "$(count '.ph == "f" and .name == "pthread_create -> new thread"')"
	expect_eq "onto the starts" "$(jqj '[.traceEvents[] | select(.name == "thread_start") | .tid] | sort | join(",")')" \
		"$(jqj '[.traceEvents[] | select(.ph == "f" and .name == "pthread_create -> new thread") | .tid] | sort | join(",")')"
}

@test "arrows: the release a waiting acquisition needed, and condition variable wake-ups" {
	to_json "$CONTEND"
	expect_eq "mutex" "20821:20821>20821:20823" "$(arrows 'pthread_mutex_unlock -> pthread_mutex_lock')"
	expect_eq "semaphore" "20821:20821>20821:20827" "$(arrows 'sem_post -> sem_wait')"
	expect_eq "rwlock" "20821:20821>20821:20828" "$(arrows 'pthread_rwlock_unlock -> pthread_rwlock_rdlock')"
	expect_eq "signal" "20821:20821>20821:20824" "$(arrows 'pthread_cond_signal -> pthread_cond_wait')"
	expect_eq "broadcast" "20821:20821>20821:20825 20821:20821>20821:20826" \
		"$(arrows 'pthread_cond_broadcast -> pthread_cond_wait')"
	# each lands inside the acquisition or wait of its thread; only waits get arrows
	out=$(py '
targets = [e for e in ev if e["ph"] == "f" and e.get("cat") == "flow" and "new" not in e["name"] and "child" not in e["name"]]
ok = 0
for f in targets:
    want = f["name"].split(" -> ")[1]
    inside = [e for e in ev if e["ph"] == "X" and e["name"] == want and e["tid"] == f["tid"]
              and e["ts"] <= f["ts"] < e["ts"] + e["dur"] and e["dur"] > 0]
    ok += len(inside) == 1
print(len(targets), ok)')
	expect_eq "arrows inside a wait" "6 6" "$out"
}

@test "arrows: a live forced contention (t_lock) hands the mutex over from the main thread" {
	run traced "$T/t_lock" 10
	[ "$status" -eq 0 ]
	main=$(sed -n 's/^main=//p' <<<"$output")
	helper=$(sed -n 's/^helper=//p' <<<"$output")
	cm=$(sed -n 's/^cm=//p' <<<"$output")
	to_json
	n=$(py '
cm = args[0]
waits = [e for e in ev if e["ph"] == "X" and e["args"].get("lock") == cm and e["dur"] > 0
         and e["name"].startswith("pthread_mutex_") and e["name"] != "pthread_mutex_unlock"]
fs = [e for e in ev if e["ph"] == "f" and e.get("name", "").startswith("pthread_mutex_unlock -> ")
      and any(w["tid"] == e["tid"] and w["ts"] <= e["ts"] < w["ts"] + w["dur"] for w in waits)]
print(len(waits), len(fs))' "$cm")
	expect_eq "contended acquisitions of cm, arrows into them" "2 2" "$n"
	expect_eq "from the main thread" "$main" "$(jqj '[.traceEvents[] | select(.ph == "s" and (.name | startswith("pthread_mutex_unlock -> ")))] | map(.tid) | unique | join(",")')"
	[ -n "$helper" ]
}

@test "held_ns: a release's start minus its thread's acquisition end, condition waits included" {
	to_json "$CONTEND"
	out=$(py '
held = {}
n = bad = 0
for e in sorted((e for e in ev if e["ph"] == "X" and e.get("cat") == "lock"), key=lambda e: e["ts"] + e["dur"]):
    lock = e["args"].get("lock")
    key = (e["tid"], lock)
    end = round((e["ts"] + e["dur"]) * 1000)
    if e["name"] in ("pthread_mutex_lock", "pthread_rwlock_wrlock", "pthread_rwlock_rdlock", "sem_wait"):
        held.setdefault(key, []).append(end)
    elif "held_ns" in e["args"]:
        n += 1
        want = round(e["ts"] * 1000) - held[key].pop()
        bad += want != e["args"]["held_ns"]
        if e["name"].startswith("pthread_cond_"):
            held[key].append(end)
print(n, bad)')
	expect_eq "releases with held_ns, wrong ones" "16 0" "$out"
	expect_eq "the hand-off mutex held 3 ms by main" 3353 \
		"$(jqj '[.traceEvents[] | select(.name == "pthread_mutex_unlock" and .tid == 20821 and .args.held_ns > 1000000)][0].args.held_ns / 1000 | floor')"
}

@test "counters: one series per name, numbers, one sample per 10 us window at most" {
	to_json "$CONTEND"
	expect_eq "names" "allocations:live,fds:open,heap:bytes,threads:live" \
		"$(jqj '[.traceEvents[] | select(.ph == "C") | "\(.name):\(.args | keys | join("+"))"] | unique | join(",")')"
	expect_eq "non-numbers" 0 "$(count '.ph == "C" and ([.args[]] | map(type != "number") | any)')"
	expect_eq "every process has its four" "20821:4,20829:4,20830:4,20831:4" \
		"$(jqj '[.traceEvents[] | select(.ph == "C") | [.pid, .name]] | unique | group_by(.[0]) | map("\(.[0][0]):\(length)") | join(",")')"
	# bounded on a live allocation churn: no two samples of a counter in one 10 us window
	rm -rf "$OUT"
	mkdir -p "$OUT"
	run traced "$T/t_churn" 20000 2
	[ "$status" -eq 0 ]
	to_json
	out=$(py '
from collections import Counter
w = Counter((e["pid"], e["name"], int(round(e["ts"] * 1000)) // 10000) for e in ev if e["ph"] == "C")
heap = [e["ts"] for e in ev if e["ph"] == "C" and e["name"] == "heap"]
calls = sum(1 for e in ev if e["ph"] == "X" and e["cat"] == "memory")
print(max(w.values()), len(heap) <= (max(heap) - min(heap)) / 10 + 1, len(heap) < calls)')
	expect_eq "samples per window, per 10 us, fewer than calls" "1 True True" "$out"
}

@test "counters: the heap ends at what is still allocated, after rising and falling back" {
	to_json "$CONTEND"
	summary=$("$CONVERT" -f summary "$CONTEND")
	for pid in 20821 20829 20830 20831; do
		last=$(jqj --argjson p $pid '[.traceEvents[] | select(.ph == "C" and .pid == $p and .name == "heap")] | sort_by(.ts) | last.args.bytes')
		blocks=$(jqj --argjson p $pid '[.traceEvents[] | select(.ph == "C" and .pid == $p and .name == "allocations")] | sort_by(.ts) | last.args.live')
		# the summary's memory row: pid allocs frees unknown short allocated(2) peak(2)
		# peak-at(2) leaked(2) blocks largest(2) program
		row=$(awk -v p=$pid '/^Memory per process/ {m = 1} m && $1 == p {print; exit}' <<<"$summary")
		leaked=$(awk '{print $12}' <<<"$row")
		expect_eq "leaked blocks of $pid" "$(awk '{print $14}' <<<"$row")" "$blocks"
		if [ "$(awk '{print $13}' <<<"$row")" = B ]; then
			expect_eq "leaked bytes of $pid" "$leaked" "$last"
		fi
	done
	# the main process: 5000 bytes held most of the run, freed at the end
	expect_eq "rose, then fell back" "true 864" \
		"$(jqj '[.traceEvents[] | select(.ph == "C" and .pid == 20821 and .name == "heap")] | sort_by(.ts) | "\(map(.args.bytes) | max >= 5000) \(last.args.bytes)"')"
	expect_eq "threads" "1,2,1,2,1,2,3,2,1,2,1,2,1" \
		"$(jqj '[.traceEvents[] | select(.ph == "C" and .pid == 20821 and .name == "threads")] | sort_by(.ts) | map(.args.live) | join(",")')"
}

@test "filters: --pid, --tid, --category, --from/--to, --min-duration: the same counts in JSON and CSV" {
	to_json "$GOLDEN"
	full="$BATS_TEST_TMPDIR/full.json"
	cp "$JSON" "$full"
	check() { # expected, jq condition on the full output, options...
		local want=$1 cond=$2
		shift 2
		expect_eq "$* (full output)" "$want" "$("$JQ" "[.traceEvents[] | select((.ph == \"X\" or .ph == \"i\") and ($cond))] | length" "$full")"
		"$CONVERT" "$@" -o "$JSON" "$GOLDEN"
		expect_eq "$* (json)" "$want" "$(count '.ph == "X" or .ph == "i"')"
		expect_eq "$* (csv)" "$want" "$("$CONVERT" -f csv "$@" "$GOLDEN" | tail -n +2 | wc -l)"
	}
	check 35 '.pid == 27431' --pid=27431
	check 41 '.pid == 27431 or .pid == 27425' --pid=27425,27431
	check 10 '.tid == 27434 or .tid == 27435' --tid=27434,27435
	check 20 '.cat == "io"' --category=io
	check 45 '.cat == "io" or .cat == "memory"' --category=io,memory
	check 17 '.ts + (.dur // 0) >= 5000 and .ts <= 6000' --from=5ms --to=6ms
	check 17 '.ts + (.dur // 0) >= 5000 and .ts <= 6000' --from=5000000ns --to=0.006s
	check 10 '(.dur // 0) >= 10' --min-duration=10us
	check 6 '.pid == 27431 and .cat == "thread" and (.dur // 0) >= 0.5' --pid=27431 --category=thread --min-duration=500ns
	# only the selected process is named; counters follow the categories kept
	"$CONVERT" --pid=27422 --category=io -o "$JSON" "$GOLDEN"
	expect_eq "processes named" 27422 "$(jqj '[.traceEvents[] | select(.name == "process_name") | .pid] | join(",")')"
	expect_eq "counters" fds "$(jqj '[.traceEvents[] | select(.ph == "C") | .name] | unique | join(",")')"
	# times do not move: time 0 stays the start of the earliest process
	expect_eq "same ts" "$("$JQ" -c '[.traceEvents[] | select(.pid == 27422 and .cat == "io" and .ph == "X") | .ts]' "$full")" \
		"$(jqj -c '[.traceEvents[] | select(.ph == "X") | .ts]')"
}

@test "filters: the window keeps counters inside it, starting from the value at its start" {
	to_json "$GOLDEN"
	# windows of 10 us end at 5 ms: the last sample before it is the value at 5 ms
	before=$(jqj '[.traceEvents[] | select(.ph == "C" and .pid == 27431 and .name == "heap" and .ts < 5000)] | sort_by(.ts) | last.args.bytes')
	"$CONVERT" --from=5ms --to=6ms -o "$JSON" "$GOLDEN"
	expect_eq "outside the window" 0 "$(count '.ph == "C" and (.ts < 5000 or .ts > 6000)')"
	expect_eq "t_threads heap at 5 ms" "5000 $before" "$(jqj '[.traceEvents[] | select(.ph == "C" and .pid == 27431 and .name == "heap")] | sort_by(.ts) | first | "\(.ts) \(.args.bytes)"')"
}

@test "filters: the summary counts only what the filters keep" {
	run "$CONVERT" -f summary --pid=27431 "$GOLDEN"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "traceit summary: 1 process, 35 events in "* ]]
	[[ "$output" != *27425* ]]
	run "$CONVERT" -f summary --category=io "$GOLDEN"
	[ "$status" -eq 0 ]
	[[ "$output" == *"counted in the tables (the filters kept them): 20"* ]]
	[[ "$output" != *" malloc"$'\n'* ]]
}

@test "filters: bad values get one line naming the option, status 2" {
	for bad in --from=5 --from=1.5x --to=-1ms --min-duration=ms --pid=0 --pid=12, --tid=x \
		--category=disk --category= --split-mb=0 --split-mb=1.5; do
		run "$CONVERT" -o "$JSON" "$bad" "$GOLDEN"
		[ "$status" -eq 2 ] || { echo "$bad: status $status" >&2; return 1; }
		[ "${#lines[@]}" -eq 1 ] || { echo "$bad: ${#lines[@]} lines: $output" >&2; return 1; }
		[[ "$output" == "traceit-convert: ${bad%%=*}: "* ]] || { echo "$bad: $output" >&2; return 1; }
	done
	run "$CONVERT" --from=2ms --to=1ms -o "$JSON" "$GOLDEN"
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == *"--from is after --to"* ]]
}

@test "--split-mb: parts under the limit, each a whole trace that names what it holds" {
	run traced "$T/t_churn" 10000 2
	[ "$status" -eq 0 ]
	to_json
	total=$(count '.ph == "X" or .ph == "i"')
	base="$BATS_TEST_TMPDIR/parts.json"
	"$CONVERT" --split-mb=2 -o "$base" "$OUT"
	[ ! -e "$base" ]
	n=$(ls "$BATS_TEST_TMPDIR"/parts.*.json | wc -l)
	[ "$n" -ge 2 ]
	sum=0
	for ((k = 0; k < n; k++)); do
		part="$BATS_TEST_TMPDIR/parts.$k.json"
		[ "$(stat -c %s "$part")" -lt 2000000 ]
		expect_eq "part $k" "$k/$n" "$("$JQ" -r '"\(.metadata.part)/\(.metadata.parts)"' "$part")"
		# every process and every thread with events named in the part itself
		expect_eq "unnamed in part $k" 0 "$("$JQ" '([.traceEvents[] | select(.ph == "M" and .name == "thread_name") | "\(.pid):\(.tid)"]) as $t
			| ([.traceEvents[] | select(.ph == "M" and .name == "process_name") | .pid]) as $p
			| [.traceEvents[] | select(.ph != "M") | select((("\(.pid):\(.tid)") as $k | $t | index($k) | not) or (.pid as $x | $p | index($x) | not))] | length' "$part")"
		# arrows complete within the part
		expect_eq "arrows in part $k" 0 "$("$JQ" '[.traceEvents[] | select(.cat == "flow")] | group_by(.id) | map(select(length != 2)) | length' "$part")"
		sum=$((sum + $("$JQ" '[.traceEvents[] | select(.ph == "X" or .ph == "i")] | length' "$part")))
	done
	expect_eq "events in all parts" "$total" "$sum"
	# a name without .json gets the parts' suffix added
	"$CONVERT" --split-mb=100 -o "$BATS_TEST_TMPDIR/one" "$OUT"
	"$JQ" -e '.metadata.parts == 1' "$BATS_TEST_TMPDIR/one.0.json" >/dev/null
}

@test "--split-mb: needs -o and the json format" {
	run "$CONVERT" --split-mb=5 "$GOLDEN"
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == *"needs an output file name"* ]]
	run "$CONVERT" -f csv --split-mb=5 -o "$BATS_TEST_TMPDIR/x.csv" "$GOLDEN"
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == *"json format only"* ]]
}

@test "summary: the lock table, by total wait, with waits, holds and threads" {
	to_json "$CONTEND"
	run "$CONVERT" -f summary "$CONTEND"
	[ "$status" -eq 0 ]
	table=$(awk '/^Locks/ {m = 1; next} m && /^  \(/ {exit} m && NR > 0 {print}' <<<"$output" | tail -n +2)
	expect_eq "locks" 4 "$(wc -l <<<"$table")"
	# acquired contended total-wait max-wait total-hold max-hold threads pid lock
	read -r acq cont tw twu mw mwu th thu mh mhu threads pid lock <<<"$(head -1 <<<"$table")"
	expect_eq "most waited-for: the hand-off mutex" "2 1 3.23 ms 2 20821" "$acq $cont $tw $twu $threads $pid"
	expect_eq "its address" "$(jqj '[.traceEvents[] | select(.name == "pthread_mutex_unlock" and .tid == 20823)][0].args.lock')" "$lock"
	# sorted by total wait: the uncontended condition variable mutex comes last
	[[ "$(tail -1 <<<"$table")" == *"  9          0       0 ns "* ]]
	[[ "$output" == *"      2 SIGUSR1"* && "$output" == *"      1 SIGUSR2"* ]]
}

@test "summary: the process tree, children under their parent, exit status and duration" {
	run "$CONVERT" -f summary "$CONTEND"
	[ "$status" -eq 0 ]
	tree=$(awk '/^Processes/ {m = 1; next} m && /^$/ {exit} m {print}' <<<"$output")
	expect_eq "rows" 6 "$(wc -l <<<"$tree")"
	[[ "$(sed -n 2p <<<"$tree")" == "  20821 "*"exit 0 "*"./contend (complete)" ]]
	[[ "$(sed -n 3p <<<"$tree")" == "    20829 "*"_exit 3 "* ]]
	[[ "$(sed -n 4p <<<"$tree")" == "    20830 "*" exec "* ]]
	[[ "$(sed -n 5p <<<"$tree")" == "    20830 "*"exit 0 "*"contend exec (complete)" ]]
	[[ "$(sed -n 6p <<<"$tree")" == "    20831 "*"contend spawn (complete)" ]]
	# live: a grandchild that starts after its uncle is still listed under its parent, and
	# the JSON sorts the processes the same way
	run traced /bin/sh -c '( /bin/sleep 0.1; /bin/echo g >/dev/null; : ) & /bin/sleep 0.05; /bin/true; wait'
	[ "$status" -eq 0 ]
	run "$CONVERT" -f summary "$OUT"
	[ "$status" -eq 0 ]
	tree=$(awk '/^Processes/ {m = 1; next} m && /^$/ {exit} m && NR > 1 {print}' <<<"$output" | tail -n +2)
	echo_line=$(grep -n ' /bin/echo g (complete)$' <<<"$tree" | cut -d: -f1)
	true_line=$(grep -n ' /bin/true (complete)$' <<<"$tree" | cut -d: -f1)
	[ "$echo_line" -lt "$true_line" ]
	[[ "$(grep ' /bin/echo g (complete)$' <<<"$tree")" == "      "[0-9]* ]]
	[[ "$(grep ' /bin/true (complete)$' <<<"$tree")" == "    "[0-9]* ]]
	to_json
	expect_eq "JSON order" "$(awk '{print $1}' <<<"$tree" | awk '!seen[$0]++' | paste -sd,)" \
		"$(jqj '[.traceEvents[] | select(.name == "process_sort_index")] | sort_by(.args.sort_index) | map(.pid) | join(",")')"
}

@test "progress bar: never when stderr is not a terminal, nor for a small input on one" {
	run "$CONVERT" -o "$JSON" "$CONTEND"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	command -v script >/dev/null || skip "no script(1) to make a terminal"
	out=$(script -qec "'$CONVERT' -f summary -o /dev/null '$CONTEND'" /dev/null)
	[ -z "$out" ]
}
