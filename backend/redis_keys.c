/* redis_keys.c - the commands behind listings, reads and removal, with their reply parsing. */
#include "redis_keys.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis_command.h"
#include "redis_node.h"
#include "redis_reply.h"
#include "redis_walk.h"

#define RANGE_CHUNK	    4096  /* elements per LRANGE/ZRANGE/XRANGE: bounded replies */
#define WHOLE_LIMIT	    10000 /* sets and hashes up to this size come in one atomic reply */
#define DATABASES_PROBE_MAX (1 << 20)
#define RESCANS_MAX	    3 /* listings again after the cluster's slot map changed */

/* NAME key: the start of most commands here; the key goes as (pointer, length). */
static void key_command(struct redis_cmd *cmd, const char *name, const char *key, size_t klen)
{
	redis_cmd_start(cmd, name);
	redis_cmd_arg(cmd, key, klen);
}

/* CONFIG GET name. */
static void config_get(struct redis_cmd *cmd, const char *name)
{
	redis_cmd_start(cmd, "CONFIG");
	redis_cmd_str(cmd, "GET");
	redis_cmd_str(cmd, name);
}

/* Parse a decimal integer reply that came as a bulk string (CONFIG GET, SCAN cursor). */
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

/* SCAN-style reply: [cursor, [items...]]; items are appended, the cursor kept. */
static int parse_scan(const redisReply *reply, void *arg)
{
	struct scan_state *st = arg;
	const redisReply *items;
	long long cursor;

	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
	    bulk_to_ll(reply->element[0], &cursor) || reply->element[1]->type != REDIS_REPLY_ARRAY)
		return -EIO;
	snprintf(st->cursor, sizeof st->cursor, "%lld", cursor);
	items = reply->element[1];
	for (size_t i = 0; i < items->elements; i++) {
		const redisReply *k = items->element[i];

		if (k->type != REDIS_REPLY_STRING)
			return -EIO;
		if (rv_array_push(st->out, k->str, k->len))
			return -ENOMEM;
	}
	return 0;
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

static int parse_type(const redisReply *reply, void *arg)
{
	if (reply->type != REDIS_REPLY_STATUS && reply->type != REDIS_REPLY_STRING)
		return -EIO;
	*(enum rv_type *) arg = rv_type_parse(reply->str, reply->len);
	return 0;
}

int redis_key_type(struct redis_pool *pool, int db, const char *key, size_t klen,
		   enum rv_type *type)
{
	struct redis_cmd cmd;

	key_command(&cmd, "TYPE", key, klen);
	return redis_command(pool, db, &cmd, parse_type, type);
}

int redis_string_length(struct redis_pool *pool, int db, const char *key, size_t klen, size_t *len)
{
	struct redis_cmd cmd;
	long long n = 0;
	int ret;

	key_command(&cmd, "STRLEN", key, klen);
	ret = redis_command(pool, db, &cmd, reply_integer, &n);
	if (!ret && n < 0)
		ret = -EIO;
	if (!ret)
		*len = (size_t) n;
	return ret;
}

struct range_dest {
	char *buf;
	size_t room;
	size_t got;
};

static int parse_range(const redisReply *reply, void *arg)
{
	struct range_dest *d = arg;

	if (reply->type != REDIS_REPLY_STRING)
		return -EIO;
	d->got = reply->len < d->room ? reply->len : d->room;
	memcpy(d->buf, reply->str, d->got);
	return 0;
}

int redis_string_range(struct redis_pool *pool, int db, const char *key, size_t klen, off_t off,
		       size_t size, char *buf, size_t *got)
{
	struct range_dest d = {buf, size, 0};
	struct redis_cmd cmd;
	int ret;

	*got = 0;
	if (size == 0 || off < 0)
		return off < 0 ? -EINVAL : 0;
	key_command(&cmd, "GETRANGE", key, klen);
	redis_cmd_int(&cmd, (long long) off);
	redis_cmd_int(&cmd, (long long) off + (long long) size - 1);
	ret = redis_command(pool, db, &cmd, parse_range, &d);
	if (!ret)
		*got = d.got;
	return ret;
}

struct chunk_state {
	struct rv_value *v;
	size_t received; /* replies' element count */
	char last_id[64];
};

static int parse_chunk(const redisReply *reply, void *arg)
{
	struct chunk_state *st = arg;

	return reply_push_strings(reply, &st->v->items, &st->received);
}

static int parse_whole_string(const redisReply *reply, void *arg)
{
	struct chunk_state *st = arg;

	if (reply->type == REDIS_REPLY_NIL)
		return -ENOENT;
	if (reply->type != REDIS_REPLY_STRING)
		return -EIO;
	return rv_array_push(&st->v->items, reply->str, reply->len) ? -ENOMEM : 0;
}

/* LRANGE or ZRANGE WITHSCORES in chunks of RANGE_CHUNK, by index. */
static int fetch_ranges(struct redis_pool *pool, int db, const char *key, size_t klen, bool zset,
			struct chunk_state *st)
{
	struct redis_cmd cmd;
	long long at = 0;
	int ret;

	for (;;) {
		key_command(&cmd, zset ? "ZRANGE" : "LRANGE", key, klen);
		redis_cmd_int(&cmd, at);
		redis_cmd_int(&cmd, at + RANGE_CHUNK - 1);
		if (zset)
			redis_cmd_str(&cmd, "WITHSCORES");
		ret = redis_command(pool, db, &cmd, parse_chunk, st);
		if (ret)
			return ret;
		if (st->received < (size_t) RANGE_CHUNK * (zset ? 2 : 1))
			return 0;
		at += RANGE_CHUNK;
	}
}

/* SSCAN/HSCAN a big set or hash; members may repeat and are made unique after. */
static int fetch_scan(struct redis_pool *pool, int db, const char *key, size_t klen,
		      const char *command, struct rv_array *out)
{
	struct scan_state st = {.cursor = "0", .out = out};
	struct redis_walk_bound bound = {.size_command =
						 strcmp(command, "HSCAN") ? "SCARD" : "HLEN",
					 .key = key,
					 .klen = klen};
	struct redis_cmd cmd;
	int ret;

	do {
		key_command(&cmd, command, key, klen);
		redis_cmd_str(&cmd, st.cursor);
		redis_cmd_str(&cmd, "COUNT");
		redis_cmd_int(&cmd, SCAN_COUNT);
		ret = redis_command(pool, db, &cmd, parse_scan, &st);
	} while (!ret && strcmp(st.cursor, "0") != 0 &&
		 !(ret = redis_walk_bound_check(pool, db, &bound)));
	return ret;
}

struct pair {
	const char *field, *value;
	size_t flen, vlen;
};

static int pair_cmp(const void *x, const void *y)
{
	const struct pair *a = x, *b = y;
	size_t n = a->flen < b->flen ? a->flen : b->flen;
	int c = n ? memcmp(a->field, b->field, n) : 0;

	return c ? c : (a->flen > b->flen) - (a->flen < b->flen);
}

/* HSCAN may return a field twice: keep one of each, in field order. */
static int unique_pairs(struct rv_array *items)
{
	size_t n = items->count / 2;
	struct rv_array out = {0};
	struct pair *pairs;
	int ret = 0;

	pairs = malloc((n ? n : 1) * sizeof *pairs);
	if (!pairs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		pairs[i].field = rv_array_get(items, 2 * i, &pairs[i].flen);
		pairs[i].value = rv_array_get(items, 2 * i + 1, &pairs[i].vlen);
	}
	qsort(pairs, n, sizeof *pairs, pair_cmp);
	for (size_t i = 0; i < n && !ret; i++) {
		if (i > 0 && pair_cmp(&pairs[i - 1], &pairs[i]) == 0)
			continue;
		if (rv_array_push(&out, pairs[i].field, pairs[i].flen) ||
		    rv_array_push(&out, pairs[i].value, pairs[i].vlen))
			ret = -ENOMEM;
	}
	free(pairs);
	if (ret) {
		rv_array_free(&out);
		return ret;
	}
	rv_array_free(items);
	*items = out;
	return 0;
}

/* Set or hash: one SMEMBERS/HGETALL when small, SSCAN/HSCAN made unique when big. */
static int fetch_unordered(struct redis_pool *pool, int db, const char *key, size_t klen, bool hash,
			   struct chunk_state *st)
{
	struct redis_cmd cmd;
	long long size = 0;
	int ret;

	key_command(&cmd, hash ? "HLEN" : "SCARD", key, klen);
	ret = redis_command(pool, db, &cmd, reply_integer, &size);
	if (ret)
		return ret;
	if (size <= WHOLE_LIMIT) {
		key_command(&cmd, hash ? "HGETALL" : "SMEMBERS", key, klen);
		return redis_command(pool, db, &cmd, parse_chunk, st);
	}
	ret = fetch_scan(pool, db, key, klen, hash ? "HSCAN" : "SSCAN", &st->v->items);
	if (ret)
		return ret;
	return hash ? unique_pairs(&st->v->items) : rv_array_sort_unique(&st->v->items);
}

/* XRANGE reply: [[id, [field, value, ...]], ...] */
static int parse_stream_chunk(const redisReply *reply, void *arg)
{
	struct chunk_state *st = arg;

	if (reply->type == REDIS_REPLY_ARRAY)
		st->received = reply->elements;
	return reply_push_stream(reply, st->v, st->last_id, sizeof st->last_id);
}

static int fetch_stream(struct redis_pool *pool, int db, const char *key, size_t klen,
			struct chunk_state *st)
{
	struct redis_cmd cmd;
	char start[72] = "-";
	int ret;

	for (;;) {
		key_command(&cmd, "XRANGE", key, klen);
		redis_cmd_str(&cmd, start);
		redis_cmd_str(&cmd, "+");
		redis_cmd_str(&cmd, "COUNT");
		redis_cmd_int(&cmd, RANGE_CHUNK);
		ret = redis_command(pool, db, &cmd, parse_stream_chunk, st);
		if (ret || st->received < RANGE_CHUNK)
			return ret;
		snprintf(start, sizeof start, "(%s", st->last_id); /* exclusive: Redis >= 6.2 */
	}
}

int redis_fetch_value(struct redis_pool *pool, int db, const char *key, size_t klen,
		      enum rv_type type, struct rv_value *v)
{
	struct chunk_state st = {.v = v};
	struct redis_cmd cmd;

	v->type = type;
	switch (type) {
	case RV_STRING:
		key_command(&cmd, "GET", key, klen);
		return redis_command(pool, db, &cmd, parse_whole_string, &st);
	case RV_LIST:
		return fetch_ranges(pool, db, key, klen, false, &st);
	case RV_ZSET:
		return fetch_ranges(pool, db, key, klen, true, &st);
	case RV_SET:
		return fetch_unordered(pool, db, key, klen, false, &st);
	case RV_HASH:
		return fetch_unordered(pool, db, key, klen, true, &st);
	case RV_STREAM:
		return fetch_stream(pool, db, key, klen, &st);
	case RV_NONE:
		return -ENOENT;
	case RV_OTHER:
		return 0;
	}
	return -EINVAL;
}

int redis_range_members(struct redis_pool *pool, int db, const char *key, size_t klen,
			enum rv_type type, long long start, size_t count, struct rv_array *out,
			size_t *received)
{
	struct rv_value v = {.items = *out};
	struct chunk_state st = {.v = &v};
	struct redis_cmd cmd;
	int ret;

	if ((type != RV_LIST && type != RV_ZSET) || !count)
		return -EINVAL;
	key_command(&cmd, type == RV_LIST ? "LRANGE" : "ZRANGE", key, klen);
	redis_cmd_int(&cmd, start);
	redis_cmd_int(&cmd, start + (long long) count - 1);
	ret = redis_command(pool, db, &cmd, parse_chunk, &st);
	*out = v.items; /* pushes may have moved the array */
	*received = st.received;
	return ret;
}

int redis_key_exists(struct redis_pool *pool, int db, const char *key, size_t klen, int *exists)
{
	struct redis_cmd cmd;
	long long n = 0;
	int ret;

	key_command(&cmd, "EXISTS", key, klen);
	ret = redis_command(pool, db, &cmd, reply_integer, &n);
	if (!ret)
		*exists = n > 0;
	return ret;
}

int redis_unlink(struct redis_pool *pool, int db, const char *key, size_t klen)
{
	struct redis_cmd cmd;
	long long n = 0;
	int ret;

	key_command(&cmd, "UNLINK", key, klen);
	ret = redis_command(pool, db, &cmd, reply_integer, &n);
	return ret ? ret : (n > 0 ? 0 : -ENOENT);
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

/* The command that removes one member of a collection of this type. */
static int member_command(enum rv_type type, const char *key, size_t klen, const char *member,
			  size_t mlen, struct redis_cmd *cmd)
{
	static const char *const names[] = {
		[RV_LIST] = "LREM", [RV_SET] = "SREM", [RV_ZSET] = "ZREM", [RV_HASH] = "HDEL"};

	if (type != RV_LIST && type != RV_SET && type != RV_ZSET && type != RV_HASH)
		return -EINVAL;
	key_command(cmd, names[type], key, klen);
	if (type == RV_LIST) /* count 0: every occurrence, so a twice-queued ghost goes at once */
		redis_cmd_int(cmd, 0);
	redis_cmd_arg(cmd, member, mlen);
	return 0;
}

int redis_remove_member(struct redis_pool *pool, int db, const char *key, size_t klen,
			enum rv_type type, const char *member, size_t mlen)
{
	struct redis_cmd cmd;
	long long n = 0;
	int ret;

	ret = member_command(type, key, klen, member, mlen, &cmd);
	if (!ret)
		ret = redis_command(pool, db, &cmd, reply_integer, &n);
	return ret ? ret : (n > 0 ? 0 : -ENOENT);
}

#define REMOVE_ROUND 1000 /* commands per pipeline round: bounded memory and reply size */

int redis_remove_members(struct redis_pool *pool, int db, const char *key, size_t klen,
			 enum rv_type type, const struct rv_array *members)
{
	struct redis_cmd *cmds = calloc(REMOVE_ROUND, sizeof *cmds);
	size_t len;
	int ret = 0;

	if (!cmds)
		return -ENOMEM;
	for (size_t at = 0; !ret && at < members->count; at += REMOVE_ROUND) {
		size_t n = members->count - at < REMOVE_ROUND ? members->count - at : REMOVE_ROUND;

		for (size_t i = 0; !ret && i < n; i++) {
			const char *m = rv_array_get(members, at + i, &len);

			ret = member_command(type, key, klen, m, len, &cmds[i]);
		}
		if (!ret)
			ret = redis_pipeline(pool, db, cmds, n, NULL, NULL);
	}
	free(cmds);
	return ret;
}

/* SISMEMBER and HEXISTS answer 0 or 1; LPOS an index or nil; ZSCORE a score or nil. */
static int parse_presence(const redisReply *reply, void *arg)
{
	int *has = arg;

	if (reply->type == REDIS_REPLY_NIL)
		*has = 0;
	else if (reply->type == REDIS_REPLY_INTEGER && *has == -1)
		*has = 1; /* LPOS: index 0 is the head, still present */
	else if (reply->type == REDIS_REPLY_INTEGER)
		*has = reply->integer != 0;
	else
		*has = 1;
	return 0;
}

int redis_has_member(struct redis_pool *pool, int db, const char *key, size_t klen,
		     enum rv_type type, const char *member, size_t mlen, int *has)
{
	static const char *const names[] = {[RV_LIST] = "LPOS",
					    [RV_SET] = "SISMEMBER",
					    [RV_ZSET] = "ZSCORE",
					    [RV_HASH] = "HEXISTS"};
	struct redis_cmd cmd;

	if (type != RV_LIST && type != RV_SET && type != RV_ZSET && type != RV_HASH)
		return -EINVAL;
	*has = type == RV_LIST ? -1 : 0; /* tells parse_presence how to read an integer */
	key_command(&cmd, names[type], key, klen);
	redis_cmd_arg(&cmd, member, mlen);
	return redis_command(pool, db, &cmd, parse_presence, has);
}

#define UNLINK_ROUND 1000 /* keys per UNLINK: bounded argv, one round trip per thousand */

/*
 * A cluster refuses UNLINK of keys of several slots (CROSSSLOT): one UNLINK
 * per key instead, a thousand per pipeline, which the routing splits by node.
 */
static int unlink_each(struct redis_pool *pool, int db, const struct rv_array *keys)
{
	struct redis_cmd *cmds = calloc(UNLINK_ROUND, sizeof *cmds);
	int ret = 0;

	if (!cmds)
		return -ENOMEM;
	for (size_t at = 0; !ret && at < keys->count; at += UNLINK_ROUND) {
		size_t n = keys->count - at < UNLINK_ROUND ? keys->count - at : UNLINK_ROUND;

		for (size_t i = 0; i < n; i++) {
			size_t len;
			const char *key = rv_array_get(keys, at + i, &len);

			key_command(&cmds[i], "UNLINK", key, len);
		}
		ret = redis_pipeline(pool, db, cmds, n, NULL, NULL);
	}
	free(cmds);
	return ret;
}

int redis_unlink_many(struct redis_pool *pool, int db, const struct rv_array *keys)
{
	const char **argv = malloc((UNLINK_ROUND + 1) * sizeof *argv);
	size_t *argvlen = malloc((UNLINK_ROUND + 1) * sizeof *argvlen);
	int ret = 0;

	if (!argv || !argvlen) {
		ret = -ENOMEM;
		goto out;
	}
	if (redis_pool_is_cluster(pool)) {
		ret = unlink_each(pool, db, keys);
		goto out;
	}
	for (size_t at = 0; !ret && at < keys->count; at += UNLINK_ROUND) {
		size_t n = keys->count - at < UNLINK_ROUND ? keys->count - at : UNLINK_ROUND;
		struct redis_cmd cmd;

		redis_cmd_start_many(&cmd, "UNLINK", argv, argvlen, UNLINK_ROUND + 1);
		for (size_t i = 0; i < n; i++) {
			size_t len;
			const char *key = rv_array_get(keys, at + i, &len);

			redis_cmd_arg(&cmd, key, len);
		}
		ret = redis_pipeline(pool, db, &cmd, 1, NULL, NULL);
	}
out:
	free(argv);
	free(argvlen);
	return ret;
}
