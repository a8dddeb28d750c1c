#!/usr/bin/env bats
# traceit-convert --diff BASE NEW: golden comparisons of two checked-in runs with known
# differences (tests/data/src/diffwork.c), every --fail-on form crossed and not, bad
# expressions and bad inputs.

load helpers

# diffrun ARG...: --diff of the two checked-in runs, named as the goldens name them
diffrun() {
	cd "$DATA" && "$CONVERT" --diff "$@" diff-base diff-new
}

# fails_on EXPR...: the exit status of the comparison with these thresholds
fails_on() {
	local e args=()
	for e; do args+=(--fail-on="$e"); done
	set +e
	diffrun "${args[@]}" >/dev/null 2>"$BATS_TEST_TMPDIR/err"
	echo $?
	set -e
}

@test "golden: the summary of a comparison" {
	run diffrun
	[ "$status" -eq 0 ]
	diff -u "$DATA/diff.summary" <(printf '%s\n' "$output")
}

@test "golden: the CSV of a comparison, every row consistent" {
	run diffrun -f csv
	[ "$status" -eq 0 ]
	diff -u "$DATA/diff.csv" <(printf '%s\n' "$output")
	/usr/bin/python3 - "$DATA/diff.csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
rank = {"appeared": 0, "gone": 0, "changed": 1, "same": 2}
assert [rank[r["change"]] for r in rows] == sorted(rank[r["change"]] for r in rows)
changed = [r for r in rows if r["change"] == "changed" and r["base"] != "0"]
pcts = [abs(float(r["pct"])) for r in changed]
assert pcts == sorted(pcts, reverse=True), pcts
for r in rows:
    base, new = int(r["base"] or 0), int(r["new"] or 0)
    assert int(r["delta"]) == new - base, r
    assert (r["base"] == "") == (r["change"] == "appeared"), r
    assert (r["new"] == "") == (r["change"] == "gone"), r
    assert (r["change"] == "same") == (base == new), r
    if r["pct"]:
        assert abs(float(r["pct"]) - 100 * (new - base) / base) < 0.06, r
get = lambda k, key, m: next(r for r in rows if (r["kind"], r["key"], r["metric"]) == (k, key, m))
# matched across runs whatever their pids: the process, /proc/PID/stat, the lock
assert get("process", "diffwork", "heap_peak")["change"] == "changed"
assert get("file", "/proc/PID/stat", "read")["change"] == "same"
assert get("lock", "object:diffwork+0x40e0", "wait")["change"] == "changed"
# the known differences
assert get("call", "fsync", "calls")["change"] == "appeared"
assert get("call", "access", "calls")["change"] == "gone"
assert get("span", "extra", "calls")["change"] == "appeared"
assert (get("call", "malloc", "calls")["base"], get("call", "malloc", "calls")["new"]) == ("101", "153")
assert (get("call", "open", "errors")["base"], get("call", "open", "errors")["new"]) == ("1", "3")
assert (get("file", "/tmp/diffwork.out", "written")["base"], get("file", "/tmp/diffwork.out", "written")["new"]) == ("4096", "8192")
assert int(get("process", "diffwork", "leaks")["new"]) - int(get("process", "diffwork", "leaks")["base"]) == 2
assert int(get("total", "", "heap_peak")["new"]) - int(get("total", "", "heap_peak")["base"]) == 200000
EOF
}

@test "--fail-on: each form, crossed (status 3, one line each) and not (status 0)" {
	# +N%: total time 7.76 ms -> 23.5 ms; mallocs 101 -> 153
	expect_eq "time+10%" 3 "$(fails_on 'time+10%')"
	grep -qx "traceit-convert: --fail-on: 'time+10%' crossed: 7.76 ms -> 23.5 ms (+202.6%)" "$BATS_TEST_TMPDIR/err"
	expect_eq "time+500%" 0 "$(fails_on 'time+500%')"
	expect_eq "calls(malloc)+20%" 3 "$(fails_on 'calls(malloc)+20%')"
	expect_eq "calls(malloc)+60%" 0 "$(fails_on 'calls(malloc)+60%')"
	# from 0: any growth crosses a percentage
	expect_eq "calls(fsync)+1000%" 3 "$(fails_on 'calls(fsync)+1000%')"
	# +N with a unit: 4 KiB -> 8 KiB written, lock wait 1.35 ms -> 7.49 ms, peak +200000 B
	expect_eq "written+1KiB" 3 "$(fails_on 'written(/tmp/diffwork.out)+1KiB')"
	expect_eq "written+4KiB" 0 "$(fails_on 'written(/tmp/diffwork.out)+4KiB')"
	expect_eq "wait+5ms" 3 "$(fails_on 'wait+5ms')"
	expect_eq "wait+7ms" 0 "$(fails_on 'wait+7ms')"
	expect_eq "wait(lock)+1ms" 3 "$(fails_on 'wait(object:diffwork+0x40e0)+1ms')"
	expect_eq "heap_peak+100KB" 3 "$(fails_on 'heap_peak+100KB')"
	expect_eq "heap_peak+1MB" 0 "$(fails_on 'heap_peak+1MB')"
	# +N of a count: open errors 1 -> 3
	expect_eq "errors(open)+1" 3 "$(fails_on 'errors(open)+1')"
	expect_eq "errors(open)+2" 0 "$(fails_on 'errors(open)+2')"
	# >N: 3 leaks in the new run; a /proc path of any pid is its /proc/PID/ entry (319 B read)
	expect_eq "leaks>2" 3 "$(fails_on 'leaks>2')"
	expect_eq "leaks>3" 0 "$(fails_on 'leaks>3')"
	expect_eq "read(/proc/1/stat)>300B" 3 "$(fails_on 'read(/proc/1/stat)>300B')"
	expect_eq "read(/proc/1/stat)>1KB" 0 "$(fails_on 'read(/proc/1/stat)>1KB')"
	expect_eq "calls(extra)>0" 3 "$(fails_on 'calls(extra)>0')"
	expect_eq "processes>1" 0 "$(fails_on 'processes>1')"
	# several, by commas and repeated: each crossed one says so
	expect_eq "several" 3 "$(fails_on 'leaks>3,time+10%' 'calls(malloc)+20%' 'processes>1')"
	expect_eq "crossed lines" 2 "$(grep -c "crossed:" "$BATS_TEST_TMPDIR/err")"
	expect_eq "none crossed" 0 "$(fails_on 'leaks>3,time+500%' 'processes>1')"
	# a name neither run has: said, not crossed
	expect_eq "in neither" 0 "$(fails_on 'calls(nosuchcall)+1')"
	grep -qx "traceit-convert: --fail-on: 'calls(nosuchcall)+1': in neither run" "$BATS_TEST_TMPDIR/err"
	# the comparison is written all the same, with the thresholds checked
	run diffrun --fail-on='time+10%,leaks>3'
	[ "$status" -eq 3 ]
	[[ "$output" == *"crossed  time+10%: 7.76 ms -> 23.5 ms (+202.6%)"* ]]
	[[ "$output" == *"ok       leaks>3: 3"* ]]
	# the other way round, time went down
	cd "$DATA"
	run "$CONVERT" --diff --fail-on='time+10%' diff-new diff-base
	[ "$status" -eq 0 ]
}

@test "--fail-on: a bad expression is one line naming the problem, status 2" {
	for e in 'foo+1%|no metric named' 'time|no threshold' 'time+10MB|not a unit of time' \
		'calls+5ms|not a unit of calls' 'leaks>5%|a percentage goes after +' \
		'time+|is not a number' 'time+-5%|is not a number' 'calls(malloc+1|no '"')'" \
		'calls()+1|an empty key' 'time+10%,|an empty expression'; do
		run "$CONVERT" --diff --fail-on="${e%%|*}" "$DATA/diff-base" "$DATA/diff-new"
		[ "$status" -eq 2 ] || { echo "$e: status $status" >&2; return 1; }
		expect_eq "lines of $e" 1 "${#lines[@]}"
		[[ "${lines[0]}" == "traceit-convert: --fail-on: '"*"${e#*|}"* ]] || { echo "$e: ${lines[0]}" >&2; return 1; }
	done
	run "$CONVERT" --fail-on='time+1%' "$DATA/diff-base"
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == *"--fail-on applies to --diff only"* ]]
}

@test "bad inputs: one side missing, not a stream or damaged; wrong usage" {
	run "$CONVERT" --diff "$DATA/diff-base" /nonexistent/run
	[ "$status" -eq 1 ]
	expect_eq "missing" "traceit-convert: /nonexistent/run: cannot open: No such file or directory" "$output"
	echo "not a trace" > "$BATS_TEST_TMPDIR/x.trc"
	run "$CONVERT" --diff "$BATS_TEST_TMPDIR/x.trc" "$DATA/diff-new"
	[ "$status" -eq 1 ]
	expect_eq "foreign" "traceit-convert: $BATS_TEST_TMPDIR/x.trc: not a traceit stream" "$output"
	mkdir "$BATS_TEST_TMPDIR/empty"
	run "$CONVERT" --diff "$BATS_TEST_TMPDIR/empty" "$DATA/diff-new"
	[ "$status" -eq 1 ]
	expect_eq "lines" 1 "${#lines[@]}"
	# a damaged side: its one warning, the comparison of what could be read
	mkdir "$BATS_TEST_TMPDIR/cut"
	head -c 1500 "$DATA"/diff-new/*.trc > "$BATS_TEST_TMPDIR/cut/diffwork.trc"
	"$CONVERT" --diff "$DATA/diff-base" "$BATS_TEST_TMPDIR/cut" >"$BATS_TEST_TMPDIR/diff.out" 2>"$BATS_TEST_TMPDIR/diff.err" && rc=0 || rc=$?
	expect_eq status 1 "$rc"
	expect_eq "warning lines" 1 "$(wc -l < "$BATS_TEST_TMPDIR/diff.err")"
	grep -q "cut/diffwork.trc: truncated at offset 1500" "$BATS_TEST_TMPDIR/diff.err"
	grep -q "^traceit diff: 1 process" "$BATS_TEST_TMPDIR/diff.out"
	# usage
	run "$CONVERT" --diff "$DATA/diff-base"
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == *"--diff compares two inputs: BASE NEW"* ]]
	run "$CONVERT" --diff -f json "$DATA/diff-base" "$DATA/diff-new"
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == *"--diff writes the summary, csv or html format"* ]]
	run "$CONVERT" --diff -f csv --table=files "$DATA/diff-base" "$DATA/diff-new"
	[ "$status" -eq 2 ]
}

@test "a run compared with itself: nothing changed" {
	run "$CONVERT" --diff --fail-on='time+0%,calls+0' "$DATA/contend" "$DATA/contend"
	[ "$status" -eq 0 ]
	[[ "$output" == *"(no change)"* ]]
	# processes of one name are matched in start order: contend, contend#2...
	run "$CONVERT" --diff -f csv "$DATA/contend" "$DATA/contend"
	[ "$(grep -c ',process,contend#[2-5],heap_peak,' <<<"$output")" -eq 4 ]
	[ "$(grep -vc ',same$' <<<"$output")" -eq 1 ]
}

@test "--diff -f html: one self-contained page, every change in its table, drawn by Chromium" {
	run "$CONVERT" --diff -f html -o "$BATS_TEST_TMPDIR/d.html" --fail-on='time+1000%' \
		"$DATA/diff-base" "$DATA/diff-new"
	expect_eq status 0 "$status"
	local page="$BATS_TEST_TMPDIR/d.html"
	! grep -n -i -E 'https?://|src=|@import|url\(' "$page"
	# a row per change, as in the CSV
	changes=$("$CONVERT" --diff -f csv "$DATA/diff-base" "$DATA/diff-new" | awk -F, 'NR > 1 && $NF != "same"' | wc -l)
	expect_eq "rows" "$changes" "$(sed -n '/<table id="tt-changes">/,/<\/table>/p' "$page" | grep -c '^<tr>')"
	grep -q 'time+1000%' "$page"
	grep -q '<rect' "$page"
	command -v chromium >/dev/null || skip "chromium not installed"
	timeout 60 chromium --headless=new --no-sandbox --disable-gpu --dump-dom \
		"file://$page" >"$BATS_TEST_TMPDIR/dom" 2>/dev/null
	grep -q 'data-ok="1"' "$BATS_TEST_TMPDIR/dom"
}
