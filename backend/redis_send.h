/* redis_send.h - commands to a pool: one, a pipeline, one to a chosen node (backend-internal). */
#ifndef REDISFS_REDIS_SEND_H
#define REDISFS_REDIS_SEND_H

#include <stddef.h>

#include "redis_cmd.h"
#include "redis_conn.h"
#include "redis_reply.h"

/*
 * One command (built with redis_cmd.h) on this thread's connection, in
 * database `db` (SELECTed when the connection is elsewhere; db < 0: any).
 * Error replies and lost connections become -errno in one place
 * (redis_conn.c: redis_errno); `parse` sees only other replies and may be NULL.
 * A connection that dropped since its last use (server restarted, CLIENT
 * KILL) is made again (AUTH, SELECT) and the command sent once more; a
 * timeout is not retried. LOADING and BUSY replies are asked again with
 * backoff until the timeout has passed, then -EIO: one call takes at most
 * about the timeout. After a timeout every call fails at once (-EIO) for a
 * second (or the timeout, if shorter), so that a loop over many keys against
 * a frozen server does not wait one timeout per key.
 */
int redis_command(struct redis_pool *pool, int db, const struct redis_cmd *cmd,
		  redis_parse_fn parse, void *arg);

/*
 * `count` commands in one round trip (a pipeline); reply i is handed to
 * parse(reply, arg, i) unless it is an error. Every reply is read even after
 * a failure, so the connection stays in step; the first error is returned.
 * The whole pipeline is sent again on LOADING or BUSY only when no reply
 * shows that a command ran (MULTI's +OK, +QUEUED and EXECABORT do not).
 */
int redis_pipeline(struct redis_pool *pool, int db, const struct redis_cmd *cmds, size_t count,
		   redis_parse_each_fn parse, void *arg);

/* One keyless command (SCAN, FLUSHDB, DBSIZE) to one node of redis_master_nodes(). */
int redis_node_command(struct redis_pool *pool, int node, int db, const struct redis_cmd *cmd,
		       redis_parse_fn parse, void *arg);

#endif
