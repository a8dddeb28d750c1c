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
