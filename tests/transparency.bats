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
