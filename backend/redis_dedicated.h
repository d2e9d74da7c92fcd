/* redis_dedicated.h - a connection of one's own, for a walk that keeps a command in flight. */
#ifndef REDISFS_REDIS_DEDICATED_H
#define REDISFS_REDIS_DEDICATED_H

#include <stdbool.h>

#include "redis_cmd.h"
#include "redis_conn.h"
#include "redis_link.h"

/*
 * Backend-internal. One connection to the URL's server that belongs to one
 * job (a SCAN walk that outlives the FUSE request which began it), not to a
 * thread: a command can be sent and its reply read in a later request,
 * on whichever thread serves it, while the server works in between. The
 * caller keeps at most one command in flight, and uses the connection from
 * one thread at a time.
 */
struct redis_dedicated;

/* Called on each link the connection makes, before any command: e.g. to set its reader. */
typedef void (*redis_dedicated_prepare_fn)(struct redis_link *link, void *arg);

/*
 * Connect, authenticate and SELECT `db` as the pool does (redis_pool_dial),
 * then prepare(link, arg) (NULL: nothing), here and after every redial.
 * Returns 0, or -errno (logged) with *out NULL. The pool must outlive it.
 */
int redis_dedicated_open(struct redis_pool *pool, int db, redis_dedicated_prepare_fn prepare,
			 void *arg, struct redis_dedicated **out);

/*
 * Send `cmd` and return without waiting for its reply. -EROFS for a write on
 * a read-only pool (nothing is sent), -ENOMEM; a connection that turns out
 * broken here is 0: redis_dedicated_receive() finds out and deals with it.
 */
int redis_dedicated_send(struct redis_dedicated *d, const struct redis_cmd *cmd);

/*
 * The reply to `cmd`, the command in flight. A connection the server had
 * closed (CLIENT KILL, a restart, an idle timeout) is made again once and
 * `cmd` sent again, so `cmd` must be one that may run twice (a read);
 * LOADING and BUSY are asked again with backoff within the pool's timeout; a
 * timeout is -EIO, never retried into a second one. An error reply is
 * -errno by the one mapping (redis_conn.c), logged with the command.
 * Returns 0 with *reply for the caller to free (freeReplyObject(), or as
 * its reader's functions say), or -errno with *reply NULL; after an error the connection is closed
 * and every later receive is -EIO.
 */
int redis_dedicated_receive(struct redis_dedicated *d, const struct redis_cmd *cmd,
			    redisReply **reply);

/*
 * Whether redis_dedicated_receive() would return without waiting for the
 * server: the reply has begun to come, or the connection is broken (the
 * receive then says so at once, or dials again). Never blocks.
 */
bool redis_dedicated_ready(const struct redis_dedicated *d);

/* Close the connection (a reply still in flight is dropped with it). NULL is fine. */
void redis_dedicated_close(struct redis_dedicated *d);

#endif
