#!/usr/bin/env bats
# The HTML report (-f html): one self-contained file that a real browser (headless Chromium)
# draws without a script error, every section with its charts; numbers that match the run
# and the text summary; a size that does not grow with the events.  Each report drawn leaves
# a screenshot in tests/report-shots/ of the build folder.

load helpers

SHOTS="$TT_BUILDDIR/tests/report-shots"

# report NAME [CONVERT-OPTION...]: converts $OUT to $BATS_TEST_TMPDIR/NAME.html, failing on
# any warning; HTML is its path
report() {
	local name=$1 err="$BATS_TEST_TMPDIR/report.err"
	shift
	HTML="$BATS_TEST_TMPDIR/$name.html"
	"$CONVERT" -f html -o "$HTML" "$@" "$OUT" 2>"$err" || { cat "$err" >&2; return 1; }
	if [ -s "$err" ]; then cat "$err" >&2; return 1; fi
}

# data [FILTER]: jq on the report's JSON data block (the line after its opening tag)
data() {
	sed -n '/<script type="application\/json" id="tt-data">/{n;p;q;}' "$HTML" | "$JQ" -r "${1:-.}"
}

# self_contained: nothing the page would fetch, no address of anything
self_contained() {
	! grep -n -i -E 'https?://|src=|@import|url\(' "$HTML"
}

# browse NAME: Chromium loads $HTML; its DOM after the script ran goes to $DOM, a screenshot
# to $SHOTS/NAME.png.  Fails on a script error (the page's data-error, an uncaught exception
# or an error on the console); skips without Chromium.
browse() {
	local name=$1 err="$BATS_TEST_TMPDIR/chromium.err"
	local flags=(--headless=new --no-sandbox --disable-gpu --no-first-run
		--user-data-dir="$BATS_TEST_TMPDIR/chromium-profile" --enable-logging=stderr --v=0
		--virtual-time-budget=5000)
	command -v chromium >/dev/null || skip "chromium not installed"
	DOM="$BATS_TEST_TMPDIR/$name.dom"
	timeout 120 chromium "${flags[@]}" --dump-dom "file://$HTML" >"$DOM" 2>"$err" || {
		cat "$err" >&2
		return 1
	}
	mkdir -p "$SHOTS"
	timeout 120 chromium "${flags[@]}" --hide-scrollbars --window-size=1400,3000 \
		--screenshot="$SHOTS/$name.png" "file://$HTML" >/dev/null 2>>"$err"
	[ -s "$SHOTS/$name.png" ]
	if grep -E 'CONSOLE.*(Uncaught|Error)' "$err" >&2; then
		return 1
	fi
	grep -o '<body[^>]*>' "$DOM" | head -1 >"$BATS_TEST_TMPDIR/body"
	if grep data-error "$BATS_TEST_TMPDIR/body" >&2; then
		return 1
	fi
	grep -q 'data-ok="1"' "$BATS_TEST_TMPDIR/body"
}

# drawn SECTION [CHART]: the rect and path elements the script drew in a section of $DOM, or
# the rect elements (bars) of one of its charts (data-chart=CHART); -1 if there is none
drawn() {
	python3 -c '
import sys
from html.parser import HTMLParser

class Count(HTMLParser):
    def __init__(self, section, chart):
        super().__init__()
        self.want, self.chart = section, chart
        self.inside, self.divs, self.n = False, None, -1
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.inside = a.get("id") == self.want
            if self.inside and not self.chart:
                self.n = 0
        elif self.inside and tag == "div":
            if self.divs is not None:
                self.divs += 1
            elif self.chart and a.get("data-chart") == self.chart:
                self.divs, self.n = 1, 0
        elif self.inside and tag in ("rect",) + (("path",) if not self.chart else ()) and \
                (not self.chart or self.divs):
            self.n += 1
    def handle_endtag(self, tag):
        if tag == "section":
            self.inside = False
        elif tag == "div" and self.divs is not None:
            self.divs -= 1
            if not self.divs:
                self.divs = None
                self.chart = "(counted)"

c = Count(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
c.feed(open(sys.argv[1], encoding="utf-8").read())
print(c.n)
' "$DOM" "$@"
}

# sections_drawn SECTION...: each has charts (more than its axes)
sections_drawn() {
	for s in overview runtime memory io locks threads flame; do
		grep -q "<section id=\"$s\"" "$DOM" || { echo "section $s missing" >&2; return 1; }
	done
	for s in "$@"; do
		n=$(drawn "$s")
		if [ "$n" -lt 4 ]; then
			echo "section $s: $n rect and path elements" >&2
			return 1
		fi
	done
}

@test "the demo: every section drawn by Chromium without an error" {
	run "$TRACEIT" -q -o "$OUT" -- "$TT_BUILDDIR/demo/traceit-demo" 4 "$BATS_TEST_TMPDIR"
	[ "$status" -eq 0 ]
	report demo
	self_contained
	# the data: 4 workers, each writes 200 blocks and reads them back
	expect_eq processes 1 "$(data .run.processes)"
	expect_eq threads 5 "$(data .run.threads)"
	expect_eq writes 800 "$(data '[.runtime[] | select(.name == "write") | .calls] | add')"
	expect_eq "files written" 4 "$(data '[.io.files[] | select(.writes == 200)] | length')"
	expect_eq "no stacks" null "$(data .flame)"
	browse demo
	sections_drawn overview runtime memory io threads
	grep -q 'no lock calls recorded' "$DOM"
	grep -q 'No call stacks in this trace' "$DOM"
}

@test "a multi-process run: the process tree, exec images, exit statuses" {
	run "$TRACEIT" -q -o "$OUT" -- sh -c 'ls / >/dev/null; cat /etc/passwd | wc -l >/dev/null'
	[ "$status" -eq 0 ]
	report multiprocess
	self_contained
	# the shell, ls, and the two sides of the pipe: each child one level under the shell
	expect_eq processes 4 "$(data .run.processes)"
	expect_eq "children" "1 1 1" "$(data '[.procs[] | select(.image == 0 and .depth == 1) | .depth] | map(tostring) | join(" ")')"
	expect_eq root "sh" "$(data '.procs[0] | select(.depth == 0) | .argv | split(" ")[0]')"
	# cat and wc replaced the forked shells: an exec image, then the program's, same pid
	expect_eq "exec images" 2 "$(data '[.procs[] | select(.exit == "exec")] | length')"
	expect_eq "cat after its exec" exec "$(data '[.procs[]] as $p | $p | to_entries[] | select(.value.argv == "cat /etc/passwd") | $p[.key - 1] | .exit')"
	expect_eq "clean exits" 4 "$(data '[.procs[] | select(.exit | test("^_?exit 0$"))] | length')"
	browse multiprocess
	sections_drawn overview runtime memory io threads
	# one bar per process image in the chart of processes over time, and its axes
	expect_eq "process bars" 6 "$(drawn overview procs)"
}

@test "with call stacks: the flame graph, leak sites, lock waits" {
	TRACEIT_STACKS=all traced "$T/t_stacks" >/dev/null
	report stacks
	self_contained
	expect_eq "flame root" all "$(data '.flame.names[.flame.root[0]]')"
	# the program's own frames, as the folded output names them
	data '.flame.names[]' | grep -qx 'level3_alloc'
	data '.flame.names[]' | grep -qx 'lock_site'
	# the root weighs what the folded output does, in each weight
	for w in calls bytes time leaked; do
		local k
		k=$(data ".flame.weights | index(\"$w\")")
		expect_eq "flame $w" "$("$CONVERT" -f folded --weight="$w" "$OUT" | awk '{ s += $NF } END { print s + 0 }')" \
			"$(data ".flame.root[1 + $k]")"
	done
	# of the 5 blocks of 777 bytes level3_alloc allocates, 2 leak
	expect_eq "leak site" 1554 "$(data '[.memory.leak_sites[] | select(.frames[0] | startswith("level3_alloc")) | .bytes] | add')"
	expect_eq "contended lock" 1 "$(data '[.locks.rows[] | select(.contended > 0)] | length')"
	browse stacks
	sections_drawn overview runtime memory io locks threads flame
	[ "$(drawn flame flame)" -gt 20 ]
}

@test "traced functions: rows of kind function, self time, a flame graph from their stacks" {
	run traced "$T/t_func" calls
	[ "$status" -eq 0 ]
	report funcs
	self_contained
	expect_eq "leaf calls" 12 "$(data '.runtime[] | select(.name == "leaf" and .kind == "function") | .calls')"
	expect_eq "tree calls" 3 "$(data '.runtime[] | select(.name == "tree" and .kind == "function") | .calls')"
	expect_eq "malloc, a call" call "$(data '.runtime[] | select(.name == "malloc") | .kind')"
	# as the summary's breakdown has them
	expect_eq "main's self" "$("$CONVERT" -f csv "$OUT" | awk -F, '$7 == "main" { print $NF }')" \
		"$(data '.runtime[] | select(.name == "main") | .self_ns')"
	# no stacks recorded: the flame graph is the functions', as -f folded gives it
	data '.flame.names[]' | grep -qx 'branch'
	for w in calls bytes time; do
		local k
		k=$(data ".flame.weights | index(\"$w\")")
		expect_eq "flame $w" "$("$CONVERT" -f folded --weight="$w" "$OUT" | awk '{ s += $NF } END { print s + 0 }')" \
			"$(data ".flame.root[1 + $k]")"
	done
	browse funcs
	sections_drawn overview runtime flame
}

@test "the numbers: calls, errors, bins and heap match the run and the text summary" {
	# every heap call timed: the realloc inside reallocarray takes time of its own
	TRACEIT_DURATIONS=memory run traced "$T/t_memory" 10
	[ "$status" -eq 0 ]
	report memory
	# t_memory N: each allocation function N times, munmap twice (failing), one malloc failing
	for f in calloc posix_memalign aligned_alloc memalign valloc pvalloc reallocarray; do
		expect_eq "$f calls" 10 "$(data "[.runtime[] | select(.name == \"$f\") | .calls] | add")"
	done
	# realloc: 2 per round, and the one inside each reallocarray, the time of which is not
	# reallocarray's own
	expect_eq "realloc calls" 30 "$(data '[.runtime[] | select(.name == "realloc") | .calls] | add')"
	expect_eq "reallocarray self < total" true "$(data '.runtime[] | select(.name == "reallocarray") | .self_ns < .total_ns')"
	expect_eq "munmap errors" "2 2" "$(data '.runtime[] | select(.name == "munmap") | "\(.calls) \(.errors)"')"
	# every row as the summary has it: calls, errors, total time
	"$CONVERT" -f summary "$OUT" | awk '/^Functions/ { on = 1; next } on && NF == 0 { exit }
		on && $1 ~ /^[0-9.]+$/ { print $NF, $(NF - 2), $(NF - 1) }' | sort >"$BATS_TEST_TMPDIR/summary"
	data '.runtime[] | "\(.name) \(.calls) \(.errors)"' | sort >"$BATS_TEST_TMPDIR/report"
	diff "$BATS_TEST_TMPDIR/summary" "$BATS_TEST_TMPDIR/report"
	# self time within the total, the mean the total over the calls
	expect_eq "self > total" 0 "$(data '[.runtime[] | select(.self_ns > .total_ns)] | length')"
	expect_eq "mean" 0 "$(data '[.runtime[] | select(.mean_ns != ((.total_ns / .calls) | floor))] | length')"
	# every event in one bin; the heap's peak in the series is the process's
	expect_eq "events in the bins" "$(data .run.kept)" "$(data '[.series.events[] | add] | add')"
	expect_eq "heap peak" "$(data '.memory.procs[0].peak')" "$(data '.series.heap | max')"
	# the allocations: those of the calls (a reallocarray's is its nested realloc's)
	expect_eq "allocs" "$(data '.memory.procs[0].allocs')" \
		"$(data '[.runtime[] | select(.name | test("alloc|memalign|valloc") and . != "reallocarray") | .calls - .errors] | add')"
	browse memory
	sections_drawn overview runtime memory
}

@test "the numbers: I/O bytes and lock waits over time add up to the tables" {
	run "$TRACEIT" -q -o "$OUT" -- "$TT_BUILDDIR/demo/traceit-demo" 2 "$BATS_TEST_TMPDIR"
	[ "$status" -eq 0 ]
	report io
	expect_eq "bytes read" "$(data '[.io.files[].read] | add')" "$(data '.series.io_read | add')"
	expect_eq "bytes written" "$(data '[.io.files[].written] | add')" "$(data '.series.io_write | add')"
	expect_eq "reads" "$(data '[.io.files[].reads] | add')" "$(data '.io.read_sizes | add')"
	rm -rf "$OUT"/*
	traced "$T/t_lock" 10 >/dev/null
	report locks
	expect_eq "contended" "$(data '[.locks.rows[].contended] | add')" "$(data '.series.lock_waits | add')"
	expect_eq "wait time" "$(data '[.locks.rows[].wait_ns] | add')" "$(data '.series.lock_wait_ns | add')"
	browse locks
	sections_drawn overview runtime locks threads
}

@test "filters: --pid keeps one process, --from and --to the bins' span" {
	run "$TRACEIT" -q -o "$OUT" -- "$T/t_fork" 3
	[ "$status" -eq 0 ]
	report all
	[ "$(data .run.processes)" -eq 4 ]
	child=$(data '.procs[1].pid')
	report one --pid="$child"
	expect_eq processes 1 "$(data .run.processes)"
	expect_eq pid "$child" "$(data '.procs[0].pid')"
	expect_eq filtered true "$(data .run.filtered)"
	report window --from=1us --to=2ms
	expect_eq "from" 1000 "$(data .series.t0_ns)"
	[ "$(data .series.t1_ns)" -le 2000000 ]
}

@test "the report stays small however many events" {
	traced "$T/t_churn" 100000 2
	report churn
	events=$(data .run.events)
	[ "$events" -gt 400000 ]
	size=$(wc -c <"$HTML")
	echo "$events events: $size bytes" >&2
	[ "$size" -lt 300000 ]
}

@test "output errors: one line, status 2, as for the other formats" {
	run "$CONVERT" -f html -o /nonexistent/dir/x.html "$DATA/golden"
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == "traceit-convert: /nonexistent/dir/x.html: cannot create: "* ]]
}
