/*
 * fuzz_convert.c - libFuzzer target: any byte string, converted as one stream file to each
 * output format, must not crash, hang or exhaust memory.
 *
 * Not part of the normal build.  With clang:
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 \
 *		-DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -Istream -Iconvert \
 *		stream/events.c CONVERT_C_FILES_BUT_MAIN -lz -ldw -lelf -lstdc++ -lm \
 *		-o fuzz_convert
 *	./fuzz_convert -close_fd_mask=2 CORPUS_DIR
 *
 * where CONVERT_C_FILES_BUT_MAIN is every convert .c file except main.c.
 *
 * FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION makes the pre-scan accept bad CRCs, so that
 * mutated payloads reach the decoder instead of being skipped as damaged; seed the corpus
 * with small real .trc files (tests/fuzz.bats adds one recorded with stacks).  In this mode
 * the converter never opens the modules a stream names (callstack.c).
 */
#include <stddef.h>
#include <stdint.h>

#include "run.h"
#include "scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct tt_sink *const sinks[] = { &tt_sink_json,	  &tt_sink_csv,
						       &tt_sink_summary,  &tt_sink_folded,
						       &tt_sink_perfetto, &tt_sink_html };

	tt_diag_quiet = true;
	for (size_t i = 0; i < TT_ARRAY_SIZE(sinks); i++) {
		struct tt_file f = { .name = "fuzz", .data = data, .size = size };
		struct tt_file *files[1] = { &f };
		struct tt_out out;

		tt_out_init(&out, -1, "fuzz output");
		tt_convert(files, 1, sinks[i], &out, NULL);
		tt_out_free(&out);
		tt_file_release(&f);
	}
	return 0;
}
