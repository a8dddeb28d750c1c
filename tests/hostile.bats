#!/usr/bin/env bats
# Programs that do rude things to their process: the trace survives, the program does not
# notice the tracer.

load helpers

@test "closing every descriptor (loop, close_range, closefrom): trace intact, files intact" {
	for how in loop close_range closefrom; do
		rm -rf "$OUT"; mkdir -p "$OUT"
		f="$BATS_TEST_TMPDIR/$how.txt"
		run traced "$T/t_closeall" "$how" "$f"
		expect_eq "$how status" 0 "$status"
		[ "$(cat "$f")" = "$(printf 'before\nafter')" ]
		to_json
		expect_eq "$how marker before" 1 "$(count '.name == "malloc" and .args.size == 7001')"
		expect_eq "$how events after" 1000 "$(count '.name == "malloc" and .args.size == 7002')"
	done
}
