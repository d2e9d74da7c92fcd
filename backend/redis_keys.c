/* redis_keys.c - the commands behind listings, reads and removal, with their reply parsing. */
#include "redis_keys.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis_command.h"
#include "redis_node.h"
#include "redis_reply.h"
#include "redis_walk.h"

#define SCAN_COUNT	    1000  /* keys per SCAN: ~1 ms of server time, few round trips */
#define RANGE_CHUNK	    4096  /* elements per LRANGE/ZRANGE/XRANGE: bounded replies */
#define WHOLE_LIMIT	    10000 /* sets and hashes up to this size come in one atomic reply */
#define DATABASES_PROBE_MAX (1 << 20)
#define MASTERS_MAX	    1024 /* CLUSTER_NODES_MAX: every node could be a master */
#define RESCANS_MAX	    3	 /* listings again after the cluster's slot map changed */

/* argv helpers: a C string and its length, for binary-safe commands */
#define ARG(s) (s), strlen(s)

/*
 * Send one command whose arguments come as (const char *, size_t) pairs,
 * so that binary keys never pass through a format string.
 */
static int one_command(struct redis_pool *pool, int db, redis_parse_fn parse, void *arg, int argc,
		       ...)
{
	const char *argv[REDIS_MAX_ARGS];
	size_t argvlen[REDIS_MAX_ARGS];
	va_list ap;

	if (argc > REDIS_MAX_ARGS)
		return -E2BIG;
	va_start(ap, argc);
	for (int i = 0; i < argc; i++) {
		argv[i] = va_arg(ap, const char *);
		argvlen[i] = va_arg(ap, size_t);
	}
	va_end(ap);
	return redis_command(pool, db, argc, argv, argvlen, parse, arg);
}

static int parse_integer(const redisReply *reply, void *arg)
{
	if (reply->type != REDIS_REPLY_INTEGER)
		return -EIO;
	*(long long *) arg = reply->integer;
	return 0;
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
	long long n = 0;
	int ret = one_command(pool, -1, parse_config_bulk_len, &n, 3, ARG("CONFIG"), ARG("GET"),
			      ARG("proto-max-bulk-len"));

	if (!ret)
		*size = (size_t) n;
	return ret;
}

static int database_exists(struct redis_pool *pool, int db)
{
	return one_command(pool, db, NULL, NULL, 1, ARG("PING"));
}

int redis_database_count(struct redis_pool *pool, int *count)
{
	int lo, hi, ret;

	if (redis_pool_is_cluster(pool)) {
		*count = 1; /* a cluster has database 0 only */
		return 0;
	}
	ret = one_command(pool, -1, parse_config_databases, count, 3, ARG("CONFIG"), ARG("GET"),
			  ARG("databases"));
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
	int *nodes = malloc(MASTERS_MAX * sizeof *nodes);

	*count = nodes ? redis_master_nodes(pool, nodes, MASTERS_MAX) : 0;
	if (*count > MASTERS_MAX)
		*count = MASTERS_MAX;
	return nodes;
}

/*
 * SCAN one node to the end; `st->cursor` starts at "0". `any` stops at the
 * first batch that holds a key.
 */
static int scan_node(struct redis_pool *pool, int node, int db, const char *pattern,
		     size_t pattern_len, bool any, struct scan_state *st)
{
	const char *argv[6] = {"SCAN", st->cursor, "MATCH", pattern, "COUNT", NULL};
	size_t argvlen[6] = {4, 0, 5, pattern_len, 5, 0};
	struct redis_walk_bound bound = {.node = node};
	char count[16];
	int ret;

	snprintf(count, sizeof count, "%d", SCAN_COUNT);
	if (!pattern) {
		argv[2] = "COUNT";
		argvlen[2] = 5;
		argv[3] = count;
		argvlen[3] = strlen(count);
	} else {
		argv[5] = count;
		argvlen[5] = strlen(count);
	}
	strcpy(st->cursor, "0");
	do {
		argvlen[1] = strlen(st->cursor);
		ret = redis_node_command(pool, node, db, pattern ? 6 : 4, argv, argvlen,
					 any ? parse_scan_any : parse_scan, st);
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
	return one_command(pool, db, parse_type, type, 2, ARG("TYPE"), key, klen);
}

int redis_string_length(struct redis_pool *pool, int db, const char *key, size_t klen, size_t *len)
{
	long long n = 0;
	int ret = one_command(pool, db, parse_integer, &n, 2, ARG("STRLEN"), key, klen);

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
	char start[24], end[24];
	int ret;

	*got = 0;
	if (size == 0 || off < 0)
		return off < 0 ? -EINVAL : 0;
	snprintf(start, sizeof start, "%lld", (long long) off);
	snprintf(end, sizeof end, "%lld", (long long) off + (long long) size - 1);
	ret = one_command(pool, db, parse_range, &d, 4, ARG("GETRANGE"), key, klen, ARG(start),
			  ARG(end));
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
	char start[24], stop[24];
	long long at = 0;
	int ret;

	for (;;) {
		snprintf(start, sizeof start, "%lld", at);
		snprintf(stop, sizeof stop, "%lld", at + RANGE_CHUNK - 1);
		if (zset)
			ret = one_command(pool, db, parse_chunk, st, 5, ARG("ZRANGE"), key, klen,
					  ARG(start), ARG(stop), ARG("WITHSCORES"));
		else
			ret = one_command(pool, db, parse_chunk, st, 4, ARG("LRANGE"), key, klen,
					  ARG(start), ARG(stop));
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
	char count[16];
	int ret;

	snprintf(count, sizeof count, "%d", SCAN_COUNT);
	do {
		ret = one_command(pool, db, parse_scan, &st, 5, ARG(command), key, klen,
				  ARG(st.cursor), ARG("COUNT"), ARG(count));
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
	long long size = 0;
	int ret;

	ret = one_command(pool, db, parse_integer, &size, 2, ARG(hash ? "HLEN" : "SCARD"), key,
			  klen);
	if (ret)
		return ret;
	if (size <= WHOLE_LIMIT)
		return one_command(pool, db, parse_chunk, st, 2, ARG(hash ? "HGETALL" : "SMEMBERS"),
				   key, klen);
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
	char count[16], start[72] = "-";
	int ret;

	snprintf(count, sizeof count, "%d", RANGE_CHUNK);
	for (;;) {
		ret = one_command(pool, db, parse_stream_chunk, st, 6, ARG("XRANGE"), key, klen,
				  ARG(start), ARG("+"), ARG("COUNT"), ARG(count));
		if (ret || st->received < RANGE_CHUNK)
			return ret;
		snprintf(start, sizeof start, "(%s", st->last_id); /* exclusive: Redis >= 6.2 */
	}
}

int redis_fetch_value(struct redis_pool *pool, int db, const char *key, size_t klen,
		      enum rv_type type, struct rv_value *v)
{
	struct chunk_state st = {.v = v};

	v->type = type;
	switch (type) {
	case RV_STRING:
		return one_command(pool, db, parse_whole_string, &st, 2, ARG("GET"), key, klen);
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
	char from[24], to[24];
	int ret;

	if ((type != RV_LIST && type != RV_ZSET) || !count)
		return -EINVAL;
	snprintf(from, sizeof from, "%lld", start);
	snprintf(to, sizeof to, "%lld", start + (long long) count - 1);
	ret = one_command(pool, db, parse_chunk, &st, 4, ARG(type == RV_LIST ? "LRANGE" : "ZRANGE"),
			  key, klen, ARG(from), ARG(to));
	*out = v.items; /* pushes may have moved the array */
	*received = st.received;
	return ret;
}

int redis_key_exists(struct redis_pool *pool, int db, const char *key, size_t klen, int *exists)
{
	long long n = 0;
	int ret = one_command(pool, db, parse_integer, &n, 2, ARG("EXISTS"), key, klen);

	if (!ret)
		*exists = n > 0;
	return ret;
}

int redis_unlink(struct redis_pool *pool, int db, const char *key, size_t klen)
{
	long long n = 0;
	int ret = one_command(pool, db, parse_integer, &n, 2, ARG("UNLINK"), key, klen);

	return ret ? ret : (n > 0 ? 0 : -ENOENT);
}

int redis_flush_database(struct redis_pool *pool, int db)
{
	/* ASYNC: the server frees memory in the background instead of blocking */
	const char *argv[] = {"FLUSHDB", "ASYNC"};
	const size_t argvlen[] = {7, 5};
	size_t n;
	int *nodes, ret = 0;

	nodes = masters(pool, &n);
	if (!nodes)
		return -ENOMEM;
	/* a cluster: every master that serves slots, each with its own part of database 0 */
	for (size_t i = 0; i < n && !ret; i++)
		ret = redis_node_command(pool, nodes[i], db, 2, argv, argvlen, NULL, NULL);
	free(nodes);
	return ret;
}

/*
 * The command that removes one member of a collection of this type. Every
 * field of `cmd` is set: a `many` left as it was would send whatever the
 * memory held as the arguments.
 */
static int member_command(enum rv_type type, const char *key, size_t klen, const char *member,
			  size_t mlen, struct redis_cmd *cmd)
{
	static const char *const names[] = {
		[RV_LIST] = "LREM", [RV_SET] = "SREM", [RV_ZSET] = "ZREM", [RV_HASH] = "HDEL"};
	int i = 0;

	*cmd = (struct redis_cmd){0};
	if (type != RV_LIST && type != RV_SET && type != RV_ZSET && type != RV_HASH)
		return -EINVAL;
	cmd->argv[i] = names[type];
	cmd->argvlen[i++] = 4;
	cmd->argv[i] = key;
	cmd->argvlen[i++] = klen;
	if (type == RV_LIST) { /* count 0: every occurrence, so a twice-queued ghost goes at once */
		cmd->argv[i] = "0";
		cmd->argvlen[i++] = 1;
	}
	cmd->argv[i] = member;
	cmd->argvlen[i++] = mlen;
	cmd->argc = i;
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
		ret = redis_command(pool, db, cmd.argc, cmd.argv, cmd.argvlen, parse_integer, &n);
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

	if (type != RV_LIST && type != RV_SET && type != RV_ZSET && type != RV_HASH)
		return -EINVAL;
	*has = type == RV_LIST ? -1 : 0; /* tells parse_presence how to read an integer */
	return one_command(pool, db, parse_presence, has, 3, ARG(names[type]), key, klen, member,
			   mlen);
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
			cmds[i].argc = 2;
			cmds[i].argv[0] = "UNLINK";
			cmds[i].argvlen[0] = 6;
			cmds[i].argv[1] = rv_array_get(keys, at + i, &cmds[i].argvlen[1]);
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
	argv[0] = "UNLINK";
	argvlen[0] = 6;
	if (redis_pool_is_cluster(pool)) {
		ret = unlink_each(pool, db, keys);
		goto out;
	}
	for (size_t at = 0; !ret && at < keys->count; at += UNLINK_ROUND) {
		size_t n = keys->count - at < UNLINK_ROUND ? keys->count - at : UNLINK_ROUND;
		struct redis_cmd cmd = {.argc = (int) n + 1, .many = argv, .manylen = argvlen};

		for (size_t i = 0; i < n; i++)
			argv[i + 1] = rv_array_get(keys, at + i, &argvlen[i + 1]);
		ret = redis_pipeline(pool, db, &cmd, 1, NULL, NULL);
	}
out:
	free(argv);
	free(argvlen);
	return ret;
}
