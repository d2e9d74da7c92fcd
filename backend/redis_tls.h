/* redis_tls.h - TLS for a transport: OpenSSL's context, handshake, verification, records. */
#ifndef REDISFS_REDIS_TLS_H
#define REDISFS_REDIS_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* What the -o tls_* options say. Strings are only read during redis_tls_create(). */
struct redis_tls_options {
	const char *ca;	  /* a PEM file or a folder of hashed certificates; NULL: the system's */
	const char *cert; /* client certificate (chain) PEM, or NULL */
	const char *key;  /* its private key PEM, or NULL */
	const char *sni;  /* the name to send and verify instead of the host, or NULL */
	bool insecure;	  /* no verification at all */
};

/* What every TLS connection of a mount shares: an SSL_CTX (thread-safe) and the SNI override. */
struct redis_tls;

/*
 * Load the trust anchors and the client certificate, require TLS 1.2 or
 * newer. Returns 0 with *out, or -errno with a one-line reason in `err`
 * naming the option and the file ("tls_ca '/x': No such file or directory").
 */
int redis_tls_create(const struct redis_tls_options *o, struct redis_tls **out, char *err,
		     size_t errlen);

/* NULL is fine. */
void redis_tls_free(struct redis_tls *tls);

/* One TLS connection over a connected non-blocking socket. */
struct redis_tls_conn;

/*
 * Handshake on `fd` with the server named `host` (a name or an address)
 * before `deadline_ns` (CLOCK_MONOTONIC): SNI is the host name, or the
 * tls_sni name (none for an address: RFC 6066), and the certificate must
 * be for that name or address. Returns 0 with *out, or -ETIMEDOUT or
 * -EPROTO with the reason in `err` (which certificate check failed, a plain
 * server, a refused client certificate), or -ENOMEM.
 */
int redis_tls_handshake(struct redis_tls *tls, int fd, const char *host, long long deadline_ns,
			struct redis_tls_conn **out, char *err, size_t errlen);

/*
 * Like read(2)/write(2) on the socket, each wait bounded by `timeout_ns`:
 * > 0 bytes, 0 at the end of the stream (a close_notify, or the server
 * closing the socket: Redis closes without close_notify), or -errno
 * (-ETIMEDOUT, -ECONNRESET, -EPROTO with the reason in `err`).
 */
ssize_t redis_tls_read(struct redis_tls_conn *c, int fd, void *buf, size_t len,
		       long long timeout_ns, char *err, size_t errlen);
ssize_t redis_tls_write(struct redis_tls_conn *c, int fd, const void *buf, size_t len,
			long long timeout_ns, char *err, size_t errlen);

/* Whether decrypted bytes wait to be read (poll(2) on the socket cannot see them). */
bool redis_tls_buffered(const struct redis_tls_conn *c);

/* The OpenSSL library in use, e.g. "OpenSSL 3.0.17 1 Jul 2025", for --version. */
const char *redis_tls_library(void);

/* Free the connection's TLS state (the socket is the caller's). NULL is fine. */
void redis_tls_close(struct redis_tls_conn *c);

#endif
