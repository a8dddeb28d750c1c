/*
 * wrap_net.c - sockets: socket, socketpair, connect, accept (accept4), bind, listen, send,
 * recv (__recv_chk), sendto, recvfrom (__recvfrom_chk), sendmsg, recvmsg, shutdown.
 *
 * Socket calls are hot in servers: the calls without an address are recorded inline
 * (tt_record); those that carry one (connect, bind, sendto, recvfrom, accept with a buffer)
 * format it as text ("1.2.3.4:80", "[::1]:80", "unix:/path", "unix:@abstract", "family N")
 * and go through tt_record_args.  The converter names the descriptor after that text, so
 * that the reads and writes on a connection show whom they talk to.
 */
#include "wrap.h"

#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

/* Fortify entry points that the headers declare only under _FORTIFY_SOURCE */
extern ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags);
extern ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags,
			      __SOCKADDR_ARG addr, socklen_t *addrlen);

TT_REAL(socket, NULL);
TT_REAL(socketpair, NULL);
TT_REAL(connect, NULL);
TT_REAL(accept, NULL);
TT_REAL(accept4, NULL);
TT_REAL(bind, NULL);
TT_REAL(listen, NULL);
TT_REAL(send, NULL);
TT_REAL(recv, NULL);
TT_REAL(__recv_chk, NULL);
TT_REAL(sendto, NULL);
TT_REAL(recvfrom, NULL);
TT_REAL(__recvfrom_chk, NULL);
TT_REAL(sendmsg, NULL);
TT_REAL(recvmsg, NULL);
TT_REAL(shutdown, NULL);

/*
 * With _GNU_SOURCE, glibc passes socket addresses as transparent unions (the same condition
 * as in <sys/socket.h>): the wrappers must take the same types to match the declarations.
 */
#if defined __cplusplus || !__GNUC_PREREQ(2, 7) || !defined __USE_GNU
#define TT_SA(a) ((const struct sockaddr *)(a))
#else
#define TT_SA(a) ((const struct sockaddr *)(a).__sockaddr__)
#endif

/* Longest text: "unix:" and a 108-byte sun_path, or "[" IPv6 "%" scope "]:" port */
#define TT_ADDR_TEXT 128

static char *put_dec(char *p, uint32_t v)
{
	char tmp[10];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

static char *put_hex(char *p, unsigned v)
{
	static const char digits[] = "0123456789abcdef";
	int shift = 12;

	while (shift > 0 && !(v >> shift))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		*p++ = digits[(v >> shift) & 0xf];
	return p;
}

static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static char *put_ipv4(char *p, const unsigned char *b)
{
	for (int i = 0; i < 4; i++) {
		if (i)
			*p++ = '.';
		p = put_dec(p, b[i]);
	}
	return p;
}

/* RFC 5952 text, as inet_ntop writes it: the longest run of two or more zero groups is "::" */
static char *put_ipv6(char *p, const unsigned char *b)
{
	unsigned g[8];
	int best = -1, best_len = 1;

	for (int i = 0; i < 8; i++)
		g[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
	for (int i = 0; i < 8;) {
		int j = i;

		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > best_len) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	/* IPv4-mapped (::ffff:a.b.c.d) */
	if (best == 0 && best_len == 5 && g[5] == 0xffff) {
		p = put_str(p, "::ffff:");
		return put_ipv4(p, b + 12);
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			*p++ = ':';
			if (i == 0)
				*p++ = ':';
			i += best_len - 1;
			continue;
		}
		p = put_hex(p, g[i]);
		if (i < 7)
			*p++ = ':';
	}
	return p;
}

/* sun_path as text: the path up to its NUL, or "@" and the abstract name (NULs as '@') */
static char *put_unix(char *p, const struct sockaddr *sa, socklen_t len)
{
	const char *path = (const char *)sa + offsetof(struct sockaddr_un, sun_path);
	size_t n = len - offsetof(struct sockaddr_un, sun_path);

	if (n > sizeof(((struct sockaddr_un *)0)->sun_path))
		n = sizeof(((struct sockaddr_un *)0)->sun_path);
	p = put_str(p, "unix:");
	if (n > 0 && path[0] == '\0') {
		for (size_t i = 0; i < n; i++)
			*p++ = path[i] ? path[i] : '@';
		return p;
	}
	for (size_t i = 0; i < n && path[i]; i++)
		*p++ = path[i];
	return p;
}

/* buf receives the text of the len bytes at sa; NULL when there is no address */
static const char *addr_text(char *buf, const struct sockaddr *sa, socklen_t len)
{
	sa_family_t family;
	char *p = buf;

	if (!sa || len < sizeof(family))
		return NULL;
	memcpy(&family, sa, sizeof(family));
	if (family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in in;

		memcpy(&in, sa, sizeof(in));
		p = put_ipv4(p, (const unsigned char *)&in.sin_addr);
		*p++ = ':';
		p = put_dec(p, ntohs(in.sin_port));
	} else if (family == AF_INET6 && len >= offsetof(struct sockaddr_in6, sin6_scope_id)) {
		/* the scope id is optional (RFC 2133 addresses are 24 bytes) */
		struct sockaddr_in6 in6 = { 0 };

		memcpy(&in6, sa, len < sizeof(in6) ? len : sizeof(in6));
		*p++ = '[';
		p = put_ipv6(p, in6.sin6_addr.s6_addr);
		if (in6.sin6_scope_id) {
			*p++ = '%';
			p = put_dec(p, in6.sin6_scope_id);
		}
		p = put_str(p, "]:");
		p = put_dec(p, ntohs(in6.sin6_port));
	} else if (family == AF_UNIX) {
		p = put_unix(p, sa, len);
	} else {
		p = put_str(p, "family ");
		p = put_dec(p, family);
	}
	*p = '\0';
	return buf;
}

/*
 * The address a program passed in (connect, bind, sendto), read after the call.  The kernel
 * copies it in only after checking the descriptor, and refuses lengths beyond
 * sockaddr_storage unread: in those cases the memory may not be readable, and is left alone.
 */
static const char *addr_in_text(char *buf, const struct sockaddr *sa, socklen_t len, int failed,
				int err)
{
	if (failed && (err == EBADF || err == ENOTSOCK || err == EFAULT))
		return NULL;
	if (len > sizeof(struct sockaddr_storage))
		return NULL;
	return addr_text(buf, sa, len);
}

/* The address the kernel returned (accept, recvfrom): cap is the caller's buffer size. */
static const char *addr_out_text(char *buf, const struct sockaddr *sa, socklen_t cap,
				 const socklen_t *lenp)
{
	if (!sa || !lenp)
		return NULL;
	return addr_text(buf, sa, *lenp < cap ? *lenp : cap);
}

/*
 * The shape every wrapper here shares: make sure the real function is there, pass through
 * when not recording, time the call, save errno, record (rec may use t, t0, t1, ret, e),
 * restore errno.
 */
#define TT_BODY(fn, rtype, call, rec) TT_WRAP_BODY(TT_CAT_NET, fn, -1, rtype, call, rec)

TT_EXPORT int socket(int domain, int type, int protocol)
{
	TT_BODY(socket, int, TT_FD_CALL(real_socket(domain, type, protocol)),
		tt_record(t, TT_EV_SOCKET, t0, t1, ret < 0, e, 4, TT_S(ret), TT_S(domain),
			  TT_S(type), TT_S(protocol), 1))
}

static void record_socketpair(struct tt_thread *t, uint64_t t0, uint64_t t1, int ret, int e,
			      int domain, int type, const int sv[2])
{
	/* sv is written only on success */
	uint64_t args[TT_MAX_ARGS] = { TT_S(domain), TT_S(type), TT_S(ret == 0 ? sv[0] : -1),
				       TT_S(ret == 0 ? sv[1] : -1), 0 };

	tt_record_args(t, TT_EV_SOCKETPAIR, t0, t1, ret != 0, e, TT_S(ret), args, NULL);
}

TT_EXPORT int socketpair(int domain, int type, int protocol, int sv[2])
{
	TT_BODY(socketpair, int, TT_FD_CALL(real_socketpair(domain, type, protocol, sv)),
		record_socketpair(t, t0, t1, ret, e, domain, type, sv))
}

/* connect and bind: FD, then the address (PEER or LOCAL) */
static void record_fd_addr(struct tt_thread *t, unsigned type, uint64_t t0, uint64_t t1, int ret,
			   int e, int fd, const struct sockaddr *sa, socklen_t len)
{
	char buf[TT_ADDR_TEXT];
	uint64_t args[TT_MAX_ARGS] = { TT_S(fd), 0, 0, 0, 0 };
	const char *strs[TT_MAX_ARGS] = { NULL, addr_in_text(buf, sa, len, ret < 0, e), NULL, NULL,
					  NULL };

	tt_record_args(t, type, t0, t1, ret < 0, e, TT_S(ret), args, strs);
}

TT_EXPORT int connect(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	TT_BODY(connect, int, real_connect(fd, addr, len),
		record_fd_addr(t, TT_EV_CONNECT, t0, t1, ret, e, fd, TT_SA(addr), len))
}

TT_EXPORT int bind(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	TT_BODY(bind, int, real_bind(fd, addr, len),
		record_fd_addr(t, TT_EV_BIND, t0, t1, ret, e, fd, TT_SA(addr), len))
}

static void record_accept(struct tt_thread *t, uint64_t t0, uint64_t t1, int ret, int e, int fd,
			  const struct sockaddr *sa, socklen_t cap, const socklen_t *lenp,
			  int flags)
{
	char buf[TT_ADDR_TEXT];
	const char *peer = ret >= 0 ? addr_out_text(buf, sa, cap, lenp) : NULL;

	if (!peer) {
		/* no string: a 0 word is a NULL string, and the record fits inline */
		tt_record(t, TT_EV_ACCEPT, t0, t1, ret < 0, e, 4, TT_S(ret), TT_S(fd), 0,
			  (unsigned)flags, 1);
		return;
	}
	uint64_t args[TT_MAX_ARGS] = { TT_S(fd), 0, (unsigned)flags, 0, 0 };
	const char *strs[TT_MAX_ARGS] = { NULL, peer, NULL, NULL, NULL };

	tt_record_args(t, TT_EV_ACCEPT, t0, t1, ret < 0, e, TT_S(ret), args, strs);
}

/*
 * The caller's buffer size for an address, read before the call (the kernel overwrites it),
 * hence before the kernel has checked the pointer: a variable in the caller's frames is read
 * as it is, any other through tt_peek.  0 when it cannot be read: the address is left alone.
 */
static inline socklen_t peek_len(const socklen_t *lenp)
{
	uintptr_t a = (uintptr_t)lenp - (uintptr_t)__builtin_frame_address(0);
	socklen_t v;

	if (a < 65536)
		return *lenp;
	return tt_peek_fixed(&v, lenp, sizeof(v)) ? v : 0;
}

/* The caller's buffer size is read before the call: the kernel overwrites it. */
#define TT_ACCEPT_BODY(fn, call, flags)                                                            \
	TT_NEED_REAL(fn, -1);                                                                      \
	struct tt_thread *t = tt_enter(TT_CAT_NET);                                                \
	if (!t)                                                                                    \
		return call;                                                                       \
	const struct sockaddr *sa = TT_SA(addr);                                                   \
	socklen_t cap = sa && len ? peek_len(len) : 0;                                             \
	uint64_t t0 = tt_now();                                                                    \
	int ret = call;                                                                            \
	uint64_t t1 = tt_now();                                                                    \
	int e = errno;                                                                             \
	record_accept(t, t0, t1, ret, e, fd, sa, cap, len, flags);                                 \
	errno = e;                                                                                 \
	return ret;

TT_EXPORT int accept(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len)
{
	TT_ACCEPT_BODY(accept, TT_FD_CALL(real_accept(fd, addr, len)), 0)
}

TT_EXPORT int accept4(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len, int flags)
{
	TT_ACCEPT_BODY(accept4, TT_FD_CALL(real_accept4(fd, addr, len, flags)), flags)
}

TT_EXPORT int listen(int fd, int backlog)
{
	TT_BODY(listen, int, real_listen(fd, backlog),
		tt_record(t, TT_EV_LISTEN, t0, t1, ret < 0, e, 3, TT_S(ret), TT_S(fd),
			  TT_S(backlog), 0, 1))
}

TT_EXPORT int shutdown(int fd, int how)
{
	TT_BODY(shutdown, int, real_shutdown(fd, how),
		tt_record(t, TT_EV_SHUTDOWN, t0, t1, ret < 0, e, 3, TT_S(ret), TT_S(fd), TT_S(how),
			  0, 1))
}

/* send, recv, __recv_chk: BYTES, FD, REQ, FLAGS */
#define TT_XFER_REC(EV)                                                                            \
	tt_record(t, TT_EV_##EV, t0, t1, ret < 0, e, 4, TT_S(ret), TT_S(fd), len, (unsigned)flags, \
		  1)

TT_EXPORT ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	TT_BODY(send, ssize_t, real_send(fd, buf, len, flags), TT_XFER_REC(SEND))
}

TT_EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	TT_BODY(recv, ssize_t, real_recv(fd, buf, len, flags), TT_XFER_REC(RECV))
}

/* The real __recv_chk checks len against buflen and aborts itself. */
TT_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
	TT_BODY(__recv_chk, ssize_t, real___recv_chk(fd, buf, len, buflen, flags),
		TT_XFER_REC(RECV))
}

/* sendto, recvfrom: BYTES, FD, REQ, FLAGS, PEER */
static void record_dgram(struct tt_thread *t, unsigned type, uint64_t t0, uint64_t t1, ssize_t ret,
			 int e, int fd, size_t len, int flags, const char *peer)
{
	uint64_t args[TT_MAX_ARGS] = { TT_S(fd), len, (unsigned)flags, 0, 0 };
	const char *strs[TT_MAX_ARGS] = { NULL, NULL, NULL, peer, NULL };

	tt_record_args(t, type, t0, t1, ret < 0, e, TT_S(ret), args, strs);
}

TT_EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags, __CONST_SOCKADDR_ARG addr,
			 socklen_t alen)
{
	char text[TT_ADDR_TEXT];

	TT_BODY(sendto, ssize_t, real_sendto(fd, buf, len, flags, addr, alen),
		record_dgram(t, TT_EV_SENDTO, t0, t1, ret, e, fd, len, flags,
			     addr_in_text(text, TT_SA(addr), alen, ret < 0, e)))
}

/*
 * recvfrom, __recvfrom_chk: the source is known only when the caller gave a buffer for it;
 * its size is read before the call, which overwrites it.
 */
#define TT_RECVFROM_BODY(fn, call)                                                                 \
	TT_NEED_REAL(fn, -1);                                                                      \
	struct tt_thread *t = tt_enter(TT_CAT_NET);                                                \
	if (!t)                                                                                    \
		return call;                                                                       \
	const struct sockaddr *sa = TT_SA(addr);                                                   \
	socklen_t cap = sa && alen ? peek_len(alen) : 0;                                           \
	uint64_t t0 = tt_now();                                                                    \
	ssize_t ret = call;                                                                        \
	uint64_t t1 = tt_now();                                                                    \
	int e = errno;                                                                             \
	char text[TT_ADDR_TEXT];                                                                   \
	record_dgram(t, TT_EV_RECVFROM, t0, t1, ret, e, fd, len, flags,                            \
		     ret >= 0 ? addr_out_text(text, sa, cap, alen) : NULL);                        \
	errno = e;                                                                                 \
	return ret;

TT_EXPORT ssize_t recvfrom(int fd, void *restrict buf, size_t len, int flags, __SOCKADDR_ARG addr,
			   socklen_t *restrict alen)
{
	TT_RECVFROM_BODY(recvfrom, real_recvfrom(fd, buf, len, flags, addr, alen))
}

TT_EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags,
				 __SOCKADDR_ARG addr, socklen_t *alen)
{
	TT_RECVFROM_BODY(__recvfrom_chk,
			 real___recvfrom_chk(fd, buf, len, buflen, flags, addr, alen))
}

/* sendmsg, recvmsg: BYTES, FD, FLAGS */
TT_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	TT_BODY(sendmsg, ssize_t, real_sendmsg(fd, msg, flags),
		tt_record(t, TT_EV_SENDMSG, t0, t1, ret < 0, e, 3, TT_S(ret), TT_S(fd),
			  (unsigned)flags, 0, 1))
}

TT_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	TT_BODY(recvmsg, ssize_t, real_recvmsg(fd, msg, flags),
		tt_record(t, TT_EV_RECVMSG, t0, t1, ret < 0, e, 3, TT_S(ret), TT_S(fd),
			  (unsigned)flags, 0, 1))
}
