/* redis_keyspace.c - a database's keys as a whole: databases, SCAN listings, FLUSHDB. */
#include "redis_keyspace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis_reply.h"
#include "redis_route.h"
#include "redis_send.h"
#include "redis_walk.h"

#define DATABASES_PROBE_MAX (1 << 20)
#define RESCANS_MAX	    3 /* listings again after the cluster's slot map changed */

/* CONFIG GET name. */
static void config_get(struct redis_cmd *cmd, const char *name)
{
	redis_cmd_start(cmd, "CONFIG");
	redis_cmd_str(cmd, "GET");
	redis_cmd_str(cmd, name);
}

/* Parse a decimal integer reply that came as a bulk string (CONFIG GET). */
static int bulk_to_ll(const redisReply *r, long long *out)
{
	char *end;

	if (r->type != REDIS_REPLY_STRING || r->len == 0 || r->len > 20)
		return -EIO;
	errno = 0;
	*out = strtoll(r->str, &end, 10);
	if (errno || end != r->str + r->len)
		return -EIO;
	return 0;
}

static int parse_config_databases(const redisReply *reply, void *arg)
{
	long long n;

	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
	    bulk_to_ll(reply->element[1], &n) || n < 1 || n > DATABASES_PROBE_MAX)
		return -EIO;
	*(int *) arg = (int) n;
	return 0;
}

static int parse_config_bulk_len(const redisReply *reply, void *arg)
{
	long long n;

	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
	    bulk_to_ll(reply->element[1], &n) || n < 1)
		return -EIO;
	*(long long *) arg = n;
	return 0;
}

int redis_max_string_size(struct redis_pool *pool, size_t *size)
{
	struct redis_cmd cmd;
	long long n = 0;
	int ret;

	config_get(&cmd, "proto-max-bulk-len");
	ret = redis_command(pool, -1, &cmd, parse_config_bulk_len, &n);
	if (!ret)
		*size = (size_t) n;
	return ret;
}

static int database_exists(struct redis_pool *pool, int db)
{
	struct redis_cmd cmd;

	redis_cmd_start(&cmd, "PING");
	return redis_command(pool, db, &cmd, NULL, NULL);
}

int redis_database_count(struct redis_pool *pool, int *count)
{
	struct redis_cmd cmd;
	int lo, hi, ret;

	if (redis_pool_is_cluster(pool)) {
		*count = 1; /* a cluster has database 0 only */
		return 0;
	}
	config_get(&cmd, "databases");
	ret = redis_command(pool, -1, &cmd, parse_config_databases, count);
	if (ret != -EACCES && ret != -EIO)
		return ret;
	if (ret == -EIO && database_exists(pool, 0) == -EIO)
		return -EIO; /* the server is gone, not CONFIG refused */

	/* CONFIG refused (ACL): find the first database SELECT refuses. */
	lo = 0; /* known to exist */
	hi = 1;
	while (hi < DATABASES_PROBE_MAX && (ret = database_exists(pool, hi)) == 0) {
		lo = hi;
		hi *= 2;
	}
	if (ret && ret != -ENXIO)
		return ret == -EACCES ? (*count = 1, 0) : ret;
	while (hi - lo > 1) {
		int mid = lo + (hi - lo) / 2;

		ret = database_exists(pool, mid);
		if (ret == 0)
			lo = mid;
		else if (ret == -ENXIO)
			hi = mid;
		else
			return ret;
	}
	*count = lo + 1;
	return 0;
}

struct scan_state {
	char cursor[24];
	struct rv_array *out;
};

/* A page [cursor, [key, ...]]: the keys are appended, the cursor kept. */
static int parse_scan(const redisReply *reply, void *arg)
{
	struct scan_state *st = arg;

	return reply_scan_page(reply, st->cursor, sizeof st->cursor, st->out);
}

/* SCAN state that stops at the first key: no need to walk the rest. */
static int parse_scan_any(const redisReply *reply, void *arg)
{
	struct scan_state *st = arg;
	int ret = parse_scan(reply, arg);

	if (!ret && st->out->count)
		strcpy(st->cursor, "0");
	return ret;
}

/* A glob pattern that matches exactly the keys starting with the given bytes. */
static char *glob_for_prefix(const char *prefix, size_t len, size_t *outlen)
{
	char *glob = malloc(2 * len + 2);
	size_t o = 0;

	if (!glob)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (strchr("*?[]\\", prefix[i]) && prefix[i] != '\0')
			glob[o++] = '\\';
		glob[o++] = prefix[i];
	}
	glob[o++] = '*';
	glob[o] = '\0';
	*outlen = o;
	return glob;
}

/* The masters to scan: NULL (out of memory) or an array the caller frees; *count of them. */
static int *masters(struct redis_pool *pool, size_t *count)
{
	int *nodes = malloc(REDIS_MASTERS_MAX * sizeof *nodes);

	*count = nodes ? redis_master_nodes(pool, nodes, REDIS_MASTERS_MAX) : 0;
	if (*count > REDIS_MASTERS_MAX)
		*count = REDIS_MASTERS_MAX;
	return nodes;
}

/*
 * SCAN one node to the end; `st->cursor` starts at "0". `any` stops at the
 * first batch that holds a key.
 */
static int scan_node(struct redis_pool *pool, int node, int db, const char *pattern,
		     size_t pattern_len, bool any, struct scan_state *st)
{
	struct redis_walk_bound bound = {.node = node};
	struct redis_cmd cmd;
	int ret;

	strcpy(st->cursor, "0");
	do {
		redis_cmd_start(&cmd, "SCAN");
		redis_cmd_str(&cmd, st->cursor);
		if (pattern) {
			redis_cmd_str(&cmd, "MATCH");
			redis_cmd_arg(&cmd, pattern, pattern_len);
		}
		redis_cmd_str(&cmd, "COUNT");
		redis_cmd_int(&cmd, SCAN_COUNT);
		ret = redis_node_command(pool, node, db, &cmd, any ? parse_scan_any : parse_scan,
					 st);
	} while (!ret && strcmp(st->cursor, "0") != 0 &&
		 !(ret = redis_walk_bound_check(pool, db, &bound)));
	return ret;
}

/*
 * SCAN every master (the one server, or each master of a cluster). A
 * cluster whose slot map changed meanwhile (a resharding, a failover) is
 * scanned again, so that a key that moved from a master not yet scanned to
 * one already scanned is not missed; duplicates go at the end.
 */
static int scan_masters(struct redis_pool *pool, int db, const char *pattern, size_t pattern_len,
			bool any, struct rv_array *keys)
{
	struct scan_state st = {.cursor = "0", .out = keys};
	unsigned long before = redis_topology_version(pool), after;
	size_t n;
	int *nodes, ret = 0;

	for (int round = 0; round <= RESCANS_MAX; round++) {
		nodes = masters(pool, &n);
		if (!nodes)
			return -ENOMEM;
		for (size_t i = 0; i < n && !ret && !(any && keys->count); i++)
			ret = scan_node(pool, nodes[i], db, pattern, pattern_len, any, &st);
		/*
		 * A slot that migrates moves its keys from one master to another: a
		 * key that went to a master scanned before is on it when scanned again.
		 */
		for (size_t i = 0; i < n && !ret && !(any && keys->count); i++) {
			bool importing;

			ret = redis_node_importing(pool, nodes[i], &importing);
			if (!ret && importing)
				ret = scan_node(pool, nodes[i], db, pattern, pattern_len, any, &st);
		}
		free(nodes);
		if (ret || (any && keys->count) || !redis_pool_is_cluster(pool))
			break;
		after = redis_topology_version(pool);
		if (after == before)
			break;
		before = after;
	}
	return ret;
}

int redis_scan_match(struct redis_pool *pool, int db, const char *pattern, size_t pattern_len,
		     struct rv_array *keys)
{
	int ret = scan_masters(pool, db, pattern, pattern_len, false, keys);

	/* SCAN may return a key twice (rehashing, several masters): each key is shown once */
	return ret ? ret : rv_array_sort_unique(keys);
}

int redis_scan_keys(struct redis_pool *pool, int db, const char *prefix, size_t prefix_len,
		    struct rv_array *keys)
{
	size_t globlen = 0;
	char *glob = NULL;
	int ret;

	if (prefix_len) {
		glob = glob_for_prefix(prefix, prefix_len, &globlen);
		if (!glob)
			return -ENOMEM;
	}
	ret = redis_scan_match(pool, db, glob, globlen, keys);
	free(glob);
	return ret;
}

int redis_prefix_exists(struct redis_pool *pool, int db, const char *prefix, size_t prefix_len,
			int *exists)
{
	struct rv_array keys = {0};
	size_t globlen;
	char *glob = glob_for_prefix(prefix, prefix_len, &globlen);
	int ret;

	if (!glob)
		return -ENOMEM;
	ret = scan_masters(pool, db, glob, globlen, true, &keys);
	*exists = keys.count > 0;
	rv_array_free(&keys);
	free(glob);
	return ret;
}

int redis_flush_database(struct redis_pool *pool, int db)
{
	struct redis_cmd cmd;
	size_t n;
	int *nodes, ret = 0;

	redis_cmd_start(&cmd, "FLUSHDB");
	redis_cmd_str(&cmd, "ASYNC"); /* the server frees memory in the background, not blocking */
	nodes = masters(pool, &n);
	if (!nodes)
		return -ENOMEM;
	/* a cluster: every master that serves slots, each with its own part of database 0 */
	for (size_t i = 0; i < n && !ret; i++)
		ret = redis_node_command(pool, nodes[i], db, &cmd, NULL, NULL);
	free(nodes);
	return ret;
}
