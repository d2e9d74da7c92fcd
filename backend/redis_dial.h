/* redis_dial.h - make one connection ready: connect, authenticate, check the role
 * (backend-internal). */
#ifndef REDISFS_REDIS_DIAL_H
#define REDISFS_REDIS_DIAL_H

#include <stdbool.h>
#include <stddef.h>

#include "redis_link.h"

struct redis_dial {
	struct redis_address addr;
	struct redis_tls *tls; /* NULL: plain */
	long long timeout_ns;  /* connect, handshake, and every read and write */
	const char *user;      /* may be NULL */
	const char *password;  /* NULL: no AUTH */
	bool want_master;      /* ask ROLE, refuse a replica (the master a sentinel named) */
	bool read_only;	       /* the link refuses every write command (-o ro) */
};

/*
 * Connect to d->addr and AUTH. Returns 0 with *out, or -errno with a
 * one-line reason in `err` and errno's value at the failure in
 * *saved_errno (for the stall hold): -EAGAIN when AUTH was answered with
 * LOADING or BUSY (the caller may try again), -EACCES for refused
 * credentials, -EROFS when want_master and the server is a replica (or
 * does not answer ROLE as a master), -EIO/-ETIMEDOUT/-EPROTO for a lost or
 * refused connection. The reason names a TLS server behind redis:// ("try
 * rediss://") when the first reply shows it.
 */
int redis_dial_open(const struct redis_dial *d, struct redis_link **out, char *err, size_t errlen,
		    int *saved_errno);

/*
 * The words for a link that broke on its first exchange: its error, and
 * when the bytes or silence look like a TLS server behind a plain
 * connection, the hint to use rediss://.
 */
void redis_dial_explain(const struct redis_link *l, bool tls, char *err, size_t errlen);

#endif
