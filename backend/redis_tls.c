/* redis_tls.c - TLS for a transport: OpenSSL's context, handshake, verification, records. */
#include "redis_tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "redis_wait.h"

#define NAME_MAX_LEN 256 /* a host name or address, NUL included */

struct redis_tls {
	SSL_CTX *ctx;
	char *sni; /* -o tls_sni=, or NULL */
	bool insecure;
};

struct redis_tls_conn {
	SSL *ssl;
	bool cert_asked; /* the server asked for a client certificate, and we had none */
};

#define WANTS_CERT                                                                                 \
	"the server wants a client certificate: give one with -o tls_cert=PATH,tls_key=PATH"

/*
 * OpenSSL calls this when the server asks for a client certificate and none
 * is set. Going on without one is right for a server that only asks; one
 * that insists ends the connection, often with a reset that hides its alert
 * (TLS 1.3 checks it after the handshake): this remembers why.
 */
static int no_client_cert(SSL *ssl, X509 **x509, EVP_PKEY **pkey)
{
	struct redis_tls_conn *c = SSL_get_app_data(ssl);

	(void) x509;
	(void) pkey;
	if (c)
		c->cert_asked = true;
	return 0;
}

/* The reason of the oldest OpenSSL error on this thread's queue, or `fallback`. */
static const char *ssl_reason(unsigned long code, const char *fallback)
{
	const char *r = code ? ERR_reason_error_string(code) : NULL;

	return r ? r : fallback;
}

static int load_ca(SSL_CTX *ctx, const char *ca, char *err, size_t errlen)
{
	struct stat st;
	int ok;

	if (!ca)
		return SSL_CTX_set_default_verify_paths(ctx) == 1 ? 0 : -EIO;
	if (stat(ca, &st) != 0) {
		snprintf(err, errlen, "tls_ca '%s': %s", ca, strerror(errno));
		return -errno;
	}
	/* a folder holds certificates by their hash names (c_rehash, update-ca-certificates) */
	ok = S_ISDIR(st.st_mode) ? SSL_CTX_load_verify_locations(ctx, NULL, ca)
				 : SSL_CTX_load_verify_locations(ctx, ca, NULL);
	if (ok != 1) {
		snprintf(err, errlen, "tls_ca '%s': %s", ca,
			 ssl_reason(ERR_get_error(), "no certificate in it"));
		return -EINVAL;
	}
	return 0;
}

static int load_client_cert(SSL_CTX *ctx, const char *cert, const char *key, char *err,
			    size_t errlen)
{
	if (!cert && !key)
		return 0;
	if (!cert || !key) {
		snprintf(err, errlen,
			 "tls_cert= and tls_key= go together (a client certificate "
			 "and its private key)");
		return -EINVAL;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		snprintf(err, errlen, "tls_cert '%s': %s", cert,
			 ssl_reason(ERR_get_error(), "not a PEM certificate"));
		return -EINVAL;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		unsigned long code = ERR_get_error();

		if (ERR_GET_REASON(code) == X509_R_KEY_VALUES_MISMATCH)
			snprintf(err, errlen, "tls_key '%s' is not the key of tls_cert '%s'", key,
				 cert);
		else
			snprintf(err, errlen, "tls_key '%s': %s", key,
				 ssl_reason(code, "not a PEM private key"));
		return -EINVAL;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(err, errlen, "tls_key '%s' is not the key of tls_cert '%s'", key, cert);
		return -EINVAL;
	}
	return 0;
}

int redis_tls_create(const struct redis_tls_options *o, struct redis_tls **out, char *err,
		     size_t errlen)
{
	struct redis_tls *tls = calloc(1, sizeof *tls);
	int ret = -ENOMEM;

	*out = NULL;
	ERR_clear_error();
	if (!tls || !(tls->ctx = SSL_CTX_new(TLS_client_method())) ||
	    (o->sni && !(tls->sni = strdup(o->sni)))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	tls->insecure = o->insecure;
	/* TLS 1.0 and 1.1 are broken (RFC 8996); every Redis with TLS speaks 1.2 */
	SSL_CTX_set_min_proto_version(tls->ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(tls->ctx,
			 SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_verify(tls->ctx, o->insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_client_cert_cb(tls->ctx, no_client_cert);
	ret = load_ca(tls->ctx, o->ca, err, errlen);
	if (ret == -EIO)
		snprintf(err, errlen, "cannot load the system's trust store");
	if (!ret)
		ret = load_client_cert(tls->ctx, o->cert, o->key, err, errlen);
	if (ret)
		goto fail;
	*out = tls;
	return 0;
fail:
	ERR_clear_error();
	redis_tls_free(tls);
	return ret;
}

void redis_tls_free(struct redis_tls *tls)
{
	if (!tls)
		return;
	SSL_CTX_free(tls->ctx);
	free(tls->sni);
	free(tls);
}

/* Whether `name` is an IPv4 or IPv6 address (a zone "%eth0" ignored): no SNI, verified as an IP. */
static bool is_address(const char *name, char *bare, size_t room)
{
	unsigned char bin[16];
	size_t n = strcspn(name, "%");

	if (n >= room)
		return false;
	memcpy(bare, name, n);
	bare[n] = '\0';
	return inet_pton(AF_INET, bare, bin) == 1 || inet_pton(AF_INET6, bare, bin) == 1;
}

/* Name the server must prove, and send it as SNI where RFC 6066 allows a name. */
static int set_peer_name(struct redis_tls *tls, SSL *ssl, const char *host)
{
	const char *name = tls->sni ? tls->sni : host;
	char bare[NAME_MAX_LEN];

	if (is_address(name, bare, sizeof bare)) {
		if (tls->insecure)
			return 0;
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), bare) == 1 ? 0 : -ENOMEM;
	}
	if (SSL_set_tlsext_host_name(ssl, name) != 1)
		return -ENOMEM;
	if (tls->insecure)
		return 0;
	/* no partial wildcards ("w*.example.com"): what browsers accept, RFC 6125 */
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	return SSL_set1_host(ssl, name) == 1 ? 0 : -ENOMEM;
}

/*
 * The one line for a failed handshake: a certificate check that failed,
 * what the server's alert or bytes say, with the option that changes it.
 */
static void explain_failure(struct redis_tls *tls, SSL *ssl, const char *host, unsigned long code,
			    char *err, size_t errlen)
{
	long verify = SSL_get_verify_result(ssl);
	const char *name = tls->sni ? tls->sni : host;
	int reason = ERR_GET_REASON(code);

	if (verify != X509_V_OK) {
		const char *what = X509_verify_cert_error_string(verify);

		switch (verify) {
		case X509_V_ERR_HOSTNAME_MISMATCH:
		case X509_V_ERR_IP_ADDRESS_MISMATCH:
			snprintf(err, errlen,
				 "TLS: the server's certificate is not for '%s' (%s; -o "
				 "tls_sni=NAME "
				 "names the server another way)",
				 name, what);
			return;
		case X509_V_ERR_CERT_HAS_EXPIRED:
		case X509_V_ERR_CERT_NOT_YET_VALID:
			snprintf(err, errlen, "TLS: the server's certificate: %s", what);
			return;
		default:
			snprintf(err, errlen,
				 "TLS: the server's certificate is not trusted: %s (-o tls_ca=PATH "
				 "names the CA; tls_insecure skips the check)",
				 what);
			return;
		}
	}
	if (ERR_GET_LIB(code) == ERR_LIB_SSL &&
	    (reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_UNKNOWN_PROTOCOL ||
	     reason == SSL_R_PACKET_LENGTH_TOO_LONG || reason == SSL_R_HTTP_REQUEST)) {
		snprintf(err, errlen, "TLS: the server does not speak TLS (%s): try redis://",
			 ssl_reason(code, "no TLS"));
		return;
	}
	if (ERR_GET_LIB(code) == ERR_LIB_SSL &&
	    (reason == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED ||
	     reason == SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE ||
	     reason == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE) &&
	    !SSL_get_certificate(ssl)) {
		snprintf(err, errlen, "TLS: %s (%s)", WANTS_CERT, ssl_reason(code, "refused"));
		return;
	}
	if (code)
		snprintf(err, errlen, "TLS: %s", ssl_reason(code, "handshake failed"));
	else
		snprintf(err, errlen,
			 "TLS: the server closed the connection during the handshake "
			 "(does it speak TLS? try redis://)");
}

/*
 * Run one SSL call to completion on a non-blocking socket: wait for what
 * it wants within `timeout_ns`. Returns its result (> 0), 0 at the end of
 * the stream, or -errno with `err` set for -EPROTO.
 */
static int ssl_wait(SSL *ssl, int fd, int result, long long timeout_ns, bool *again)
{
	int code = SSL_get_error(ssl, result);

	*again = false;
	switch (code) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE: {
		int ret = wait_fd(fd, code == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, timeout_ns);

		if (ret)
			return ret;
		*again = true;
		return 0;
	}
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error())
			return -EPROTO;
		return errno ? -errno : 0; /* a socket closed without close_notify: the end */
	default:
		return -EPROTO;
	}
}

int redis_tls_handshake(struct redis_tls *tls, int fd, const char *host, long long deadline_ns,
			struct redis_tls_conn **out, char *err, size_t errlen)
{
	struct redis_tls_conn *c = calloc(1, sizeof *c);
	bool again;
	int ret;

	*out = NULL;
	ERR_clear_error();
	if (!c || !(c->ssl = SSL_new(tls->ctx)) || SSL_set_fd(c->ssl, fd) != 1 ||
	    SSL_set_app_data(c->ssl, c) != 1 || set_peer_name(tls, c->ssl, host)) {
		snprintf(err, errlen, "out of memory");
		redis_tls_close(c);
		return -ENOMEM;
	}
	do {
		errno = 0;
		ret = SSL_connect(c->ssl);
		if (ret == 1)
			break;
		ret = ssl_wait(c->ssl, fd, ret, deadline_ns - wait_now_ns(), &again);
	} while (again);
	if (ret == 1) {
		*out = c;
		return 0;
	}
	if (ret == -ETIMEDOUT)
		snprintf(err, errlen,
			 "TLS handshake: no answer in time (-o timeout; does the "
			 "server speak TLS? try redis://)");
	else if (ret == -EPROTO || ret == 0)
		explain_failure(tls, c->ssl, host, ERR_peek_error(), err, errlen);
	else if (ret == -ECONNRESET)
		snprintf(err, errlen, "TLS handshake: %s (does the server speak TLS? try redis://)",
			 strerror(-ret));
	else
		snprintf(err, errlen, "TLS handshake: %s", strerror(-ret));
	ERR_clear_error();
	redis_tls_close(c);
	return ret == 0 ? -EPROTO : ret;
}

/* After a failed read or write: the alert or reason, with a hint where one helps. */
static void explain_io(SSL *ssl, char *err, size_t errlen)
{
	unsigned long code = ERR_peek_error();
	int reason = ERR_GET_REASON(code);

	if (ERR_GET_LIB(code) == ERR_LIB_SSL && reason == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED &&
	    !SSL_get_certificate(ssl))
		snprintf(err, errlen, "TLS: %s (%s)", WANTS_CERT, ssl_reason(code, "refused"));
	else
		snprintf(err, errlen, "TLS: %s", ssl_reason(code, "protocol error"));
	ERR_clear_error();
}

/* Whether the error on the queue is the peer closing the socket without close_notify. */
static bool unexpected_eof(void)
{
	unsigned long code = ERR_peek_error();

	return ERR_GET_LIB(code) == ERR_LIB_SSL &&
	       ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

ssize_t redis_tls_read(struct redis_tls_conn *c, int fd, void *buf, size_t len,
		       long long timeout_ns, char *err, size_t errlen)
{
	bool again;
	size_t n;
	int ret;

	ERR_clear_error();
	do {
		errno = 0;
		if (SSL_read_ex(c->ssl, buf, len, &n) == 1)
			return (ssize_t) n;
		ret = ssl_wait(c->ssl, fd, 0, timeout_ns, &again);
	} while (again);
	if (ret == -EPROTO && unexpected_eof()) {
		ERR_clear_error();
		ret = 0; /* Redis closes a TLS connection without close_notify (CLIENT KILL) */
	}
	if (ret == -EPROTO)
		explain_io(c->ssl, err, errlen);
	else if (ret <= 0 && c->cert_asked)
		snprintf(err, errlen, "TLS: %s", WANTS_CERT);
	return ret;
}

ssize_t redis_tls_write(struct redis_tls_conn *c, int fd, const void *buf, size_t len,
			long long timeout_ns, char *err, size_t errlen)
{
	bool again;
	size_t n;
	int ret;

	ERR_clear_error();
	do {
		errno = 0;
		if (SSL_write_ex(c->ssl, buf, len, &n) == 1)
			return (ssize_t) n;
		ret = ssl_wait(c->ssl, fd, 0, timeout_ns, &again);
	} while (again);
	if (ret == 0)
		ret = -EPIPE; /* the server ended the stream: nothing more can be sent */
	if (ret == -EPROTO)
		explain_io(c->ssl, err, errlen);
	else if (c->cert_asked)
		snprintf(err, errlen, "TLS: %s", WANTS_CERT);
	return ret;
}

bool redis_tls_buffered(const struct redis_tls_conn *c)
{
	return SSL_pending(c->ssl) > 0;
}

const char *redis_tls_library(void)
{
	return OpenSSL_version(OPENSSL_VERSION);
}

void redis_tls_close(struct redis_tls_conn *c)
{
	if (!c)
		return;
	SSL_free(c->ssl); /* no close_notify: the socket closes next, as Redis's own do */
	free(c);
}
