/* harness_tls.h - certificates made with openssl for the tests, and TLS mode for whole suites. */
#ifndef REDISFS_TESTS_HARNESS_TLS_H
#define REDISFS_TESTS_HARNESS_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "harness.h"

/*
 * Made once per test process by `openssl` in a fresh temporary folder,
 * removed when the process that made them exits. Keys are EC P-256: fast
 * to make. Every certificate but the self-signed one is signed by `ca`.
 */
struct h_tls {
	char dir[H_PATH_MAX];
	char ca[H_PATH_MAX];	     /* the test CA's certificate */
	char server_crt[H_PATH_MAX]; /* for localhost and 127.0.0.1 */
	char server_key[H_PATH_MAX]; /* the key of every server certificate below */
	char client_crt[H_PATH_MAX]; /* a client certificate */
	char client_key[H_PATH_MAX];
	char expired_crt[H_PATH_MAX]; /* for localhost and 127.0.0.1, expired yesterday */
	char wrong_crt[H_PATH_MAX];   /* for wrong.example only */
	char self_crt[H_PATH_MAX];    /* self-signed, for localhost and 127.0.0.1 */
};

/* The certificates, made on the first call. Aborts when openssl fails. */
const struct h_tls *h_tls(void);

/*
 * Whether this run is the TLS run of a suite ($REDISFS_TEST_TLS=1, set by
 * meson for the *_tls suites): then h_redis_start() starts servers whose
 * TCP port speaks only TLS (the tests reach them through a unix socket),
 * and h_mount_start() and h_redis_url() use rediss:// with -o tls_ca.
 */
bool h_tls_mode(void);

/*
 * The --tls-* arguments of a server with certificate `crt` (NULL: the good
 * one) and the server key; `auth_clients` asks for client certificates.
 * Fills out[0 .. n) (room for 10) and returns n; the strings are static.
 */
size_t h_tls_server_args(const char *crt, bool auth_clients, const char **out);

/*
 * The URL of `r` as the run's mounts use it: "redis://" or, in TLS mode,
 * "rediss://", then "userinfo@" when `userinfo` is not NULL, "127.0.0.1:PORT".
 * Returns `out`.
 */
char *h_redis_url(const struct h_redis *r, const char *userinfo, char *out, size_t len);

#endif
