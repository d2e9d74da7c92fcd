/* redis_transport.c - bytes to and from a server: TCP, unix socket or TLS, every wait bounded. */
#include "redis_transport.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "redis_tls.h"
#include "redis_wait.h"

#define KEEPALIVE_IDLE_S                                                                           \
	15 /* hiredis's redisEnableKeepAlive: a dead peer found in about a minute */

struct redis_transport {
	int fd;
	long long timeout_ns;
	struct redis_tls_conn *tls; /* NULL: plain bytes */
	char err[256];
};

/* The options hiredis sets on a TCP connection: no Nagle delay, keepalive probes. */
static void tune_tcp(int fd)
{
	int on = 1, idle = KEEPALIVE_IDLE_S, interval = KEEPALIVE_IDLE_S / 3, count = 3;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

/* One connect(2) of a non-blocking socket, finished within the deadline. Returns 0 or -errno. */
static int connect_one(int fd, const struct sockaddr *sa, socklen_t len, long long deadline)
{
	int ret, soerr = 0;
	socklen_t soerr_len = sizeof soerr;

	if (connect(fd, sa, len) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EAGAIN)
		return -errno;
	ret = wait_fd(fd, POLLOUT, deadline - wait_now_ns());
	if (ret)
		return ret;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &soerr_len) < 0)
		return -errno;
	return -soerr;
}

static int connect_unix(const char *path, long long deadline, int *out, char *err, size_t errlen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd, ret;

	if (strlen(path) >= sizeof sun.sun_path) {
		snprintf(err, errlen, "%s: socket path too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -errno;
	}
	ret = connect_one(fd, (struct sockaddr *) &sun, sizeof sun, deadline);
	if (ret) {
		snprintf(err, errlen, "%s", strerror(-ret));
		close(fd);
		return ret;
	}
	*out = fd;
	return 0;
}

/* Each address of the name in turn until one answers or the deadline passes. */
static int connect_tcp(const char *host, int port, long long deadline, int *out, char *err,
		       size_t errlen)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *list, *ai;
	char service[16];
	int gai, ret = -ECONNREFUSED;

	snprintf(service, sizeof service, "%d", port);
	gai = getaddrinfo(host, service, &hints, &list);
	if (gai) {
		snprintf(err, errlen, "%s", gai_strerror(gai));
		return gai == EAI_MEMORY ? -ENOMEM : -EHOSTUNREACH;
	}
	for (ai = list; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
				ai->ai_protocol);

		if (fd < 0) {
			ret = -errno;
			continue;
		}
		ret = connect_one(fd, ai->ai_addr, ai->ai_addrlen, deadline);
		if (!ret) {
			tune_tcp(fd);
			*out = fd;
			break;
		}
		close(fd);
		if (ret == -ETIMEDOUT)
			break; /* the whole bound is spent */
	}
	freeaddrinfo(list);
	if (ret)
		snprintf(err, errlen, "%s", strerror(-ret));
	return ret;
}

int transport_connect(const struct redis_address *addr, struct redis_tls *tls, long long timeout_ns,
		      struct redis_transport **out, char *err, size_t errlen)
{
	long long deadline = wait_now_ns() + timeout_ns;
	struct redis_transport *t = calloc(1, sizeof *t);
	int ret;

	*out = NULL;
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	t->timeout_ns = timeout_ns;
	if (addr->socket_path)
		ret = connect_unix(addr->socket_path, deadline, &t->fd, err, errlen);
	else
		ret = connect_tcp(addr->host, addr->port, deadline, &t->fd, err, errlen);
	if (ret) {
		free(t);
		return ret;
	}
	if (tls) {
		ret = redis_tls_handshake(tls, t->fd, addr->socket_path ? "localhost" : addr->host,
					  deadline, &t->tls, err, errlen);
		if (ret) {
			close(t->fd);
			free(t);
			return ret;
		}
	}
	*out = t;
	return 0;
}

ssize_t transport_read(struct redis_transport *t, void *buf, size_t len)
{
	t->err[0] = '\0';
	if (t->tls)
		return redis_tls_read(t->tls, t->fd, buf, len, t->timeout_ns, t->err,
				      sizeof t->err);
	for (;;) {
		ssize_t n = read(t->fd, buf, len);
		int ret;

		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		ret = wait_fd(t->fd, POLLIN, t->timeout_ns);
		if (ret)
			return ret;
	}
}

ssize_t transport_write(struct redis_transport *t, const void *buf, size_t len)
{
	t->err[0] = '\0';
	if (t->tls)
		return redis_tls_write(t->tls, t->fd, buf, len, t->timeout_ns, t->err,
				       sizeof t->err);
	for (;;) {
		ssize_t n = send(t->fd, buf, len, MSG_NOSIGNAL);
		int ret;

		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		ret = wait_fd(t->fd, POLLOUT, t->timeout_ns);
		if (ret)
			return ret;
	}
}

bool transport_buffered(const struct redis_transport *t)
{
	return t->tls && redis_tls_buffered(t->tls);
}

int transport_fd(const struct redis_transport *t)
{
	return t->fd;
}

const char *transport_error(const struct redis_transport *t)
{
	return t->err;
}

void transport_close(struct redis_transport *t)
{
	if (!t)
		return;
	redis_tls_close(t->tls);
	close(t->fd);
	free(t);
}
