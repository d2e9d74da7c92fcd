/* redis_sample.c - a bounded look at a keyspace: the first keys a pattern matches, the first
 * members. */
#include "redis_sample.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis_route.h"
#include "redis_send.h"
#include "redis_reply.h"
#include "redis_walk.h"

struct sample_scan {
	char cursor[24];
	struct rv_array *keys;
};

/* [cursor, [key, ...]]: the keys are appended, the cursor kept. */
static int parse_scan(const redisReply *reply, void *arg)
{
	struct sample_scan *st = arg;

	return reply_scan_page(reply, st->cursor, sizeof st->cursor, st->keys);
}

int redis_sample_keys(struct redis_pool *pool, int db, const char *pattern, size_t max,
		      struct rv_array *keys, int *scanned_all)
{
	struct redis_cmd cmd;
	int *nodes = malloc(REDIS_MASTERS_MAX * sizeof *nodes);
	struct sample_scan st = {.keys = keys};
	size_t n;
	int ret = 0;

	*scanned_all = 1;
	if (!nodes)
		return -ENOMEM;
	n = redis_master_nodes(pool, nodes, REDIS_MASTERS_MAX);
	for (size_t i = 0; i < n && i < REDIS_MASTERS_MAX && !ret; i++) {
		strcpy(st.cursor, "0");
		do {
			redis_cmd_start(&cmd, "SCAN");
			redis_cmd_str(&cmd, st.cursor);
			redis_cmd_str(&cmd, "MATCH");
			redis_cmd_str(&cmd, pattern);
			redis_cmd_str(&cmd, "COUNT");
			redis_cmd_int(&cmd, SCAN_COUNT);
			ret = redis_node_command(pool, nodes[i], db, &cmd, parse_scan, &st);
		} while (!ret && strcmp(st.cursor, "0") && keys->count < max);
		if (!ret && keys->count >= max) {
			*scanned_all = strcmp(st.cursor, "0") == 0 && i + 1 >= n;
			break;
		}
	}
	free(nodes);
	return ret;
}

static int parse_members(const redisReply *reply, void *arg)
{
	size_t got = 0;

	return reply_push_strings(reply, arg, &got);
}

/* SSCAN / HSCAN's first page [cursor, [item, ...]]: its items. */
static int parse_first_page(const redisReply *reply, void *arg)
{
	size_t got = 0;

	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2)
		return -EIO;
	return reply_push_strings(reply->element[1], arg, &got);
}

int redis_sample_members(struct redis_pool *pool, int db, const char *key, size_t klen,
			 enum rv_type type, size_t max, struct rv_array *out)
{
	struct rv_array page = {0};
	struct redis_cmd cmd;
	size_t len;
	int ret;

	if (max == 0)
		return 0;
	switch (type) {
	case RV_LIST:
	case RV_ZSET:
		redis_cmd_start(&cmd, type == RV_LIST ? "LRANGE" : "ZRANGE");
		redis_cmd_arg(&cmd, key, klen);
		redis_cmd_int(&cmd, 0);
		redis_cmd_int(&cmd, (long long) max - 1);
		return redis_command(pool, db, &cmd, parse_members, out);
	case RV_SET:
	case RV_HASH:
		redis_cmd_start(&cmd, type == RV_SET ? "SSCAN" : "HSCAN");
		redis_cmd_arg(&cmd, key, klen);
		redis_cmd_int(&cmd, 0);
		redis_cmd_str(&cmd, "COUNT");
		redis_cmd_int(&cmd, (long long) max);
		ret = redis_command(pool, db, &cmd, parse_first_page, &page);
		/* a hash's page is field, value, field, ...: the members are its fields */
		for (size_t i = 0; !ret && i < page.count; i += type == RV_HASH ? 2 : 1) {
			const char *m = rv_array_get(&page, i, &len);

			ret = rv_array_push(out, m, len) ? -ENOMEM : 0;
		}
		rv_array_free(&page);
		return ret;
	default:
		return 0;
	}
}
