#!/usr/bin/env bats
# Real programs no one here wrote: same output and exit status with and without the preload.

load helpers

same() {
	local native traced_out ns ts
	native=$("$@" 2>&1) && ns=0 || ns=$?
	traced_out=$(traced "$@" 2>&1) && ts=0 || ts=$?
	expect_eq "status of $*" "$ns" "$ts"
	if [ "$native" != "$traced_out" ]; then
		echo "output of $* differs" >&2
		diff <(echo "$native") <(echo "$traced_out") >&2
		return 1
	fi
}

@test "sort" {
	seq 1 5000 | shuf --random-source=/dev/zero > "$BATS_TEST_TMPDIR/in"
	same sort -n "$BATS_TEST_TMPDIR/in"
	to_json
}

@test "gzip round trip" {
	seq 1 20000 > "$BATS_TEST_TMPDIR/in"
	same sh -c "gzip -c '$BATS_TEST_TMPDIR/in' | gzip -dc | md5sum"
	to_json
}

@test "python3 with threads writing files" {
	same /usr/bin/python3 -c '
import threading
def w(i):
    with open("'"$BATS_TEST_TMPDIR"'/p%d" % i, "w") as f:
        f.write("x" * 10000)
ts = [threading.Thread(target=w, args=(i,)) for i in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
print(sum(len(open("'"$BATS_TEST_TMPDIR"'/p%d" % i).read()) for i in range(4)))'
	to_json
	# the main thread and the four workers, each named
	[ "$(jqj '[.traceEvents[] | select(.ph == "M" and .name == "thread_name") | .tid] | unique | length')" -ge 5 ]
}

@test "exit statuses pass through" {
	same sh -c 'exit 3'
	same false
	same ls /nonexistent-traceit
}

@test "sqlite3: same query results" {
	command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"
	sql="create table t(a integer primary key, b text);
	$(for i in $(seq 1 200); do echo "insert into t(b) values('row $i');"; done)
	select count(*), sum(a), max(b) from t;"
	echo "$sql" > "$BATS_TEST_TMPDIR/q.sql"
	same sh -c "rm -f '$BATS_TEST_TMPDIR/t.db'; sqlite3 '$BATS_TEST_TMPDIR/t.db' < '$BATS_TEST_TMPDIR/q.sql'"
	to_json
}

@test "make: same build output" {
	command -v make >/dev/null && command -v cc >/dev/null || skip "make or cc is not installed"
	mkdir -p "$BATS_TEST_TMPDIR/proj"
	printf 'all: a.out\n\t@echo done\na.out: a.c\n\t@cc -o a.out a.c\n\t@echo built\n' > "$BATS_TEST_TMPDIR/proj/Makefile"
	printf 'int main(void) { return 0; }\n' > "$BATS_TEST_TMPDIR/proj/a.c"
	same sh -c "make -s -C '$BATS_TEST_TMPDIR/proj' && rm -f '$BATS_TEST_TMPDIR/proj/a.out'"
	to_json
}

@test "a program that lists its descriptors (fstat and fcntl over a range) sees only its own" {
	prog='import os, fcntl
seen = []
for fd in range(0, 1024):
    try:
        os.fstat(fd)
        fcntl.fcntl(fd, fcntl.F_GETFD)
        seen.append(fd)
    except OSError:
        pass
print(seen)'
	plain=$(python3 -c "$prog")
	run env TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" python3 -c "$prog"
	expect_eq "plain" "$plain" "$output"
	# with stacks, libunwind's pipe is hidden the same way
	run env TRACEIT_STACKS=all TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" python3 -c "$prog"
	expect_eq "with stacks" "$plain" "$output"
}

@test "writing, reading and seeking the recorder's descriptor numbers fails as on closed ones; the trace stays intact" {
	# numbers from 500: the test harness's own descriptors are low and must not get junk
	prog='import os
ok = []
for fd in range(500, 1024):
    for op in (lambda: os.write(fd, b"junk"), lambda: os.read(fd, 1), lambda: os.lseek(fd, 0, 0)):
        try:
            op()
            ok.append(fd)
        except OSError:
            pass
print(sorted(set(ok)))'
	plain=$(python3 -c "$prog")
	run env TRACEIT_STACKS=all TRACEIT_OUTPUT="$OUT" LD_PRELOAD="$LIB" python3 -c "$prog"
	expect_eq "descriptors that answered" "$plain" "$output"
	to_json
}
