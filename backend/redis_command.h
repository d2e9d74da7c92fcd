/* redis_command.h - send commands on a pool's per-thread connection (backend-internal). */
#ifndef REDISFS_REDIS_COMMAND_H
#define REDISFS_REDIS_COMMAND_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>

#include "redis_cmd.h"
#include "redis_conn.h"

/* Turns a successful (non-error) reply into the caller's data: 0 or -errno. */
typedef int (*redis_parse_fn)(const redisReply *reply, void *arg);

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
typedef int (*redis_parse_each_fn)(const redisReply *reply, void *arg, size_t index);

int redis_pipeline(struct redis_pool *pool, int db, const struct redis_cmd *cmds, size_t count,
		   redis_parse_each_fn parse, void *arg);

/*
 * Commands for every master (listing, flushing): against a single server
 * there is one "node", the server; against a cluster, every master that
 * serves slots now. Fills nodes[room] and returns how many there are (at
 * most `room` are filled).
 */
size_t redis_master_nodes(struct redis_pool *pool, int *nodes, size_t room);

/* Room for every master: any node of a cluster (CLUSTER_NODES_MAX) could be one. */
#define REDIS_MASTERS_MAX 1024

/* One keyless command (SCAN, FLUSHDB, DBSIZE) to one node of redis_master_nodes(). */
int redis_node_command(struct redis_pool *pool, int node, int db, const struct redis_cmd *cmd,
		       redis_parse_fn parse, void *arg);

/*
 * Whether node `node` imports a slot now (CLUSTER NODES): keys move onto it
 * while a listing runs, so a listing scans it once more at the end. Always
 * false against a single server (nothing is sent).
 */
int redis_node_importing(struct redis_pool *pool, int node, bool *importing);

/*
 * A number that changes whenever the cluster's slot map does, after asking
 * the cluster for it (0 against a single server): a listing that sees it
 * change while it scanned the masters scans again.
 */
unsigned long redis_topology_version(struct redis_pool *pool);

/* Whether two keys live on the same slot (always, against a single server). */
bool redis_same_slot(const struct redis_pool *pool, const char *a, size_t alen, const char *b,
		     size_t blen);

#endif
