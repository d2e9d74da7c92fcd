/* redis_transport.h - bytes to and from a server: TCP, unix socket or TLS, every wait bounded. */
#ifndef REDISFS_REDIS_TRANSPORT_H
#define REDISFS_REDIS_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct redis_tls;

/* Where a server listens: a TCP host and port, or a unix socket (then host is NULL). */
struct redis_address {
	const char *host;
	int port;
	const char *socket_path;
};

/*
 * One connection's bytes. Below redis_link.c, which speaks RESP over it;
 * the transport knows nothing of Redis. The socket is non-blocking and every
 * wait goes through poll(2) with the timeout, so that connect, the TLS
 * handshake and every read and write are bounded whatever the transport.
 */
struct redis_transport;

/*
 * Connect to `addr` within `timeout_ns` (every address the name resolves
 * to, in turn, until then), over TLS when `tls` is not NULL (the handshake
 * within the same bound). Returns 0 with *out, or -errno with a one-line
 * reason in `err` (-ETIMEDOUT for a timeout, -EPROTO for a failed
 * handshake or verification).
 */
int transport_connect(const struct redis_address *addr, struct redis_tls *tls, long long timeout_ns,
		      struct redis_transport **out, char *err, size_t errlen);

/*
 * Read up to `len` bytes, waiting at most the timeout for the first.
 * Returns how many (> 0), 0 at the end of the stream (the server closed
 * it), or -errno: -ETIMEDOUT, -ECONNRESET, -EPROTO (TLS; the reason is in
 * transport_error()).
 */
ssize_t transport_read(struct redis_transport *t, void *buf, size_t len);

/* Write some of buf[0 .. len), waiting at most the timeout. Returns how many, or -errno. */
ssize_t transport_write(struct redis_transport *t, const void *buf, size_t len);

/* Whether bytes were read from the socket and not handed out yet (TLS decrypts whole records). */
bool transport_buffered(const struct redis_transport *t);

/* The socket, for poll(2): readable means transport_read() will not wait. */
int transport_fd(const struct redis_transport *t);

/* Why the last failed call failed, in words (a TLS alert, an OpenSSL reason), or "". */
const char *transport_error(const struct redis_transport *t);

/* Close the connection and free it. NULL is fine. */
void transport_close(struct redis_transport *t);

#endif
