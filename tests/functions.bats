#!/usr/bin/env bats
# Function tracing: programs built with -finstrument-functions (t_func, t_func_cxx).  Exact
# counts per function, nesting with the recorded calls, recursion, longjmp, exceptions, an
# instrumented signal handler, a thread and a process ending inside functions, the filters,
# the ftrace function_graph text, the runtime breakdown and the folded stacks.

load helpers

PY=/usr/bin/python3

# rows [AWK-FILTER-ON-CSV...]: the CSV of $OUT as "name depth ended self_ns dur_ns" lines
rows() {
	"$CONVERT" -f csv "$OUT" | "$PY" -c '
import csv, sys
for r in csv.DictReader(sys.stdin):
    ended = ""
    for kv in r["details"].split():
        if kv.startswith("ended="):
            ended = kv[6:]
    print(r["category"], r["name"], r["depth"], ended or "-", r["self_ns"] or "-", r["dur_ns"], r["tid"], r["ts_ns"])
'
}

# n CATEGORY NAME [DEPTH [ENDED]]: how many rows match
n() {
	rows | awk -v c="$1" -v f="$2" -v d="${3:-}" -v e="${4:-}" \
		'$1 == c && $2 == f && (d == "" || $3 == d) && (e == "" || $4 == e)' | wc -l
}

@test "every call is counted once, nested in its callers, with the glibc calls it makes" {
	run traced "$T/t_func" calls
	expect_eq status 0 "$status"
	expect_eq output "done 12" "$output"
	expect_eq main 1 "$(n function main 0 0)"
	expect_eq tree 3 "$(n function tree 1 0)"
	expect_eq branch 6 "$(n function branch 2 0)"
	expect_eq leaf 12 "$(n function leaf 3 0)"
	# leaf's malloc and free sit inside it, one level down
	expect_eq "malloc in leaf" 12 "$(n memory malloc 4)"
	expect_eq "free in leaf" 12 "$(n memory free 4)"
	expect_eq "functions in all" 22 "$(rows | awk '$1 == "function"' | wc -l)"
}

@test "self time is the duration less the recorded calls inside, at every level" {
	traced "$T/t_func" calls >/dev/null
	"$CONVERT" -f csv "$OUT" | "$PY" -c '
import csv, sys
rows = [r for r in csv.DictReader(sys.stdin) if r["self_ns"]]
for r in rows:
    r["s"], r["e"], r["d"] = int(r["ts_ns"]), int(r["ts_ns"]) + int(r["dur_ns"]), int(r["depth"])
checked = 0
for p in rows:
    if p["category"] != "function":
        continue
    inside = [c for c in rows if c is not p and c["tid"] == p["tid"] and c["s"] >= p["s"] and c["e"] <= p["e"]]
    level = [c for c in inside if c["d"] == p["d"] + 1]
    # a recorded call inside another at the same depth (the malloc of a printf) counts in the outer
    direct = [c for c in level if not any(o is not c and o["s"] <= c["s"] and c["e"] <= o["e"] and
                                          (o["s"], -o["e"]) < (c["s"], -c["e"]) for o in level)]
    want = max(0, int(p["dur_ns"]) - sum(int(c["dur_ns"]) for c in direct))
    assert int(p["self_ns"]) == want, (p["name"], p["self_ns"], want)
    checked += 1
assert checked == 22, checked
'
}

@test "the summary breakdown: calls, self and total, a recursion counted once" {
	run traced "$T/t_func" recurse 8
	expect_eq output "40320
done 0" "$output"
	expect_eq fact 8 "$(n function fact)"
	expect_eq "deepest fact" 1 "$(n function fact 8)"
	run "$CONVERT" -f summary "$OUT"
	expect_eq status 0 "$status"
	breakdown=$(echo "$output" | sed -n '/^Runtime breakdown/,/^$/p')
	echo "$breakdown" | grep -E "^ +[0-9.]+ +[0-9.]+ .s +[0-9.]+ .s .* +8 fn +fact$"
	echo "$breakdown" | grep -E " +1 fn +main$"
	echo "$breakdown" | grep -E " call +printf$"
	# the total of fact is its outermost call's: the sum of self times of all eight
	"$CONVERT" -f csv "$OUT" | "$PY" -c '
import csv, sys
f = [r for r in csv.DictReader(sys.stdin) if r["name"] == "fact"]
outer = max(int(r["dur_ns"]) for r in f)
assert outer == sum(int(r["self_ns"]) for r in f), (outer, [r["self_ns"] for r in f])
'
}

@test "longjmp out of three levels: they end there, unwound, and what follows is not inside them" {
	run traced "$T/t_func" longjmp
	expect_eq output "done 1" "$output"
	expect_eq level3 1 "$(n function level3 4 1)"
	expect_eq level2 1 "$(n function level2 3 1)"
	expect_eq level1 1 "$(n function level1 2 1)"
	expect_eq "after, beside level1" 1 "$(n function after 2 0)"
	expect_eq jumper 1 "$(n function jumper 1 0)"
	run "$CONVERT" -f graph "$OUT"
	echo "$output" | grep -E '\|          level3\(\); /\* unwound \*/$'
	echo "$output" | grep -E '\|      after\(\);$'
}

@test "an exception through two frames (C++): the frames end, the catcher goes on, names demangled" {
	run traced "$T/t_func_cxx"
	expect_eq output "done 10" "$output"
	expect_eq thrower 1 "$(n function 'thrower()' 3)"
	expect_eq middle 1 "$(n function 'middle()' 2)"
	expect_eq "after_catch inside catcher" 1 "$(n function 'after_catch()' 2 0)"
	expect_eq catcher 1 "$(n function 'catcher()' 1 0)"
	rows | grep -F 'function geo::Box<int>::area() const 1 0'
	run "$CONVERT" -f graph "$OUT"
	echo "$output" | grep -E '\|    geo::Box<int>::area\(\) const;$'
	echo "$output" | grep -E '\|    catcher\(\) \{$'
}

@test "an instrumented signal handler nests on top of what it interrupted" {
	run traced "$T/t_func" signal
	expect_eq output "done 2" "$output"
	expect_eq raiser 1 "$(n function raiser 1 0)"
	expect_eq "handler inside raiser" 1 "$(n function on_signal 2 0)"
	expect_eq "its callee" 1 "$(n function handler_work 3 0)"
	expect_eq "then main goes on" 1 "$(n function main 0 0)"
}

@test "a thread that ends three functions deep: its frames end with it, never returned" {
	run traced "$T/t_func" thread
	expect_eq status 0 "$status"
	expect_eq deep1 1 "$(n function deep1 0 2)"
	expect_eq deep2 1 "$(n function deep2 1 2)"
	expect_eq deep3 1 "$(n function deep3 2 2)"
	expect_eq "main returned" 1 "$(n function main 0 0)"
	run "$CONVERT" -f graph "$OUT"
	echo "$output" | grep -E '\|      \} /\* never returned \*/$'
}

@test "exit from deep inside: same status, the open frames written, untraced the same" {
	run "$T/t_func" exit
	native="$status:$output"
	run traced "$T/t_func" exit
	expect_eq "status and output" "$native" "$status:$output"
	expect_eq status 3 "$status"
	for f in main exit1 exit2 exit3; do
		expect_eq "$f never returned" 1 "$(n function $f '' 2)"
	done
	expect_eq "exit inside exit3" 1 "$(n process exit 4)"
}

@test "untraced, the instrumented programs behave the same" {
	for m in calls "recurse 5" longjmp signal thread; do
		run "$T/t_func" $m
		native="$status:$output"
		rm -rf "$OUT" && mkdir "$OUT"
		run traced "$T/t_func" $m
		expect_eq "$m" "$native" "$status:$output"
	done
	run "$T/t_func_cxx"
	native="$status:$output"
	run traced "$T/t_func_cxx"
	expect_eq cxx "$native" "$status:$output"
}

@test "TRACEIT_FUNC_DEPTH keeps the outer calls; the glibc calls inside stay" {
	TRACEIT_FUNC_DEPTH=2 traced "$T/t_func" calls >/dev/null
	expect_eq main 1 "$(n function main)"
	expect_eq tree 3 "$(n function tree)"
	expect_eq branch 0 "$(n function branch)"
	expect_eq leaf 0 "$(n function leaf)"
	expect_eq "malloc in tree" 12 "$(n memory malloc 2)"
}

@test "TRACEIT_FUNC_MIN_NS drops short calls with nothing recorded inside, and counts them" {
	TRACEIT_FUNC_MIN_NS=1000000000 TRACEIT_EVENTS=function traced "$T/t_func" calls >/dev/null
	expect_eq functions 0 "$(rows | awk '$1 == "function" && $2 != "function_stats"' | wc -l)"
	run "$CONVERT" -f summary "$OUT"
	echo "$output" | grep -F "not recorded: 22 calls shorter than TRACEIT_FUNC_MIN_NS"
	run env TRACEIT_FUNC_MIN_NS=-1 TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_func" calls
	echo "$output" | grep -F "TRACEIT_FUNC_MIN_NS='-1' is not a number"
	echo "$output" | grep -Fx "done 12"
}

@test "TRACEIT_EVENTS without function: the hooks record nothing" {
	TRACEIT_EVENTS=memory traced "$T/t_func" calls >/dev/null
	expect_eq functions 0 "$(rows | awk '$1 == "function"' | wc -l)"
	# leaf's twelve, and stdout's buffer
	expect_eq mallocs 13 "$(n memory malloc 0)"
}

@test "golden: the function_graph text of a checked-in stream" {
	# the program is gone since (tests/data/src/README): its functions are module+offset
	"$CONVERT" -f graph -o "$BATS_TEST_TMPDIR/g" "$DATA/funcs" 2>"$BATS_TEST_TMPDIR/err"
	diff -u "$DATA/funcs.graph" "$BATS_TEST_TMPDIR/g"
	grep -F "t_func: cannot read its symbols" "$BATS_TEST_TMPDIR/err"
	# every overhead mark, in ftrace's precision
	for m in '+ ' '! ' '# ' '* ' '@ ' '$ '; do
		grep -qF ") $m" "$BATS_TEST_TMPDIR/g"
	done
}

@test "graph: threads one after another, or interleaved; usage errors" {
	traced "$T/t_func" thread >/dev/null
	run "$CONVERT" -f graph "$OUT"
	expect_eq "thread blocks" 2 "$(echo "$output" | grep -c '^ ------' | awk '{print $1 / 2}')"
	run "$CONVERT" -f graph --graph-interleave "$OUT"
	expect_eq status 0 "$status"
	expect_eq "no blocks" 0 "$(echo "$output" | grep -c '^ ------')"
	echo "$output" | head -3 | grep -Fx "# TID      DURATION                  FUNCTION CALLS" ||
		echo "$output" | head -3 | grep -E "^# TID +DURATION +FUNCTION CALLS$"
	run "$CONVERT" -f json --graph-interleave "$OUT"
	expect_eq status 2 "$status"
	echo "$output" | grep -F -- "--graph-interleave applies to the graph format only"
}

@test "JSON and folded: slices named by the functions, flame graphs from their stacks" {
	traced "$T/t_func" calls >/dev/null
	to_json
	expect_eq "leaf slices" 12 "$(count '.name == "leaf" and .cat == "function" and .ph == "X"')"
	expect_eq "no entries shown" 0 "$(count '.name == "function_entry"')"
	run "$CONVERT" -f folded "$OUT"
	expect_eq status 0 "$status"
	echo "$output" | grep -Fx "main;tree;branch;leaf 12"
	echo "$output" | grep -Fx "main;tree;branch;leaf;malloc 12"
	run "$CONVERT" -f folded --weight=bytes "$OUT"
	echo "$output" | grep -Fx "main;tree;branch;leaf;malloc 384"
}

@test "--follow: events appear while the program runs, and the end equals the offline output" {
	local csv="$BATS_TEST_TMPDIR/live.csv" graph="$BATS_TEST_TMPDIR/live.graph"
	"$CONVERT" --follow -f csv "$OUT" >"$csv" 2>"$BATS_TEST_TMPDIR/csv.err" &
	local cpid=$!
	"$CONVERT" --follow -f graph "$OUT" >"$graph" 2>"$BATS_TEST_TMPDIR/graph.err" &
	local gpid=$!
	TRACEIT_FLUSH_MS=100 TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_func" run 4 >/dev/null &
	local tpid=$!
	# within the run's first three seconds, ticks come out while it still runs
	for _ in $(seq 30); do
		[ "$(grep -c ',function,tick,' "$csv")" -gt 20 ] && grep -qF 'tick() {' "$graph" && break
		sleep 0.1
	done
	kill -0 "$tpid" # still running
	[ "$(grep -c ',function,tick,' "$csv")" -gt 20 ]
	grep -qF 'tick() {' "$graph"
	wait "$tpid"
	wait "$cpid"
	wait "$gpid"
	[ ! -s "$BATS_TEST_TMPDIR/csv.err" ] && [ ! -s "$BATS_TEST_TMPDIR/graph.err" ]
	expect_eq ticks 400 "$(grep -c ',function,tick,' "$csv")"
	"$CONVERT" -f csv "$OUT" | diff -u - "$csv"
	"$CONVERT" -f graph --graph-interleave "$OUT" | diff -u - "$graph"
}

@test "--follow: the summary when the run ends or on Ctrl-C; waits for a program not started yet" {
	"$CONVERT" --follow -f summary "$OUT" >"$BATS_TEST_TMPDIR/sum" 2>&1 &
	local spid=$!
	sleep 0.5
	TRACEIT_FLUSH_MS=100 TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_func" run 5 >/dev/null &
	local tpid=$!
	sleep 1.5
	kill -INT "$spid"
	wait "$spid"
	grep -E "^Runtime breakdown" "$BATS_TEST_TMPDIR/sum"
	grep -E " fn +tick$" "$BATS_TEST_TMPDIR/sum"
	kill "$tpid"
	wait "$tpid" || true
	run "$CONVERT" --follow -f json "$OUT"
	expect_eq status 2 "$status"
	echo "$output" | grep -F -- "--follow applies to the graph, csv and summary formats"
}

@test "fork inside a function: the child's stream holds the frames it inherited, then its own" {
	run traced "$T/t_func" fork
	expect_eq status 0 "$status"
	expect_eq files 2 "$(ls "$OUT"/*.trc | wc -l)"
	for f in "$OUT"/*.trc; do
		"$CONVERT" -f graph "$f" >"$BATS_TEST_TMPDIR/g.$(basename "$f")"
	done
	grep -h -A2 'forker() {' "$BATS_TEST_TMPDIR"/g.* | grep -E '\|      child_work\(\);$'
	grep -h -A2 'forker() {' "$BATS_TEST_TMPDIR"/g.* | grep -E '\|      fork\(\);$'
	expect_eq "child_work once" 1 "$(cat "$BATS_TEST_TMPDIR"/g.* | grep -c 'child_work();')"
}

@test "an exception built with clang, which calls no exit hook as it unwinds: the catch ends the frames" {
	command -v clang++ >/dev/null || skip "clang++ not installed"
	clang++ -g -O1 -finstrument-functions -o "$BATS_TEST_TMPDIR/t_func_cxx_clang" \
		"$TT_SRCDIR/tests/targets/t_func_cxx.cc"
	run traced "$BATS_TEST_TMPDIR/t_func_cxx_clang"
	expect_eq output "done 10" "$output"
	expect_eq "thrower unwound" 1 "$(n function 'thrower()' 3 1)"
	expect_eq "middle unwound" 1 "$(n function 'middle()' 2 1)"
	expect_eq "after_catch inside catcher" 1 "$(n function 'after_catch()' 2 0)"
	expect_eq "catcher returned" 1 "$(n function 'catcher()' 1 0)"
}

@test "the hooks leave errno as it was, also with a full ring" {
	# t_func errno exits 3 if errno changed across a hook; a 16 KiB ring makes the hooks wait
	run "$T/t_func" errno 20000
	[ "$status" -eq 0 ]
	for env in "TRACEIT_BUFFER_KB=1024" "TRACEIT_BUFFER_KB=16"; do
		rm -rf "$OUT"; mkdir -p "$OUT"
		run env $env TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$T/t_func" errno 20000
		[ "$status" -eq 0 ] || { echo "$env: $output" >&2; return 1; }
	done
}
