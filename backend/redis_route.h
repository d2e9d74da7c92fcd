/* redis_route.h - Redis Cluster routing: each command to its key's node, redirections followed. */
#ifndef REDISFS_REDIS_ROUTE_H
#define REDISFS_REDIS_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "redis_cmd.h"
#include "redis_conn.h"
#include "redis_reply.h"

/*
 * redis_pipeline() against a cluster (redis_send.c calls it). Each command goes to the master of
 * its key's slot (keyless ones to some master); a MULTI .. EXEC pipeline goes as a whole and its
 * keys must share one slot (-EXDEV otherwise: a caller's mistake, logged). Other pipelines are
 * split by node, one round trip per node. MOVED updates the map (and asks for a new one), ASK sends
 * ASKING first; a command is redirected at most ROUTE_HOPS_MAX times, then its error is returned. A
 * node that cannot be reached is -EIO and makes the map be asked for again,
 * so that the next call finds the new master after a failover.
 */
int route_pipeline(struct redis_pool *pool, int db, const struct redis_cmd *cmds, size_t count,
		   redis_parse_each_fn parse, void *arg);

/*
 * redis_node_command() against a cluster: one command to node `node`; a
 * node that cannot be reached (-EIO) makes the map be asked for again.
 */
int route_node_command(struct redis_pool *pool, int node, int db, const struct redis_cmd *cmd,
		       redis_parse_fn parse, void *arg);

/*
 * Commands for every master (listing, flushing): against a single server
 * there is one "node", the server; against a cluster, every master that
 * serves slots now. Fills nodes[room] and returns how many there are (at
 * most `room` are filled).
 */
size_t redis_master_nodes(struct redis_pool *pool, int *nodes, size_t room);

/* Room for every master: any node of a cluster (CLUSTER_NODES_MAX) could be one. */
#define REDIS_MASTERS_MAX 1024

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
