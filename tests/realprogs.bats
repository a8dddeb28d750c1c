#!/usr/bin/env bats
# Real programs no one here wrote: their output is the same with and without the preload,
# and for the calls that map one to one onto system calls, the trace counts exactly what
# strace counts on the same run.
#
# What strace sees that the trace does not, and is filtered out below:
# - everything before libtraceit's constructor ran (the dynamic loader opening and reading
#   libraries): only lines after the trace file was created are kept;
# - the tracer's own system calls: the trace file (.trc), its shared buffers (.rings) and
#   its reads of /proc;
# - the loader's internal opens and reads of shared libraries (dlopen, .so files);
# - system calls glibc makes internally, not through the public functions: its reads of
#   configuration files (/etc: NSS, locale aliases, localtime), time zone and locale data,
#   message catalogs, and the sockets NSS opens to ask nscd.
# Opens and closes made through stdio and opendir are events of their own (fopen,
# opendir...) and are counted as such; stdio's buffered reads and writes are not one to one
# with system calls, so a program doing its I/O through stdio is compared on open and close
# only.

load helpers

have_strace() {
	command -v strace >/dev/null && strace -f -qq -o /dev/null true 2>/dev/null ||
		skip "strace missing or not permitted here (ptrace)"
}

# compare "CALLS" CMD...: runs CMD traced under strace, compares the counts of CALLS; a call
# named SYSCALL=EVENT compares a system call with the event of another name (pread64=pread)
compare() {
	local calls=$1 log="$BATS_TEST_TMPDIR/strace.log"
	shift
	strace -f -y -qq -o "$log" \
		-e trace=read,write,open,openat,creat,close,pread64,pwrite64,fsync,fdatasync,fcntl \
		env TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" "$@" > "$BATS_TEST_TMPDIR/traced.out"
	to_json
	for item in $calls; do
		local want got call=${item%%=*} event=${item#*=}
		want=$(awk '/\.trc>?/ { go = 1 } go' "$log" |
			grep -v -E '/proc/|\.trc|\.rings|\.so[.0-9]*[>"]|/usr/lib/locale|/usr/share/locale|/usr/share/zoneinfo|gconv|/etc/|<socket:|resumed>' |
			grep -c -E "^[0-9]+ +$call\(" || true)
		# every way of opening a file is one system call: open, openat or creat
		[ "$call" = openat ] && want=$(awk '/\.trc>?/ { go = 1 } go' "$log" |
			grep -v -E '/proc/|\.trc|\.rings|\.so[.0-9]*[>"]|/usr/lib/locale|/usr/share/locale|/usr/share/zoneinfo|gconv|/etc/|<socket:|resumed>' |
			grep -c -E "^[0-9]+ +(open|openat|creat)\(" || true)
		case $call in
		openat) got=$(count '.name == "open" or .name == "openat" or .name == "creat" or .name == "fopen" or .name == "freopen" or .name == "opendir"') ;;
		close) got=$(count '.name == "close" or .name == "fclose" or .name == "closedir" or .name == "pclose"') ;;
		*) got=$(count ".name == \"$event\"") ;;
		esac
		expect_eq "$* $call" "$want" "$got"
	done
}

@test "gzip: same output, read/write/openat/close counted as strace counts them" {
	have_strace
	seq 1 100000 > "$BATS_TEST_TMPDIR/in"
	gzip -c "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/native.out"
	compare "read write openat close" gzip -c "$BATS_TEST_TMPDIR/in"
	cmp "$BATS_TEST_TMPDIR/native.out" "$BATS_TEST_TMPDIR/traced.out"
}

@test "tar: same archive listing, counts as strace" {
	have_strace
	mkdir -p "$BATS_TEST_TMPDIR/tree/a/b"
	for i in 1 2 3 4 5; do seq 1 $((i * 1000)) > "$BATS_TEST_TMPDIR/tree/a/b/f$i"; done
	cd "$BATS_TEST_TMPDIR"
	tar cf native.tar tree
	compare "read write openat close" tar cf traced.tar tree
	[ "$(tar tf native.tar)" = "$(tar tf traced.tar)" ]
}

@test "python3: same output, counts as strace" {
	have_strace
	script='import os
fd = os.open(os.environ["F"], os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
for i in range(100):
    os.write(fd, b"x" * 100)
os.close(fd)
fd = os.open(os.environ["F"], os.O_RDONLY)
n = 0
while True:
    b = os.read(fd, 64)
    if not b:
        break
    n += len(b)
os.close(fd)
print(n)'
	export F="$BATS_TEST_TMPDIR/py.bin"
	[ "$(/usr/bin/python3 -S -c "$script")" = 10000 ]
	compare "write openat close" /usr/bin/python3 -S -c "$script"
	[ "$(cat "$BATS_TEST_TMPDIR/traced.out")" = 10000 ]
}

@test "sqlite3: same results; pread, pwrite, fsync, fdatasync, fcntl counted as strace" {
	have_strace
	command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"
	sql="create table t(a integer primary key, b text);
	$(for i in $(seq 1 100); do echo "insert into t(b) values('row $i');"; done)
	select count(*), sum(a) from t;"
	echo "$sql" > "$BATS_TEST_TMPDIR/q.sql"
	native=$(sqlite3 "$BATS_TEST_TMPDIR/n.db" < "$BATS_TEST_TMPDIR/q.sql")
	compare "pread64=pread pwrite64=pwrite fsync fdatasync fcntl openat close" \
		sh -c "exec sqlite3 '$BATS_TEST_TMPDIR/t.db' < '$BATS_TEST_TMPDIR/q.sql'"
	[ "$(cat "$BATS_TEST_TMPDIR/traced.out")" = "$native" ]
}
