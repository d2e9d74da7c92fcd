/* harness_tls.c - certificates made with openssl for the tests, and TLS mode for whole suites. */
#include "harness_tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct h_tls certs;
static pid_t certs_owner;

static int remove_certs(bool in_signal)
{
	(void) in_signal;
	if (certs_owner != getpid())
		return 0; /* a forked test process: the certificates are its parent's */
	h_remove_tree(certs.dir);
	certs_owner = 0;
	return 0;
}

static void at(char *out, const char *name)
{
	h_join_path(out, H_PATH_MAX, certs.dir, name);
}

const struct h_tls *h_tls(void)
{
	int status;

	if (certs.dir[0])
		return &certs;
	h_init(); /* first: its hooks run after ours */
	h_temp_dir(certs.dir, sizeof certs.dir, "tls");
	certs_owner = getpid();
	h_at_cleanup(remove_certs, false); /* every TCase of the process uses the same ones */
	/* -days -1: valid from now until yesterday, so expired from the start */
	status = h_sh(
		certs.dir,
		"set -e; EC='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'; "
		"printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > san.ext; "
		"printf 'subjectAltName=DNS:wrong.example\\n' > wrong.ext; "
		"openssl req -x509 $EC -keyout ca.key -out ca.crt -days 2 "
		"  -subj '/CN=redisfs test CA' 2>/dev/null; "
		"openssl req $EC -keyout server.key -out server.csr -subj '/CN=localhost' "
		"  2>/dev/null; "
		"openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
		"  -days 2 -extfile san.ext -out server.crt 2>/dev/null; "
		"openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
		"  -days -1 -extfile san.ext -out expired.crt 2>/dev/null; "
		"openssl req -new -key server.key -out wrong.csr -subj '/CN=wrong.example' "
		"  2>/dev/null; "
		"openssl x509 -req -in wrong.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
		"  -days 2 -extfile wrong.ext -out wrong.crt 2>/dev/null; "
		"openssl req -x509 -new -key server.key -out self.crt -days 2 "
		"  -subj '/CN=localhost' -addext "
		"  'subjectAltName=DNS:localhost,IP:127.0.0.1' 2>/dev/null; "
		"openssl req $EC -keyout client.key -out client.csr -subj '/CN=redisfs client' "
		"  2>/dev/null; "
		"openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
		"  -days 2 -out client.crt 2>/dev/null");
	ck_assert_msg(status == 0, "openssl could not make the test certificates (status %d)",
		      status);
	at(certs.ca, "ca.crt");
	at(certs.server_crt, "server.crt");
	at(certs.server_key, "server.key");
	at(certs.client_crt, "client.crt");
	at(certs.client_key, "client.key");
	at(certs.expired_crt, "expired.crt");
	at(certs.wrong_crt, "wrong.crt");
	at(certs.self_crt, "self.crt");
	return &certs;
}

bool h_tls_mode(void)
{
	const char *env = getenv("REDISFS_TEST_TLS");

	return env && !strcmp(env, "1");
}

size_t h_tls_server_args(const char *crt, bool auth_clients, const char **out)
{
	const struct h_tls *t = h_tls();
	size_t n = 0;

	out[n++] = "--tls-cert-file";
	out[n++] = crt ? crt : t->server_crt;
	out[n++] = "--tls-key-file";
	out[n++] = t->server_key;
	out[n++] = "--tls-ca-cert-file";
	out[n++] = t->ca;
	out[n++] = "--tls-auth-clients";
	out[n++] = auth_clients ? "yes" : "no";
	return n;
}

char *h_redis_url(const struct h_redis *r, const char *userinfo, char *out, size_t len)
{
	snprintf(out, len, "%s://%s%s127.0.0.1:%d", h_tls_mode() ? "rediss" : "redis",
		 userinfo ? userinfo : "", userinfo ? "@" : "", r->port);
	return out;
}
