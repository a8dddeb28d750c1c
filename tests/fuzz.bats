#!/usr/bin/env bats
# A short libFuzzer run of the stream decoder and every output format (convert/fuzz_convert.c),
# seeded with the checked-in streams.  A longer run: see the comment atop fuzz_convert.c.

load helpers

@test "the decoder survives 20 seconds of libFuzzer mutations" {
	[ -x "$TT_BUILDDIR/tests/fuzz_convert" ] || skip "libFuzzer is not available (configure said so)"
	corpus="$BATS_TEST_TMPDIR/corpus"
	mkdir -p "$corpus"
	cp "$DATA"/golden/*.trc "$DATA"/golden3/*.trc "$DATA"/golden4/*.trc "$DATA"/contend/*.trc "$corpus"/
	# a stream with STACKS and MODULES chunks, recorded here (it names this build's paths)
	TRACEIT_STACKS=all TRACEIT_OUTPUT="$corpus" LD_PRELOAD="$LIB" "$T/t_stacks" >/dev/null
	run "$TT_BUILDDIR/tests/fuzz_convert" -max_total_time=20 -timeout=10 -rss_limit_mb=1536 \
		-close_fd_mask=3 -artifact_prefix="$BATS_TEST_TMPDIR/" "$corpus"
	if [ "$status" -ne 0 ]; then
		printf '%s\n' "$output" | tail -40 >&2
		ls "$BATS_TEST_TMPDIR"/crash-* "$BATS_TEST_TMPDIR"/leak-* "$BATS_TEST_TMPDIR"/timeout-* 2>/dev/null >&2
		return 1
	fi
	[[ "$output" == *"Done "*" runs in "* ]]
	printf '# %s\n' "$(grep -o 'Done [0-9]* runs in [0-9]* second(s)' <<<"$output")" >&3
}
