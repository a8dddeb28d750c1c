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

@test "the library is bound at load time (-z now)" {
	run readelf -d "$LIB"
	[[ "$output" == *"BIND_NOW"* || "$output" == *"FLAGS_1"*"NOW"* ]]
}
