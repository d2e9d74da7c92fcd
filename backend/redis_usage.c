/* redis_usage.c - what df shows of a server: its memory and its number of keys (INFO). */
#include "redis_usage.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "redis_route.h"
#include "redis_send.h"


/* The number after "\r\nNAME:" (or at the start) of INFO's text; false when absent. */
static bool info_field(const char *text, const char *name, unsigned long long *out)
{
	size_t n = strlen(name);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, name, n) && p[n] == ':') {
			*out = strtoull(p + n + 1, NULL, 10);
			return true;
		}
	}
	return false;
}

static int parse_memory(const redisReply *r, void *arg)
{
	struct redis_usage *node = arg;

	if (r->type != REDIS_REPLY_STRING)
		return -EIO;
	if (!info_field(r->str, "used_memory", &node->used_memory) ||
	    !info_field(r->str, "maxmemory", &node->maxmemory))
		return -EIO;
	if (!info_field(r->str, "total_system_memory", &node->system_memory))
		node->system_memory = 0;
	return 0;
}

/* "db0:keys=5,expires=3,avg_ttl=0" per database: the keys= of each line, summed. */
static int parse_keyspace(const redisReply *r, void *arg)
{
	unsigned long long *keys = arg;

	if (r->type != REDIS_REPLY_STRING)
		return -EIO;
	*keys = 0;
	for (const char *p = strstr(r->str, ":keys="); p; p = strstr(p + 1, ":keys="))
		*keys += strtoull(p + 6, NULL, 10);
	return 0;
}

int redis_usage(struct redis_pool *pool, struct redis_usage *u)
{
	int *nodes = malloc(REDIS_MASTERS_MAX * sizeof *nodes);
	bool unlimited = false;
	size_t count;
	int ret = 0;

	if (!nodes)
		return -ENOMEM;
	count = redis_master_nodes(pool, nodes, REDIS_MASTERS_MAX);
	if (count > REDIS_MASTERS_MAX)
		count = REDIS_MASTERS_MAX;
	memset(u, 0, sizeof *u);
	for (size_t i = 0; i < count && !ret; i++) {
		struct redis_usage node = {0};
		struct redis_cmd cmd;

		redis_cmd_start(&cmd, "INFO");
		redis_cmd_str(&cmd, "memory");
		ret = redis_node_command(pool, nodes[i], 0, &cmd, parse_memory, &node);
		redis_cmd_start(&cmd, "INFO");
		redis_cmd_str(&cmd, "keyspace");
		if (!ret)
			ret = redis_node_command(pool, nodes[i], 0, &cmd, parse_keyspace,
						 &node.keys);
		u->used_memory += node.used_memory;
		u->maxmemory += node.maxmemory;
		unlimited |= node.maxmemory == 0;
		/* cluster nodes may share a machine: the largest is the honest bound */
		if (node.system_memory > u->system_memory)
			u->system_memory = node.system_memory;
		u->keys += node.keys;
	}
	if (unlimited)
		u->maxmemory = 0;
	free(nodes);
	return ret;
}
