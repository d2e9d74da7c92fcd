/* redis_route.c - Redis Cluster routing: commands to the node of their key's slot, MOVED and ASK.
 */
#include "redis_route.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "redis_cluster.h"
#include "redis_node.h"
#include "redis_wait.h"

#define ROUTE_HOPS_MAX	 5	     /* redirections of one command: more means a map in flux */
#define REFRESH_GAP_NS	 100000000LL /* 100 ms: at most this often CLUSTER SLOTS per pool */
#define INFO_CLUSTER_KEY "cluster_enabled:1"

static bool name_is(const struct redis_cmd *cmd, int at, const char *name)
{
	return cmd->argc > at && redis_cmd_argvlen(cmd)[at] == strlen(name) &&
	       strncasecmp(redis_cmd_argv(cmd)[at], name, strlen(name)) == 0;
}

/* Commands without a key: they go to any master, or to the node the caller names. */
static const char *const keyless[] = {
	"PING",	   "AUTH",  "SELECT", "SCAN",	 "DBSIZE", "INFO",    "CONFIG",
	"FLUSHDB", "MULTI", "EXEC",   "DISCARD", "ASKING", "CLUSTER",
};

/*
 * The slot of a command's key, or -1 for a keyless command. The key is the
 * first argument, except for OBJECT and MEMORY (subcommand, then key). A
 * command with several keys (RENAME, UNLINK) is routed by its first: the
 * callers keep the others in its slot, or the server says CROSSSLOT.
 */
static int command_slot(const struct redis_cmd *cmd)
{
	int at = 1;

	for (size_t i = 0; i < sizeof keyless / sizeof keyless[0]; i++) {
		if (name_is(cmd, 0, keyless[i]))
			return -1;
	}
	if (name_is(cmd, 0, "OBJECT") || name_is(cmd, 0, "MEMORY"))
		at = 2;
	if (cmd->argc <= at)
		return -1;
	return (int) cluster_key_slot(redis_cmd_argv(cmd)[at], redis_cmd_argvlen(cmd)[at]);
}

/* Some master for a keyless command: the first that serves slots, else the URL's server. */
static int any_master(struct redis_cluster *cluster)
{
	int node;

	return cluster_masters(cluster, &node, 1) ? node : 0;
}

static int parse_slots(const redisReply *reply, void *arg, size_t index)
{
	struct redis_cluster *cluster = ((void **) arg)[0];
	int asked = *(int *) ((void **) arg)[1];

	(void) index;
	return cluster_apply_slots(cluster, reply, asked);
}

/* CLUSTER SLOTS on one node, applied to the map. */
static int refresh_from(struct redis_pool *pool, int node)
{
	void *arg[2] = {redis_pool_cluster(pool), &node};
	redisReply *reply = NULL;
	struct redis_cmd cmd;
	int ret;

	redis_cmd_start(&cmd, "CLUSTER");
	redis_cmd_str(&cmd, "SLOTS");
	ret = redis_node_exchange(pool, node, 0, &cmd, 1, &reply);
	if (!ret)
		ret = redis_dispatch(pool, 0, &cmd, &reply, 1, parse_slots, arg);
	redis_free_replies(&reply, 1);
	return ret;
}

/*
 * Ask for a new slot map: `prefer` first (the node that redirected us),
 * then every known node until one answers. `force` skips the rate limit.
 */
static int route_refresh(struct redis_pool *pool, int prefer, bool force)
{
	struct redis_cluster *cluster = redis_pool_cluster(pool);
	int ret = -EIO, count;

	if (!force && !cluster_refresh_claim(cluster, wait_now_ns(), REFRESH_GAP_NS))
		return 0;
	/* a master the map knows is likelier to answer than the URL's server, which may be gone */
	if (prefer < 0)
		prefer = any_master(cluster);
	if (prefer >= 0 && (ret = refresh_from(pool, prefer)) == 0)
		return 0;
	count = cluster_node_count(cluster);
	for (int node = 0; node < count; node++) {
		if (node != prefer && (ret = refresh_from(pool, node)) == 0)
			return 0;
	}
	return ret;
}

/* A command, or a MULTI .. EXEC transaction, that goes to one node as a whole. */
struct route_unit {
	size_t first, n; /* cmds[first .. first + n) */
	int slot;	 /* -1: keyless */
	int node;	 /* where it goes in this round */
	int target;	 /* a redirection's node for the next round, -1: the map's */
	bool asking;	 /* ASK: send ASKING first */
	bool sent;	 /* sent in this round */
	bool done;
	int ret;
};

/* The units of a pipeline: one per command, or one for all when it holds MULTI. */
static int make_units(struct redis_pool *pool, const struct redis_cmd *cmds, size_t count,
		      struct route_unit *units, size_t *nunits)
{
	bool multi = false;
	int slot = -1;

	for (size_t i = 0; i < count; i++)
		multi = multi || name_is(&cmds[i], 0, "MULTI");
	if (!multi) {
		for (size_t i = 0; i < count; i++)
			units[i] = (struct route_unit){
				.first = i, .n = 1, .slot = command_slot(&cmds[i]), .target = -1};
		*nunits = count;
		return 0;
	}
	for (size_t i = 0; i < count; i++) {
		int s = command_slot(&cmds[i]);

		if (s >= 0 && slot >= 0 && s != slot) {
			redis_pool_log(pool, "redis: a transaction spans two cluster slots");
			return -EXDEV;
		}
		if (s >= 0)
			slot = s;
	}
	units[0] = (struct route_unit){.first = 0, .n = count, .slot = slot, .target = -1};
	*nunits = 1;
	return 0;
}

/* The node of `unit` for this round: a redirection's, else the map's (asked again if unknown). */
static int unit_node(struct redis_pool *pool, const struct route_unit *unit)
{
	struct redis_cluster *cluster = redis_pool_cluster(pool);
	int node;

	if (unit->target >= 0)
		return unit->target;
	if (unit->slot < 0)
		return any_master(cluster);
	node = cluster_slot_node(cluster, (unsigned int) unit->slot);
	if (node < 0) {
		route_refresh(pool, -1, false);
		node = cluster_slot_node(cluster, (unsigned int) unit->slot);
	}
	return node;
}

/* The first redirection among a unit's replies, if any. */
static bool unit_redirect(redisReply *const *replies, size_t n, struct cluster_redirect *where)
{
	for (size_t i = 0; i < n; i++) {
		const redisReply *r = replies[i];

		if (r && r->type == REDIS_REPLY_ERROR &&
		    cluster_parse_redirect(r->str, r->len, where))
			return true;
	}
	return false;
}

/* Where a redirection points, as a node index; a MOVED also updates the map. */
static int follow(struct redis_pool *pool, int from, const struct cluster_redirect *where)
{
	struct redis_cluster *cluster = redis_pool_cluster(pool);
	char host[CLUSTER_HOST_MAX];
	int port, node;

	if (where->host[0])
		snprintf(host, sizeof host, "%s", where->host);
	else if (cluster_node_address(cluster, from, host, &port))
		return -EIO;
	node = cluster_node_index(cluster, host, where->port);
	if (node >= 0 && !where->ask) {
		cluster_set_slot(cluster, where->slot, node);
		/* a MOVED seldom comes alone (failover, resharding): learn the whole map */
		route_refresh(pool, node, false);
	}
	return node;
}

/* The commands of one round for `node`: each unit's, after ASKING where asked. */
struct round {
	struct redis_cmd *cmds;
	size_t *unit_of;  /* for each command: its unit, or SIZE_MAX for an ASKING */
	size_t *index_of; /* for each command: its index in the caller's pipeline */
	redisReply **replies;
	size_t count;
};

static void round_add(struct round *r, const struct redis_cmd *cmd, size_t unit, size_t index)
{
	r->cmds[r->count] = *cmd;
	r->unit_of[r->count] = unit;
	r->index_of[r->count] = index;
	r->count++;
}

/*
 * One round trip to `node` for every pending unit that goes there; replies
 * of finished units move to final[], redirected ones get their next node.
 */
static void run_round(struct redis_pool *pool, int db, int node, const struct redis_cmd *cmds,
		      struct route_unit *units, size_t nunits, bool last, struct round *r,
		      redisReply **final)
{
	struct redis_cmd asking;
	int ret;

	redis_cmd_start(&asking, "ASKING");
	r->count = 0;
	for (size_t u = 0; u < nunits; u++) {
		if (units[u].done || units[u].node != node)
			continue;
		units[u].sent = true;
		if (units[u].asking)
			round_add(r, &asking, SIZE_MAX, SIZE_MAX);
		for (size_t i = 0; i < units[u].n; i++)
			round_add(r, &cmds[units[u].first + i], u, units[u].first + i);
	}
	ret = redis_node_exchange(pool, node, db, r->cmds, r->count, r->replies);
	if (ret) {
		for (size_t u = 0; u < nunits; u++) {
			if (!units[u].done && units[u].node == node) {
				units[u].done = true;
				units[u].ret = ret;
			}
		}
		/* after a failover the slots have a new master: learn it for the next call */
		if (ret == -EIO)
			route_refresh(pool, -1, false);
		return;
	}
	for (size_t at = 0; at < r->count;) {
		size_t u = r->unit_of[at], n;
		struct cluster_redirect where;
		struct route_unit *unit;

		if (u == SIZE_MAX) { /* ASKING's +OK */
			at++;
			continue;
		}
		unit = &units[u];
		n = unit->n;
		unit->asking = false;
		unit->target = -1;
		if (!last && unit_redirect(&r->replies[at], n, &where)) {
			int to = follow(pool, node, &where);

			if (to < 0) {
				unit->done = true;
				unit->ret = -EIO;
			} else {
				unit->target = to;
				unit->asking = where.ask;
			}
			redis_free_replies(&r->replies[at], n);
		} else {
			for (size_t i = 0; i < n; i++) {
				final[r->index_of[at + i]] = r->replies[at + i];
				r->replies[at + i] = NULL;
			}
			unit->done = true;
		}
		at += n;
	}
	redis_free_replies(r->replies, r->count);
}

/* Send every pending unit, node by node, until all are done or out of hops. */
static int route_units(struct redis_pool *pool, int db, const struct redis_cmd *cmds, size_t count,
		       struct route_unit *units, size_t nunits, redisReply **final)
{
	struct round r = {0};
	int ret = 0;

	/* a round holds at most every command, each after an ASKING */
	r.cmds = calloc(2 * count, sizeof *r.cmds);
	r.unit_of = calloc(2 * count, sizeof *r.unit_of);
	r.index_of = calloc(2 * count, sizeof *r.index_of);
	r.replies = calloc(2 * count, sizeof *r.replies);
	if (!r.cmds || !r.unit_of || !r.index_of || !r.replies) {
		ret = -ENOMEM;
		goto out;
	}
	for (int hop = 0; hop <= ROUTE_HOPS_MAX; hop++) {
		bool pending = false;

		for (size_t u = 0; u < nunits; u++) {
			units[u].sent = false;
			if (units[u].done)
				continue;
			units[u].node = unit_node(pool, &units[u]);
			if (units[u].node < 0) {
				redis_pool_log(pool, "redis: no cluster node serves the slot");
				units[u].done = true;
				units[u].ret = -EIO;
				continue;
			}
			pending = true;
		}
		if (!pending)
			break;
		for (size_t u = 0; u < nunits; u++) {
			if (!units[u].done && !units[u].sent)
				run_round(pool, db, units[u].node, cmds, units, nunits,
					  hop == ROUTE_HOPS_MAX, &r, final);
		}
	}
	for (size_t u = 0; u < nunits && !ret; u++)
		ret = units[u].ret;
out:
	free(r.cmds);
	free(r.unit_of);
	free(r.index_of);
	free(r.replies);
	return ret;
}

int route_pipeline(struct redis_pool *pool, int db, const struct redis_cmd *cmds, size_t count,
		   redis_parse_each_fn parse, void *arg)
{
	struct route_unit *units = calloc(count ? count : 1, sizeof *units);
	redisReply **final = calloc(count ? count : 1, sizeof *final);
	size_t nunits = 0;
	int ret, parsed;

	if (!units || !final) {
		ret = -ENOMEM;
		goto out;
	}
	ret = make_units(pool, cmds, count, units, &nunits);
	if (ret)
		goto out;
	ret = route_units(pool, db, cmds, count, units, nunits, final);
	/* replies that came are parsed even when another command failed, as on one server */
	parsed = redis_dispatch(pool, db, cmds, final, count, parse, arg);
	if (!ret)
		ret = parsed;
out:
	if (final)
		redis_free_replies(final, count);
	free(final);
	free(units);
	return ret;
}

size_t redis_master_nodes(struct redis_pool *pool, int *nodes, size_t room)
{
	struct redis_cluster *cluster = redis_pool_cluster(pool);
	size_t n;

	if (!cluster) {
		if (room)
			nodes[0] = 0;
		return 1;
	}
	n = cluster_masters(cluster, nodes, room);
	if (n == 0) {
		route_refresh(pool, -1, true);
		n = cluster_masters(cluster, nodes, room);
	}
	return n;
}

int route_node_command(struct redis_pool *pool, int node, int db, const struct redis_cmd *cmd,
		       redis_parse_fn parse, void *arg)
{
	struct redis_single_parse single = {parse, arg};
	redisReply *reply = NULL;
	int ret;

	ret = redis_node_exchange(pool, node, db, cmd, 1, &reply);
	if (ret == -EIO)
		route_refresh(pool, -1, false);
	if (!ret)
		ret = redis_dispatch(pool, db, cmd, &reply, 1, redis_parse_single, &single);
	redis_free_replies(&reply, 1);
	return ret;
}

static int parse_importing(const redisReply *reply, void *arg)
{
	if (reply->type != REDIS_REPLY_STRING)
		return -EIO;
	*(bool *) arg = cluster_nodes_importing(reply->str, reply->len);
	return 0;
}

int redis_node_importing(struct redis_pool *pool, int node, bool *importing)
{
	struct redis_cmd cmd;

	*importing = false;
	if (!redis_pool_cluster(pool))
		return 0;
	redis_cmd_start(&cmd, "CLUSTER");
	redis_cmd_str(&cmd, "NODES");
	return route_node_command(pool, node, 0, &cmd, parse_importing, importing);
}

unsigned long redis_topology_version(struct redis_pool *pool)
{
	struct redis_cluster *cluster = redis_pool_cluster(pool);

	if (!cluster)
		return 0;
	route_refresh(pool, -1, true);
	return cluster_version(cluster);
}

bool redis_same_slot(const struct redis_pool *pool, const char *a, size_t alen, const char *b,
		     size_t blen)
{
	return !redis_pool_cluster(pool) || cluster_key_slot(a, alen) == cluster_key_slot(b, blen);
}

/* One command to the URL's server, its reply kept (not logged): the caller looks at it. */
static int ask_quietly(struct redis_pool *pool, const char *name, const char *arg,
		       redisReply **reply)
{
	struct redis_cmd cmd;

	redis_cmd_start(&cmd, name);
	if (arg)
		redis_cmd_str(&cmd, arg);
	*reply = NULL;
	return redis_node_exchange(pool, 0, -1, &cmd, 1, reply);
}

/*
 * READWRITE is the probe: a cluster node answers +OK (and it only undoes a
 * READONLY we never send), any other server "cluster support disabled".
 * Unlike INFO or CONFIG it is in @connection, which the read-only ACL users
 * of SPEC 7 have, so the probe leaves no trace in ACL LOG. A server that
 * refuses it too is asked INFO cluster. A server whose answer cannot be read
 * at all (garbage, silence) is taken for a single server: the operations on
 * the mount then meet whatever is wrong with it, as they would without the probe.
 */
int redis_cluster_detect(struct redis_pool *pool, bool *enabled)
{
	redisReply *reply;
	int ret;

	*enabled = false;
	ret = ask_quietly(pool, "READWRITE", NULL, &reply);
	if (ret)
		return ret == -ENOMEM ? ret : 0;
	if (reply->type == REDIS_REPLY_STATUS) {
		*enabled = true;
	} else if (reply->type == REDIS_REPLY_ERROR && !strstr(reply->str, "cluster support")) {
		freeReplyObject(reply);
		ret = ask_quietly(pool, "INFO", "cluster", &reply);
		if (ret)
			return ret == -ENOMEM ? ret : 0;
		*enabled = reply->type == REDIS_REPLY_STRING &&
			   memmem(reply->str, reply->len, INFO_CLUSTER_KEY,
				  strlen(INFO_CLUSTER_KEY)) != NULL;
	}
	freeReplyObject(reply);
	return 0;
}

int redis_pool_use_cluster(struct redis_pool *pool, char *err, size_t errlen)
{
	struct redis_cluster *cluster;
	const char *host = redis_pool_host(pool);
	int master, ret;

	/* node 0 is the URL's server; a unix socket has no address other nodes could name */
	cluster = cluster_create(host ? host : "127.0.0.1", redis_pool_port(pool));
	if (!cluster) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	redis_pool_set_cluster(pool, cluster);
	ret = route_refresh(pool, 0, true);
	if (ret) {
		snprintf(err, errlen, "CLUSTER SLOTS failed: %s", strerror(-ret));
		return ret;
	}
	if (cluster_masters(cluster, &master, 1) == 0) {
		snprintf(err, errlen, "the cluster serves no slots");
		return -EIO;
	}
	return 0;
}
