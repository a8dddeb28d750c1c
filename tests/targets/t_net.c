/*
 * t_net: sockets on loopback only, with exact counts and bytes.
 *	t_net N UNIXPATH
 * - TCP: a listener on 127.0.0.1 (ephemeral port); a client thread connects, sends N
 *   messages of 100 bytes and writes one more, shuts down its side, receives a 2-byte reply;
 *   a second connection is accepted with accept4 and no address buffer.
 * - UDP: N datagrams of 50 bytes with sendto, received with recvfrom; then one more through a
 *   connected socket with no address either side.
 * - a UNIX datagram socket pair: N messages of 30 + 34 bytes with sendmsg/recvmsg.
 * - UNIX stream socket bound to UNIXPATH, and an abstract one: connect names them.
 * - addresses that need no network: IPv6 forms, an unknown family, a bad descriptor.
 * Prints the ports the test needs; exits non-zero on any unexpected result.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

/* Sizes unknown at compile time: under _FORTIFY_SOURCE, recv and recvfrom become _chk calls */
static volatile size_t tcp_size = 100, udp_size = 50;
static int n;
static struct sockaddr_in tcp_addr;

#define CHECK(cond, code)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "t_net: check failed at line %d: %s\n", __LINE__,          \
				strerror(errno));                                                  \
			exit(code);                                                                \
		}                                                                                  \
	} while (0)

static struct sockaddr_in loopback(unsigned short port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(port);
	return a;
}

static unsigned short port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	CHECK(getsockname(fd, (struct sockaddr *)&a, &len) == 0, 2);
	return ntohs(a.sin_port);
}

static void *client(void *arg)
{
	char msg[100], reply[2];
	size_t size = tcp_size;
	int c = socket(AF_INET, SOCK_STREAM, 0);

	(void)arg;
	memset(msg, 'm', sizeof(msg));
	CHECK(c >= 0, 3);
	CHECK(connect(c, (struct sockaddr *)&tcp_addr, sizeof(tcp_addr)) == 0, 3);
	printf("tcp_client_port %u\n", port_of(c));
	for (int i = 0; i < n; i++)
		CHECK(send(c, msg, size, 0) == (ssize_t)size, 3);
	CHECK(write(c, msg, size) == (ssize_t)size, 3);
	CHECK(shutdown(c, SHUT_WR) == 0, 3);
	CHECK(recv(c, reply, sizeof(reply), MSG_WAITALL) == 2 && !memcmp(reply, "ok", 2), 3);
	close(c);

	/* a second connection, accepted without an address buffer */
	c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(c >= 0, 3);
	CHECK(connect(c, (struct sockaddr *)&tcp_addr, sizeof(tcp_addr)) == 0, 3);
	CHECK(recv(c, reply, 1, 0) == 0, 3); /* until the server closes */
	close(c);
	return NULL;
}

static void tcp(void)
{
	struct sockaddr_in any = loopback(0), peer;
	socklen_t plen = sizeof(peer);
	char buf[100];
	size_t size = tcp_size;
	pthread_t th;
	int ls = socket(AF_INET, SOCK_STREAM, 0);

	CHECK(ls >= 0, 4);
	CHECK(bind(ls, (struct sockaddr *)&any, sizeof(any)) == 0, 4);
	CHECK(listen(ls, 8) == 0, 4);
	tcp_addr = loopback(port_of(ls));
	printf("tcp_port %u\n", ntohs(tcp_addr.sin_port));
	fflush(stdout);
	CHECK(pthread_create(&th, NULL, client, NULL) == 0, 4);

	int a = accept(ls, (struct sockaddr *)&peer, &plen);

	CHECK(a >= 0 && plen == sizeof(peer), 4);
	for (int i = 0; i < n; i++)
		CHECK(recv(a, buf, size, MSG_WAITALL) == (ssize_t)size, 4);
	/* read the written message, however the stream splits it */
	for (size_t got = 0; got < size;) {
		ssize_t r = read(a, buf + got, size - got);

		CHECK(r > 0, 4);
		got += (size_t)r;
	}
	CHECK(recv(a, buf, size, 0) == 0, 4); /* the client shut down its side */
	CHECK(send(a, "ok", 2, 0) == 2, 4);
	close(a);

	a = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	CHECK(a >= 0, 4);
	close(a);
	CHECK(pthread_join(th, NULL) == 0, 4);
	close(ls);
}

static void udp(void)
{
	struct sockaddr_in any = loopback(0), to, from;
	char msg[50], buf[200];
	size_t size = udp_size;
	int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0);

	memset(msg, 'u', sizeof(msg));
	CHECK(u1 >= 0 && u2 >= 0, 5);
	CHECK(bind(u1, (struct sockaddr *)&any, sizeof(any)) == 0, 5);
	to = loopback(port_of(u1));
	printf("udp_port %u\n", ntohs(to.sin_port));
	for (int i = 0; i < n; i++)
		CHECK(sendto(u2, msg, size, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)size,
		      5);
	printf("udp_client_port %u\n", port_of(u2));
	for (int i = 0; i < n; i++) {
		socklen_t flen = sizeof(from);

		CHECK(recvfrom(u1, buf, size + 150, 0, (struct sockaddr *)&from, &flen) ==
			      (ssize_t)size,
		      5);
	}
	/* connected: no address either side */
	CHECK(connect(u2, (struct sockaddr *)&to, sizeof(to)) == 0, 5);
	CHECK(sendto(u2, msg, size, 0, NULL, 0) == (ssize_t)size, 5);
	CHECK(recvfrom(u1, buf, size + 150, 0, NULL, NULL) == (ssize_t)size, 5);
	close(u1);
	close(u2);
}

static void pair(void)
{
	char a[30], b[34], buf[128];
	int sv[2];

	memset(a, 'a', sizeof(a));
	memset(b, 'b', sizeof(b));
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, 6);
	for (int i = 0; i < n; i++) {
		struct iovec iov[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };

		CHECK(sendmsg(sv[0], &m, 0) == 64, 6);
	}
	for (int i = 0; i < n; i++) {
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

		CHECK(recvmsg(sv[1], &m, 0) == 64, 6);
	}
	close(sv[0]);
	close(sv[1]);
}

static void unix_names(const char *path)
{
	struct sockaddr_un un;
	socklen_t len;
	int l = socket(AF_UNIX, SOCK_STREAM, 0), c = socket(AF_UNIX, SOCK_STREAM, 0);

	CHECK(l >= 0 && c >= 0 && strlen(path) < sizeof(un.sun_path), 7);
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	strcpy(un.sun_path, path);
	CHECK(bind(l, (struct sockaddr *)&un, sizeof(un)) == 0, 7);
	CHECK(listen(l, 1) == 0, 7);
	CHECK(connect(c, (struct sockaddr *)&un, sizeof(un)) == 0, 7);
	close(c);
	close(l);
	unlink(path);

	/* abstract: a NUL, then the name, and the length says where it ends */
	int d = socket(AF_UNIX, SOCK_DGRAM, 0), e = socket(AF_UNIX, SOCK_DGRAM, 0);

	CHECK(d >= 0 && e >= 0, 7);
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			  (size_t)snprintf(un.sun_path + 1, sizeof(un.sun_path) - 1,
					   "traceit-test-%d", (int)getpid()));
	CHECK(bind(d, (struct sockaddr *)&un, len) == 0, 7);
	CHECK(connect(e, (struct sockaddr *)&un, len) == 0, 7);
	CHECK(send(e, "x", 1, 0) == 1, 7);
	close(d);
	close(e);
}

static void connect6(int fd, const unsigned char addr[16], unsigned short port, unsigned scope)
{
	struct sockaddr_in6 a;

	memset(&a, 0, sizeof(a));
	a.sin6_family = AF_INET6;
	a.sin6_port = htons(port);
	memcpy(&a.sin6_addr, addr, 16);
	a.sin6_scope_id = scope;
	/* an IPv4 socket refuses them, after reading them */
	CHECK(connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno == EAFNOSUPPORT, 8);
}

static void address_forms(void)
{
	static const unsigned char doc[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0,	0,    0,
					       0,    0,	   0xff, 0,    0, 0x42, 0x83, 0x29 };
	static const unsigned char one[16] = { [15] = 1 };
	static const unsigned char mapped[16] = {
		[10] = 0xff, [11] = 0xff, [12] = 10, [13] = 1, [14] = 2, [15] = 3
	};
	static const unsigned char link[16] = { 0xfe, 0x80, [15] = 1 };
	struct sockaddr other;
	int x = socket(AF_INET, SOCK_DGRAM, 0);

	CHECK(x >= 0, 8);
	connect6(x, doc, 443, 0);
	connect6(x, one, 8080, 0);
	connect6(x, mapped, 53, 0);
	connect6(x, link, 22, 3);
	memset(&other, 0, sizeof(other));
	other.sa_family = AF_APPLETALK;
	CHECK(connect(x, &other, sizeof(other)) < 0 && errno == EAFNOSUPPORT, 8);
	close(x);

	/* a bad descriptor: the address (here unreadable) is not looked at, errno is EBADF */
	CHECK(connect(-1, (const struct sockaddr *)16, 16) < 0 && errno == EBADF, 8);
	CHECK(recv(-1, NULL, 0, 0) < 0 && errno == EBADF, 8);
}

int main(int argc, char **argv)
{
	n = argc > 1 ? atoi(argv[1]) : 10;
	setvbuf(stdout, NULL, _IOLBF, 0);
	tcp();
	udp();
	pair();
	unix_names(argc > 2 ? argv[2] : "t_net.sock");
	address_forms();
	return 0;
}
