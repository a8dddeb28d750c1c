#!/usr/bin/env bats
# The preload module exports the wrappers and nothing else, and links the way it must.

load helpers

@test "the preload library exists and has no undefined symbols of its own" {
	[ -f "$LIB" ]
	run ldd -r "$LIB"
	[ "$status" -eq 0 ]
	[[ "$output" != *"undefined symbol"* ]]
}

@test "only wrappers are exported (hidden visibility, version script)" {
	run bash -c "nm -D --defined-only '$LIB' | awk '{print \$3}' | sort"
	[ "$status" -eq 0 ]
	for sym in malloc free calloc realloc open read write close fork execve pthread_create _exit; do
		grep -qx "$sym" <<<"$output"
	done
	# nothing of the recorder leaks out ("! cmd" alone would not fail a Bats test)
	expect_eq "tt_ exports" 0 "$(grep -c '^tt_' <<<"$output" || true)"
	expect_eq "zlib exports" 0 "$(grep -c '^deflate' <<<"$output" || true)"
	expect_eq "section bounds" 0 "$(grep -c '^__start_tt' <<<"$output" || true)"
}

@test "every function the sources define with TT_EXPORT is exported, whatever the compiler" {
	# clang at -O2 once built getline and vprintf hidden behind glibc's extern inlines
	exported=$(nm -D --defined-only "$LIB" | awk '{sub(/@.*/, "", $3); print $3}' | sort -u)
	defined=$(grep -ho '^TT_EXPORT [^(]*(' "$TT_SRCDIR"/preload/*.c |
		sed -E 's/.*[ *]([A-Za-z_0-9]+)\($/\1/' | grep -v '^TT_\|^tt_' | sort -u)
	[ "$(wc -l <<<"$defined")" -ge 200 ]
	missing=$(comm -23 <(echo "$defined") <(echo "$exported"))
	expect_eq "defined but not exported" "" "$missing"
}

@test "layers: preload/ over collector/ over base/ and stream/, nothing pointing up" {
	run "$TT_SRCDIR/tests/layers.sh" "$TT_BUILDDIR" "$TT_SRCDIR"
	printf '%s\n' "$output" | sed 's/^/# /' >&3
	[ "$status" -eq 0 ]
	[[ "$output" == *"collector -> base"* ]]
	[[ "$output" != *"collector -> preload"* && "$output" != *"base -> "* && "$output" != *"stream -> "* ]]
}

@test "the library is bound at load time (-z now)" {
	run readelf -d "$LIB"
	[[ "$output" == *"BIND_NOW"* || "$output" == *"FLAGS_1"*"NOW"* ]]
}

@test "the writer microbenchmark builds from the writer's own sources and encodes its records" {
	# built as make bench builds it (bench/run-bench's build_writer), run small
	run python3 -c '
import importlib.machinery, importlib.util, sys
loader = importlib.machinery.SourceFileLoader("run_bench", sys.argv[1])
spec = importlib.util.spec_from_loader("run_bench", loader)
bench = importlib.util.module_from_spec(spec)
loader.exec_module(bench)
sys.exit(0 if bench.build_writer(sys.argv[2].split(), sys.argv[3], sys.argv[4]) else 1)
' "$TT_SRCDIR/bench/run-bench" "${CC:-cc}" "$BATS_TEST_TMPDIR" "$TT_BUILDDIR"
	printf '%s\n' "$output" | sed 's/^/# /' >&3
	[ "$status" -eq 0 ]
	run "$BATS_TEST_TMPDIR/writer" 20000 1
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^events=20000\ encode_ns=[0-9.]+\ write_ns=[0-9.]+\ bytes_per_event=([0-9.]+)\ chunks=([0-9]+)$ ]]
	# the records went through the encoder and the chunks: compressed, and written
	awk -v b="${BASH_REMATCH[1]}" 'BEGIN { exit !(b > 0.5 && b < 16) }'
	[ "${BASH_REMATCH[2]}" -ge 1 ]
	run "$BATS_TEST_TMPDIR/writer" 10
	[ "$status" -eq 2 ]
	[[ "$output" == "usage: writer"* ]]
	# steady timestamps: the same bytes from run to run
	one=$("$BATS_TEST_TMPDIR/writer" 20000 1 steady | sed 's/.*bytes_per_event=//')
	two=$("$BATS_TEST_TMPDIR/writer" 20000 1 steady | sed 's/.*bytes_per_event=//')
	[ -n "$one" ] && [ "$one" = "$two" ]
	run "$BATS_TEST_TMPDIR/writer" 20000 1 stedy
	[ "$status" -eq 2 ]
}
