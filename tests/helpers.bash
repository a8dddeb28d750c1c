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

# The source file the I/O targets copy (fileio.bats, stdio.bats): its size, the chunk they
# read it by and the lines they print.
SIZE=65659 # 1025 lines of 64 bytes and a 59-byte tail: 16 chunks of 4096 and 123 bytes
CHUNK=4096
NLINES=100

# make_src FILE: SIZE bytes of 64-byte lines
make_src() {
	local l
	l=$(printf '%063d' 0)
	yes "$l" | head -c "$SIZE" >"$1"
	[ "$(wc -c <"$1")" -eq "$SIZE" ]
}

# bytes SELECT: sum of the bytes of the matching events
bytes() {
	jqj "[.traceEvents[] | select($1) | .args.bytes] | add // 0"
}
