/* redis_route.h - Redis Cluster routing: each command to its key's node, redirections followed. */
#ifndef REDISFS_REDIS_ROUTE_H
#define REDISFS_REDIS_ROUTE_H

#include <stddef.h>

#include "redis_command.h"

/*
 * redis_pipeline() against a cluster (backend-internal; redis_conn.c calls
 * it). Each command goes to the master of its key's slot (keyless ones to
 * some master); a MULTI .. EXEC pipeline goes as a whole and its keys must
 * share one slot (-EXDEV otherwise: a caller's mistake, logged). Other
 * pipelines are split by node, one round trip per node. MOVED updates the
 * map (and asks for a new one), ASK sends ASKING first; a command is
 * redirected at most ROUTE_HOPS_MAX times, then its error is returned. A
 * node that cannot be reached is -EIO and makes the map be asked for again,
 * so that the next call finds the new master after a failover.
 */
int route_pipeline(struct redis_pool *pool, int db, const struct redis_cmd *cmds, size_t count,
		   redis_parse_each_fn parse, void *arg);

#endif
