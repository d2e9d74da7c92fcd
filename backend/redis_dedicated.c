/* redis_dedicated.c - a connection of one's own, for a walk that keeps a command in flight. */
#include "redis_dedicated.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>

#include "redis_node.h"

struct redis_dedicated {
	struct redis_pool *pool;
	int db;
	redis_dedicated_prepare_fn prepare;
	void *prepare_arg;
	struct redis_link *ctx; /* NULL after a failure that ended it */
	int send_errno;		/* errno of a send that failed, for the receive to judge; else 0 */
};

/* A new context in d->ctx, prepared. */
static int dial(struct redis_dedicated *d)
{
	int ret = redis_pool_dial(d->pool, d->db, &d->ctx);

	if (!ret && d->prepare)
		d->prepare(d->ctx, d->prepare_arg);
	return ret;
}

int redis_dedicated_open(struct redis_pool *pool, int db, redis_dedicated_prepare_fn prepare,
			 void *arg, struct redis_dedicated **out)
{
	struct redis_dedicated *d = calloc(1, sizeof *d);
	int ret;

	*out = NULL;
	if (!d)
		return -ENOMEM;
	d->pool = pool;
	d->db = db;
	d->prepare = prepare;
	d->prepare_arg = arg;
	ret = dial(d);
	if (ret) {
		free(d);
		return ret;
	}
	*out = d;
	return 0;
}

int redis_dedicated_send(struct redis_dedicated *d, const struct redis_cmd *cmd)
{
	int ret;

	if (!d->ctx || d->send_errno || d->ctx->err)
		return 0; /* broken already: the receive says how */
	ret = redis_link_send(d->ctx, cmd, 1);
	if (ret)
		return ret;
	/* on the wire now, not at the next read: the server works while the caller does not wait */
	errno = 0;
	if (redis_link_flush(d->ctx) != REDIS_OK)
		d->send_errno = errno ? errno : EIO;
	return 0;
}

/* Free a reply as the reader that made it says (a prepared reader may hand out stand-ins). */
static void free_reply(const struct redis_dedicated *d, redisReply *reply)
{
	if (d->ctx && d->ctx->reader->fn && d->ctx->reader->fn->freeObject)
		d->ctx->reader->fn->freeObject(reply);
	else
		freeReplyObject(reply);
}

/*
 * One read of the reply; a failure of the send before it counts as the
 * read's. -ECONNRESET (with `may_retry`) when the server had closed the
 * connection, else redis_pool_lost's -EIO (logged).
 */
static int receive_once(struct redis_dedicated *d, const struct redis_cmd *cmd, bool may_retry,
			redisReply **reply)
{
	void *r = NULL;
	int saved_errno = d->send_errno;

	if (!saved_errno && !d->ctx->err) {
		errno = 0;
		if (redis_link_get_reply(d->ctx, &r) == REDIS_OK) {
			*reply = r;
			return 0;
		}
		saved_errno = errno;
	}
	return redis_pool_lost(d->pool, d->db, cmd, d->ctx, saved_errno, may_retry);
}

/* A new connection in place of a broken one, and `cmd` sent on it. */
static int redial(struct redis_dedicated *d, const struct redis_cmd *cmd)
{
	int ret;

	redis_link_free(d->ctx);
	d->ctx = NULL;
	d->send_errno = 0;
	ret = dial(d);
	return ret ? ret : redis_dedicated_send(d, cmd);
}

int redis_dedicated_receive(struct redis_dedicated *d, const struct redis_cmd *cmd,
			    redisReply **reply)
{
	struct redis_backoff later;
	bool redialled = false;
	int ret;

	*reply = NULL;
	if (!d->ctx)
		return -EIO; /* ended by an earlier failure, which was logged */
	if (redis_pool_stalled(d->pool)) {
		ret = -EIO; /* a timeout a moment ago: fail at once, as every call does then */
		goto out;
	}
	redis_backoff_start(d->pool, &later);
	for (;;) {
		ret = receive_once(d, cmd, !redialled, reply);
		if (ret == -ECONNRESET) {
			redialled = true;
			ret = redial(d, cmd);
			if (!ret)
				continue;
			break;
		}
		if (ret || !redis_reply_says_later(*reply) || !redis_backoff_wait(&later))
			break;
		free_reply(d, *reply); /* LOADING or BUSY: the same command once more */
		*reply = NULL;
		ret = redis_dedicated_send(d, cmd);
		if (ret)
			break;
	}
	if (!ret && (*reply)->type == REDIS_REPLY_ERROR)
		ret = redis_dispatch(d->pool, d->db, cmd, reply, 1, NULL, NULL);
out:
	if (ret) {
		if (*reply)
			free_reply(d, *reply);
		*reply = NULL;
		redis_link_free(d->ctx); /* links are unusable after an error */
		d->ctx = NULL;
	}
	return ret;
}

bool redis_dedicated_ready(const struct redis_dedicated *d)
{
	struct pollfd p;

	if (!d->ctx || d->send_errno || d->ctx->err)
		return true;
	if (redis_link_buffered(d->ctx))
		return true; /* bytes read (and decrypted) before and not parsed yet */
	p = (struct pollfd){.fd = redis_link_fd(d->ctx), .events = POLLIN};
	return poll(&p, 1, 0) != 0; /* bytes, an end or an error: the receive tells which */
}

void redis_dedicated_close(struct redis_dedicated *d)
{
	if (!d)
		return;
	redis_link_free(d->ctx);
	free(d);
}
