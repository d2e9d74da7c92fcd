/* redis_walk.c - a bound on the calls of one cursor walk (SCAN, SSCAN, HSCAN). */
#include "redis_walk.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "redis_send.h"
#include "redis_node.h"
#include "redis_reply.h"

#define WALK_CALLS_FLOOR    16384 /* calls any walk may make */
#define WALK_CALLS_PER_SIZE 8	  /* and per WALK_COUNT elements the server says it holds */

int redis_walk_bound_check(struct redis_pool *pool, int db, struct redis_walk_bound *b)
{
	struct redis_cmd cmd;
	long long size = 0;
	char line[128];
	int ret;

	if (!b->allowed)
		b->allowed = WALK_CALLS_FLOOR;
	if (++b->calls < b->allowed)
		return 0;
	if (b->key) {
		redis_cmd_start(&cmd, b->size_command);
		redis_cmd_arg(&cmd, b->key, b->klen);
		ret = redis_command(pool, db, &cmd, reply_integer, &size);
	} else {
		redis_cmd_start(&cmd, "DBSIZE");
		ret = redis_node_command(pool, b->node, db, &cmd, reply_integer, &size);
	}
	if (ret)
		return ret;
	if (size > 0 && size < LLONG_MAX / WALK_CALLS_PER_SIZE)
		b->allowed = WALK_CALLS_FLOOR + WALK_CALLS_PER_SIZE * (size / SCAN_COUNT + 1);
	if (b->calls < b->allowed)
		return 0;
	snprintf(line, sizeof line,
		 "redis: db%d: a cursor walk made %lld calls for %lld elements without ending", db,
		 b->calls, size);
	redis_pool_log(pool, line);
	return -EIO;
}
