#!/usr/bin/env bats
# stdio streams: exact counts and bytes per path and per function, whichever entry point
# (__fread_chk, __fgets_chk, __printf_chk, fopen64, __getdelim...) the program's build used.
# glibc's stdio reads and writes through internal calls: only the stdio events appear.

load helpers

LINES=1026 # lines in the file, the tail included

# expect_io_ok NAME PATH COUNT BYTES: COUNT events NAME on PATH that succeeded, moving BYTES
expect_io_ok() {
	expect_eq "$1 calls on $2" "$3" "$(count ".name == \"$1\" and .args.path == \"$2\" and .args.errno == null")"
	expect_eq "$1 bytes on $2" "$4" "$(bytes ".name == \"$1\" and .args.path == \"$2\"")"
}

# expect_failed NAME PATH ERRNO: one failed NAME on PATH with ERRNO
expect_failed() {
	expect_eq "failed $1 on $2" 1 "$(count ".name == \"$1\" and .args.path == \"$2\" and .args.errno == \"$3\"")"
}

check_stdio() {
	local target=$1 src="$BATS_TEST_TMPDIR/src.txt" w="$BATS_TEST_TMPDIR/w"
	local so="$BATS_TEST_TMPDIR/stdout" plain="$BATS_TEST_TMPDIR/stdout.plain" sop
	make_src "$src"
	mkdir -p "$w"
	traced "$T/$target" "$src" "$w" "$CHUNK" "$NLINES" >"$so"
	rm -rf "$w" && mkdir -p "$w"
	"$T/$target" "$src" "$w" "$CHUNK" "$NLINES" >"$plain"
	# the preload changes nothing the program prints
	cmp "$so" "$plain"
	[ "$(tail -n 1 "$so")" = "fread $SIZE fread_unlocked $SIZE fgets $SIZE getline $SIZE getdelim $SIZE" ]
	to_json
	sop=$(readlink -f "$so")

	# reads: fread and fread_unlocked each 16 chunks, the tail and the end; 10 bytes more
	# after fgetpos
	expect_io_ok fread "$src" $((2 * 18 + 1)) $((2 * SIZE + 10))
	expect_eq "fread count" $((2 * 18)) "$(count ".name == \"fread\" and .args.count == $CHUNK")"
	expect_eq "fread at end" 2 "$(count '.name == "fread" and .args.bytes == 0')"
	# one call per line, and the one that finds the end (0 bytes, no failure)
	for f in fgets getline getdelim; do
		expect_io_ok "$f" "$src" $((LINES + 1)) "$SIZE"
		expect_eq "$f at end" 1 "$(count ".name == \"$f\" and .args.bytes == 0")"
	done
	expect_eq "fgets count" $((LINES + 1)) "$(count '.name == "fgets" and .args.count == 100')"

	# writes, and what reached the files: fwrite moves two items of 64 bytes per call
	expect_io_ok fwrite "$w/fwrite.out" $((NLINES / 2)) $((NLINES * 64))
	expect_eq "fwrite items" $((NLINES / 2)) "$(count '.name == "fwrite" and .args.bytes == 128 and .args.count == 128')"
	expect_io_ok fputs "$w/fputs.out" "$NLINES" $((NLINES * 64))
	# fprintf and vfprintf; dprintf and vdprintf
	expect_io_ok fprintf "$w/fprintf.out" "$NLINES" $((NLINES * 64))
	expect_io_ok dprintf "$w/dprintf.out" "$NLINES" $((NLINES * 64))
	for f in fwrite fputs fprintf dprintf; do
		expect_eq "size of $f.out" $((NLINES * 64)) "$(wc -c <"$w/$f.out")"
	done
	# stdout: puts and printf in turn, then the totals; every byte of it counted
	expect_io_ok puts "$sop" $((NLINES / 2)) $((NLINES / 2 * 64))
	expect_eq "printf" $((NLINES / 2 + 1)) "$(count ".name == \"printf\" and .args.path == \"$sop\"")"
	expect_eq "stdout bytes" "$(wc -c <"$so")" "$(bytes "(.name == \"puts\" or .name == \"printf\") and .args.path == \"$sop\"")"

	# positioning, all on the source
	expect_eq "fseek" 1 "$(count ".name == \"fseek\" and .args.path == \"$src\" and .args.offset == 100 and .args.whence == 0")"
	expect_eq "fseeko" 1 "$(count ".name == \"fseek\" and .args.path == \"$src\" and .args.offset == 64 and .args.whence == 1")"
	expect_eq "ftell" 3 "$(count ".name == \"ftell\" and .args.path == \"$src\"")"
	expect_eq "ftell results" "0 100 164" "$(jqj '[.traceEvents[] | select(.name == "ftell") | .args.result] | sort | map(tostring) | join(" ")')"
	for f in rewind fgetpos fsetpos fflush; do
		expect_eq "$f" 1 "$(count ".name == \"$f\" and .args.path == \"$src\"")"
	done

	# streams opened and closed, each naming its file
	expect_eq "fopen" 7 "$(count ".name == \"fopen\" and .args.path == \"$src\" and .args.mode == \"r\"")"
	expect_eq "fopen in all" 13 "$(count '.name == "fopen"')"
	expect_eq "fclose" 7 "$(count ".name == \"fclose\" and .args.path == \"$src\"")"
	expect_eq "fclose in all" 13 "$(count '.name == "fclose" and .args.errno == null')"
	expect_eq "freopen" 1 "$(count ".name == \"freopen\" and .args.path == \"$w/freopen.out\"")"
	expect_io_ok fputs "$w/freopen.out" 1 64
	expect_eq "fdopen" 1 "$(count ".name == \"fdopen\" and .args.path == \"$w/fdopen.out\"")"
	expect_io_ok fputs "$w/fdopen.out" 1 64

	# failures, with their errno
	expect_failed fopen /nonexistent/traceit-test ENOENT
	expect_failed fprintf "$src" EBADF
	expect_failed fputs "$src" EBADF
	expect_failed fwrite "$src" EBADF
	expect_failed fprintf "$w/eilseq.out" EILSEQ
	expect_eq "failures in all" 5 "$(count '.cat == "io" and .args.errno != null')"

	# no read or write events under the stdio ones: glibc calls them internally
	expect_eq "read/write" 0 "$(count '.name == "read" or .name == "write"')"
	expect_eq "open" 2 "$(count '.name == "open"')"
}

@test "plain build: exact counts and bytes per path and function" {
	# optimised builds call getline as __getdelim(..., '\n', ...) (bits/stdio.h): it must
	# still count as getline
	run nm -D "$T/t_stdio"
	[[ "$output" == *" __getdelim@"* ]]
	check_stdio t_stdio
}

@test "_FORTIFY_SOURCE=2 build (__fread_chk, __fgets_chk, __printf_chk...) counts the same" {
	run nm -D "$T/t_stdio_fortify"
	for s in __fread_chk __fread_unlocked_chk __fgets_chk __printf_chk __fprintf_chk \
		__vfprintf_chk __dprintf_chk __vdprintf_chk; do
		[[ "$output" == *" $s@"* ]] || { echo "no $s" >&2; return 1; }
	done
	check_stdio t_stdio_fortify
}

@test "_FILE_OFFSET_BITS=64 build (fopen64, fseeko64...) counts the same" {
	run nm -D "$T/t_stdio_lfs"
	for s in fopen64 freopen64 fseeko64 ftello64 fgetpos64 fsetpos64; do
		[[ "$output" == *" $s@"* ]] || { echo "no $s" >&2; return 1; }
	done
	check_stdio t_stdio_lfs
}
