# helpers.bash - shared by the Bats suites: where things are, and how to run and convert.

: "${TT_BUILDDIR:?run the suites through make check}"
: "${JQ:=jq}"
LIB="$TT_BUILDDIR/.libs/libtraceit.so"
CONVERT="$TT_BUILDDIR/traceit-convert"
TRACEIT="$TT_BUILDDIR/traceit"
T="$TT_BUILDDIR/tests/targets"
DATA="$TT_SRCDIR/tests/data"

setup() {
	OUT="$BATS_TEST_TMPDIR/out"
	JSON="$BATS_TEST_TMPDIR/t.json"
	mkdir -p "$OUT"
}

# traced CMD...: runs CMD under the preload, streams into $OUT
traced() {
	TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$@"
}

# to_json [INPUT...]: converts $OUT (or the inputs) to $JSON, and fails on any warning
to_json() {
	local err="$BATS_TEST_TMPDIR/convert.err"
	"$CONVERT" -f json -o "$JSON" "${@:-$OUT}" 2>"$err" || {
		cat "$err" >&2
		return 1
	}
	if [ -s "$err" ]; then
		cat "$err" >&2
		return 1
	fi
}

# jqj FILTER: runs a jq filter on $JSON, raw output
jqj() {
	"$JQ" -r "$@" "$JSON"
}

# count SELECT: number of trace events matching a jq select() condition
count() {
	"$JQ" "[.traceEvents[] | select($1)] | length" "$JSON"
}

# expect_eq WHAT EXPECTED ACTUAL: a readable failure message
expect_eq() {
	if [ "$2" != "$3" ]; then
		echo "$1: expected '$2', got '$3'" >&2
		return 1
	fi
}
