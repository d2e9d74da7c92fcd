/* redis_send.c - commands to a pool: to the one server, or through the cluster's routing. */
#include "redis_send.h"

#include <errno.h>
#include <stdlib.h>

#include "redis_node.h"
#include "redis_route.h"

int redis_pipeline(struct redis_pool *pool, int db, const struct redis_cmd *cmds, size_t count,
		   redis_parse_each_fn parse, void *arg)
{
	redisReply *few[8] = {NULL}, **replies = few;
	int ret;

	if (redis_pool_cluster(pool))
		return route_pipeline(pool, db, cmds, count, parse, arg);
	if (count > sizeof few / sizeof few[0]) {
		replies = calloc(count, sizeof *replies);
		if (!replies)
			return -ENOMEM;
	}
	ret = redis_node_exchange(pool, 0, db, cmds, count, replies);
	if (!ret)
		ret = redis_dispatch(pool, db, cmds, replies, count, parse, arg);
	redis_free_replies(replies, count);
	if (replies != few)
		free(replies);
	return ret;
}

int redis_command(struct redis_pool *pool, int db, const struct redis_cmd *cmd,
		  redis_parse_fn parse, void *arg)
{
	struct redis_single_parse single = {parse, arg};

	return redis_pipeline(pool, db, cmd, 1, redis_parse_single, &single);
}

int redis_node_command(struct redis_pool *pool, int node, int db, const struct redis_cmd *cmd,
		       redis_parse_fn parse, void *arg)
{
	if (redis_pool_cluster(pool))
		return route_node_command(pool, node, db, cmd, parse, arg);
	return redis_command(pool, db, cmd, parse, arg); /* one server: node 0 is all there is */
}
