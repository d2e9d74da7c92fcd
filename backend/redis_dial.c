/* redis_dial.c - make one connection ready: connect, authenticate, check the role. */
#include "redis_dial.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "redis_bound.h"
#include "redis_errors.h"
#include "redis_node.h"

/* Whether a first reply's failure looks like a TLS server: an alert, silence, an end. */
static bool looks_like_tls(const struct redis_link *l)
{
	if (l->err == REDIS_ERR_EOF)
		return true; /* a TLS server drops a ClientHello it cannot parse */
	if (l->err == REDIS_ERR_IO &&
	    (l->sys_errno == ETIMEDOUT || l->sys_errno == EAGAIN || l->sys_errno == ECONNRESET))
		return true; /* it waits for the rest of a record that never comes */
	/* a TLS record begins with 0x15 (alert) or 0x16 (handshake): hiredis quotes the byte */
	return l->err == REDIS_ERR_PROTOCOL &&
	       (strstr(l->errstr, "\\x15") || strstr(l->errstr, "\\x16"));
}

void redis_dial_explain(const struct redis_link *l, bool tls, char *err, size_t errlen)
{
	const char *what = l->errstr;

	if (l->err == REDIS_ERR_IO && (l->sys_errno == ETIMEDOUT || l->sys_errno == EAGAIN))
		what = "no answer in time (-o timeout)";
	if (!tls && looks_like_tls(l))
		snprintf(err, errlen, "%s (the server speaks TLS? try rediss://)", what);
	else
		snprintf(err, errlen, "%s", what);
}

/* AUTH [user] password. Returns 0 or -errno with `err` set. */
static int authenticate(const struct redis_dial *d, struct redis_link *l, char *err, size_t errlen,
			int *saved_errno)
{
	struct redis_cmd auth;
	redisReply *reply;
	int ret = 0;

	redis_cmd_start(&auth, "AUTH");
	if (d->user)
		redis_cmd_str(&auth, d->user);
	redis_cmd_str(&auth, d->password);
	errno = 0;
	reply = redis_link_command(l, &auth);
	*saved_errno = errno;
	if (!reply) {
		redis_dial_explain(l, d->tls != NULL, err, errlen);
		return -EIO;
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		snprintf(err, errlen, "authentication failed: %s", reply->str);
		ret = redis_reply_says_later(reply) ? -EAGAIN : -redis_errno(l, reply);
	}
	freeReplyObject(reply);
	return ret;
}

/*
 * ROLE's first element is "master" on a master. A server that refuses ROLE
 * (an ACL without it) cannot show it is a master: not written to either.
 */
static int check_master(const struct redis_dial *d, struct redis_link *l, char *err, size_t errlen,
			int *saved_errno)
{
	struct redis_cmd role;
	redisReply *reply;
	int ret = 0;

	redis_cmd_start(&role, "ROLE");
	errno = 0;
	reply = redis_link_command(l, &role);
	*saved_errno = errno;
	if (!reply) {
		redis_dial_explain(l, d->tls != NULL, err, errlen);
		return -EIO;
	}
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
	    reply->element[0]->type != REDIS_REPLY_STRING ||
	    strcmp(reply->element[0]->str, "master") != 0) {
		snprintf(err, errlen, "%s:%d is not a master (ROLE: %s)", d->addr.host,
			 d->addr.port,
			 reply->type == REDIS_REPLY_ERROR ? reply->str
			 : reply->type == REDIS_REPLY_ARRAY && reply->elements &&
					 reply->element[0]->type == REDIS_REPLY_STRING
				 ? reply->element[0]->str
				 : "unexpected reply");
		ret = -EROFS;
	}
	freeReplyObject(reply);
	return ret;
}

int redis_dial_open(const struct redis_dial *d, struct redis_link **out, char *err, size_t errlen,
		    int *saved_errno)
{
	struct redis_link *l;
	int ret;

	*out = NULL;
	*saved_errno = 0;
	ret = redis_link_open(&d->addr, d->tls, d->timeout_ns, &l, err, errlen);
	if (ret) {
		*saved_errno = -ret;
		return ret;
	}
	redis_bound_reader(l->reader);
	l->read_only = d->read_only; /* from its first command on */
	ret = d->password ? authenticate(d, l, err, errlen, saved_errno) : 0;
	if (!ret && d->want_master)
		ret = check_master(d, l, err, errlen, saved_errno);
	if (ret) {
		redis_link_free(l);
		return ret;
	}
	*out = l;
	return 0;
}
