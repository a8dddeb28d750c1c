#!/usr/bin/env bats
# Sockets on loopback: exact counts and bytes per call, the address of every connect, bind,
# accept, sendto and recvfrom, and the descriptors named after them (args.path), whichever
# entry point (recv or __recv_chk) the build used.  Then dlopen and dlclose, with the
# caller's RUNPATH and $ORIGIN kept.

load helpers

N=7

# sum SELECT FIELD: the sum of .args.FIELD over the events matching SELECT
sum() {
	jqj "[.traceEvents[] | select($1) | .args.$2] | add"
}

check_net() {
	# a relative socket path: sun_path holds 108 bytes, less than a temporary directory may take
	local target=$1 sock=s.sock
	cd "$BATS_TEST_TMPDIR"
	run traced "$T/$target" $N "$sock"
	[ "$status" -eq 0 ]
	local tp cp up ucp
	tp=$(sed -n 's/^tcp_port //p' <<<"$output")
	cp=$(sed -n 's/^tcp_client_port //p' <<<"$output")
	up=$(sed -n 's/^udp_port //p' <<<"$output")
	ucp=$(sed -n 's/^udp_client_port //p' <<<"$output")
	[ -n "$tp" ] && [ -n "$cp" ] && [ -n "$up" ] && [ -n "$ucp" ]
	to_json
	local server="127.0.0.1:$tp" client="127.0.0.1:$cp" pid
	pid=$(jqj '[.traceEvents[] | select(.name == "socket")][0].pid')

	# every call once per call the program made
	expect_eq socket 10 "$(count '.name == "socket"')"
	expect_eq "socket inet stream" 3 "$(count '.name == "socket" and .args.domain == 2 and .args.type == 1')"
	expect_eq "socket inet dgram" 3 "$(count '.name == "socket" and .args.domain == 2 and .args.type == 2')"
	expect_eq "socket unix" 4 "$(count '.name == "socket" and .args.domain == 1')"
	expect_eq connect 11 "$(count '.name == "connect"')"
	expect_eq bind 4 "$(count '.name == "bind"')"
	expect_eq listen 2 "$(count '.name == "listen"')"
	expect_eq accept 2 "$(count '.name == "accept"')"
	expect_eq send $((N + 2)) "$(count '.name == "send"')"
	expect_eq recv $((N + 4)) "$(count '.name == "recv"')"
	expect_eq sendto $((N + 1)) "$(count '.name == "sendto"')"
	expect_eq recvfrom $((N + 1)) "$(count '.name == "recvfrom"')"
	expect_eq sendmsg $N "$(count '.name == "sendmsg"')"
	expect_eq recvmsg $N "$(count '.name == "recvmsg"')"
	expect_eq shutdown 1 "$(count '.name == "shutdown"')"
	expect_eq socketpair 1 "$(count '.name == "socketpair"')"

	# TCP: the listener, the two connections and their peers
	expect_eq "bind 127.0.0.1:0" 2 "$(count '.name == "bind" and .args.address == "127.0.0.1:0" and .args.result == 0')"
	expect_eq "listen backlog 8" 1 "$(count '.name == "listen" and .args.backlog == 8 and .args.path == "127.0.0.1:0"')"
	expect_eq "connect to the server" 2 "$(count ".name == \"connect\" and .args.peer == \"$server\" and .args.result == 0")"
	expect_eq "accept from the client" 1 "$(count ".name == \"accept\" and .args.peer == \"$client\" and .args.flags == \"0x0\" and .args.result >= 0")"
	expect_eq "accept4 without address" 1 "$(count '.name == "accept" and (.args | has("peer") | not) and .args.flags == "0x80000" and .args.result >= 0')"
	# the client's side, named by connect
	expect_eq "sends to the server" $N "$(count ".name == \"send\" and .args.path == \"$server\" and .args.count == 100")"
	expect_eq "bytes sent" $((N * 100)) "$(sum ".name == \"send\" and .args.path == \"$server\"" bytes)"
	expect_eq "write to the server" 1 "$(count ".name == \"write\" and .args.path == \"$server\" and .args.bytes == 100")"
	expect_eq "shutdown" 1 "$(count ".name == \"shutdown\" and .args.path == \"$server\" and .args.how == 1 and .args.result == 0")"
	expect_eq "recvs from the server" 2 "$(count ".name == \"recv\" and .args.path == \"$server\"")"
	expect_eq "bytes from the server" 2 "$(sum ".name == \"recv\" and .args.path == \"$server\"" bytes)"
	# the server's side, named by accept: N messages with MSG_WAITALL, then the end
	expect_eq "recvs from the client" $((N + 1)) "$(count ".name == \"recv\" and .args.path == \"$client\"")"
	expect_eq "MSG_WAITALL recvs" $N "$(count ".name == \"recv\" and .args.path == \"$client\" and .args.flags == \"0x100\" and .args.bytes == 100")"
	expect_eq "bytes from the client" $((N * 100)) "$(sum ".name == \"recv\" and .args.path == \"$client\"" bytes)"
	expect_eq "bytes read from the client" 100 "$(sum ".name == \"read\" and .args.path == \"$client\"" bytes)"
	expect_eq "reply" 1 "$(count ".name == \"send\" and .args.path == \"$client\" and .args.bytes == 2")"

	# UDP
	expect_eq "sendto with peer" $N "$(count ".name == \"sendto\" and .args.peer == \"127.0.0.1:$up\" and .args.bytes == 50")"
	expect_eq "recvfrom with peer" $N "$(count ".name == \"recvfrom\" and .args.peer == \"127.0.0.1:$ucp\" and .args.bytes == 50 and .args.count == 200")"
	expect_eq "connect udp" 1 "$(count ".name == \"connect\" and .args.peer == \"127.0.0.1:$up\" and .args.result == 0")"
	expect_eq "sendto connected" 1 "$(count ".name == \"sendto\" and (.args | has(\"peer\") | not) and .args.path == \"127.0.0.1:$up\" and .args.bytes == 50")"
	expect_eq "recvfrom without buffer" 1 "$(count '.name == "recvfrom" and (.args | has("peer") | not) and .args.bytes == 50')"

	# the UNIX socket pair: both ends named, sendmsg/recvmsg bytes
	expect_eq "socketpair ends" 1 "$(count '.name == "socketpair" and .args.domain == 1 and .args.type == 2 and .args.fd >= 0 and .args.fd2 >= 0 and .args.result == 0')"
	expect_eq "sendmsg bytes" $((N * 64)) "$(sum '.name == "sendmsg" and .args.path == "socketpair"' bytes)"
	expect_eq "recvmsg bytes" $((N * 64)) "$(sum '.name == "recvmsg" and .args.path == "socketpair"' bytes)"

	# UNIX addresses: a path, an abstract name
	expect_eq "bind unix path" 1 "$(count ".name == \"bind\" and .args.address == \"unix:$sock\"")"
	expect_eq "connect unix path" 1 "$(count ".name == \"connect\" and .args.peer == \"unix:$sock\" and .args.result == 0")"
	expect_eq "bind abstract" 1 "$(count ".name == \"bind\" and .args.address == \"unix:@traceit-test-$pid\"")"
	expect_eq "connect abstract" 1 "$(count ".name == \"connect\" and .args.peer == \"unix:@traceit-test-$pid\"")"
	expect_eq "send abstract" 1 "$(count ".name == \"send\" and .args.path == \"unix:@traceit-test-$pid\" and .args.bytes == 1")"

	# address forms, from connects the kernel refuses after reading the address
	local peer
	for peer in '[2001:db8::ff00:42:8329]:443' '[::1]:8080' '[::ffff:10.1.2.3]:53' '[fe80::1%3]:22' 'family 5'; do
		expect_eq "connect $peer" 1 "$(count ".name == \"connect\" and .args.peer == \"$peer\" and .args.errno == \"EAFNOSUPPORT\"")"
	done
	# a bad descriptor: failed, EBADF, and the (unreadable) address left alone
	expect_eq "connect EBADF" 1 "$(count '.name == "connect" and .args.fd == -1 and .args.errno == "EBADF" and (.args | has("peer") | not)')"
	expect_eq "recv EBADF" 1 "$(count '.name == "recv" and .args.fd == -1 and .args.errno == "EBADF"')"
}

@test "sockets: exact counts, bytes and peers" {
	check_net t_net
}

@test "_FORTIFY_SOURCE=2 build (__recv_chk, __recvfrom_chk) counts the same" {
	run nm -D "$T/t_net_fortify"
	[[ "$output" == *"__recv_chk"* ]]
	[[ "$output" == *"__recvfrom_chk"* ]]
	run nm -D "$LIB"
	[[ "$output" == *"T __recv_chk"* ]]
	[[ "$output" == *"T __recvfrom_chk"* ]]
	check_net t_net_fortify
}

@test "dlopen/dlclose: paths as given, a failure without errno, RUNPATH and \$ORIGIN kept" {
	# t_dl finds libttdl.so by bare name only through its own RUNPATH: it must work untraced
	# and traced alike (called from the wrapper, glibc would search libtraceit's RUNPATH)
	run "$T/t_dl" "$T/libttdl.so"
	[ "$status" -eq 0 ]
	run traced "$T/t_dl" "$T/libttdl.so"
	[ "$status" -eq 0 ]
	[ "$output" = "dl ok" ]
	to_json
	expect_eq dlopen 5 "$(count '.name == "dlopen"')"
	expect_eq "dlopen by path" 1 "$(count ".name == \"dlopen\" and .args.path == \"$T/libttdl.so\" and .args.flags == \"0x2\" and .args.handle != \"0x0\"")"
	expect_eq "dlopen missing" 1 "$(count '.name == "dlopen" and .args.path == "libtraceit-test-missing.so" and .args.handle == "0x0" and .args.errno == "0"')"
	expect_eq "dlopen by RUNPATH" 1 "$(count '.name == "dlopen" and .args.path == "libttdl.so" and .args.handle != "0x0" and (.args | has("errno") | not)')"
	expect_eq "dlopen \$ORIGIN" 1 "$(count '.name == "dlopen" and .args.path == "$ORIGIN/libttdl.so" and .args.handle != "0x0" and (.args | has("errno") | not)')"
	expect_eq "dlopen NULL" 1 "$(count '.name == "dlopen" and (.args | has("path") | not) and .args.handle != "0x0"')"
	expect_eq dlclose 4 "$(count '.name == "dlclose" and .args.result == 0')"
	# each dlclose closes a handle a dlopen returned
	expect_eq "dlclose handles" 4 "$(jqj '[.traceEvents[] | select(.name == "dlopen") | .args.handle] as $h
		| [.traceEvents[] | select(.name == "dlclose" and (.args.handle as $x | $h | index($x)))] | length')"
}
