#!/usr/bin/env bats
# Descriptor I/O beyond open/read/write, and file metadata: exact counts and bytes per path
# and per function, whichever entry point (pread64, __pread_chk, __pread64_chk, stat64,
# __xstat...) the program's build used.

load helpers


# expect_io_only NAME PATH COUNT BYTES: exactly COUNT events NAME, all on PATH, moving BYTES
expect_io_only() {
	expect_eq "$1 calls on $2" "$3" "$(count ".name == \"$1\" and .args.path == \"$2\"")"
	expect_eq "$1 calls in all" "$3" "$(count ".name == \"$1\"")"
	expect_eq "$1 bytes on $2" "$4" "$(bytes ".name == \"$1\" and .args.path == \"$2\"")"
}

# expect_one NAME PATH: exactly one event NAME, on PATH, that succeeded
expect_one() {
	expect_eq "$1 on $2" 1 "$(count ".name == \"$1\" and .args.path == \"$2\" and .args.errno == null")"
	expect_eq "$1 in all" 1 "$(count ".name == \"$1\"")"
}

check_fileio() {
	local target=$1 src="$BATS_TEST_TMPDIR/src.txt" w="$BATS_TEST_TMPDIR/w"
	local so="$BATS_TEST_TMPDIR/stdout" plain="$BATS_TEST_TMPDIR/stdout.plain"
	make_src "$src"
	mkdir -p "$w"
	traced "$T/$target" "$src" "$w" "$CHUNK" "$NLINES" >"$so"
	rm -rf "$w" && mkdir -p "$w"
	"$T/$target" "$src" "$w" "$CHUNK" "$NLINES" >"$plain"
	# the preload changes nothing the program prints
	cmp "$so" "$plain"
	[ "$(cat "$so")" = "pread $SIZE readv $SIZE preadv $SIZE" ]
	to_json

	# reads: 16 full chunks, the 123-byte tail, and the call that finds the end
	expect_io_only pread "$src" 18 "$SIZE"
	expect_io_only readv "$src" 18 "$SIZE"
	expect_io_only preadv "$src" 18 "$SIZE"
	expect_eq "pread count" 18 "$(count ".name == \"pread\" and .args.count == $CHUNK")"
	expect_eq "pread at end" 1 "$(count ".name == \"pread\" and .args.bytes == 0 and .args.offset == $SIZE")"
	expect_eq "readv iovcnt" 18 "$(count '.name == "readv" and .args.iovcnt == 2')"
	# preadv and preadv2 (flags 0) in turn, all under the one name
	expect_eq "preadv flags" 18 "$(count '.name == "preadv" and .args.flags == "0x0"')"
	# offsets 0, 4096 ... 65536, then the end
	expect_eq "preadv offsets" "$((16 * 17 / 2 * CHUNK + SIZE))" \
		"$(jqj '[.traceEvents[] | select(.name == "preadv") | .args.offset] | add')"

	# writes, and what reached the files
	expect_io_only pwrite "$w/pwrite.out" "$NLINES" $((NLINES * 64))
	expect_io_only writev "$w/writev.out" $((NLINES / 2)) $((NLINES * 64))
	expect_io_only pwritev "$w/pwritev.out" $((NLINES / 2)) $((NLINES * 64))
	expect_eq "last pwrite offset" $(((NLINES - 1) * 64)) \
		"$(jqj '[.traceEvents[] | select(.name == "pwrite") | .args.offset] | max')"
	for f in pwrite writev pwritev; do
		expect_eq "size of $f.out" $((NLINES * 64)) "$(wc -c <"$w/$f.out")"
	done
	expect_io_only sendfile "$w/sendfile.out" 1 "$SIZE"
	expect_io_only copy_file_range "$w/copy.out" 1 "$SIZE"
	expect_eq "sendfile count" "$SIZE" "$(jqj '.traceEvents[] | select(.name == "sendfile") | .args.count')"

	# creat and the calls on its descriptor
	expect_one creat "$w/creat.out"
	expect_eq "creat mode" 0644 "$(jqj '.traceEvents[] | select(.name == "creat") | .args.mode')"
	expect_one ftruncate "$w/creat.out"
	expect_eq "ftruncate length" 1000 "$(jqj '.traceEvents[] | select(.name == "ftruncate") | .args.length')"
	expect_one lseek "$w/creat.out"
	expect_eq "lseek to the end" 1 "$(count '.name == "lseek" and .args.result == 1000 and .args.whence == 2')"
	expect_one fsync "$w/creat.out"
	expect_one fdatasync "$w/creat.out"

	# a write through any copy of a descriptor shows the original path
	expect_one dup "$w/dup.out"
	expect_one dup2 "$w/dup.out"
	expect_one dup3 "$w/dup.out"
	expect_eq "dup2 newfd" 100 "$(jqj '.traceEvents[] | select(.name == "dup2") | .args.newfd')"
	# F_DUPFD, F_DUPFD_CLOEXEC and F_GETFL
	expect_eq "fcntl" 3 "$(count ".name == \"fcntl\" and .args.path == \"$w/dup.out\"")"
	expect_eq "fcntl F_DUPFD" 1 "$(count '.name == "fcntl" and .args.cmd == 0 and .args.arg == 110 and .args.result >= 110')"
	expect_eq "fcntl F_DUPFD_CLOEXEC" 1 "$(count '.name == "fcntl" and .args.cmd == 1030 and .args.arg == 120')"
	expect_eq "writes on dup.out" 5 "$(count ".name == \"write\" and .args.path == \"$w/dup.out\"")"
	expect_eq "bytes on dup.out" 320 "$(bytes ".name == \"write\" and .args.path == \"$w/dup.out\"")"
	expect_eq "through 5 fds" 5 "$(jqj "[.traceEvents[] | select(.name == \"write\" and .args.path == \"$w/dup.out\") | .args.fd] | unique | length")"
	expect_eq "closes of dup.out" 6 "$(count ".name == \"close\" and .args.path == \"$w/dup.out\"")"
	expect_eq "size of dup.out" 320 "$(wc -c <"$w/dup.out")"

	# both ends of both pipes are "pipe"
	expect_one pipe pipe
	expect_one pipe2 pipe
	expect_io_only read pipe 2 128
	expect_eq "writes on pipe" 2 "$(count '.name == "write" and .args.path == "pipe"')"
	expect_eq "writes in all" 7 "$(count '.name == "write"')"
	expect_eq "pipe closes" 4 "$(count '.name == "close" and .args.path == "pipe"')"

	# metadata, each with its path
	for f in stat lstat fstatat statx access; do
		expect_eq "$f of src" 1 "$(count ".name == \"$f\" and .args.path == \"$src\" and .args.result == 0")"
	done
	expect_one fstat "$src"
	expect_eq "mkdir" 2 "$(count ".name == \"mkdir\" and (.args.path == \"$w/d\" or .args.path == \"$w/d/e\")")"
	expect_one opendir "$w/d"
	expect_one closedir "$w/d"
	expect_eq "rename" 1 "$(count ".name == \"rename\" and .args.path == \"$w/creat.out\" and .args.new_path == \"$w/d/a\"")"
	expect_eq "renameat" 1 "$(count ".name == \"renameat\" and .args.path == \"$w/d/a\" and .args.new_path == \"$w/d/b\" and .args.dirfd == -100")"
	expect_one unlink "$w/d/b"
	expect_one unlinkat "$w/d/e"
	expect_one rmdir "$w/d"
	# the failing stat, with its errno
	expect_eq "stat calls" 2 "$(count '.name == "stat"')"
	expect_eq "failed stat" 1 "$(count '.name == "stat" and .args.path == "/nonexistent/traceit-test" and .args.result == -1 and .args.errno == "ENOENT"')"
	# the program's one printf, to its stdout (a file)
	expect_eq "printf to stdout" 1 "$(count ".name == \"printf\" and .args.path == \"$(readlink -f "$so")\"")"
}

@test "plain build: exact counts and bytes per path and function" {
	check_fileio t_fileio
}

@test "_FORTIFY_SOURCE=2 build (__pread_chk, __printf_chk) counts the same" {
	run nm -D "$T/t_fileio_fortify"
	[[ "$output" == *" __pread_chk"* ]]
	[[ "$output" == *" __printf_chk"* ]]
	[[ "$output" != *" pread@"* ]]
	check_fileio t_fileio_fortify
}

@test "_FILE_OFFSET_BITS=64 build (pread64, preadv64v2, stat64, fcntl64...) counts the same" {
	run nm -D "$T/t_fileio_lfs"
	for s in creat64 pread64 pwrite64 preadv64 preadv64v2 pwritev64 pwritev64v2 lseek64 \
		ftruncate64 sendfile64 fcntl64 stat64 lstat64 fstat64 fstatat64; do
		[[ "$output" == *" $s@"* ]] || { echo "no $s" >&2; return 1; }
	done
	check_fileio t_fileio_lfs
}

@test "_FORTIFY_SOURCE=2 with _FILE_OFFSET_BITS=64 (__pread64_chk) counts the same" {
	run nm -D "$T/t_fileio_fortify_lfs"
	[[ "$output" == *" __pread64_chk"* ]]
	check_fileio t_fileio_fortify_lfs
}

@test "pre-2.33 stat entry points (__xstat...) record stat, lstat, fstat, fstatat" {
	local src="$BATS_TEST_TMPDIR/src.txt"
	make_src "$src"
	run traced "$T/t_xstat" "$src"
	[ "$status" -ne 77 ] || skip "not x86_64 glibc"
	[ "$status" -eq 0 ]
	[ "$output" = "size $SIZE" ]
	# the binary refers to the versioned compat names, as one built before 2.33 does
	run nm -D "$T/t_xstat"
	[[ "$output" == *" __xstat@GLIBC_2.2.5"* ]]
	[[ "$output" == *" __fxstatat@GLIBC_2.4"* ]]
	to_json
	expect_eq "stat" 2 "$(count ".name == \"stat\" and .args.path == \"$src\" and .args.result == 0")"
	expect_eq "failed stat" 1 "$(count '.name == "stat" and .args.path == "/nonexistent/traceit-test" and .args.errno == "ENOENT"')"
	expect_eq "lstat" 2 "$(count ".name == \"lstat\" and .args.path == \"$src\"")"
	expect_eq "fstat" 2 "$(count ".name == \"fstat\" and .args.path == \"$src\"")"
	expect_eq "fstatat" 2 "$(count ".name == \"fstatat\" and .args.path == \"$src\" and .args.dirfd == -100")"
	expect_eq "metadata events" 9 "$(count '.name == "stat" or .name == "lstat" or .name == "fstat" or .name == "fstatat"')"
}
